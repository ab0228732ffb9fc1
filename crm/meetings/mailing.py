"""E-mail to a meeting's invitees: date poll, invitation, change, cancellation, reminders.

One message per invitee, each logged as an InvitationMessage with its delivery state: "sent",
"failed" with the SMTP server's reason (sent again alone by :func:`retry_failed`), or "letter" for
invitees reached by post (the Word letter is made elsewhere; they are counted and listed here).

Invitations and changes carry the calendar invitation twice, as Outlook and Thunderbird expect: as
``text/calendar; method=REQUEST`` alternative of the text and as ``invite.ics`` attachment (the
structure Google Calendar sends). A change keeps the UID and raises SEQUENCE; a cancellation is
METHOD:CANCEL with STATUS:CANCELLED.

The messages are German whatever the sender's UI language: they go to mayors and chairs.
One SMTP connection serves a whole run; a recipient the server refuses fails alone.
Services only flush; the view commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email.encoders import encode_base64
from email.mime.base import MIMEBase

from babel.dates import format_date
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select

from crm.contacts.salutation import Addressee
from crm.core import time as clock
from crm.core.audit import record_audit
from crm.core.errors import DomainError
from crm.core.formatting import to_berlin
from crm.core.mail import MailConnection, named_address, plain_address
from crm.extensions import db
from crm.interop import ical
from crm.interop import letters as letter_engine
from crm.meetings.feeds import agenda_text, calendar_event
from crm.meetings.models import MESSAGE_KINDS, InvitationMessage, Invitee, Meeting
from crm.meetings.services import email_of, invitation_deadline, invitees_of, is_late, place_text

CALENDAR_KINDS = {"invitation": "REQUEST", "update": "REQUEST", "cancellation": "CANCEL"}
POLL_KINDS = ("poll", "poll_reminder")
# the kinds whose personal text is kept on the meeting (Meeting.invitation_text) for sending again
KEPT_TEXT_KINDS = ("invitation", "update", "cancellation")


@dataclass
class Failure:
    name: str
    address: str
    reason: str


@dataclass
class SendReport:
    """What a run did: counts for the page, the failures with the server's reasons, the invitees
    to be reached by letter, and where the development backend put the files."""

    kind: str
    sent: int = 0
    failed: int = 0
    letter: int = 0
    failures: list[Failure] = field(default_factory=list)
    letter_invitees: list[Invitee] = field(default_factory=list)
    mail_folder: str = ""

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.letter


# ------------------------------------------------------------------ texts


def _brace(text: str) -> str:
    """A value put into a text with {merge fields}: its own braces written as {{ and }}."""
    return (text or "").replace("{", "{{").replace("}", "}}")


def when_text(meeting: Meeting) -> str:
    """"Donnerstag, 18. März 2027, 18:00 bis 20:00 Uhr" (German, Berlin time)."""
    if meeting.starts_at is None:
        return ""
    start = to_berlin(meeting.starts_at)
    day = format_date(start.date(), "EEEE, d. MMMM y", locale="de")
    with force_locale("de"):
        if meeting.ends_at is None:
            return _("%(day)s, %(start)s", day=day, start=start.strftime("%H:%M") + " Uhr")
        end = to_berlin(meeting.ends_at)
        if end.date() != start.date():
            end_day = format_date(end.date(), "EEEE, d. MMMM y", locale="de")
            return _("%(day)s, %(start)s to %(end_day)s, %(end)s", day=day, start=start.strftime("%H:%M") + " Uhr",
                     end_day=end_day, end=end.strftime("%H:%M") + " Uhr")
        return _("%(day)s, %(start)s to %(end)s", day=day, start=start.strftime("%H:%M"),
                 end=end.strftime("%H:%M") + " Uhr")


def short_date(meeting: Meeting) -> str:
    return to_berlin(meeting.starts_at).strftime("%d.%m.%Y") if meeting.starts_at else ""


def default_text(meeting: Meeting, kind: str) -> str:
    """The personal text a run starts with: German, with {Briefanrede} (merge fields as in letters)."""
    title = _brace(meeting.title)
    with force_locale("de"):
        texts = {
            "invitation": _("{Briefanrede}\n\nI cordially invite you to “%(title)s”. Time, place and agenda are "
                            "below; the invitation is also attached as a calendar entry.\n\nPlease let us know "
                            "with your personal link whether you will come.", title=title),
            "update": _("{Briefanrede}\n\nplease note: “%(title)s” has changed. The current details are below; "
                        "the calendar entry is updated with this message.", title=title),
            "cancellation": _("{Briefanrede}\n\nunfortunately “%(title)s” on %(date)s has to be cancelled. The "
                              "calendar entry is removed with this message.", title=title, date=short_date(meeting)),
            "poll": _("{Briefanrede}\n\nwe are looking for a date for “%(title)s”. Please mark with your personal "
                      "link which of the proposed dates suit you.", title=title),
            "poll_reminder": _("{Briefanrede}\n\nwe have not yet received your answer to the date poll for "
                               "“%(title)s”. Please mark with your personal link which dates suit you.",
                               title=title),
            "rsvp_reminder": _("{Briefanrede}\n\nwe have not yet received your answer to the invitation to "
                               "“%(title)s”. Please let us know with your personal link whether you will come.",
                               title=title),
        }
    return texts[kind]


def subject_of(meeting: Meeting, kind: str) -> str:
    with force_locale("de"):
        values = {"title": meeting.title, "date": short_date(meeting)}
        subjects = {
            "invitation": _("Invitation: %(title)s on %(date)s", **values),
            "update": _("Changed: %(title)s on %(date)s", **values),
            "cancellation": _("Cancelled: %(title)s on %(date)s", **values),
            "poll": _("Date poll: %(title)s", **values),
            "poll_reminder": _("Reminder of the date poll: %(title)s", **values),
            "rsvp_reminder": _("Please answer: %(title)s on %(date)s", **values),
        }
    return " ".join(subjects[kind].split())[:300]


def check_personal_text(text: str) -> None:
    """DomainError naming unknown {fields} (nothing is sent)."""
    try:
        letter_engine.check_text(letter_engine.LetterText(subject="", body=text))
    except letter_engine.LetterError as error:
        raise DomainError(_(error.msgid, **error.params), field="text") from error


def _addressee(invitee: Invitee) -> Addressee:
    """The person at the organisation they were invited for (else their primary one, else privately)."""
    person = invitee.person
    current = person.current_affiliations
    affiliation = next((a for a in current if a.organisation_id == invitee.organisation_id), None) \
        or person.primary_affiliation
    return person.addressee(affiliation)


def personal_text(meeting: Meeting, invitee: Invitee, text: str, address: str) -> str:
    row = letter_engine.merge_values(_addressee(invitee), email=address, letter_date=clock.today(),
                                     subject=meeting.title)
    return letter_engine.fill_text(letter_engine.LetterText(subject="", body=text), row)


def personal_link(kind: str, invitee: Invitee) -> str:
    if kind in POLL_KINDS:
        return url_for("meetings.poll_answer", token=invitee.token, _external=True)
    return url_for("meetings.rsvp", token=invitee.token, _external=True)


def _sender_name(meeting: Meeting) -> str:
    from crm.letters.models import Letterhead

    sender = db.session.scalar(select(Letterhead.sender_name).order_by(Letterhead.id).limit(1)) or ""
    name = meeting.organiser.display_name if meeting.organiser is not None else ""
    return "\n".join(x for x in (name, sender) if x)


def mail_body(meeting: Meeting, kind: str, invitee: Invitee, text: str, address: str) -> str:
    """The plain text of one message: the personal text, when and where, the agenda, the link."""
    parts = [personal_text(meeting, invitee, text, address)]
    with force_locale("de"):
        if kind not in POLL_KINDS and meeting.starts_at is not None:
            details = [_("When: %(when)s", when=when_text(meeting))]
            place = place_text(meeting)
            if place:
                details.append(_("Where: %(place)s", place=place))
            parts.append("\n".join(details))
            agenda = agenda_text(meeting)
            if agenda and kind != "cancellation":
                parts.append(agenda)
        if kind in POLL_KINDS:
            parts.append(_("Your personal link to the date poll:") + "\n" + personal_link(kind, invitee))
        elif kind != "cancellation":
            parts.append(_("Please accept or decline with your personal link:") + "\n" + personal_link(kind, invitee))
        closing = _("Kind regards")
        sender = _sender_name(meeting)
        parts.append(closing + ("\n" + sender if sender else ""))
    return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"


# ------------------------------------------------------------------ calendar


def _organizer(meeting: Meeting) -> ical.CalendarPerson:
    user = meeting.organiser
    if user is not None and user.email:
        return ical.CalendarPerson(user.display_name, user.email)
    return ical.CalendarPerson(_sender_name(meeting).split("\n")[-1],
                               plain_address(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))


def _attendees(meeting: Meeting, invitees: list[Invitee], addresses: dict[int, str]) -> list[ical.CalendarPerson]:
    """Every invitee with an e-mail address: voting members required, deputies and guests optional."""
    return [ical.CalendarPerson(i.person.full_name, addresses[i.id], required=bool(i.voting), partstat=i.partstat)
            for i in invitees if addresses.get(i.id)]


def calendar_for(meeting: Meeting, kind: str, invitee: Invitee, attendees, organizer) -> bytes:
    event = calendar_event(meeting, url=personal_link(kind, invitee) if kind != "cancellation" else "")
    if CALENDAR_KINDS[kind] == "CANCEL":
        return ical.calendar_cancel(event, attendees, organizer)
    return ical.calendar_request(event, attendees, organizer)


class CalendarEmail(EmailMultiAlternatives):
    """Alternatives with parameters in their type ("text/calendar; method=REQUEST; charset=UTF-8")."""

    def _create_mime_attachment(self, content, mimetype):
        base, *params = [p.strip() for p in mimetype.split(";")]
        part = super()._create_mime_attachment(content, base)
        for param in params:
            key, _sep, value = param.partition("=")
            if key.lower() != "charset":  # set by the text part itself (utf-8)
                part.set_param(key, value, requote=False)  # method=REQUEST unquoted, as Google sends it
        return part


def build_message(meeting: Meeting, kind: str, invitee: Invitee, address: str, text: str, calendar: bytes | None,
                  reply_to: str = "") -> EmailMultiAlternatives:
    message = CalendarEmail(subject=subject_of(meeting, kind), body=mail_body(meeting, kind, invitee, text, address),
                            to=[_recipient(invitee, address)], reply_to=[reply_to] if reply_to else None)
    if calendar is not None:
        attach_calendar(message, calendar, CALENDAR_KINDS[kind])
    return message


def attach_calendar(message: CalendarEmail, calendar: bytes, method: str, filename: str = "invite.ics") -> None:
    """The calendar twice, as Outlook and Thunderbird expect: as text/calendar alternative of the text and
    as .ics attachment (also used for the sessions of qualification offers, crm/qualification/mailing.py)."""
    message.attach_alternative(calendar.decode("utf-8"), f"text/calendar; method={method}; charset=UTF-8")
    attachment = MIMEBase("application", "ics", name=filename)
    attachment.set_payload(calendar)
    encode_base64(attachment)
    attachment.add_header("Content-Disposition", "attachment", filename=filename)
    message.attach(attachment)


def _recipient(invitee: Invitee, address: str) -> str:
    return named_address(invitee.person.full_name, address)


# ------------------------------------------------------------------ sending


def default_recipients(meeting: Meeting, kind: str) -> list[Invitee]:
    """Who gets a run of this kind when the caller names nobody:

    invitation: everyone not yet invited (a second run reaches only guests added since);
    update, cancellation: everyone who was written to about the meeting;
    poll: everyone; poll_reminder: who has not answered the poll; rsvp_reminder: who was invited
    and has not answered."""
    invitees = invitees_of(meeting)
    received = _received_kinds(meeting)
    if kind == "invitation":
        return [i for i in invitees if not received.get(i.id, set()) & {"invitation"}]
    if kind in ("update", "cancellation"):
        return [i for i in invitees if received.get(i.id)]
    if kind == "poll_reminder":
        return [i for i in invitees if i.poll_answered_at is None]
    if kind == "rsvp_reminder":
        return [i for i in invitees if i.rsvp == "needs_action" and "invitation" in received.get(i.id, set())]
    return invitees


def _received_kinds(meeting: Meeting) -> dict[int, set[str]]:
    """Invitee id -> kinds that reached them (sent by e-mail or went into a letter)."""
    rows = db.session.execute(
        select(InvitationMessage.invitee_id, InvitationMessage.kind)
        .join(Invitee, Invitee.id == InvitationMessage.invitee_id)
        .where(Invitee.meeting_id == meeting.id, InvitationMessage.status.in_(("sent", "letter"))))
    received: dict[int, set[str]] = {}
    for invitee_id, kind in rows:
        received.setdefault(invitee_id, set()).add(kind)
    return received


def _check(meeting: Meeting, kind: str, confirmed_late: bool) -> None:
    if kind not in MESSAGE_KINDS:
        raise DomainError(_("Unknown kind of message."))
    if meeting.status == "cancelled":
        raise DomainError(_("The meeting is cancelled; nothing more is sent."))
    if kind in ("invitation", "update", "rsvp_reminder") and meeting.starts_at is None:
        raise DomainError(_("The meeting has no date yet: fix the date first (or run a date poll)."))
    if kind == "update" and not _received_kinds(meeting):
        raise DomainError(_("Nobody has been written to about this meeting yet."))
    if kind == "invitation" and is_late(meeting):
        if not confirmed_late:
            deadline = invitation_deadline(meeting)
            raise DomainError(_("The invitation period of %(days)s days has passed (invitations were due by "
                                "%(date)s). Please confirm that you want to invite late.",
                                days=meeting.body.invitation_period_days, date=deadline.strftime("%d.%m.%Y")),
                              field="confirm_late")
        meeting.late_confirmed_at = clock.utcnow()


def send(meeting: Meeting, kind: str, invitees: list[Invitee] | None = None, text: str = "", actor=None,
         confirmed_late: bool = False) -> SendReport:
    """Send `kind` to `invitees` (default: :func:`default_recipients`) with the personal `text`
    (default: :func:`default_text`; merge fields as in letters). Raises DomainError before anything
    is sent (unknown kind or field, no date, cancelled meeting, Ladungsfrist passed without
    `confirmed_late`). An update raises the meeting's SEQUENCE, a cancellation too and cancels it.
    Flushes; the caller commits."""
    _check(meeting, kind, confirmed_late)
    text = (text or "").strip() or default_text(meeting, kind)
    check_personal_text(text)
    if invitees is None:
        invitees = default_recipients(meeting, kind)
    if kind in ("update", "cancellation"):
        meeting.sequence = (meeting.sequence or 0) + 1
    if kind == "cancellation":
        meeting.status = "cancelled"
    if kind in KEPT_TEXT_KINDS:
        meeting.invitation_text = text
    messages = [InvitationMessage(invitee=i, kind=kind, channel=i.channel, sequence=meeting.sequence,
                                  status="pending", subject=subject_of(meeting, kind),
                                  created_by_id=getattr(actor, "id", None)) for i in invitees]
    db.session.add_all(messages)
    report = _deliver(meeting, kind, list(zip(invitees, messages)), text)
    record_audit("meeting", meeting.id, "send", {
        "message_kind": [None, kind], "sent": [None, report.sent], "failed": [None, report.failed],
        "letter": [None, report.letter]}, label=meeting.audit_label())
    db.session.flush()
    return report


def cancellation_text(meeting: Meeting, reason: str) -> str:
    """The default cancellation text with the reason the organiser gives (merge fields kept)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give the reason for the cancellation."), field="reason")
    return default_text(meeting, "cancellation") + "\n\n" + reason


