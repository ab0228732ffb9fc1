"""Meetings: list, create and change, the meeting page with agenda, documents and invitees.

Sending, the date poll, RSVP, check-in and feeds add their routes to this blueprint from their own
modules (mailing_views, poll_views, public_views, checkin_views, feed_views)."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.core import time as clock
from crm.core.concurrency import versioned_edit
from crm.core.converters import arg_id, arg_page
from crm.core.errors import DomainError, committing, put_error_on_form, saving
from crm.core.formatting import to_berlin
from crm.core.forms import ConfirmForm
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit, export_required
from crm.extensions import db
from crm.meetings import services
from crm.meetings.forms import AgendaItemForm, ChannelForm, DocumentForm, InviteForm, MeetingForm
from crm.meetings.models import CHANNELS, AgendaDocument, AgendaItem, Invitee, Meeting
from crm.network.models import Body

bp = Blueprint("meetings", __name__)


def _bodies() -> list[Body]:
    return list(db.session.scalars(db.select(Body).where(Body.archived_at.is_(None)).order_by(Body.name)))


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = services.load_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.get("/termine")
def meeting_list():
    scope = "past" if request.args.get("zeit") == "vergangen" else "upcoming"
    body_id = arg_id("gremium")
    page = services.meetings_page(scope, body_id, arg_page())
    counts = services.invitee_counts([m.id for m in page.items])
    return render_template("meetings/list.html", page=page, counts=counts, scope=scope, bodies=_bodies(),
                           body_id=body_id)


def _meeting_form(meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    form.body_id.choices = [(0, _("— free meeting, no body —"))] + [(b.id, b.name) for b in _bodies()]
    if meeting is not None and request.method == "GET":
        form.body_id.data = meeting.body_id or 0
        if meeting.starts_at:
            start = to_berlin(meeting.starts_at)
            form.day.data, form.start_time.data = start.date(), start.time()
        if meeting.ends_at:
            form.end_time.data = to_berlin(meeting.ends_at).time()
        if meeting.location_organisation:
            form.location_organisation_id.data = meeting.location_organisation_id
            form.location_organisation_label.data = meeting.location_organisation.name
    return form


def _meeting_data(form: MeetingForm) -> dict:
    day = form.day.data
    start = form.start_time.data
    end = form.end_time.data
    if day is None and (start or end):
        raise DomainError(_("Please enter the date, or leave the times empty."), field="day")
    if day is not None and start is None:
        raise DomainError(_("Please enter the start time."), field="start_time")
    starts_at = services.local_datetime_of(day, start.strftime("%H:%M")) if day else None
    ends_at = services.local_datetime_of(day, end.strftime("%H:%M")) if day and end else None
    return {
        "title": form.title.data, "kind": form.kind.data, "body_id": form.body_id.data or None,
        "starts_at": starts_at, "ends_at": ends_at,
        "location_organisation_id": int(form.location_organisation_id.data or 0) or None,
        "location": form.location.data, "online_url": form.online_url.data, "description": form.description.data,
    }


@bp.route("/termine/neu", methods=["GET", "POST"])
@can_edit
def meeting_create():
    form = _meeting_form()
    if request.method == "GET":
        body = db.session.get(Body, arg_id("gremium") or 0)
        if body is not None:
            form.body_id.data = body.id
            form.title.data = _("Meeting of %(body)s", body=body.name)
            form.kind.data = "working_circle" if body.kind in ("working_group", "project_group") else "session"
    if (done := replay(form, Meeting, lambda m: url_for("meetings.detail", meeting_id=m.id))) is not None:
        return done
    if form.validate_on_submit():
        try:
            data = _meeting_data(form)
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            with saving(form) as saved:
                meeting = services.save_meeting(None, data, organiser=current_user)
                remember_creation(form, meeting)
            if saved:
                invited = len(meeting.invitees)
                flash(_("Meeting “%(title)s” created.", title=meeting.title)
                      + (" " + _("%(count)s members and deputies of the body are on the list of invitees.",
                                 count=invited) if invited else ""), "success")
                return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None)


@bp.route("/termine/<id:meeting_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def meeting_edit(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        try:
            data = _meeting_data(form)
        except DomainError as error:
            put_error_on_form(form, error)
        else:
            with saving(form) as saved:
                with versioned_edit(meeting, form.version.data):
                    services.save_meeting(meeting, data)
                    changed = services.time_or_place_changed(meeting)
            if saved:
                flash(_("Changes saved."), "success")
                if changed and services.has_sent_invitations(meeting) and meeting.status != "cancelled":
                    flash(_("Time, place or title changed after invitations went out: please send the change to "
                            "the invitees (their calendars update themselves)."), "warning")
                return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting)


def _invite_form() -> InviteForm:
    from crm.segments import services as segments

    form = InviteForm()
    form.body_id.choices = [(0, _("— none —"))] + [(b.id, b.name) for b in _bodies()]
    form.segment_id.choices = [(0, _("— none —"))] + [(s.id, s.name) for s in segments.list_segments()]
    return form


@bp.get("/termine/<id:meeting_id>")
def detail(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    invitees = services.invitees_of(meeting)
    return render_template(
        "meetings/detail.html", meeting=meeting, invitees=invitees, place=services.place_text(meeting),
        deadline=services.invitation_deadline(meeting), late=services.is_late(meeting),
        agenda_form=AgendaItemForm(prefix="agenda"), document_form=DocumentForm(), invite_form=_invite_form(),
        confirm=ConfirmForm(), channels=CHANNELS, counts=services.invitee_counts([meeting.id]).get(meeting.id, {}),
        panels=_panels(meeting, invitees),
        has_begun=meeting.starts_at is not None and to_berlin(meeting.starts_at) <= clock.now())


def _panels(meeting: Meeting, invitees: list[Invitee]) -> list[str]:
    """Cards the other meeting modules contribute (sending, RSVP, attendance), where installed."""
    names = []
    for template in ("meetings/_mail_panel.html", "meetings/_rsvp_panel.html", "meetings/_attendance_panel.html"):
        try:
            current_app.jinja_env.get_template(template)
        except Exception:  # noqa: BLE001  (a module not built yet)
            continue
        names.append(template)
    return names


@bp.post("/termine/<id:meeting_id>/status")
@can_edit
def meeting_status(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    status = request.form.get("status", "")
    with committing() as done:
        services.set_status(meeting, status)
    if done:
        flash(_("Status: %(status)s.", status=meeting.status_label), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


# ------------------------------------------------------------------ agenda


@bp.post("/termine/<id:meeting_id>/tagesordnung")
@can_edit
def agenda_add(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = AgendaItemForm(prefix="agenda")
    if form.validate_on_submit():
        services.save_agenda_item(meeting, None, form.data)
        db.session.commit()
        flash(_("Agenda item added."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="tagesordnung"))


def _item_or_404(meeting_id: int, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        abort(404)
    return item


@bp.route("/termine/<id:meeting_id>/tagesordnung/<id:item_id>", methods=["GET", "POST"])
@can_edit
def agenda_edit(meeting_id: int, item_id: int):
    item = _item_or_404(meeting_id, item_id)
    form = AgendaItemForm(obj=item)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.save_agenda_item(item.meeting, item, form.data)
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tagesordnung"))
    return render_template("meetings/agenda_form.html", form=form, item=item, meeting=item.meeting)


@bp.post("/termine/<id:meeting_id>/tagesordnung/<id:item_id>/verschieben")
@can_edit
def agenda_move(meeting_id: int, item_id: int):
    item = _item_or_404(meeting_id, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.move_agenda_item(item, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tagesordnung"))


@bp.post("/termine/<id:meeting_id>/tagesordnung/<id:item_id>/dokumente")
@can_edit
def document_upload(meeting_id: int, item_id: int):
    item = _item_or_404(meeting_id, item_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        with committing() as done:
            document = services.add_document(item, upload.filename or "", upload.read(), current_user)
        if done:
            flash(_("“%(name)s” attached to “%(item)s”.", name=document.filename, item=item.title), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tagesordnung"))


def _document_or_404(meeting_id: int, document_id: int) -> AgendaDocument:
    document = db.session.get(AgendaDocument, document_id)
    if document is None or document.agenda_item.meeting_id != meeting_id:
        abort(404)
    return document


@bp.get("/termine/<id:meeting_id>/dokumente/<id:document_id>")
def document_download(meeting_id: int, document_id: int):
    document = _document_or_404(meeting_id, document_id)
    response = Response(document.content, mimetype=document.content_type)
    safe = document.filename.replace('"', "")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(safe)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@bp.post("/termine/<id:meeting_id>/dokumente/<id:document_id>/loeschen")
@can_edit
def document_delete(meeting_id: int, document_id: int):
    document = _document_or_404(meeting_id, document_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = document.filename
    db.session.delete(document)
    db.session.commit()
    flash(_("“%(name)s” removed.", name=name), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tagesordnung"))


@bp.post("/termine/<id:meeting_id>/tagesordnung/<id:item_id>/loeschen")
@can_edit
def agenda_delete(meeting_id: int, item_id: int):
    item = _item_or_404(meeting_id, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    title = item.title
    services.delete_agenda_item(item)
    db.session.commit()
    flash(_("Agenda item “%(title)s” removed.", title=title), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="tagesordnung"))


# ------------------------------------------------------------------ invitees


@bp.post("/termine/<id:meeting_id>/eingeladene")
@can_edit
def invitees_add(meeting_id: int):
    from crm.segments.models import Segment

    meeting = _meeting_or_404(meeting_id)
    form = _invite_form()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="eingeladene"))
    person_ids = [int(form.person_id.data)] if (form.person_id.data or "").isdigit() else []
    organisation_ids = [int(form.organisation_id.data)] if (form.organisation_id.data or "").isdigit() else []
    body_ids = [form.body_id.data] if form.body_id.data else []
    segment = db.session.get(Segment, form.segment_id.data) if form.segment_id.data else None
    if not (person_ids or organisation_ids or body_ids or segment):
        flash(_("Please choose a person, an organisation, a body or a mailing list."), "warning")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="eingeladene"))
    result = services.invite(meeting, person_ids, organisation_ids, body_ids, segment)
    db.session.commit()
    message = _("%(count)s added to the invitees.", count=result.added)
    if result.already:
        message += " " + _("%(count)s were invited already.", count=result.already)
    flash(message, "success" if result.added else "info")
    if result.left_out:
        shown = result.left_out[:10]
        more = len(result.left_out) - len(shown)
        flash(_("Not invited: %(names)s", names="; ".join(shown))
              + (" " + _("and %(count)s more", count=more) if more else ""), "warning")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="eingeladene"))


def _invitee_or_404(meeting_id: int, invitee_id: int) -> Invitee:
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or invitee.meeting_id != meeting_id:
        abort(404)
    return invitee


@bp.post("/termine/<id:meeting_id>/eingeladene/<id:invitee_id>/weg")
@can_edit
def invitee_channel(meeting_id: int, invitee_id: int):
    invitee = _invitee_or_404(meeting_id, invitee_id)
    form = ChannelForm()
    if form.validate_on_submit():
        with committing() as done:
            services.set_channel(invitee, form.channel.data)
        if done:
            flash(_("%(name)s is invited by %(channel)s.", name=invitee.person.full_name,
                    channel=CHANNELS[invitee.channel]), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="eingeladene"))


@bp.post("/termine/<id:meeting_id>/eingeladene/<id:invitee_id>/entfernen")
@can_edit
def invitee_remove(meeting_id: int, invitee_id: int):
    invitee = _invitee_or_404(meeting_id, invitee_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = invitee.person.full_name
    with committing() as done:
        services.remove_invitee(invitee)
    if done:
        flash(_("%(name)s removed from the invitees.", name=name), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id, _anchor="eingeladene"))


@bp.post("/termine/<id:meeting_id>/briefe")
@export_required
def invitation_letters(meeting_id: int):
    """The invitations by post (invitees without e-mail or who want post) as one Word file."""
    from crm.meetings.invitation_letters import write_invitation_letters

    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        run, excluded = write_invitation_letters(meeting, request.form.get("text", "")[:5000], current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    if run is None:
        db.session.commit()  # the failed messages of those without a postal address
        if excluded:
            flash(_("No letter for: %(names)s", names="; ".join(excluded)), "warning")
        else:
            flash(_("Nobody left to invite by letter."), "info")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    db.session.commit()
    flash(_("%(count)s invitation letters written.", count=run.recipient_count), "success")
    if excluded:
        flash(_("No letter for: %(names)s", names="; ".join(excluded)), "warning")
    return redirect(url_for("letters.run_detail", run_id=run.id))
