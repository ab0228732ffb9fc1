"""Downloads of persons and organisations: one vCard, and the filtered lists (or ticked ones, or the
recipients of a Verteiler) as CSV, XLSX, vCard, ZIP."""
import os

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.contacts.models import Organisation, Person
from crm.contacts.services import ContactFilters
from crm.core.audit import count_of, record_export
from crm.core.confidential import may_see_confidential
from crm.core.converters import arg_id, parse_ids
from crm.core.permissions import export_required
from crm.exports import services
from crm.extensions import db
from crm.imports.models import ContactDetail
from crm.interop.tabular import csv_response_rows, file_chunks, xlsx_file
from crm.interop.vcard import organisation_vcard_for, vcard_for

bp = Blueprint("exports", __name__)


def _download(body, mimetype: str, filename: str) -> Response:
    # content_type, not mimetype: the type carries its charset already ("text/csv; charset=utf-8"),
    # and mimetype= would add a second one
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_download(workbook, filename: str) -> Response:
    """A workbook made in a temporary file (crm.interop.tabular.xlsx_file), sent in pieces: a list of
    100,000 persons is not held in memory as a whole. The file is closed (and gone) at the end."""
    size = os.fstat(workbook.fileno()).st_size
    response = _download(file_chunks(workbook), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         filename)
    response.content_length = size
    return response


def _selected_ids() -> list[int] | None:
    raw = request.values.getlist("ids") or [request.values.get("ids", "")]
    ids = parse_ids(raw)
    return ids or None


def _source(kind: str):
    """(filters, ids) of what to export: ?segment=<id> (a Verteiler, recorded as a use), else the
    list's filters and the ticked ids. An empty Verteiler is not exported: the user is told."""
    from crm.segments import services as segments
    from crm.segments.models import Segment

    segment_id = arg_id("segment")
    if segment_id is None:
        return ContactFilters.from_args(request.args), _selected_ids()
    segment = db.get_or_404(Segment, segment_id)
    use = segments.record_export(segment, kind)
    column = "organisation_id" if kind == "organisation" else "person_id"
    if not db.session.scalar(select(func.count()).select_from(segments.use_ids(use, column).subquery())):
        db.session.rollback()
        flash(_("The mailing list “%(name)s” has no recipients at the moment; nothing was exported.",
                name=segment.name), "warning")
        abort(redirect(url_for("segments.segment_detail", segment_id=segment.id)))
    db.session.commit()  # the use is recorded before the file streams
    return ContactFilters(archived="all"), segments.use_ids(use, column)


@bp.get("/vcard/personen/<id:person_id>.vcf")
def vcard_person(person_id: int):
    person = db.get_or_404(Person, person_id)
    details = [(d.kind, d.label, d.value) for d in db.session.scalars(
        select(ContactDetail).where(ContactDetail.person_id == person.id).order_by(ContactDetail.id))]
    record_export("person", "vcf", 1, entity_id=person.id, label=person.audit_label())
    db.session.commit()
    card = vcard_for(person, extra=details, private=may_see_confidential())
    return _download(card.encode("utf-8"), "text/vcard; charset=utf-8",
                     services.vcard_filename(person))


@bp.get("/vcard/organisationen/<id:org_id>.vcf")
def vcard_organisation(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    record_export("organisation", "vcf", 1, entity_id=org.id, label=org.audit_label())
    db.session.commit()
    return _download(organisation_vcard_for(org).encode("utf-8"), "text/vcard; charset=utf-8",
                     services.organisation_vcard_filename(org))


@bp.get("/export/personen.<fmt>")
@export_required
def export_persons(fmt: str):
    if fmt not in ("vcf", "zip", "csv", "xlsx"):
        abort(404)
    filters, ids = _source("person")
    stmt = services.persons_query(filters, ids)
    record_export("person", fmt, count_of(stmt))
    db.session.commit()  # audited before the file streams
    session = services.export_session()
    private = may_see_confidential()
    if fmt == "vcf":
        body = services.closing(session, services.vcard_bytes_stream(stmt, session, private=private))
        return _download(body, "text/vcard; charset=utf-8", services.export_filename(_("persons"), "vcf"))
    if fmt == "zip":
        body = services.closing(session, services.vcard_zip_stream(stmt, session, private=private))
        return _download(body, "application/zip", services.export_filename(_("persons-vcards"), "zip"))
    if fmt == "csv":
        rows = services.person_rows(stmt, session, private=may_see_confidential())
        body = services.closing(session, csv_response_rows(services.person_header(), rows))
        return _download(body, "text/csv; charset=utf-8", services.export_filename(_("persons"), "csv"))
    try:
        workbook = xlsx_file(services.person_header(),
                             services.person_rows(stmt, session, private=may_see_confidential()),
                             sheet_title=_("Persons"))
    finally:
        session.close()
    return _xlsx_download(workbook, services.export_filename(_("persons"), "xlsx"))


@bp.get("/export/organisationen.<fmt>")
@export_required
def export_organisations(fmt: str):
    if fmt not in ("vcf", "csv", "xlsx"):
        abort(404)
    filters, ids = _source("organisation")
    stmt = services.organisations_query(filters, ids)
    record_export("organisation", fmt, count_of(stmt))
    db.session.commit()  # audited before the file streams
    session = services.export_session()
    if fmt == "vcf":
        body = services.closing(session, services.organisation_vcard_bytes_stream(stmt, session))
        return _download(body, "text/vcard; charset=utf-8", services.export_filename(_("organisations"), "vcf"))
    rows = services.organisation_rows(stmt, session)
    if fmt == "csv":
        body = services.closing(session, csv_response_rows(services.organisation_header(), rows))
        return _download(body, "text/csv; charset=utf-8", services.export_filename(_("organisations"), "csv"))
    try:
        workbook = xlsx_file(services.organisation_header(), rows, sheet_title=_("Organisations"))
    finally:
        session.close()
    return _xlsx_download(workbook, services.export_filename(_("organisations"), "xlsx"))
