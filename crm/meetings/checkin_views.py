"""Check-in at the door (a tablet, also offline), attendance after the meeting, the signature list."""
import hashlib
import json
from pathlib import Path

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from crm.core.converters import parse_ids
from crm.core.errors import DomainError
from crm.core.forms import ConfirmForm
from crm.core.permissions import can_edit, export_required
from crm.extensions import db
from crm.interop import attendance_list
from crm.meetings import attendance, services
from crm.meetings.models import Meeting
from crm.meetings.views import bp

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# What the service worker keeps for the day without network, besides the page and its data.
OFFLINE_ASSETS = ("vendor/bootstrap.min.css", "app.css", "checkin.css", "checkin.js", "favicon.svg")


def _meeting(meeting_id: int) -> Meeting:
    meeting = services.load_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _texts() -> dict:
    """What checkin.js says, in the user's language ({name} etc. filled in by the script)."""
    return {
        "present": _("Present"), "absent": _("Not here yet"), "since": _("since {time}"),
        "voting": _("with a vote"), "walk_in": _("came without invitation"),
        "counts": _("{present} of {invited} present"), "counts_voting": _(", {voting} of them with a vote"),
        "waiting_one": _("1 entry waiting to be sent"), "waiting_many": _("{count} entries waiting to be sent"),
        "all_sent": _("All sent"), "sending": _("Sending …"),
        "offline": _("No network: entries are kept on this device and sent later."),
        "login_again": _("The server asks for a new login: please log in again in another tab; "
                         "the entries stay on this device."),
        "send_failed": _("Sending failed; the next try follows automatically."),
        "refused": _("Not saved: {name}: {message}"),
        "undo_question": _("Take back the check-in of {name}?"),
        "already_listed": _("{name} is already on the list. Check in this person now?"),
        "matches": _("Persons of this name in the contacts: is it one of them?"),
        "guest": str(attendance.DOOR_ROLES["guest"]), "invited": _("invited"), "new_person": _("No, add a new person"),
        "no_hits": _("Nobody on the list matches “{query}”."), "add_as_guest": _("Add “{query}” as a guest"),
        "hits": _("{count} shown"), "load_failed": _("The list of invitees could not be loaded."),
        "stale": _("List as of {time} (no network)"),
        "walk_in_added": _("{name} added as a guest and checked in."),
        "checked_in": _("{name} checked in."), "taken_back": _("Check-in of {name} taken back."),
        "cleared": _("The offline data of this meeting were deleted from this device."),
        "clear_refused": _("There are entries not sent yet: they are only deleted once sent."),
    }


@bp.get("/termine/<id:meeting_id>/check-in")
@can_edit
def checkin(meeting_id: int):
    meeting = _meeting(meeting_id)
    return render_template("meetings/checkin.html", meeting=meeting, place=services.place_text(meeting),
                           texts=_texts())


@bp.get("/termine/<id:meeting_id>/check-in/daten.json")
@can_edit
def checkin_data(meeting_id: int):
    meeting = _meeting(meeting_id)
    return jsonify({**attendance.door_data(meeting), "csrf_token": generate_csrf()})


@bp.get("/termine/<id:meeting_id>/check-in/personen")
@can_edit
def checkin_people(meeting_id: int):
    """Persons of exactly the name typed for a walk-in (the choice shown before a new person is made)."""
    meeting = _meeting(meeting_id)
    invited = {i.person_id for i in meeting.invitees}
    matches = attendance.exact_matches(request.args.get("vorname", "")[:100], request.args.get("nachname", "")[:100])
    return jsonify({"matches": [{
        "id": p.id, "name": p.full_name, "invited": p.id in invited,
        "organisation": p.primary_affiliation.organisation.name if p.primary_affiliation else ""}
        for p in matches]})


def _worker_script(meeting: Meeting) -> str:
    """crm/static/checkin-sw.js behind its settings: which URLs to keep, and a version that changes
    with the assets (a changed script makes the browser install the new worker)."""
    static = Path(current_app.static_folder)
    source = (static / "checkin-sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode())
    for name in OFFLINE_ASSETS:
        path = static / name
        digest.update(path.read_bytes() if path.exists() else b"")
    settings = {
        "meetingId": meeting.id,
        "version": digest.hexdigest()[:12],
        "page": url_for("meetings.checkin", meeting_id=meeting.id),
        "data": url_for("meetings.checkin_data", meeting_id=meeting.id),
        "assets": [url_for("static", filename=name) for name in OFFLINE_ASSETS],
    }
    return f"self.CHECKIN = {json.dumps(settings)};\n{source}"


@bp.get("/termine/<id:meeting_id>/check-in/sw.js")
@can_edit
def checkin_worker(meeting_id: int):
    meeting = _meeting(meeting_id)
    response = Response(_worker_script(meeting), mimetype="text/javascript")
    # the page itself (…/check-in) lies one level above the script: allow the worker to control it
    response.headers["Service-Worker-Allowed"] = url_for("meetings.checkin", meeting_id=meeting.id)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.post("/termine/<id:meeting_id>/check-in/sync")
@can_edit
def checkin_sync(meeting_id: int):
    """The tablet's queue: JSON {"entries": [...]} (see attendance.sync). Answers one result per entry;
    the same entries sent again add nothing."""
    meeting = _meeting(meeting_id)
    payload = request.get_json(silent=True)
    entries = payload.get("entries", []) if isinstance(payload, dict) else (payload or [])
    for attempt in (1, 2):
        try:
            results = attendance.sync(meeting, entries, current_user)
            db.session.commit()
            break
        except DomainError as error:
            db.session.rollback()
            return jsonify({"error": error.message}), 400
        except (IntegrityError, StaleDataError):
            # another tablet sent the same entry (or changed the same invitee) at the same moment:
            # once more, the entries already saved are then "known"
            db.session.rollback()
            if attempt == 2:
                raise
            meeting = _meeting(meeting_id)
    c = attendance.counts(services.invitees_of(meeting))
    return jsonify({"results": [r.as_dict() for r in results], "counts_text": attendance.counts_text(c)})


@bp.route("/termine/<id:meeting_id>/anwesenheit", methods=["GET", "POST"])
@can_edit
def attendance_form(meeting_id: int):
    """Attendance ticked after the meeting (from the paper list), and the meeting marked as held."""
    meeting = _meeting(meeting_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            changed = attendance.set_attendance(meeting, parse_ids(request.form.getlist("shown")),
                                                parse_ids(request.form.getlist("present")))
            if request.form.get("held"):
                attendance.mark_held(meeting)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            flash(_("Attendance saved (%(count)s changed).", count=changed), "success")
            return redirect(url_for("meetings.attendance_form", meeting_id=meeting.id))
    invitees = services.invitees_of(meeting)
    return render_template("meetings/attendance_form.html", meeting=meeting, invitees=invitees, form=form,
                           counts=attendance.counts(invitees), counts_text=attendance.counts_text)


@bp.get("/termine/<id:meeting_id>/anwesenheitsliste.docx")
@export_required
def signature_list(meeting_id: int):
    from crm.core.audit import record_export

    meeting = _meeting(meeting_id)
    sheet = attendance.signature_sheet(meeting)
    data = attendance_list.build(sheet)
    record_export("meeting", "docx", sum(len(section.rows) for section in sheet.sections), entity_id=meeting.id,
                  label=meeting.audit_label())
    db.session.commit()
    response = Response(data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{attendance.signature_filename(meeting)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
