import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.core.archiving import archive_toggle
from crm.core.audit import history_for
from crm.core.concurrency import versioned_edit
from crm.core.confidential import may_see_confidential
from crm.core.converters import arg_id, arg_page, parse_ids
from crm.core.errors import DomainError, committing, saving
from crm.core.forms import ConfirmForm
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit, may_export, role_at_least
from crm.core.urls import is_safe_redirect
from crm.extensions import db
from crm.network.models import SEAT_ROLES
from crm.segments import facets, services
from crm.segments.forms import RecipientsForm, SegmentForm
from crm.segments.models import Segment, SegmentUse

bp = Blueprint("segments", __name__)

SHOWN_RECIPIENTS = 500  # rows a recipients page lists; the counts cover all


def count_text(n: int, kind: str = "person") -> str:
    """'1 Person', '1.234 Personen' (German thousands separator)."""
    number = format_decimal(n)
    if kind == "contact":
        return ngettext("%(count)s contact", "%(count)s contacts", n, count=number)
    return ngettext("%(count)s person", "%(count)s persons", n, count=number)


# ------------------------------------------------------------------ list, detail


@bp.get("/verteiler")
def segment_list():
    archived = request.args.get("archived") == "1"
    segments = services.list_segments(archived=archived)
    return render_template("segments/segment_list.html", segments=segments, counts=services.counts_for(segments),
                           archived=archived, count_text=count_text)


def _load(segment_id: int) -> Segment:
    segment = db.session.scalar(select(Segment).where(Segment.id == segment_id).options(selectinload(Segment.owner)))
    if segment is None:
        abort(404)
    return segment


@bp.get("/verteiler/<id:segment_id>")
def segment_detail(segment_id: int):
    segment = _load(segment_id)
    context = {"segment": segment, "uses": services.uses_of(segment), "confirm": ConfirmForm(),
               "count_text": count_text}
    if segment.is_dynamic:
        tree = segment.filter or facets.empty_filter()
        context.update(lines=facets.describe_lines(tree), counted=services.count(tree),
                       persons=services.preview(tree, 50))
    else:
        context.update(members=services.members_page(segment, arg_page()))
    return render_template("segments/segment_detail.html", **context)


def _for_reader(resolution: services.Resolution) -> services.Resolution:
    """The recipients as the current user may read them: viewers see neither a person's private e-mail nor
    the private address a recipient written to privately gets (crm.core.confidential)."""
    if may_see_confidential():
        return resolution
    from dataclasses import replace

    from crm.contacts.models import Person

    ids = {r.person_id for r in resolution.recipients if r.person_id}
    rows = db.session.execute(select(Person.id, Person.email).where(Person.id.in_(ids))).all() if ids else []
    private_mail = dict(rows)
    shown = []
    for r in resolution.recipients:
        if r.person_id:
            email = "" if r.email and r.email == private_mail.get(r.person_id) else r.email
            addressee = r.addressee if r.affiliation_id else replace(r.addressee, street="", po_box="", postcode="",
                                                                     city="")
            r = replace(r, email=email, addressee=addressee)
        shown.append(r)
    return replace(resolution, recipients=shown)


@bp.get("/verteiler/<id:segment_id>/empfaenger")
def segment_recipients(segment_id: int):
    segment = _load(segment_id)
    form = RecipientsForm(request.args)
    rule = form.regel.data if form.regel.data in dict(form.regel.choices) else "person"
    channel = form.kanal.data if form.kanal.data in dict(form.kanal.choices) else ""
    form.regel.data, form.kanal.data = rule, channel
    resolution = _for_reader(services.resolve(segment, rule, channel or None))
    return render_template("segments/recipients.html", segment=segment, use=None, form=form, resolution=resolution,
                           shown=SHOWN_RECIPIENTS, count_text=count_text)


@bp.get("/verteiler/verwendungen/<id:use_id>")
def use_detail(use_id: int):
    use = db.get_or_404(SegmentUse, use_id)
    return render_template("segments/recipients.html", segment=use.segment, use=use, form=None,
                           resolution=_for_reader(services.use_resolution(use)), shown=SHOWN_RECIPIENTS,
                           count_text=count_text)


@bp.get("/verteiler/<id:segment_id>/verlauf")
def segment_history(segment_id: int):
    segment = db.get_or_404(Segment, segment_id)
    return render_template("core/history.html", record=segment, rows=history_for("segment", segment.id),
                           back_url=url_for("segments.segment_detail", segment_id=segment.id))


