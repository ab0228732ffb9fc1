"""The organiser's side of the date poll (candidate dates, the answer matrix, closing on a date) and the
RSVP overview with the personal links and answers set by hand."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.core.converters import parse_id
from crm.core.errors import DomainError, committing, saving
from crm.core.formatting import to_berlin
from crm.core.permissions import can_edit, role_at_least
from crm.extensions import db
from crm.meetings import polls, rsvp, services
from crm.meetings.models import RSVP_STATES, Invitee, Meeting
from crm.meetings.poll_forms import ClosePollForm, OpenPollForm, RsvpSetForm, SlotForm
from crm.meetings.views import bp


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = services.load_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _url_if(endpoint: str, **values) -> str | None:
    """The URL of an endpoint another part may provide (mailing, the meeting page), None without it."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def organiser_action(endpoint: str, **values) -> dict | None:
    """A button to another part's page or action: {"url", "post"} (a form where only POST is taken)."""
    url = _url_if(endpoint, **values)
    if url is None:
        return None
    methods = set().union(*(rule.methods for rule in current_app.url_map.iter_rules(endpoint)))
    return {"url": url, "post": "GET" not in methods}


def meeting_page_url(meeting: Meeting) -> str:
    return _url_if("meetings.detail", meeting_id=meeting.id) or url_for("meetings.poll", meeting_id=meeting.id)


def _render_poll(meeting: Meeting, slot_form=None, open_form=None, close_form=None, status: int = 200):
    matrix = polls.matrix(meeting)
    slot_form = slot_form or SlotForm(formdata=None)
    open_form = open_form or OpenPollForm(formdata=None)
    if open_form.deadline.data is None and meeting.poll_deadline is not None:
        open_form.deadline.data = to_berlin(meeting.poll_deadline).date()
    close_form = close_form or ClosePollForm(formdata=None)
    close_form.slot_id.choices = [(s.id, polls.slot_text(s.starts_at, s.ends_at)) for s in matrix.slots]
    if not close_form.slot_id.data and matrix.slots:
        close_form.slot_id.data = (matrix.best or matrix.slots[0]).id
    return render_template(
        "meetings/poll.html", meeting=meeting, matrix=matrix, slot_form=slot_form, open_form=open_form,
        close_form=close_form, slot_text=polls.slot_text, slot_head=polls.slot_head,
        send_poll=organiser_action("meetings.send_poll", meeting_id=meeting.id),
        remind=organiser_action("meetings.remind", meeting_id=meeting.id),
        meeting_url=_url_if("meetings.detail", meeting_id=meeting.id),
        may_edit=role_at_least(current_user, "staff"), min_slots=polls.MIN_SLOTS), status




def _slot_times(form: SlotForm):
    starts_at = services.local_datetime_of(form.day.data, form.start.data.strftime("%H:%M"))
    ends_at = services.local_datetime_of(form.day.data, form.end.data.strftime("%H:%M")) if form.end.data else None
    return starts_at, ends_at


def _deadline(form: OpenPollForm):
    return services.local_datetime_of(form.deadline.data, "23:59") if form.deadline.data else None


