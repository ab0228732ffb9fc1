"""Meetings: create and change them, build the invitee list, agenda and documents.

Sending (e-mail, letters), the date poll, RSVP, check-in and feeds build on these in their own
modules. Services only flush; the view commits.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from crm.contacts.models import Affiliation, FunctionTitle, Organisation, Person
from crm.contacts.services import current_affiliation_clause
from crm.core import time as clock
from crm.core.errors import DomainError
from crm.core.formatting import to_berlin
from crm.core.uploads import check_document
from crm.extensions import db
from crm.meetings.models import (
    MEETING_KINDS,
    ROLE_ORDER,
    AgendaDocument,
    AgendaItem,
    InvitationMessage,
    Invitee,
    Meeting,
)
from crm.network.models import Body, Seat

# Agenda documents: what a regional manager attaches (minutes, drafts, plans, photos), at most 10 MB each
# (the app takes no request above config MAX_CONTENT_LENGTH, 10.5 MB).
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def new_uid() -> str:
    """iCalendar UID: fixed for the meeting's whole life (invitation, updates, cancellation, feeds)."""
    return f"{uuid.uuid4()}@regionetz"


def new_token() -> str:
    """A personal link's secret (poll, RSVP): 192 bits, URL-safe."""
    return secrets.token_urlsafe(24)


# ------------------------------------------------------------------ meetings


def load_meeting(meeting_id: int) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.body), selectinload(Meeting.location_organisation),
                 selectinload(Meeting.agenda_items).selectinload(AgendaItem.documents)))


def meeting_day(meeting: Meeting) -> date:
    """The meeting's day in Berlin (today while no date is fixed): whose seat counts."""
    return to_berlin(meeting.starts_at).date() if meeting.starts_at else clock.today()


def save_meeting(meeting: Meeting | None, data: dict, organiser=None) -> Meeting:
    """Create or change a meeting. data: title, kind, body_id, starts_at, ends_at (aware datetimes or
    None), location_organisation_id, location, online_url, description. Flushes."""
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_("Please give the meeting a title."), field="title")
    kind = data.get("kind") or "session"
    if kind not in MEETING_KINDS:
        raise DomainError(_("Unknown kind of meeting."), field="kind")
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if ends_at is not None and starts_at is None:
        raise DomainError(_("An end needs a start."), field="starts_at")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise DomainError(_("The end must lie after the start."), field="ends_at")
    online_url = (data.get("online_url") or "").strip()
    if online_url and not online_url.lower().startswith(("https://", "http://")):
        raise DomainError(_("The online link must start with https://."), field="online_url")
    body_id = data.get("body_id") or None
    if body_id is not None and db.session.get(Body, body_id) is None:
        raise DomainError(_("This body does not exist."), field="body_id")
    org_id = data.get("location_organisation_id") or None
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        raise DomainError(_("This organisation does not exist."), field="location_organisation_id")
    created = meeting is None
    if created:
        meeting = Meeting(uid=new_uid(), organiser_id=getattr(organiser, "id", None), status="planned",
                          poll_status="none", sequence=0)
        db.session.add(meeting)
    meeting.title = title[:200]
    meeting.kind = kind
    meeting.body_id = body_id
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.location_organisation_id = org_id
    meeting.location = (data.get("location") or "").strip()
    meeting.online_url = online_url[:500]
    meeting.description = (data.get("description") or "").strip()
    if meeting.status == "planned" and starts_at is not None and meeting.poll_status != "open":
        meeting.status = "fixed"
    db.session.flush()
    if created and meeting.body_id is not None:
        invite_body_members(meeting)
    return meeting


def has_sent_invitations(meeting: Meeting) -> bool:
    """Whether invitations (or updates) went out by e-mail: a change must then be sent too."""
    return db.session.scalar(
        select(func.count()).select_from(InvitationMessage).join(Invitee)
        .where(Invitee.meeting_id == meeting.id, InvitationMessage.kind.in_(("invitation", "update")),
               InvitationMessage.status == "sent")) > 0


def set_status(meeting: Meeting, status: str) -> None:
    """Mark a meeting held (it has begun) or cancelled (only while no invitation went out: otherwise the
    cancellation is sent to everyone, crm/meetings/mailing)."""
    if status == "held":
        if meeting.starts_at is None or to_berlin(meeting.starts_at) > clock.now():
            raise DomainError(_("A meeting can be marked as held once it has begun."))
    elif status == "cancelled":
        if has_sent_invitations(meeting):
            raise DomainError(_("Invitations have gone out: please cancel with “Cancel meeting”, which tells every "
                                "invitee and removes it from their calendars."))
    elif status not in ("planned", "fixed"):
        raise DomainError(_("Unknown status."))
    elif status == "fixed" and meeting.starts_at is None:
        raise DomainError(_("A meeting without a date cannot be fixed."))
    meeting.status = status
    db.session.flush()


