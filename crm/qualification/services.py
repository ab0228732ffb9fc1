"""Qualification offers: saving offers, registering (seat or waitlist), cancelling (the first on the
waitlist moves up and is told by e-mail), attendance per session. Services flush; the views commit.

The last seat: `take_seat` is one conditional UPDATE ("seats_taken + 1 WHERE seats_taken < capacity");
the database serialises the two writers, the loser sees rowcount 0 and goes to the waitlist (or is
refused when the offer has none). No read-then-write window.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import selectinload

from crm.contacts.models import FieldOfAction, Organisation, Person, TargetGroup
from crm.core import time as clock
from crm.core.errors import DomainError
from crm.core.formatting import local_date
from crm.extensions import db
from crm.qualification.models import (
    OFFER_KINDS,
    OFFER_STATUSES,
    SEAT_STATUSES,
    Attendance,
    Offer,
    OfferSession,
    Registration,
)

# statuses in which one may register (full: onto the waitlist)
REGISTRATION_OPEN = ("open", "full")


# ------------------------------------------------------------------ offers


def parse_fee(raw) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, Decimal):
        return raw
    text = str(raw).strip().replace("€", "").replace(" ", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise DomainError(_("Please give the fee as an amount, e.g. 25,00."), field="fee") from error
    if value < 0:
        raise DomainError(_("The fee cannot be negative."), field="fee")
    return value.quantize(Decimal("0.01"))


def _ids(model, ids) -> list:
    ids = [int(i) for i in ids or []]
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids))))


def save_offer(offer: Offer | None, data: dict) -> Offer:
    """Create (offer=None) or change an offer. `data["sessions"]`: list of (starts_at, ends_at, topic)."""
    title = " ".join((data.get("title") or "").split())
    if not title:
        raise DomainError(_("Please enter a title."), field="title")
    kind = data.get("kind") or "seminar"
    if kind not in OFFER_KINDS:
        raise DomainError(_("Please choose the kind of offer."), field="kind")
    status = data.get("status") or "draft"
    if status not in OFFER_STATUSES:
        raise DomainError(_("Please choose a status."), field="status")
    capacity = data.get("capacity")
    if capacity is None or int(capacity) < 1:
        raise DomainError(_("Please give the number of seats (at least 1)."), field="capacity")
    capacity = int(capacity)
    if offer is not None and capacity < (offer.seats_taken or 0):
        raise DomainError(_("%(taken)s seats are taken already: the capacity cannot be lower.",
                            taken=offer.seats_taken), field="capacity")
    # stored in UTC (SQLite keeps no offset: a Berlin time would be read back as UTC)
    sessions = [(_utc(s[0]), _utc(s[1]), s[2]) for s in data.get("sessions") or [] if s and s[0] is not None]
    for starts_at, ends_at, _topic in sessions:
        if ends_at is not None and ends_at <= starts_at:
            raise DomainError(_("A session ends before it begins."), field="sessions")
    if status in ("open", "full") and not sessions:
        raise DomainError(_("An offer open for registration needs at least one session."), field="sessions")
    if kind == "online" and not (data.get("online_url") or "").strip() and status != "draft":
        raise DomainError(_("Please give the link of the online event."), field="online_url")
    if offer is None:
        offer = Offer(seats_taken=0)
        db.session.add(offer)
    offer.title = title[:200]
    offer.kind = kind
    offer.description = (data.get("description") or "").strip()
    offer.provider_id = data.get("provider_id") or None
    offer.location = (data.get("location") or "").strip()[:300]
    offer.online_url = (data.get("online_url") or "").strip()[:500]
    offer.capacity = capacity
    offer.waitlist = bool(data.get("waitlist"))
    offer.fee = parse_fee(data.get("fee"))
    offer.registration_deadline = data.get("registration_deadline")
    if status == "open" and capacity <= (offer.seats_taken or 0):
        status = "full"
    offer.status = status
    offer.trainers = _ids(Person, data.get("trainer_ids"))
    offer.target_groups = _ids(TargetGroup, data.get("target_group_ids"))
    offer.fields_of_action = _ids(FieldOfAction, data.get("field_ids"))
    if "sessions" in data:
        _replace_sessions(offer, sessions)
    db.session.flush()
    return offer


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.region_zone())  # a time without zone is the region's
    return value.astimezone(timezone.utc)


def _replace_sessions(offer: Offer, sessions) -> None:
    """Keeps the session rows whose start stays (their attendance stays with them)."""
    kept = []
    for starts_at, ends_at, topic in sorted(sessions, key=lambda s: s[0]):
        row = next((s for s in offer.sessions if _same_instant(s.starts_at, starts_at)), None)
        if row is None:
            row = OfferSession(starts_at=starts_at)
        row.ends_at, row.topic = ends_at, (topic or "").strip()[:200]
        kept.append(row)
    offer.sessions = kept


def _same_instant(a: datetime, b: datetime) -> bool:
    from crm.core.formatting import to_berlin

    return to_berlin(a) == to_berlin(b)


def offers(status: str | None = None) -> list[Offer]:
    stmt = select(Offer).order_by(Offer.registration_deadline.desc().nullslast(), Offer.id.desc())
    if status:
        stmt = stmt.where(Offer.status == status)
    rows = list(db.session.scalars(stmt))
    return sorted(rows, key=lambda o: (o.first_start is None, o.first_start or datetime.max), reverse=False)


def public_offers() -> list[Offer]:
    """Open (and full, with a waitlist) offers whose deadline has not passed, soonest first."""
    today = clock.today()
    rows = db.session.scalars(select(Offer).where(Offer.status.in_(REGISTRATION_OPEN))).all()
    rows = [o for o in rows if o.status == "open" or o.waitlist]
    return sorted([o for o in rows if o.registration_deadline is None or o.registration_deadline >= today],
                  key=lambda o: (o.first_start is None, o.first_start or datetime.max))


# ------------------------------------------------------------------ seats


def take_seat(offer_id: int, connection=None) -> bool:
    """One seat more, only if one is free and registration is open: True if this caller got it.
    The offer turns "full" with the last seat, in the same statement."""
    stmt = (update(Offer)
            .where(Offer.id == offer_id, Offer.seats_taken < Offer.capacity, Offer.status.in_(REGISTRATION_OPEN))
            .values(seats_taken=Offer.seats_taken + 1,
                    status=case((Offer.seats_taken + 1 >= Offer.capacity, "full"), else_=Offer.status))
            .execution_options(synchronize_session=False))
    result = (connection or db.session).execute(stmt)
    return result.rowcount == 1


def release_seat(offer_id: int) -> None:
    db.session.execute(update(Offer).where(Offer.id == offer_id, Offer.seats_taken > 0)
                       .values(seats_taken=Offer.seats_taken - 1,
                               status=case((Offer.status == "full", "open"), else_=Offer.status))
                       .execution_options(synchronize_session=False))


def _refresh(offer: Offer) -> None:
    db.session.refresh(offer, ["seats_taken", "status"])


def _next_position(offer: Offer) -> int:
    return (db.session.scalar(select(func.max(Registration.waitlist_position))
                              .where(Registration.offer_id == offer.id, Registration.status == "waitlisted")) or 0) + 1


def check_open(offer: Offer, public: bool) -> None:
    """Refused with a German message: cancelled, not (or no longer) open, after the deadline."""
    if offer.status == "cancelled":
        raise DomainError(_("This offer has been cancelled: registration is not possible."))
    if offer.status not in REGISTRATION_OPEN:
        raise DomainError(_("Registration for this offer is not open."))
    if public and offer.registration_deadline is not None and offer.registration_deadline < clock.today():
        raise DomainError(_("The registration deadline (%(date)s) has passed.",
                            date=local_date(offer.registration_deadline)))
    if offer.status == "full" and not offer.waitlist:
        raise DomainError(_("This offer is fully booked and has no waitlist."))


@dataclass
class Outcome:
    registration: Registration
    seat: bool  # False: on the waitlist


def register(offer: Offer, person: Person, source: str = "staff", organisation_name: str = "",
             consent_request=None, public: bool = False) -> Outcome:
    """A seat if one is free, else the waitlist (or refused when the offer has none)."""
    check_open(offer, public)
    if person.archived_at is not None:
        raise DomainError(_("The person is archived."))
    existing = db.session.scalar(select(Registration).where(Registration.offer_id == offer.id,
                                                            Registration.person_id == person.id))
    if existing is not None and existing.status != "cancelled":
        raise DomainError(_("%(name)s is registered already (%(status)s).", name=person.full_name,
                            status=existing.status_label))
    registration = existing or Registration(offer=offer, person=person)
    if existing is None:
        db.session.add(registration)
    registration.source = source
    registration.organisation_name = (organisation_name or "").strip()[:200]
    registration.consent_request = consent_request
    registration.registered_at = clock.utcnow()
    registration.cancelled_at = registration.moved_up_at = None
    registration.confirmation_sent_at = registration.reminder_sent_at = None
    seat = take_seat(offer.id)
    if seat:
        registration.status, registration.waitlist_position = "registered", None
    elif offer.waitlist:
        registration.status, registration.waitlist_position = "waitlisted", _next_position(offer)
    else:
        raise DomainError(_("This offer is fully booked and has no waitlist."))
    db.session.flush()
    _refresh(offer)
    return Outcome(registration, seat)


def waitlist(offer: Offer) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(Registration.offer_id == offer.id,
                                                              Registration.status == "waitlisted")
                                   .order_by(Registration.waitlist_position, Registration.id)))


def _renumber(offer: Offer) -> None:
    for number, row in enumerate(waitlist(offer), start=1):
        row.waitlist_position = number


def move_up(offer: Offer) -> list[Registration]:
    """While seats are free, the first on the waitlist get them (each told by the caller)."""
    moved = []
    for row in waitlist(offer):
        if not take_seat(offer.id):
            break
        row.status, row.waitlist_position, row.moved_up_at = "registered", None, clock.utcnow()
        moved.append(row)
    db.session.flush()
    _renumber(offer)
    _refresh(offer)
    return moved


def cancel(registration: Registration) -> list[Registration]:
    """Cancels a registration; a freed seat goes to the first on the waitlist. Returns who moved up."""
    if registration.status == "cancelled":
        raise DomainError(_("This registration was cancelled already."))
    offer = registration.offer
    held_seat = registration.status in SEAT_STATUSES
    registration.status, registration.waitlist_position = "cancelled", None
    registration.cancelled_at = clock.utcnow()
    db.session.flush()
    if held_seat:
        release_seat(offer.id)
        _refresh(offer)
        if offer.status in REGISTRATION_OPEN:
            return move_up(offer)
    _renumber(offer)
    _refresh(offer)
    return []


def registrations_of(offer: Offer) -> list[Registration]:
    order = {"registered": 0, "attended": 0, "no_show": 0, "waitlisted": 1, "cancelled": 2}
    rows = db.session.scalars(select(Registration).where(Registration.offer_id == offer.id)).all()
    return sorted(rows, key=lambda r: (order.get(r.status, 3), r.waitlist_position or 0, r.person.sort_name))


def participants(offer: Offer) -> list[Registration]:
    """Who holds a seat, by name."""
    return [r for r in registrations_of(offer) if r.status in SEAT_STATUSES]


# ------------------------------------------------------------------ attendance


def attendance_map(offer: Offer) -> dict[tuple[int, int], bool]:
    rows = db.session.execute(select(Attendance.registration_id, Attendance.session_id, Attendance.present)
                              .join(Registration, Registration.id == Attendance.registration_id)
                              .where(Registration.offer_id == offer.id)).all()
    return {(r.registration_id, r.session_id): r.present for r in rows}


def set_attendance(offer: Offer, session: OfferSession, present_ids) -> int:
    """Marks who was at `session` (the others of the participants as absent); a participant present at
    any session is "attended", absent at every recorded one "no-show". Returns the number present."""
    if session.offer_id != offer.id:
        raise DomainError(_("The session does not belong to this offer."))
    present_ids = {int(i) for i in present_ids}
    people = participants(offer)
    known = {r.id for r in people}
    if present_ids - known:
        raise DomainError(_("Only participants with a seat can be marked present."))
    existing = {a.registration_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}
    now = clock.utcnow()
    for row in people:
        mark = existing.get(row.id)
        if mark is None:
            mark = Attendance(registration=row, session=session)
            db.session.add(mark)
        mark.present, mark.recorded_at = row.id in present_ids, now
    db.session.flush()
    marks = attendance_map(offer)
    for row in people:
        seen = [marks[(row.id, s.id)] for s in offer.sessions if (row.id, s.id) in marks]
        if seen:
            row.status = "attended" if any(seen) else "no_show"
    db.session.flush()
    return len(present_ids)


def set_status(offer: Offer, status: str) -> None:
    if status not in OFFER_STATUSES:
        raise DomainError(_("Please choose a status."))
    if status == "open" and offer.free_seats == 0:
        status = "full"
    offer.status = status
    db.session.flush()


# ------------------------------------------------------------------ person page


@cache
def _registrations_of_person_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    return (select(Registration).where(Registration.person_id == bindparam("person_id"))
            .order_by(Registration.registered_at.desc()).options(selectinload(Registration.offer)))


def registrations_of_person(person: Person) -> list[Registration]:
    """Newest first, with their offers (the person page shows each offer's title)."""
    return list(db.session.scalars(_registrations_of_person_statement(), {"person_id": person.id}))


def offers_open_for(person: Person, registrations: list[Registration] | None = None) -> list[Offer]:
    """Offers the person can still register for; `registrations`: the person's, when already loaded."""
    if registrations is None:
        registrations = registrations_of_person(person)
    taken = {r.offer_id for r in registrations if r.status != "cancelled"}
    return [o for o in db.session.scalars(select(Offer).where(Offer.status.in_(REGISTRATION_OPEN))
                                          .order_by(Offer.title))
            if o.id not in taken and (o.status == "open" or o.waitlist)]


def provider_choices() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.archived_at.is_(None)).order_by(Organisation.sort_name).limit(2000))]


def today() -> date:
    return clock.today()
