"""Attendance: check-ins from the tablet at the door (also offline, synchronised later), walk-ins,
attendance ticked after the meeting, the signature list.

Every tap on the tablet is a CheckIn row keyed by the id the browser generated (meeting_id,
client_id): a sync retried after a lost answer finds its rows and adds nothing. An undo is a row of
its own, so a check-in sent again later cannot come back. Whether an invitee is present follows
the newest row on the tablet's clock, whichever tablet sent it first. Services only flush.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.contacts.models import Organisation, Person
from crm.core import time as clock
from crm.core.converters import parse_id
from crm.core.errors import DomainError
from crm.core.formatting import to_berlin
from crm.core.text import fold
from crm.extensions import db
from crm.interop import attendance_list as sheet_format
from crm.meetings import services
from crm.meetings.models import CheckIn, Invitee, Meeting

# Short role names for the door and the signature list.
DOOR_ROLES = {"member": _l("Member"), "deputy": _l("Deputy"), "guest": _l("Guest")}
MAX_ENTRIES = 500  # per sync request: a day at the door of a large network meeting
CLIENT_ID_LENGTH = 64
NAME_LENGTH = 100
# Empty rows for guests who come without notice, on the signature list.
BLANK_GUEST_ROWS = 5
BLANK_ROWS_FREE_MEETING = 8


@dataclass
class EntryResult:
    """The answer for one synchronised entry: "saved" (new), "known" (sent before, nothing added) or
    "refused" (cannot be saved, e.g. the person is not on the list; sending it again changes nothing)."""

    client_id: str
    status: str
    invitee_id: int | None = None
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Counts:
    present: int
    invited: int
    voting_present: int
    voting: int


def counts(invitees: list[Invitee]) -> Counts:
    return Counts(present=sum(1 for i in invitees if i.attended), invited=len(invitees),
                  voting_present=sum(1 for i in invitees if i.attended and i.voting),
                  voting=sum(1 for i in invitees if i.voting))


def counts_text(c: Counts) -> str:
    """"19 von 30 anwesend, davon 14 stimmberechtigt" (the voting part only where anyone votes)."""
    text = _("%(present)s of %(invited)s present", present=c.present, invited=c.invited)
    if c.voting:
        text += _(", %(voting)s of them with a vote", voting=c.voting_present)
    return text


# ------------------------------------------------------------------ the door


def parse_time(value) -> datetime:
    """The tablet's ISO time ("2027-03-18T17:02:11.123Z"); now for anything else. A time more than a
    day ahead is a tablet with a wrong clock: now instead."""
    now = clock.utcnow()
    if isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return now
        if at.tzinfo is None:
            at = at.replace(tzinfo=clock.region_zone())
        at = at.astimezone(timezone.utc)
        return now if at > now + timedelta(days=1) else at
    return now


def _known(meeting: Meeting, client_id: str) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.meeting_id == meeting.id, CheckIn.client_id == client_id))


def _check_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id.strip()) > CLIENT_ID_LENGTH:
        raise DomainError(_("The entry has no valid id."))
    return client_id.strip()


def _invitee_of(meeting: Meeting, invitee_id) -> Invitee:
    invitee = db.session.get(Invitee, parse_id(invitee_id) or 0) if parse_id(invitee_id) else None
    if invitee is None or invitee.meeting_id != meeting.id:
        raise DomainError(_("This person is not on the list of this meeting."))
    return invitee


def _apply(invitee: Invitee) -> None:
    """Present or not as the newest tap on the tablet's clock says."""
    newest = db.session.scalar(select(CheckIn).where(CheckIn.invitee_id == invitee.id)
                               .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc()).limit(1))
    if newest is None:
        return
    attended = not newest.undo
    if invitee.attended != attended:
        invitee.attended = attended
    checked_in_at = newest.checked_in_at if attended else None
    if not _same_time(invitee.checked_in_at, checked_in_at):
        invitee.checked_in_at = checked_in_at
    db.session.flush()


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    """Equal moments (SQLite hands back naive UTC)."""
    if a is None or b is None:
        return a is b
    return a.replace(tzinfo=a.tzinfo or timezone.utc) == b.replace(tzinfo=b.tzinfo or timezone.utc)