def set_channel(invitee: Invitee, channel: str) -> None:
    if channel not in ("email", "letter"):
        raise DomainError(_("Unknown way of inviting."))
    if channel == "email" and not has_email(invitee.person, invitee.organisation_id):
        raise DomainError(_("%(name)s has no e-mail address: please add one on the person's page first.",
                            name=invitee.person.full_name))
    invitee.channel = channel
    db.session.flush()


def time_or_place_changed(meeting: Meeting) -> bool:
    """Whether the flushed-but-uncommitted changes touch what the calendar invitation carries."""
    from sqlalchemy import inspect

    state = inspect(meeting)
    return any(state.attrs[name].history.has_changes()
               for name in ("starts_at", "ends_at", "location", "location_organisation_id", "online_url", "title"))


def place_text(meeting: Meeting) -> str:
    """Where: the venue's name and address, else the free text, else the online link."""
    parts = []
    org = meeting.location_organisation
    if org is not None:
        address = ", ".join(x for x in (org.street, " ".join(y for y in (org.postcode, org.city) if y)) if x)
        parts.append(f"{org.name}, {address}" if address else org.name)
    if meeting.location:
        parts.append(meeting.location)
    if not parts and meeting.online_url:
        parts.append(_("Online"))
    return "; ".join(parts)


def meetings_page(scope: str = "upcoming", body_id: int | None = None, page: int = 1, per_page: int = 50):
    """Upcoming (and undated, in a poll) first by date; past newest first."""
    now = clock.utcnow()
    stmt = select(Meeting).options(selectinload(Meeting.body))
    if body_id:
        stmt = stmt.where(Meeting.body_id == body_id)
    if scope == "past":
        stmt = stmt.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        stmt = stmt.where(or_(Meeting.starts_at.is_(None), Meeting.starts_at >= now - timedelta(hours=12)))
        stmt = stmt.order_by(Meeting.starts_at.is_(None), Meeting.starts_at, Meeting.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def body_meetings(body: Body) -> dict:
    """For the body's page: the next three meetings (and those in a date poll), the last three."""
    now = clock.utcnow()
    base = select(Meeting).where(Meeting.body_id == body.id)
    upcoming = db.session.scalars(base.where(or_(Meeting.starts_at.is_(None), Meeting.starts_at >= now))
                                  .order_by(Meeting.starts_at.is_(None), Meeting.starts_at).limit(3)).all()
    past = db.session.scalars(base.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc()).limit(3)).all()
    return {"body": body, "upcoming": upcoming, "past": past}