def cancel(meeting: Meeting, reason: str, actor=None) -> SendReport:
    """Cancel the meeting and tell everyone who was written to about it (nobody: only cancelled)."""
    return send(meeting, "cancellation", text=cancellation_text(meeting, reason), actor=actor)


def update_text(meeting: Meeting, note: str = "") -> str:
    note = (note or "").strip()
    return default_text(meeting, "update") + ("\n\n" + note if note else "")


def retry_failed(meeting: Meeting, actor=None) -> SendReport:
    """Send again what failed, and only that: each invitee's failed message, unless something newer
    reached them since. The message keeps its row (attempts + 1). Flushes."""
    latest: dict[int, InvitationMessage] = {}
    for message in db.session.scalars(
            select(InvitationMessage).join(Invitee, Invitee.id == InvitationMessage.invitee_id)
            .where(Invitee.meeting_id == meeting.id, InvitationMessage.channel == "email")
            .order_by(InvitationMessage.id)):
        latest[message.invitee_id] = message
    failed = [m for m in latest.values() if m.status == "failed"]
    if not failed:
        raise DomainError(_("No message has failed; nothing to send again."))
    if meeting.status == "cancelled" and any(m.kind != "cancellation" for m in failed):
        failed = [m for m in failed if m.kind == "cancellation"]
    invitees = {i.id: i for i in invitees_of(meeting)}
    report = SendReport(kind="retry")
    for kind in MESSAGE_KINDS:
        batch = [(invitees[m.invitee_id], m) for m in failed if m.kind == kind and m.invitee_id in invitees]
        if not batch:
            continue
        text = meeting.invitation_text if kind in KEPT_TEXT_KINDS and meeting.invitation_text else \
            default_text(meeting, kind)
        for _invitee, message in batch:
            message.sequence = meeting.sequence
            message.created_by_id = getattr(actor, "id", None) or message.created_by_id
        part = _deliver(meeting, kind, batch, text)
        report.sent += part.sent
        report.failed += part.failed
        report.failures += part.failures
        report.mail_folder = part.mail_folder
    record_audit("meeting", meeting.id, "send", {
        "message_kind": [None, "retry"], "sent": [None, report.sent], "failed": [None, report.failed]},
        label=meeting.audit_label())
    db.session.flush()
    return report