def _record(meeting: Meeting, client_id: str, invitee: Invitee, at: datetime, user, undo: bool) -> EntryResult:
    db.session.add(CheckIn(meeting_id=meeting.id, client_id=client_id, invitee_id=invitee.id, checked_in_at=at,
                           undo=undo, recorded_by_id=getattr(user, "id", None)))
    db.session.flush()
    _apply(invitee)
    return EntryResult(client_id, "saved", invitee.id)


def check_in(meeting: Meeting, client_id: str, invitee_id: int, at: datetime, user) -> EntryResult:
    """One tap on an invitee. The same client_id again: "known", nothing added."""
    client_id = _check_client_id(client_id)
    if (known := _known(meeting, client_id)) is not None:
        return EntryResult(client_id, "known", known.invitee_id)
    return _record(meeting, client_id, _invitee_of(meeting, invitee_id), at, user, undo=False)


def undo(meeting: Meeting, client_id: str, invitee_id: int, at: datetime, user) -> EntryResult:
    """A tap taken back (the undo has its own client_id)."""
    client_id = _check_client_id(client_id)
    if (known := _known(meeting, client_id)) is not None:
        return EntryResult(client_id, "known", known.invitee_id)
    return _record(meeting, client_id, _invitee_of(meeting, invitee_id), at, user, undo=True)


def _organisation_named(name: str) -> Organisation | None:
    """The organisation of exactly this name (case and accents aside); a new one otherwise (the
    duplicate finder shows it next to a similar one)."""
    name = " ".join(name.split())[:200]
    if not name:
        return None
    found = db.session.scalars(select(Organisation).where(Organisation.sort_name == fold(name)[:200],
                                                          Organisation.archived_at.is_(None))
                               .order_by(Organisation.id)).first()
    if found is not None:
        return found
    organisation = Organisation(name=name, kind="other")
    db.session.add(organisation)
    return organisation


def exact_matches(first_name: str, last_name: str, limit: int = 10) -> list[Person]:
    """Active persons of exactly this name (case and accents aside): the choice shown for a walk-in."""
    first, last = fold(first_name or ""), fold(last_name or "")
    if not last:
        return []
    candidates = db.session.scalars(select(Person).where(Person.sort_name == fold(f"{last_name} {first_name}")[:220],
                                                         Person.archived_at.is_(None))
                                    .order_by(Person.id).limit(limit)).all()
    return [p for p in candidates if fold(p.last_name) == last and fold(p.first_name) == first]


def add_walk_in(meeting: Meeting, client_id: str, first_name: str, last_name: str, organisation_name: str,
                at: datetime, user, person_id: int | None = None) -> EntryResult:
    """Someone who came without invitation: the person chosen at the door (person_id, from the exact
    name matches shown), else someone of exactly this name on the meeting's list, else a new person
    (first and last name only). They join as a guest ("walk_in") and are checked in at once."""
    client_id = _check_client_id(client_id)
    if (known := _known(meeting, client_id)) is not None:
        return EntryResult(client_id, "known", known.invitee_id)
    first_name = " ".join((first_name or "").split())[:NAME_LENGTH]
    last_name = " ".join((last_name or "").split())[:NAME_LENGTH]
    organisation_name = " ".join((organisation_name or "").split())
    if not last_name:
        raise DomainError(_("Please enter at least the last name."), field="last_name")
    person = None
    if person_id is not None:
        person = db.session.get(Person, parse_id(person_id) or 0) if parse_id(person_id) else None
        if person is None or person.archived_at is not None:
            raise DomainError(_("The person chosen does not exist (any more)."))
    invitee = None
    if person is not None:
        invitee = db.session.scalar(select(Invitee).where(Invitee.meeting_id == meeting.id,
                                                          Invitee.person_id == person.id))
    else:
        same_name = [i for i in db.session.scalars(select(Invitee).join(Person, Person.id == Invitee.person_id).where(
            Invitee.meeting_id == meeting.id, Person.sort_name == fold(f"{last_name} {first_name}")[:220]))
            if fold(i.person.last_name) == fold(last_name) and fold(i.person.first_name) == fold(first_name)]
        if len(same_name) == 1:
            invitee = same_name[0]
    if invitee is None:
        organisation = _organisation_named(organisation_name)
        if organisation is not None and organisation.id is None:
            organisation.notes = _("Named at the check-in of “%(meeting)s”.", meeting=meeting.title)
        if person is None:
            person = Person(first_name=first_name, last_name=last_name, data_collected_on=clock.today(),
                            data_source=_("Check-in at “%(meeting)s”", meeting=meeting.title)[:300])
            db.session.add(person)
        db.session.flush()
        organisation_id = organisation.id if organisation is not None else None
        channel = "email" if services.has_email(person, organisation_id) else "letter"
        invitee = Invitee(meeting_id=meeting.id, person=person, role="guest", voting=False, source="walk_in",
                          organisation_id=organisation_id, token=services.new_token(), channel=channel)
        db.session.add(invitee)
        db.session.flush()
    return _record(meeting, client_id, invitee, at, user, undo=False)


