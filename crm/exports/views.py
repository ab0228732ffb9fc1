"""Downloads of persons and organisations: one vCard, and the filtered lists (or ticked ones, or the
recipients of a Verteiler) as CSV, XLSX, vCard, ZIP."""
import os

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.contacts.models import Organisation, Person
from crm.contacts.services import ContactFilters
from crm.core.audit import count_of, record_export, request_filters
from crm.core.confidential import may_see_confidential
from crm.core.converters import arg_id, parse_ids
from crm.core.formatting import whole_number
from crm.core.permissions import EXPORT_ROLE, export_required, role_required
from crm.exports import jobs as export_jobs
from crm.exports import services
from crm.extensions import db
from crm.imports.models import ContactDetail
from crm.interop.tabular import csv_response_rows, file_chunks, xlsx_file
from crm.interop.vcard import organisation_vcard_for, vcard_for
from crm.jobs import files
from crm.jobs import services as jobs_services
from crm.jobs.models import Job
from crm.jobs.views import own_job

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


def _values():
    """The list's filters, ticked ids or ?segment=: the query of a GET, the hidden fields of the POST that
    starts a big export (exports/confirm.html)."""
    return request.form if request.method == "POST" else request.args


def _source(kind: str):
    """(filters, ids, use id) of what to export: segment=<id> (a Verteiler, its use recorded and flushed:
    the caller commits it with the export or rolls it back), else the list's filters and the ticked ids.
    An empty or deleted Verteiler is not exported: the user is told."""
    from crm.segments import services as segments
    from crm.segments.models import Segment

    values = _values()
    segment_id = arg_id("segment", values)
    if segment_id is None:
        return ContactFilters.from_args(values), _selected_ids(), None
    segment = db.session.get(Segment, segment_id)
    if segment is None:
        flash(_("This mailing list does not exist (any more); nothing was exported."), "warning")
        abort(redirect(url_for("segments.segment_list")))
    use = segments.record_export(segment, kind)
    column = "organisation_id" if kind == "organisation" else "person_id"
    if not db.session.scalar(select(func.count()).select_from(segments.use_ids(use, column).subquery())):
        db.session.rollback()
        flash(_("The mailing list “%(name)s” has no recipients at the moment; nothing was exported.",
                name=segment.name), "warning")
        abort(redirect(url_for("segments.segment_detail", segment_id=segment.id)))
    return ContactFilters(archived="all"), segments.use_ids(use, column), use.id


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


@bp.route("/export/personen.<fmt>", methods=["GET", "POST"])
@export_required
def export_persons(fmt: str):
    """The list as a file: directly when it is small; above EXPORT_JOB_THRESHOLD a GET asks and the POST of
    its button starts a job (_big_export)."""
    if fmt not in ("vcf", "zip", "csv", "xlsx"):
        abort(404)
    filters, ids, use_id = _source("person")
    stmt = services.persons_query(filters, ids)
    rows = count_of(stmt)
    private = may_see_confidential()
    if rows > export_jobs.threshold() or request.method == "POST":
        name = _("persons-vcards") if fmt == "zip" else _("persons")
        return _big_export("person", fmt, filters, ids, use_id, rows, private=private,
                           filename=services.export_filename(name, fmt))
    record_export("person", fmt, rows)
    db.session.commit()  # audited (and the Verteiler's use recorded) before the file streams
    session = services.export_session()
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


@bp.route("/export/organisationen.<fmt>", methods=["GET", "POST"])
@export_required
def export_organisations(fmt: str):
    """As export_persons."""
    if fmt not in ("vcf", "csv", "xlsx"):
        abort(404)
    filters, ids, use_id = _source("organisation")
    stmt = services.organisations_query(filters, ids)
    rows = count_of(stmt)
    if rows > export_jobs.threshold() or request.method == "POST":
        return _big_export("organisation", fmt, filters, ids, use_id, rows, private=True,
                           filename=services.export_filename(_("organisations"), fmt))
    record_export("organisation", fmt, rows)
    db.session.commit()  # audited (and the Verteiler's use recorded) before the file streams
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


# ----------------------------------------------------------------------------- big exports as jobs


def _carried(values, leave_out=()) -> dict:
    """The list's filters, ticked ids or Verteiler of a request ({name: [values]}), as the confirmation page
    carries them to its POST: without the CSRF token and url_for's own names (_method, fmt ...)."""
    return {key: value for key, value in values.to_dict(flat=False).items()
            if key != "csrf_token" and key != "fmt" and not key.startswith("_") and key not in leave_out}