def _deliver(meeting: Meeting, kind: str, batch: list[tuple[Invitee, InvitationMessage]], text: str) -> SendReport:
    report = SendReport(kind=kind)
    with_calendar = kind in CALENDAR_KINDS and meeting.starts_at is not None
    all_invitees = invitees_of(meeting) if with_calendar else []
    addresses = {i.id: email_of(i.person, i.organisation_id) for i in all_invitees if i.channel == "email"}
    for invitee, _message in batch:
        if invitee.id not in addresses and invitee.channel == "email":
            addresses[invitee.id] = email_of(invitee.person, invitee.organisation_id)
    attendees = _attendees(meeting, all_invitees, addresses) if with_calendar else []
    organizer = _organizer(meeting) if with_calendar else None
    reply_to = meeting.organiser.email if meeting.organiser is not None and meeting.organiser.email else ""
    now = clock.utcnow()
    email_batch = []
    for invitee, message in batch:
        if invitee.channel == "letter":
            message.channel, message.status, message.error = "letter", "letter", ""
            report.letter += 1
            report.letter_invitees.append(invitee)
            continue
        address = addresses.get(invitee.id, "")
        message.recipient = address
        if not address:
            _failed(report, invitee, message, "", _("No e-mail address."))
            continue
        email_batch.append((invitee, message, address))
    if not email_batch:
        return report
    # the texts are checked before the connection opens: a bad text sends nothing
    built = []
    for invitee, message, address in email_batch:
        calendar = calendar_for(meeting, kind, invitee, attendees, organizer) if with_calendar else None
        built.append((invitee, message, address, build_message(meeting, kind, invitee, address, text, calendar,
                                                                 reply_to)))
    with MailConnection() as connection:
        report.mail_folder = connection.folder
        for invitee, message, address, email in built:
            message.attempts = (message.attempts or 0) + 1
            reason = connection.send(email, address)
            if reason:
                _failed(report, invitee, message, address, reason)
            else:
                message.status, message.error, message.sent_at = "sent", "", now
                report.sent += 1
    return report


