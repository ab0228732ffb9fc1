"""The invitee's personal pages, reached by the secret link without login: the date poll and the answer
to the invitation. An unknown (or revoked) token is the ordinary 404 and reveals nothing.

Seen by mayors and association chairs, not by users: a minimal layout, nothing but the meeting and
the invitee's own name.
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.core.converters import parse_id
from crm.core.errors import DomainError
from crm.extensions import db, limiter
from crm.meetings import polls, services
from crm.meetings import rsvp as rsvp_service
from crm.meetings.models import POLL_ANSWERS
from crm.meetings.views import bp

# A person answers a few times at most; this only stops a script hammering the links.
DEFAULT_PUBLIC_ANSWER_LIMIT = "20 per minute; 200 per hour"


def _answer_limit() -> str:
    return current_app.config.get("PUBLIC_ANSWER_RATE_LIMIT", DEFAULT_PUBLIC_ANSWER_LIMIT)


def _private(response):
    """Personal pages: never in a shared cache, never sending the token on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _render(template: str, status: int = 200, **context):
    response = current_app.make_response((render_template(template, **context), status))
    return _private(response)


def _posted_answers() -> dict:
    """{slot id: answer} from the radio groups "slot-<id>"; an unreadable id stays None (refused)."""
    return {parse_id(key[5:]): value for key, value in request.form.items() if key.startswith("slot-")}


@bp.route("/umfrage/<token>", methods=["GET", "POST"])
@limiter.limit(_answer_limit, methods=["POST"])
def poll_answer(token: str):
    invitee = polls.load_for_answer(token)
    if invitee is None:
        abort(404)
    meeting = invitee.meeting
    chosen = {a.slot_id: a.answer for a in invitee.answers}
    comment = invitee.poll_comment
    error, status = None, 200
    if request.method == "POST":
        chosen, comment = _posted_answers(), request.form.get("comment", "")
        try:
            polls.answer(invitee, chosen, comment)
        except DomainError as refused:
            db.session.rollback()
            closed = meeting.poll_status != "open" or polls.deadline_passed(meeting)
            error, status = refused.message, 409 if closed else 422
            if closed:
                chosen = {a.slot_id: a.answer for a in invitee.answers}
                comment = invitee.poll_comment
        else:
            db.session.commit()
            flash(_("Thank you! Your answer has been saved. You can change it here while the poll is open."),
                  "success")
            return _private(redirect(url_for("meetings.poll_answer", token=token)))
    return _render("meetings/public_poll.html", status, invitee=invitee, meeting=meeting, chosen=chosen,
                   comment=comment, error=error, answers=POLL_ANSWERS, slot_text=polls.slot_text,
                   closed_message=polls.closed_message(meeting) if meeting.poll_status == "closed" else None,
                   deadline=meeting.poll_deadline,
                   late_message=polls.deadline_message(meeting) if polls.deadline_passed(meeting) else None)


@bp.route("/antwort/<token>", methods=["GET", "POST"], endpoint="rsvp")
@limiter.limit(_answer_limit, methods=["POST"])
def rsvp_answer(token: str):
    invitee = services.invitee_by_token(token)
    if invitee is None:
        abort(404)
    meeting = services.load_meeting(invitee.meeting_id)
    state, comment = invitee.rsvp, invitee.rsvp_comment
    error, status = None, 200
    if request.method == "POST":
        state, comment = request.form.get("state", ""), request.form.get("comment", "")
        try:
            rsvp_service.answer(invitee, state, comment)
        except DomainError as refused:
            db.session.rollback()
            error = refused.message
            status = 409 if rsvp_service.refusal(meeting) else 422
            if status == 409:
                state, comment = invitee.rsvp, invitee.rsvp_comment
        else:
            db.session.commit()
            flash(_("Thank you! Your answer has been saved: %(answer)s.",
                    answer=rsvp_service.ANSWER_LABELS[invitee.rsvp]), "success")
            return _private(redirect(url_for("meetings.rsvp", token=token)))
    return _render("meetings/public_rsvp.html", status, invitee=invitee, meeting=meeting, state=state,
                   comment=comment, error=error, refusal=rsvp_service.refusal(meeting),
                   may_delegate=rsvp_service.may_delegate(invitee), place=services.place_text(meeting),
                   when=polls.slot_text(meeting.starts_at, meeting.ends_at) if meeting.starts_at else "",
                   poll_open=meeting.poll_status == "open", answer_labels=rsvp_service.ANSWER_LABELS)