def invitee_counts(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per meeting: invited, accepted, declined, present (for the list)."""
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        select(Invitee.meeting_id, Invitee.rsvp, Invitee.attended, func.count())
        .where(Invitee.meeting_id.in_(meeting_ids)).group_by(Invitee.meeting_id, Invitee.rsvp, Invitee.attended))
    counts: dict[int, dict[str, int]] = {}
    for meeting_id, rsvp, attended, n in rows:
        c = counts.setdefault(meeting_id, {"invited": 0, "accepted": 0, "declined": 0, "present": 0})
        c["invited"] += n
        if rsvp in ("accepted", "delegated"):
            c["accepted"] += n
        elif rsvp == "declined":
            c["declined"] += n
        if attended:
            c["present"] += n
    return counts


# ------------------------------------------------------------------ invitees


def has_email(person: Person, organisation_id: int | None = None) -> bool:
    return bool(email_of(person, organisation_id))


def email_of(person: Person, organisation_id: int | None = None) -> str:
    """The address an invitation goes to: at the organisation represented, else at the primary
    function, else private."""
    affiliations = [a for a in person.affiliations if a.is_current]
    for a in affiliations:
        if organisation_id is not None and a.organisation_id == organisation_id and a.effective_email:
            return a.effective_email
    primary = person.primary_affiliation
    if primary is not None and primary.effective_email:
        return primary.effective_email
    return person.email or next((a.effective_email for a in affiliations if a.effective_email), "")


def _load_persons(person_ids) -> dict[int, Person]:
    if not person_ids:
        return {}
    persons = db.session.scalars(
        select(Person).where(Person.id.in_(list(person_ids)))
        .options(selectinload(Person.affiliations).selectinload(Affiliation.organisation),
                 selectinload(Person.affiliations).selectinload(Affiliation.function))).all()
    return {p.id: p for p in persons}


def _add_invitee(meeting: Meeting, existing: dict[int, Invitee], person: Person, **values) -> Invitee | None:
    """Adds the person unless invited already (a member found again as a deputy stays a member)."""
    if person.id in existing or person.archived_at is not None:
        return None
    invitee = Invitee(meeting=meeting, person=person, token=new_token(), **values)
    invitee.channel = "email" if has_email(person, values.get("organisation_id")) else "letter"
    db.session.add(invitee)
    existing[person.id] = invitee
    return invitee


def _existing(meeting: Meeting) -> dict[int, Invitee]:
    return {i.person_id: i for i in db.session.scalars(select(Invitee).where(Invitee.meeting_id == meeting.id))}


def invite_body_members(meeting: Meeting) -> int:
    """The body's members on the meeting's day (voting as their seat says), then their deputies as
    "deputy, informed". Members already invited stay as they are. Returns how many were added."""
    if meeting.body_id is None:
        return 0
    day = meeting_day(meeting)
    seats = db.session.scalars(
        select(Seat).where(Seat.body_id == meeting.body_id, Seat.valid_from <= day,
                           or_(Seat.valid_to.is_(None), Seat.valid_to >= day))).all()
    persons = _load_persons({s.person_id for s in seats} | {s.deputy_id for s in seats if s.deputy_id})
    existing = _existing(meeting)
    added = 0
    for seat in sorted(seats, key=lambda s: s.id):
        person = persons.get(seat.person_id)
        if person is not None and _add_invitee(meeting, existing, person, role="member", voting=seat.voting,
                                               organisation_id=seat.organisation_id, source="body"):
            added += 1
    for seat in sorted(seats, key=lambda s: s.id):
        deputy = persons.get(seat.deputy_id) if seat.deputy_id else None
        if deputy is not None and _add_invitee(meeting, existing, deputy, role="deputy", voting=False,
                                               deputy_for_id=seat.person_id, organisation_id=seat.organisation_id,
                                               source="body"):
            added += 1
    db.session.flush()
    return added


def _organisation_persons(organisation_ids: list[int]) -> list[tuple[int, int]]:
    """(person id, organisation id): holders of a key function (mayor, chair ...) at each organisation,
    or, where it has none, everyone with a current function there."""
    rows = db.session.execute(
        select(Affiliation.person_id, Affiliation.organisation_id, FunctionTitle.is_key_function)
        .outerjoin(FunctionTitle, FunctionTitle.id == Affiliation.function_id)
        .join(Person, Person.id == Affiliation.person_id)
        .where(Affiliation.organisation_id.in_(organisation_ids), current_affiliation_clause(),
               Person.archived_at.is_(None))
        .order_by(Affiliation.organisation_id, Affiliation.id)).all()
    by_org: dict[int, list[tuple[int, bool]]] = {}
    for person_id, org_id, key in rows:
        by_org.setdefault(org_id, []).append((person_id, bool(key)))
    chosen = []
    for org_id in organisation_ids:
        people = by_org.get(org_id, [])
        keys = [p for p, key in people if key]
        chosen.extend((p, org_id) for p in (keys or [p for p, _key in people]))
    return chosen


@dataclass
class InviteResult:
    added: int = 0
    already: int = 0
    left_out: list[str] | None = None  # names and why (objection, archived, no one at an organisation)


def invite(meeting: Meeting, person_ids=(), organisation_ids=(), body_ids=(), segment=None) -> InviteResult:
    """Add guests: persons, the key people of organisations, the current members of other bodies,
    the persons of a Verteiler. Persons who object to contact are left out and named."""
    from crm.segments import services as segments

    result = InviteResult(left_out=[])
    wanted: list[tuple[int, int | None, str]] = [(p, None, "person") for p in person_ids]
    if organisation_ids:
        found = _organisation_persons(list(organisation_ids))
        with_people = {org for _p, org in found}
        for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(list(organisation_ids)))):
            if org.id not in with_people:
                result.left_out.append(_("%(name)s: nobody with a current function", name=org.name))
        wanted += [(p, org, "organisation") for p, org in found]
    if body_ids:
        day = meeting_day(meeting)
        for seat in db.session.scalars(select(Seat).where(
                Seat.body_id.in_(list(body_ids)), Seat.valid_from <= day,
                or_(Seat.valid_to.is_(None), Seat.valid_to >= day)).order_by(Seat.id)):
            wanted.append((seat.person_id, seat.organisation_id, "body"))
    if segment is not None:
        resolution = segments.resolve(segment, "at_organisation", None)
        wanted += [(r.person_id, r.organisation_id, "segment") for r in resolution.recipients if r.person_id]
        result.left_out += [f"{e.name}: {e.reason}" for e in resolution.excluded]
    persons = _load_persons({p for p, _o, _s in wanted})
    existing = _existing(meeting)
    for person_id, org_id, source in wanted:
        person = persons.get(person_id)
        if person is None:
            continue
        if person_id in existing:
            result.already += 1
            continue
        if person.contact_objection:
            result.left_out.append(_("%(name)s: objects to being contacted", name=person.full_name))
            existing[person_id] = None  # named once
            continue
        if person.archived_at is not None:
            continue
        if _add_invitee(meeting, existing, person, role="guest", voting=False, organisation_id=org_id, source=source):
            result.added += 1
    db.session.flush()
    return result


def remove_invitee(invitee: Invitee) -> None:
    """Only while nothing was sent to them: a sent invitation is cancelled instead (crm/meetings/mailing)."""
    if invitee.messages:
        raise DomainError(_("%(name)s has already received mail about this meeting: cancel the invitation "
                            "instead of removing the person.", name=invitee.person.full_name))
    db.session.delete(invitee)
    db.session.flush()


def invitees_of(meeting: Meeting) -> list[Invitee]:
    """Members, deputies, guests; each by name, with their invitation messages."""
    invitees = db.session.scalars(
        select(Invitee).where(Invitee.meeting_id == meeting.id)
        .options(selectinload(Invitee.person).selectinload(Person.affiliations).selectinload(Affiliation.organisation),
                 selectinload(Invitee.person).selectinload(Person.affiliations).selectinload(Affiliation.function),
                 selectinload(Invitee.organisation), selectinload(Invitee.deputy_for),
                 selectinload(Invitee.messages))).all()  # an invitee not yet written to can be removed
    return sorted(invitees, key=lambda i: (ROLE_ORDER.get(i.role, 9), i.person.sort_name, i.id))


def invitee_by_token(token: str) -> Invitee | None:
    """The invitee of a personal link; None for an unknown token (the view answers 404)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Invitee).where(Invitee.token == token))