def _failed(report: SendReport, invitee: Invitee, message: InvitationMessage, address: str, reason: str) -> None:
    message.status, message.error = "failed", reason[:2000]
    report.failed += 1
    report.failures.append(Failure(invitee.person.full_name, address, reason))


# ------------------------------------------------------------------ for the pages


@dataclass
class ChannelCounts:
    email: int = 0
    letter: int = 0
    without_address: int = 0


def channel_counts(invitees: list[Invitee]) -> ChannelCounts:
    counts = ChannelCounts()
    for invitee in invitees:
        if invitee.channel == "letter":
            counts.letter += 1
        elif email_of(invitee.person, invitee.organisation_id):
            counts.email += 1
        else:
            counts.without_address += 1
    return counts


def message_log(meeting: Meeting) -> list[InvitationMessage]:
    """Every message of the meeting by invitee (name), each invitee's newest first."""
    from sqlalchemy.orm import selectinload

    messages = list(db.session.scalars(
        select(InvitationMessage).join(Invitee, Invitee.id == InvitationMessage.invitee_id)
        .where(Invitee.meeting_id == meeting.id)
        .options(selectinload(InvitationMessage.invitee).selectinload(Invitee.person))
        .order_by(InvitationMessage.id.desc())))
    return sorted(messages, key=lambda m: (m.invitee.person.sort_name, m.invitee_id, -m.id))


