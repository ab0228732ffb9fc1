"""E-mail to participants: confirmation (seat or waitlist), moved up from the waitlist, reminder
before the first session. The sessions go along as one .ics (METHOD:PUBLISH, crm.interop.ical), sent
through the meetings' connection (crm.meetings.mailing: SMTPUTF8, one connection per run). German
whatever the UI language. A message the server refuses is logged and reported, never raised: a
registration stays valid when its mail fails.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from crm.core import time as clock
from crm.core.formatting import time_span
from crm.core.mail import MailConnection
from crm.extensions import db
from crm.interop import ical
from crm.meetings.mailing import CalendarEmail, attach_calendar
from crm.meetings.services import email_of
from crm.qualification.models import Offer, Registration

KINDS = ("confirmation", "waitlist", "moved_up", "reminder")
DEFAULT_REMINDER_DAYS = 2


def session_lines(offer: Offer) -> list[str]:
    return [time_span(s.starts_at, s.ends_at) + (f" – {s.topic}" if s.topic else "") for s in offer.sessions]


def place_text(offer: Offer) -> str:
    parts = [p for p in (offer.location, offer.online_url) if p]
    return " · ".join(parts)


def calendar_of(offer: Offer) -> bytes:
    """All sessions of the offer as one calendar file (stable UIDs per session)."""
    host = (current_app.config.get("SERVER_NAME") or "regionetz").split(":")[0]
    events = [ical.CalendarEvent(uid=f"qualification-session-{s.id}@{host}", starts_at=_aware(s.starts_at),
                                 ends_at=_aware(s.ends_at) if s.ends_at else None,
                                 summary=offer.title + (f" ({number}/{len(offer.sessions)})"
                                                        if len(offer.sessions) > 1 else ""),
                                 location=offer.location or offer.online_url, url=offer.online_url,
                                 description=s.topic or offer.description[:500],
                                 status="CANCELLED" if offer.status == "cancelled" else "CONFIRMED")
              for number, s in enumerate(offer.sessions, start=1)]
    return ical.calendar_publish(events, name=offer.title)


def _aware(value):
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def subject_of(offer: Offer, kind: str) -> str:
    return {
        "confirmation": _("Registration confirmed: %(title)s", title=offer.title),
        "waitlist": _("On the waitlist: %(title)s", title=offer.title),
        "moved_up": _("A seat has become free for you: %(title)s", title=offer.title),
        "reminder": _("Reminder: %(title)s", title=offer.title),
    }[kind]


def body_of(registration: Registration, kind: str) -> str:
    offer = registration.offer
    person = registration.person
    lead = {
        "confirmation": _("thank you for registering. Your seat is reserved for:"),
        "waitlist": _("thank you for registering. The offer is fully booked at the moment; you are number "
                      "%(position)s on the waitlist. We will write to you as soon as a seat becomes free:",
                      position=registration.waitlist_position or "?"),
        "moved_up": _("a seat has become free and it is yours now. You are registered for:"),
        "reminder": _("we are looking forward to seeing you soon at:"),
    }[kind]
    lines = [_("Hello %(name)s,", name=person.full_name), lead, offer.title]
    lines.append("\n".join(session_lines(offer)))
    place = place_text(offer)
    if place:
        lines.append(_("Place: %(place)s", place=place))
    if kind != "waitlist" and offer.sessions:
        lines.append(_("The dates are attached as a calendar file (.ics)."))
    lines.append(_("If you cannot come, please tell us, so that someone from the waitlist can take your seat."))
    return "\n\n".join(lines) + "\n"


def build(registration: Registration, kind: str, address: str):
    with force_locale("de"):
        message = CalendarEmail(subject=subject_of(registration.offer, kind), body=body_of(registration, kind),
                                to=[address])
    if kind != "waitlist" and registration.offer.sessions:
        attach_calendar(message, calendar_of(registration.offer), "PUBLISH", "termine.ics")
    return message


def address_of(registration: Registration) -> str:
    if registration.consent_request is not None and registration.consent_request.email:
        return registration.consent_request.email  # the address the person confirmed
    return email_of(registration.person)


def send(registrations: list[Registration], kind: str) -> tuple[int, list[str]]:
    """(sent, failures "Name: reason"). Sets confirmation_sent_at / reminder_sent_at on success."""
    sent, failures = 0, []
    todo = []
    for row in registrations:
        address = address_of(row)
        if not address:
            failures.append(f"{row.person.full_name}: " + _("No e-mail address."))
            continue
        todo.append((row, address, build(row, kind, address)))
    if not todo:
        return sent, failures
    now = clock.utcnow()
    with MailConnection() as connection:
        for row, address, message in todo:
            reason = connection.send(message, address)
            if reason:
                current_app.logger.warning("Course mail (%s) to %s failed: %s", kind, address, reason)
                failures.append(f"{row.person.full_name}: {reason}")
                continue
            sent += 1
            if kind == "reminder":
                row.reminder_sent_at = now
            else:
                row.confirmation_sent_at = now
    db.session.flush()
    return sent, failures


def send_outcome(registration: Registration) -> tuple[int, list[str]]:
    """The mail that fits the registration's state right after registering."""
    return send([registration], "waitlist" if registration.status == "waitlisted" else "confirmation")


def due_reminders(days: int = DEFAULT_REMINDER_DAYS) -> list[Registration]:
    """Participants with a seat whose offer's first session begins within `days` days and who got no
    reminder yet (a second run sends nothing twice)."""
    from datetime import timedelta

    now = clock.utcnow()
    rows = db.session.scalars(select(Registration).join(Offer)
                              .where(Registration.status == "registered", Registration.reminder_sent_at.is_(None),
                                     Offer.status.in_(("open", "full", "closed")))).all()
    due = []
    for row in rows:
        start = row.offer.first_start
        if start is None:
            continue
        start = _aware(start)
        if now < start <= now + timedelta(days=days):
            due.append(row)
    return due