def sync(meeting: Meeting, entries, user) -> list[EntryResult]:
    """The tablet's queue, in the order it was recorded. Each entry: {client_id, checked_in_at, and
    invitee_id, or walk_in: {first_name, last_name, organisation, person_id?}, undo?: true (with
    invitee_id or walk_in_client_id, the walk-in's client_id while its invitee id is unknown)}.
    Sending the same entries again adds nothing. Refused entries are named, the rest saved."""
    if not isinstance(entries, list):
        raise DomainError(_("The check-ins could not be read."))
    if len(entries) > MAX_ENTRIES:
        raise DomainError(_("At most %(count)s entries can be sent at once.", count=MAX_ENTRIES))
    results = []
    for entry in entries:
        client_id = entry.get("client_id") if isinstance(entry, dict) else None
        try:
            if not isinstance(entry, dict):
                raise DomainError(_("The entry could not be read."))
            at = parse_time(entry.get("checked_in_at"))
            walk_in = entry.get("walk_in")
            if isinstance(walk_in, dict):
                result = add_walk_in(meeting, client_id, str(walk_in.get("first_name") or ""),
                                     str(walk_in.get("last_name") or ""), str(walk_in.get("organisation") or ""),
                                     at, user, person_id=walk_in.get("person_id"))
            elif entry.get("undo"):
                invitee_id = entry.get("invitee_id")
                if invitee_id is None and entry.get("walk_in_client_id"):
                    walked_in = _known(meeting, str(entry["walk_in_client_id"])[:CLIENT_ID_LENGTH])
                    invitee_id = walked_in.invitee_id if walked_in is not None else None
                result = undo(meeting, client_id, invitee_id, at, user)
            else:
                result = check_in(meeting, client_id, entry.get("invitee_id"), at, user)
        except DomainError as error:
            result = EntryResult(str(client_id or "")[:CLIENT_ID_LENGTH], "refused", message=error.message)
        results.append(result)
    return results


def invitee_row(invitee: Invitee) -> dict:
    """An invitee as the check-in page shows and filters it."""
    person = invitee.person
    return {
        "id": invitee.id,
        "name": person.full_name,
        "sort": person.sort_name,
        "organisation": organisation_name(invitee),
        "role": invitee.role,
        "role_label": str(DOOR_ROLES.get(invitee.role, invitee.role)),
        "voting": invitee.voting,
        "attended": invitee.attended,
        "checked_in_at": invitee.checked_in_at.isoformat() if invitee.checked_in_at else None,
        "walk_in": invitee.source == "walk_in",
    }


def organisation_name(invitee: Invitee) -> str:
    """The organisation represented, else the person's primary one."""
    if invitee.organisation is not None:
        return invitee.organisation.name
    primary = invitee.person.primary_affiliation
    return primary.organisation.name if primary is not None else ""