@bp.route("/termine/<id:meeting_id>/umfrage", methods=["GET", "POST"])
@can_edit
def poll(meeting_id: int):
    """The organiser's page: candidate dates (add, remove), opening the poll with an answer deadline,
    the answers as a matrix, fixing the date. (Viewers read the answers to the invitation instead.)"""
    meeting = _meeting_or_404(meeting_id)
    if request.method == "GET":
        return _render_poll(meeting)
    back = redirect(url_for("meetings.poll", meeting_id=meeting.id))
    action = request.form.get("action")
    if action == "add_slot":
        form = SlotForm()
        if form.validate():
            with saving(form) as saved:
                polls.add_slot(meeting, *_slot_times(form))
            if saved:
                flash(_("Candidate date added: %(date)s.", date=polls.slot_text(*_slot_times(form))), "success")
                return back
        return _render_poll(meeting, slot_form=form, status=200)
    if action in ("open", "deadline"):
        form = OpenPollForm()
        if form.validate():
            with saving(form) as saved:
                if action == "open":
                    polls.open_poll(meeting, _deadline(form))
                else:
                    polls.set_deadline(meeting, _deadline(form))
            if saved:
                flash(_("The date poll is open. Send the invitees their personal links.") if action == "open"
                      else _("Answer deadline saved."), "success")
                return back
        return _render_poll(meeting, open_form=form, status=200)
    if action == "remove_slot":
        with committing() as done:
            slot = polls.slot_of(meeting, parse_id(request.form.get("slot_id")))
            label = polls.slot_text(slot.starts_at, slot.ends_at)
            polls.remove_slot(meeting, slot)
        if not done:
            return back
        flash(_("Candidate date removed: %(date)s.", date=label), "success")
        return back
    flash(_("Nothing was changed."), "warning")
    return back


@bp.post("/termine/<id:meeting_id>/umfrage/abschliessen")
@can_edit
def poll_close(meeting_id: int):
    """Fixes the meeting on the chosen date, then on to the invitation."""
    meeting = _meeting_or_404(meeting_id)
    form = ClosePollForm()
    form.slot_id.choices = [(s.id, "") for s in meeting.slots]
    slot_id = parse_id(request.form.get("slot_id"))
    with committing() as done:
        slot = polls.slot_of(meeting, slot_id)
        polls.close_poll(meeting, slot)
    if not done:
        return redirect(url_for("meetings.poll", meeting_id=meeting.id))
    flash(_("The date is fixed: %(date)s. The date poll is closed.",
            date=polls.slot_text(meeting.starts_at, meeting.ends_at)), "success")
    return redirect(_url_if("meetings.invite_compose", meeting_id=meeting.id) or meeting_page_url(meeting))


# ------------------------------------------------------------------ RSVP overview


@bp.get("/termine/<id:meeting_id>/rueckmeldungen")
def rsvp_list(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    invitees = services.invitees_of(meeting)
    summary = rsvp.summary(invitees)
    chosen = request.args.get("antwort", "")
    if chosen not in RSVP_STATES:
        chosen = ""
    shown = [i for i in invitees if not chosen or i.rsvp == chosen]
    return render_template("meetings/rsvp_list.html", meeting=meeting, invitees=invitees, shown=shown,
                           summary=summary, chosen=chosen, states=rsvp.ANSWER_LABELS,
                           may_edit=role_at_least(current_user, "staff"), form=RsvpSetForm(formdata=None),
                           remind=organiser_action("meetings.remind", meeting_id=meeting.id),
                           meeting_url=_url_if("meetings.detail", meeting_id=meeting.id),
                           slot_text=polls.slot_text)


@bp.post("/termine/<id:meeting_id>/rueckmeldungen/<id:invitee_id>")
@can_edit
def rsvp_set(meeting_id: int, invitee_id: int):
    """The office records an answer given by phone or in person (audited with the user's name)."""
    meeting = _meeting_or_404(meeting_id)
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or invitee.meeting_id != meeting.id:
        abort(404)
    form = RsvpSetForm()
    back = url_for("meetings.rsvp_list", meeting_id=meeting.id, antwort=request.args.get("antwort") or None)
    if not form.validate():
        flash(_("The comment is too long (at most %(count)s characters).", count=rsvp.COMMENT_MAX), "danger")
        return redirect(back)
    try:
        rsvp.answer(invitee, form.state.data, form.comment.data or "", by_user=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(f"{invitee.person.full_name}: {error.message}", "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Answer of %(name)s saved: %(answer)s.", name=invitee.person.full_name,
            answer=rsvp.ANSWER_LABELS[invitee.rsvp]), "success")
    return redirect(back + f"#invitee-{invitee.id}")