# ------------------------------------------------------------------ agenda


def save_agenda_item(meeting: Meeting, item: AgendaItem | None, data: dict) -> AgendaItem:
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_("Please give the agenda item a title."), field="title")
    if item is None:
        position = max((i.position for i in meeting.agenda_items), default=0) + 1
        item = AgendaItem(meeting=meeting, position=position)
        db.session.add(item)
    item.title = title[:300]
    item.description = (data.get("description") or "").strip()
    item.needs_vote = bool(data.get("needs_vote"))
    db.session.flush()
    return item


def move_agenda_item(item: AgendaItem, direction: int) -> None:
    items = sorted(item.meeting.agenda_items, key=lambda i: (i.position, i.id))
    index = items.index(item)
    other = index + direction
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    db.session.flush()


def delete_agenda_item(item: AgendaItem) -> None:
    meeting = item.meeting
    db.session.delete(item)
    db.session.flush()
    for position, each in enumerate(sorted(meeting.agenda_items, key=lambda i: (i.position, i.id)), start=1):
        each.position = position
    db.session.flush()


def add_document(item: AgendaItem, filename: str, data: bytes, uploaded_by=None) -> AgendaDocument:
    """Checked by extension and content (a renamed .exe is no PDF), at most DOCUMENT_MAX_BYTES."""
    name, content_type = check_document(filename, data, DOCUMENT_MAX_BYTES)
    document = AgendaDocument(agenda_item=item, filename=name, content_type=content_type, size=len(data),
                              content=data, uploaded_by_id=getattr(uploaded_by, "id", None))
    db.session.add(document)
    db.session.flush()
    return document


# ------------------------------------------------------------------ Ladungsfrist


def invitation_deadline(meeting: Meeting) -> date | None:
    """The last day invitations may go out under the body's invitation period (None: no rule)."""
    days = meeting.body.invitation_period_days if meeting.body is not None else None
    if not days or meeting.starts_at is None:
        return None
    return meeting_day(meeting) - timedelta(days=days)


def is_late(meeting: Meeting, on: date | None = None) -> bool:
    deadline = invitation_deadline(meeting)
    return deadline is not None and (on or clock.today()) > deadline


def local_datetime_of(day: date, hour_minute: str | None) -> datetime | None:
    """A date and "HH:MM" in Berlin as an aware datetime (UTC); None without a day."""
    if day is None:
        return None
    hours, minutes = (int(x) for x in (hour_minute or "00:00").split(":")[:2])
    local = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=clock.region_zone())
    return local.astimezone(timezone.utc)