@dataclass
class DeliveryCounts:
    kind: str = ""
    sent: int = 0
    failed: int = 0
    letter: int = 0
    pending: int = 0

    @property
    def kind_label(self) -> str:
        return str(MESSAGE_KINDS.get(self.kind, self.kind))


def last_delivery(meeting: Meeting) -> DeliveryCounts | None:
    """The latest kind sent and how its messages stand now (for the panel)."""
    from sqlalchemy import func

    last_kind = db.session.scalar(
        select(InvitationMessage.kind).join(Invitee, Invitee.id == InvitationMessage.invitee_id)
        .where(Invitee.meeting_id == meeting.id).order_by(InvitationMessage.id.desc()).limit(1))
    if last_kind is None:
        return None
    counts = DeliveryCounts(kind=last_kind)
    for status, n in db.session.execute(
            select(InvitationMessage.status, func.count()).join(Invitee, Invitee.id == InvitationMessage.invitee_id)
            .where(Invitee.meeting_id == meeting.id, InvitationMessage.kind == last_kind)
            .group_by(InvitationMessage.status)):
        setattr(counts, status, getattr(counts, status) + n)
    return counts


def failed_count(meeting: Meeting) -> int:
    latest: dict[int, str] = {}
    for invitee_id, status in db.session.execute(
            select(InvitationMessage.invitee_id, InvitationMessage.status)
            .join(Invitee, Invitee.id == InvitationMessage.invitee_id)
            .where(Invitee.meeting_id == meeting.id, InvitationMessage.channel == "email")
            .order_by(InvitationMessage.id)):
        latest[invitee_id] = status
    return sum(1 for s in latest.values() if s == "failed")
