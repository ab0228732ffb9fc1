"""Invitations by post: one Word file with a letter per invitee whose invitation goes by letter (no
e-mail address, or they asked for post), with the date, the place and the agenda; made with the letter
engine (crm/letters), so the run, its document and "Brief: ..." on every timeline are kept as for any
mail merge. Each invitee gets an InvitationMessage with channel "letter"."""
from __future__ import annotations

from flask_babel import gettext as _

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.core.formatting import time_span
from crm.core.models import utcnow
from crm.extensions import db
from crm.interop import letters as engine
from crm.letters import services as letter_services
from crm.meetings import services
from crm.meetings.models import InvitationMessage, Invitee, Meeting

DEFAULT_TEXT = ("{Briefanrede}\n\n"
                "hiermit lade ich Sie herzlich zur folgenden Sitzung ein. Bitte geben Sie uns Bescheid, "
                "ob Sie teilnehmen können.")


def letter_invitees(meeting: Meeting, kind: str = "invitation") -> list[Invitee]:
    """Invitees to be written to by post who have no letter of this kind and sequence yet."""
    done = {m.invitee_id for m in db.session.scalars(
        db.select(InvitationMessage).join(Invitee).where(
            Invitee.meeting_id == meeting.id, InvitationMessage.kind == kind, InvitationMessage.channel == "letter",
            InvitationMessage.sequence == meeting.sequence, InvitationMessage.status == "letter"))}
    return [i for i in services.invitees_of(meeting) if i.channel == "letter" and i.id not in done]


def letter_text(meeting: Meeting, kind: str, text: str) -> str:
    """The text for the letters of a sending run: where the run used the e-mail's default text (which
    speaks of the calendar entry and the personal link), the letter's own default, with what the
    organiser added (a note on the change, the reason of a cancellation); a text of their own stays."""
    from flask_babel import force_locale

    from crm.meetings import mailing

    title = (meeting.title or "").replace("{", "{{").replace("}", "}}")
    with force_locale("de"):
        defaults = {
            "invitation": _("{Briefanrede}\n\nI cordially invite you to “%(title)s”. Time, place and agenda are "
                            "below. Please let us know whether you will come.", title=title),
            "update": _("{Briefanrede}\n\nplease note: “%(title)s” has changed. The current details are below.",
                        title=title),
            "cancellation": _("{Briefanrede}\n\nunfortunately “%(title)s” on %(date)s has to be cancelled.",
                              title=title, date=mailing.short_date(meeting)),
        }
    if kind not in defaults:
        return text
    mail_default = mailing.default_text(meeting, kind)
    text = (text or "").strip()
    if not text or text == mail_default.strip():
        return defaults[kind]
    if text.startswith(mail_default.strip()):
        return defaults[kind] + text[len(mail_default.strip()):]
    return text


def letter_body(meeting: Meeting, text: str, kind: str = "invitation") -> str:
    """The personal text, then when, where and (unless cancelled) the agenda, as the letter's paragraphs."""
    lines = [text.strip() or DEFAULT_TEXT, ""]
    if meeting.starts_at:
        lines.append(_("When: %(when)s", when=time_span(meeting.starts_at, meeting.ends_at)))
    place = services.place_text(meeting)
    if place:
        lines.append(_("Where: %(place)s", place=place))
    if meeting.online_url:
        lines.append(_("Online: %(url)s", url=meeting.online_url))
    if meeting.agenda_items and kind != "cancellation":
        lines += ["", _("Agenda:")]
        lines += [f"{i}. {item.title}" for i, item in enumerate(meeting.agenda_items, start=1)]
    return "\n".join(lines)


def write_invitation_letters(meeting: Meeting, text: str = "", user=None, kind: str = "invitation",
                             invitees: list[Invitee] | None = None):
    """One letter run for the invitees by post; returns (run, excluded names), (None, []) if there is
    nobody to write to, (None, excluded) if none of them has a postal address. Invitees without one get a
    failed message with the reason."""
    invitees = letter_invitees(meeting, kind) if invitees is None else invitees
    if not invitees:
        return None, []
    if meeting.starts_at is None and kind != "poll":
        raise DomainError(_("The meeting has no date yet: fix the date (or close the date poll) before inviting."))
    subject = _("Invitation: %(title)s", title=meeting.title) if kind == "invitation" else \
        _("Change: %(title)s", title=meeting.title) if kind == "update" else \
        _("Cancellation: %(title)s", title=meeting.title)
    sender = letter_services.letterhead()
    letter_text = engine.LetterText(subject=subject[:200], body=letter_body(meeting, text, kind),
                                    signature=sender.contact_person)
    source = letter_services.Source(person_ids=[i.person_id for i in invitees])
    resolution = letter_services.resolve(source, "at_organisation")
    run = None
    if resolution.recipients:  # nobody with a postal address: no run, each one's message says why
        run = letter_services.create_run(source, rule="at_organisation", template=None, letter_date=clock.today(),
                                         text=letter_text, user=user)
        if run.interaction_id:
            from crm.interactions.models import Interaction

            db.session.get(Interaction, run.interaction_id).meeting_id = meeting.id
    written = {r.person_id for r in resolution.recipients}
    reasons = {e.person_id: e.reason for e in resolution.excluded}
    now = utcnow()
    excluded = []
    recorded = _recorded_letters(meeting, kind, invitees)
    for invitee in invitees:
        ok = invitee.person_id in written
        if not ok:
            excluded.append(f"{invitee.person.full_name}: {reasons.get(invitee.person_id, '')}")
        # the sending run (crm/meetings/mailing) may have recorded the letter already: complete that row
        message = recorded.get(invitee.id) or InvitationMessage(
            invitee=invitee, kind=kind, channel="letter", sequence=meeting.sequence, attempts=1, created_at=now,
            created_by_id=getattr(user, "id", None))
        message.status = "letter" if ok else "failed"
        message.error = "" if ok else reasons.get(invitee.person_id, "")
        message.subject = subject[:300]
        message.sent_at = now if ok else None
        db.session.add(message)
    db.session.flush()
    return run, excluded


def _recorded_letters(meeting: Meeting, kind: str, invitees: list[Invitee]) -> dict[int, InvitationMessage]:
    rows = db.session.scalars(
        db.select(InvitationMessage).where(
            InvitationMessage.invitee_id.in_([i.id for i in invitees]), InvitationMessage.kind == kind,
            InvitationMessage.channel == "letter", InvitationMessage.sequence == meeting.sequence)
        .order_by(InvitationMessage.id))
    return {m.invitee_id: m for m in rows}
