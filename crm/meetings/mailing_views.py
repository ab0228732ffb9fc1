"""Sending about a meeting: compose and send the invitation, send a change, cancel, send failed
messages again, and the log of every message per invitee."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from crm.core.errors import DomainError, committing, saving
from crm.core.permissions import can_edit, role_at_least
from crm.extensions import db
from crm.meetings import mailing, services
from crm.meetings.mailing_forms import CancelForm, InvitationForm, UpdateForm
from crm.meetings.models import InvitationMessage, Invitee, Meeting
from crm.meetings.views import bp


def _meeting(meeting_id: int) -> Meeting:
    meeting = services.load_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.app_template_global("meeting_page_url")
def meeting_page_url(meeting: Meeting) -> str:
    """The meeting page where the panel sits, else (before it exists) the message log."""
    try:
        return url_for("meetings.detail", meeting_id=meeting.id)
    except BuildError:
        return url_for("meetings.messages", meeting_id=meeting.id)


def _back(meeting: Meeting):
    return redirect(meeting_page_url(meeting))


def mail_folder() -> str:
    """Where the development backend writes the messages ("" when they really go out)."""
    if current_app.config.get("MAIL_BACKEND") == "file":
        return current_app.config.get("MAIL_FILE_PATH") or ""
    return ""


def _flash_report(report: mailing.SendReport) -> None:
    what = {"invitation": _("Invitations"), "update": _("Changes"), "cancellation": _("Cancellations"),
            "retry": _("Messages sent again")}.get(report.kind, _("Messages"))
    if report.total == 0:
        flash(_("Nobody had to be written to."), "info")
        return
    parts = [_("%(count)s by e-mail", count=report.sent)]
    if report.letter:
        parts.append(_("%(count)s by letter (one Word file under Letters)", count=report.letter))
    flash(_("%(what)s: %(parts)s.", what=what, parts=", ".join(parts)), "success")
    if report.failed:
        flash(_("%(count)s messages could not be delivered: %(names)s. See the message log for the server's "
                "reasons.", count=report.failed, names=", ".join(f.name for f in report.failures[:10])
                + (" …" if report.failed > 10 else "")), "danger")
    if report.mail_folder and report.sent:
        flash(_("Development mode: the e-mails were written into %(folder)s, not sent.",
                folder=report.mail_folder), "info")


def _letters_and_back(meeting: Meeting, report: mailing.SendReport, text: str):
    """Write the Word letters for the invitees by post in the same step (crm/meetings/invitation_letters),
    commit, then show where the user must look next: the message log if mail failed (the server's
    reasons), else the letters to download, else the meeting."""
    from crm.meetings.invitation_letters import letter_text, write_invitation_letters

    run = None
    if report.letter_invitees and report.kind in ("invitation", "update", "cancellation"):
        run, excluded = write_invitation_letters(meeting, letter_text(meeting, report.kind, text), current_user,
                                                 kind=report.kind, invitees=report.letter_invitees)
        if excluded:
            flash(_("No letter for: %(names)s", names="; ".join(excluded)), "warning")
    db.session.commit()
    _flash_report(report)
    if report.failed:
        return redirect(url_for("meetings.messages", meeting_id=meeting.id))
    if run is not None:
        return redirect(url_for("letters.run_detail", run_id=run.id))
    return _back(meeting)


def panel_context(meeting: Meeting) -> dict:
    """What templates/meetings/_mail_panel.html shows (also for the lead's meeting page)."""
    return {
        "last": mailing.last_delivery(meeting),
        "failed": mailing.failed_count(meeting),
        "may_send": role_at_least(current_user, "staff") and meeting.status != "cancelled",
        "has_date": meeting.starts_at is not None,
        "update_form": UpdateForm(formdata=None),
        "cancel_form": CancelForm(formdata=None),
    }


@bp.app_template_global("meeting_mail_panel")
def meeting_mail_panel(meeting: Meeting) -> dict:
    return panel_context(meeting)


@bp.route("/termine/<id:meeting_id>/einladen", methods=["GET", "POST"])
@can_edit
def invite_compose(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = InvitationForm()
    if not form.is_submitted():
        last = mailing.last_delivery(meeting)
        form.text.data = (meeting.invitation_text if meeting.invitation_text and last and last.kind == "invitation"
                          else mailing.default_text(meeting, "invitation"))
    if form.validate_on_submit():
        with saving(form) as saved:
            if meeting.status == "cancelled":
                raise DomainError(_("The meeting is cancelled; nothing more is sent."))
            report = mailing.send(meeting, "invitation", text=form.text.data, actor=current_user,
                                  confirmed_late=form.confirm_late.data)
        if saved:
            return _letters_and_back(meeting, report, form.text.data)
    recipients = mailing.default_recipients(meeting, "invitation") if meeting.starts_at else []
    return render_template(
        "meetings/invite_compose.html", meeting=meeting, form=form, counts=mailing.channel_counts(recipients),
        recipients=recipients, invited=len(services.invitees_of(meeting)) - len(recipients),
        late=services.is_late(meeting), deadline=services.invitation_deadline(meeting), mail_folder=mail_folder(),
        fields=mailing.letter_engine.MERGE_FIELDS)


@bp.post("/termine/<id:meeting_id>/aenderung-senden")
@can_edit
def send_update(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = UpdateForm()
    form.validate()
    try:
        text = mailing.update_text(meeting, form.note.data)
        report = mailing.send(meeting, "update", text=text, actor=current_user)
        return _letters_and_back(meeting, report, text)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(meeting)


@bp.post("/termine/<id:meeting_id>/absagen")
@can_edit
def cancel(meeting_id: int):
    meeting = _meeting(meeting_id)
    form = CancelForm()
    form.validate()
    try:
        report = mailing.cancel(meeting, form.reason.data, actor=current_user)
        flash(_("The meeting is cancelled."), "success")
        return _letters_and_back(meeting, report, mailing.cancellation_text(meeting, form.reason.data))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(meeting)


@bp.post("/termine/<id:meeting_id>/erneut-senden")
@can_edit
def retry_failed(meeting_id: int):
    meeting = _meeting(meeting_id)
    with committing("info") as done:
        report = mailing.retry_failed(meeting, actor=current_user)
    if done:
        _flash_report(report)
    return _back(meeting)


@bp.get("/termine/<id:meeting_id>/nachrichten")
def messages(meeting_id: int):
    meeting = _meeting(meeting_id)
    return render_template("meetings/messages.html", meeting=meeting, messages=mailing.message_log(meeting),
                           mail_folder=mail_folder())


def _by_email(invitees) -> tuple[list, list]:
    """(invitees written to by e-mail, those by letter): a poll or reminder needs the personal link, so
    it goes by e-mail only; the others' links are on the poll and answers pages to pass on by phone."""
    return [i for i in invitees if i.channel == "email"], [i for i in invitees if i.channel != "email"]


@bp.post("/termine/<id:meeting_id>/umfrage/senden")
@can_edit
def send_poll(meeting_id: int):
    """The date poll's personal links by e-mail to everyone who has not received them yet."""
    meeting = _meeting(meeting_id)
    if meeting.poll_status != "open":
        flash(_("The date poll is not open."), "warning")
        return redirect(url_for("meetings.poll", meeting_id=meeting.id))
    received = {m.invitee_id for m in db.session.scalars(
        db.select(InvitationMessage).join(Invitee).where(
            Invitee.meeting_id == meeting.id, InvitationMessage.kind == "poll", InvitationMessage.status == "sent"))}
    email, by_letter = _by_email([i for i in services.invitees_of(meeting) if i.id not in received])
    with committing() as done:
        report = mailing.send(meeting, "poll", invitees=email, actor=current_user)
    if not done:
        return redirect(url_for("meetings.poll", meeting_id=meeting.id))
    _flash_report(report)
    if by_letter:
        flash(_("%(count)s invitees have no e-mail address: please pass their personal links on by phone (list "
                "below).", count=len(by_letter)), "info")
    return redirect(url_for("meetings.poll", meeting_id=meeting.id))


@bp.post("/termine/<id:meeting_id>/erinnern")
@can_edit
def remind(meeting_id: int):
    """A reminder to everyone who has not answered: the date poll while it is open, else the invitation."""
    meeting = _meeting(meeting_id)
    kind = "poll_reminder" if meeting.poll_status == "open" else "rsvp_reminder"
    email, by_letter = _by_email(mailing.default_recipients(meeting, kind))
    with committing() as done:
        report = mailing.send(meeting, kind, invitees=email, actor=current_user)
    if done:
        _flash_report(report)
        if by_letter:
            flash(_("%(count)s without e-mail address have not answered either: please call them.",
                    count=len(by_letter)), "info")
    target = "meetings.poll" if kind == "poll_reminder" else "meetings.rsvp_list"
    return redirect(url_for(target, meeting_id=meeting.id))