# ------------------------------------------------------------------ editor


def _shown_tree(raw) -> dict:
    """The conditions to show again after a refused save: as posted (conditions without a value kept)."""
    try:
        return facets.parse_filter(raw or "", strict=False, keep_empty=True)
    except DomainError:
        return facets.empty_filter()


def _editor(form: SegmentForm, segment: Segment | None):
    tree = _shown_tree(form.filter.data)
    form.filter.data = json.dumps(tree, ensure_ascii=False)
    chosen = (len(parse_ids(form.person_ids.data or "")), len(parse_ids(form.organisation_ids.data or "")))
    menu = facets.facet_menu()
    return render_template("segments/segment_form.html", form=form, segment=segment, tree=tree, facet_menu=menu,
                           facet_by_key={f["key"]: f for group in menu for f in group["facets"]},
                           roles=list(SEAT_ROLES.items()), chosen=chosen)


@bp.route("/verteiler/neu", methods=["GET", "POST"])
@can_edit
def segment_create():
    form = SegmentForm()
    if request.method == "GET":
        form.kind.data = "fixed" if request.args.get("art") == "fest" else "dynamic"
        form.person_ids.data = ",".join(map(str, parse_ids(request.args.get("personen", ""))))
        form.organisation_ids.data = ",".join(map(str, parse_ids(request.args.get("organisationen", ""))))
    if (done := replay(form, Segment, lambda s: url_for("segments.segment_detail", segment_id=s.id))) is not None:
        return done
    if form.validate_on_submit():
        with saving(form) as saved:
            segment = services.save_segment(None, form.data, owner=current_user)
            persons, organisations = parse_ids(form.person_ids.data or ""), parse_ids(form.organisation_ids.data or "")
            if segment.kind == "fixed" and (persons or organisations):
                services.add_members(segment, persons, organisations)
            remember_creation(form, segment)
        if saved:
            flash(_("The mailing list “%(name)s” has been saved.", name=segment.name), "success")
            return redirect(url_for("segments.segment_detail", segment_id=segment.id))
    return _editor(form, None)


@bp.route("/verteiler/<id:segment_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def segment_edit(segment_id: int):
    segment = db.get_or_404(Segment, segment_id)
    form = SegmentForm(obj=segment)
    if request.method == "GET":
        form.filter.data = json.dumps(segment.filter or facets.empty_filter())
    form.kind.data = segment.kind  # chosen once, at creation
    if form.validate_on_submit():
        with saving(form) as saved:
            with versioned_edit(segment, form.version.data):
                services.save_segment(segment, form.data)
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("segments.segment_detail", segment_id=segment.id))
    return _editor(form, segment)


@bp.post("/verteiler/vorschau")
@can_edit
def preview():
    """The live count and the first persons while the conditions are edited (segments.js; JSON)."""
    payload = request.get_json(silent=True)
    raw = payload.get("filter") if isinstance(payload, dict) else request.form.get("filter", "")
    try:
        tree = facets.parse_filter(raw if raw is not None else "", strict=False)
    except DomainError as error:
        return jsonify({"error": error.message}), 400
    counted = services.count(tree)
    persons = services.preview(tree)
    rows = []
    for p in persons:
        aff = p.primary_affiliation
        rows.append({"name": p.full_name, "url": url_for("contacts.person_detail", person_id=p.id),
                     "detail": " · ".join(x for x in (aff.function_name, aff.organisation.name) if x) if aff else "",
                     "objection": p.contact_objection})
    return jsonify({
        "count": counted.persons,
        "count_text": count_text(counted.persons),
        "objecting": counted.objecting,
        "objecting_text": ngettext("%(num)s of them objects to being contacted and is never written to.",
                                   "%(num)s of them object to being contacted and are never written to.",
                                   counted.objecting) if counted.objecting else "",
        "summary": facets.describe(tree),
        "preview": rows,
        "more_text": _("… and %(n)s more", n=format_decimal(counted.persons - len(rows)))
        if counted.persons > len(rows) else "",
        "empty_text": _("No person matches these conditions.") if not counted.persons else "",
    })


# ------------------------------------------------------------------ changes


