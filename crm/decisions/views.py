"""Minutes of a meeting: text per agenda item, decisions with their check, the minutes as Word."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.core.converters import parse_ids
from crm.core.errors import DomainError
from crm.core.formatting import time_span
from crm.core.permissions import can_edit, export_required, role_required
from crm.decisions import documents, services
from crm.extensions import db
from crm.meetings import services as meetings
from crm.meetings.models import AgendaItem, Meeting

bp = Blueprint("decisions", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _meeting(meeting_id: int) -> Meeting:
    meeting = meetings.load_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda_items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _input() -> services.ItemInput:
    form = request.form
    return services.ItemInput(
        present=set(parse_ids(form.getlist("present"))), conflicted=set(parse_ids(form.getlist("conflicted"))),
        yes=form.get("yes", ""), no=form.get("no", ""), abstain=form.get("abstain", ""),
        project_id=(parse_ids([form.get("project_id", "")]) or [None])[0], text=form.get("text", ""))


def _page(meeting: Meeting, posted: dict | None = None, checks: dict | None = None, errors: dict | None = None):
    stored = services.minutes_of(meeting)
    forms = {}
    members = services.members(meeting)
    for item in meeting.agenda_items:
        decision = stored["decisions"].get(item.id)
        entry = stored["entries"].get(item.id)
        if posted and item.id in posted:
            data = posted[item.id]
        elif decision is not None:
            data = services.ItemInput(
                present=set(decision.check_result.get("present_ids", [])),
                conflicted=set(decision.check_result.get("conflicted_ids", [])), yes=decision.votes_yes,
                no=decision.votes_no, abstain=decision.votes_abstain, project_id=decision.project_id,
                text=entry.text if entry else "")
        else:
            data = services.ItemInput(present=services.attended_ids(meeting), text=entry.text if entry else "")
        forms[item.id] = data
    return render_template(
        "decisions/minutes.html", meeting=meeting, members=members, forms=forms, stored=stored,
        checks=checks or {}, errors=errors or {}, projects=services.project_choices(),
        when=time_span(meeting.starts_at, meeting.ends_at), place=meetings.place_text(meeting),
        thresholds=services.thresholds(meeting) if meeting.body else None)


@bp.get("/termine/<id:meeting_id>/protokoll")
@role_required("viewer")
def minutes(meeting_id: int):
    return _page(_meeting(meeting_id))


@bp.post("/termine/<id:meeting_id>/protokoll/<id:item_id>")
@can_edit
def item_save(meeting_id: int, item_id: int):
    """One agenda item: its minutes text and, for an item with a vote, "Prüfen" (the check in words,
    nothing stored) or "Beschluss speichern" (stored with the check as it stands)."""
    meeting = _meeting(meeting_id)
    item = _item(meeting, item_id)
    data = _input()
    action = request.form.get("action", "text")
    try:
        if action == "check":
            result = services.check(meeting, item, data)
            return _page(meeting, posted={item.id: data}, checks={item.id: result})
        services.save_minutes_text(item, data.text)
        if action == "save":
            decision = services.save_decision(meeting, item, data)
            message = _("Decision saved: %(result)s.", result=decision.result_label)
        else:
            message = _("Minutes saved.")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        meeting = _meeting(meeting_id)
        return _page(meeting, posted={item_id: data}, errors={item_id: error.message}), 422
    flash(message, "success")
    return redirect(url_for("decisions.minutes", meeting_id=meeting.id) + f"#item-{item.id}")


@bp.get("/termine/<id:meeting_id>/protokoll.docx")
@export_required
def minutes_docx(meeting_id: int):
    meeting = _meeting(meeting_id)
    data = documents.minutes_docx(meeting)
    response = Response(data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{documents.filename(meeting)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