def door_data(meeting: Meeting) -> dict:
    """Everything the check-in page needs, also offline: the invitees and the counts."""
    invitees = services.invitees_of(meeting)
    c = counts(invitees)
    return {"meeting_id": meeting.id, "title": meeting.title, "invitees": [invitee_row(i) for i in invitees],
            "counts": asdict(c), "counts_text": counts_text(c), "loaded_at": clock.utcnow().isoformat()}


# ------------------------------------------------------------------ after the meeting


def set_attendance(meeting: Meeting, shown_ids, present_ids) -> int:
    """Attendance ticked on the form: of the invitees shown on it (`shown_ids`; someone added since
    stays as they are), those in `present_ids` were there. Returns how many changed."""
    shown = set(shown_ids)
    present = set(present_ids)
    changed = 0
    for invitee in db.session.scalars(select(Invitee).where(Invitee.meeting_id == meeting.id)):
        if invitee.id not in shown:
            continue
        attended = invitee.id in present
        if invitee.attended != attended:
            invitee.attended = attended
            if not attended:
                invitee.checked_in_at = None
            changed += 1
    db.session.flush()
    return changed


def mark_held(meeting: Meeting) -> None:
    if meeting.status == "held":
        return
    if meeting.status == "cancelled":
        raise DomainError(_("A cancelled meeting cannot be marked as held."))
    if meeting.starts_at is None or to_berlin(meeting.starts_at) > clock.now():
        raise DomainError(_("The meeting has not begun yet."))
    meeting.status = "held"
    db.session.flush()


# ------------------------------------------------------------------ signature list


def _function_text(invitee: Invitee) -> str:
    if invitee.role == "deputy" and invitee.deputy_for is not None:
        return _("Deputy for %(name)s", name=invitee.deputy_for.full_name)
    person = invitee.person
    for affiliation in person.current_affiliations:
        if invitee.organisation_id is None or affiliation.organisation_id == invitee.organisation_id:
            return affiliation.function_name
    return ""


def _rows(invitees: list[Invitee]) -> list[sheet_format.Row]:
    return [sheet_format.Row(name=i.person.full_name, organisation=organisation_name(i), function=_function_text(i))
            for i in invitees]


def signature_sheet(meeting: Meeting) -> sheet_format.Sheet:
    """The meeting's attendance and signature list, its texts in the user's language."""
    invitees = services.invitees_of(meeting)
    if meeting.body_id is not None:
        members = [i for i in invitees if i.role == "member"]
        voting = [i for i in members if i.voting]
        sections = [
            sheet_format.Section(_("Members with a vote"), _rows(voting)),
            sheet_format.Section(_("Members without a vote"), _rows([i for i in members if not i.voting])),
            sheet_format.Section(_("Deputies"), _rows([i for i in invitees if i.role == "deputy"])),
            sheet_format.Section(_("Guests"), _rows([i for i in invitees if i.role == "guest"]),
                                 blank_rows=BLANK_GUEST_ROWS),
        ]
        # advisory members only where the body has any
        sections = [s for s in sections if s.rows or s.blank_rows or s is sections[0]]
    else:
        sections = [sheet_format.Section("", _rows(invitees), blank_rows=BLANK_ROWS_FREE_MEETING)]
    when = ""
    if meeting.starts_at is not None:
        local = to_berlin(meeting.starts_at)
        when = _("%(date)s, %(time)s", date=format_date(local.date(), "EEEE, d. MMMM y", locale="de"),
                 time=_("%(time)s o'clock", time=local.strftime("%H:%M")))
    return sheet_format.Sheet(
        heading=_("Attendance and signature list"),
        title=meeting.title,
        body=meeting.body.name if meeting.body is not None else "",
        when=when,
        place=services.place_text(meeting),
        sections=sections,
        columns=(_("No."), _("Name"), _("Organisation"), _("Function"), _("Signature")),
        labels={"body": _("Body"), "when": _("Date"), "place": _("Place"),
                "page": _("Page"), "of": _("of")},
    )


def signature_filename(meeting: Meeting) -> str:
    day = to_berlin(meeting.starts_at).strftime("%Y-%m-%d") if meeting.starts_at else "ohne-Datum"
    return f"Anwesenheitsliste-{day}-{meeting.id}.docx"