@bp.post("/verteiler/<id:segment_id>/kopieren")
@can_edit
def segment_duplicate(segment_id: int):
    segment = db.get_or_404(Segment, segment_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("segments.segment_detail", segment_id=segment.id))
    copy = services.duplicate_segment(segment, owner=current_user)
    db.session.commit()
    flash(_("“%(name)s” has been created as a copy. Rename it and change what you need.", name=copy.name),
          "success")
    return redirect(url_for("segments.segment_edit", segment_id=copy.id))


@bp.post("/verteiler/<id:segment_id>/archivieren")
@can_edit
def segment_archive(segment_id: int):
    return archive_toggle(Segment, segment_id, True, lambda s: url_for("segments.segment_detail", segment_id=s.id))


@bp.post("/verteiler/<id:segment_id>/wiederherstellen")
@can_edit
def segment_restore(segment_id: int):
    return archive_toggle(Segment, segment_id, False, lambda s: url_for("segments.segment_detail", segment_id=s.id))


@bp.post("/verteiler/<id:segment_id>/mitglieder/entfernen")
@can_edit
def member_remove(segment_id: int):
    segment = db.get_or_404(Segment, segment_id)
    if ConfirmForm().validate_on_submit():
        with committing() as done:
            removed = services.remove_members(segment, request.form.getlist("member"))
        if done:
            flash(ngettext("%(num)d member removed.", "%(num)d members removed.", removed), "success")
    return redirect(url_for("segments.segment_detail", segment_id=segment.id))


# ------------------------------------------------------------------ selection in the contact lists


@bp.post("/auswahl")
@can_edit
def selection():
    """What the selection bar of the person and organisation lists does with the ticked contacts."""
    kind = "organisation" if request.form.get("kind") == "organisation" else "person"
    back = request.form.get("next", "")
    if not is_safe_redirect(back):
        back = url_for("contacts.organisation_list" if kind == "organisation" else "contacts.person_list")
    ids = parse_ids(request.form.getlist("ids"))
    action = request.form.get("action", "")
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    if not ids:
        flash(_("Please tick the contacts first (the boxes at the start of each row)."), "warning")
        return redirect(back)
    joined = ",".join(map(str, ids))
    if action == "new":
        key = "organisationen" if kind == "organisation" else "personen"
        return redirect(url_for("segments.segment_create", art="fest", **{key: joined}))
    if action.startswith("export:") and action[7:] in ("xlsx", "csv", "vcf"):
        endpoint = "exports.export_organisations" if kind == "organisation" else "exports.export_persons"
        return redirect(url_for(endpoint, fmt=action[7:], ids=joined))
    if action in ("letter", "labels") and may_export():
        # the letters part reads a selection as "p1,p2" (persons) or "o3,o4" (organisations)
        prefix = "o" if kind == "organisation" else "p"
        endpoint = "letters.run_create" if action == "letter" else "letters.labels"
        return redirect(url_for(endpoint, ids=",".join(f"{prefix}{i}" for i in ids)))
    segment = db.session.get(Segment, arg_id("segment_id", request.form) or 0)
    if action != "add" or segment is None:
        flash(_("Please choose the mailing list to add the contacts to."), "warning")
        return redirect(back)
    try:
        persons, organisations = (ids, []) if kind == "person" else ([], ids)
        added, already = services.add_members(segment, persons, organisations)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(back)
    db.session.commit()
    message = _("%(added)s added to “%(name)s”.", added=count_text(added, "contact"), name=segment.name)
    if already:
        message += " " + ngettext("%(num)d was on it already.", "%(num)d were on it already.", already)
    flash(message, "success")
    return redirect(back)


def _selection_bar(kind: str):
    if not role_at_least(current_user, "staff"):
        return None
    return {"kind": kind, "fixed_lists": services.list_segments(kind="fixed"),
            "next": request.full_path.rstrip("?"), "may_export": may_export()}


def person_selection_bar(page):
    return _selection_bar("person")


def organisation_selection_bar(page):
    return _selection_bar("organisation")


def _export_menu(kind: str):
    if not may_export():
        return None
    segments = services.list_segments()
    if not segments:
        return None
    formats = [("xlsx", _("Excel")), ("csv", _("CSV")), ("vcf", _("vCard"))]
    if kind == "person":
        formats.append(("zip", _("ZIP")))
    endpoint = "exports.export_organisations" if kind == "organisation" else "exports.export_persons"
    return {"segments": segments, "formats": formats, "endpoint": endpoint, "kind": kind}


def person_export_menu(page):
    return _export_menu("person")


def organisation_export_menu(page):
    return _export_menu("organisation")