def _list_url(entity: str, values) -> str:
    """Back to where the export was chosen: the Verteiler, or the list with its filters."""
    segment_id = arg_id("segment", values)
    if segment_id is not None:
        return url_for("segments.segment_detail", segment_id=segment_id)
    return url_for("contacts.organisation_list" if entity == "organisation" else "contacts.person_list",
                   **_carried(values, leave_out=("ids", "page")))


def _big_export(entity: str, fmt: str, filters, ids, use_id, rows: int, *, private: bool, filename: str):
    """A list above EXPORT_JOB_THRESHOLD. A GET changes nothing (the Verteiler's use is rolled back) and
    asks: a page with the number of rows and a button; its POST (CSRF token, the same filters as hidden
    fields) counts again and starts the job. A list that has become small meanwhile is exported directly,
    one that has become empty is not."""
    if request.method == "GET":
        db.session.rollback()
        hidden = [(key, value) for key, values in _carried(request.args).items() for value in values]
        return render_template("exports/confirm.html", rows=rows, filename=filename, hidden=hidden,
                               action=url_for(request.endpoint, fmt=fmt), back=_list_url(entity, request.args),
                               keep_hours=files.keep_hours_text())
    if not rows:
        db.session.rollback()
        flash(_("The list is empty now (nothing matches its filters any more); nothing was exported."), "warning")
        return redirect(_list_url(entity, request.form))
    if rows <= export_jobs.threshold():
        db.session.rollback()
        return redirect(url_for(request.endpoint, fmt=fmt, **_carried(request.form)))
    return _start_job(entity, fmt, filters, ids, use_id, rows, private=private, filename=filename)


def _start_job(entity: str, fmt: str, filters, ids, use_id, rows: int, *, private: bool, filename: str):
    """A job writes the file (crm/exports/jobs.py); the user is led to its page with the progress bar and,
    when it is done, the download (audited then)."""
    files.remove_expired()
    spec = export_jobs.spec_of(entity, fmt, filters, ids, use_id, private=private, filename=filename,
                               audit_filters=request_filters())
    try:
        job_id = jobs_services.enqueue(export_jobs.JOB, spec, kind=export_jobs.KIND, total=rows, user=current_user,
                              message=filename)
    except jobs_services.QueueUnavailable as problem:
        db.session.rollback()
        flash(problem.message, "danger")
        return redirect(url_for("jobs.job_list"))
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    if job.status == "failed":
        flash(job.message, "danger")
    elif job.status != "done":
        flash(_("This list has %(count)s rows, more than can be sent at once: the file is made in the background. "
                "You may leave this page; the file is listed under “My jobs” and kept for %(hours)s hours.",
                count=whole_number(rows), hours=files.keep_hours_text()), "info")
    return redirect(url_for("exports.job_page", export_id=job_id))


@bp.get("/export/auftraege/<id:export_id>")
@role_required(EXPORT_ROLE)
def job_page(export_id: int):
    """The export job's progress and, when done, its file (for the user who started it)."""
    job = own_job(export_id, export_jobs.KIND)
    return render_template(
        "jobs/file_job.html", heading=_("Export"), unit=_("rows"),
        download_url=url_for("exports.job_download", export_id=job.id),
        not_for_you=_("Only the user who started an export can download its file."),
        interrupted=_("The export was interrupted (its worker stopped). Start it again from the list."),
        **files.page_values(job, export_jobs.KIND))


@bp.get("/export/auftraege/<id:export_id>/datei")
@role_required(EXPORT_ROLE)
def job_download(export_id: int):
    """The finished export, only for the user who started it; audited like the direct export (its
    filter and number of rows), at each download."""
    job = own_job(export_id, export_jobs.KIND)
    if not files.is_starter(job):  # an administrator sees the job, but the file is the starter's
        flash(_("Only the user who started an export can download its file."), "warning")
        return redirect(url_for("exports.job_page", export_id=job.id))
    files.remove_expired()
    path = export_jobs.file_of(job)
    if path is None:
        flash(_("This file is not available (any more): exports are kept for %(hours)s hours.",
                hours=files.keep_hours_text()), "warning")
        return redirect(url_for("exports.job_page", export_id=job.id))
    details = job.details or {}
    record_export(details.get("entity", "person"), details.get("fmt", ""), int(details.get("rows") or 0),
                  filters=details.get("filters") or {})
    db.session.commit()  # audited before the file is sent
    return files.download(path, export_jobs.MIMETYPES.get(details.get("fmt"), "application/octet-stream"),
                          details.get("filename") or "export")
