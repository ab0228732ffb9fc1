"""Everything that changes bodies, seats and interest groups, and the queries on them.

Services flush; views commit. Other parts use `body_members`, `invitees` and
`persons_to_invite` (e.g. the meetings part to "invite the whole body") and `composition_of`.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from crm.contacts.models import SECTORS, Affiliation, FieldOfAction, Organisation, Person
from crm.core import time as clock
from crm.core.converters import parse_id, parse_ids
from crm.core.errors import DomainError
from crm.core.formatting import local_date
from crm.extensions import db
from crm.network.composition import Composition, compose
from crm.network.models import BODY_KINDS, SEAT_ROLES, Body, InterestGroup, Seat

# ------------------------------------------------------------------ loading


def _person_details(path):
    """Loader options for a Person relationship: functions with organisation and catalogue entry."""
    return (
        path.selectinload(Person.affiliations).selectinload(Affiliation.organisation),
        path.selectinload(Person.affiliations).selectinload(Affiliation.function),
    )


def seat_options(prefix=None):
    """Everything a seat row shows (person and function, organisation, group, deputy) without N+1."""
    base = prefix.selectinload if prefix is not None else selectinload
    person = base(Seat.person)
    return (
        *_person_details(person),
        base(Seat.organisation),
        base(Seat.interest_group),
        base(Seat.deputy),
    )


def load_body(body_id: int) -> Body | None:
    """A body with its seats (and what they show), sub-bodies and fields of action."""
    seats = selectinload(Body.seats)
    stmt = (
        select(Body)
        .where(Body.id == body_id)
        .options(
            *seat_options(seats),
            selectinload(Body.children).selectinload(Body.seats),
            selectinload(Body.fields_of_action),
            selectinload(Body.parent),
        )
    )
    return db.session.scalars(stmt).first()


def all_bodies(include_archived: bool = False, with_details: bool = False) -> list[Body]:
    stmt = select(Body)
    if not include_archived:
        stmt = stmt.where(Body.archived_at.is_(None))
    seats = selectinload(Body.seats)
    if with_details:
        stmt = stmt.options(*seat_options(seats))
    else:
        stmt = stmt.options(seats.selectinload(Seat.person), seats.selectinload(Seat.interest_group))
    stmt = stmt.options(selectinload(Body.fields_of_action))
    return list(db.session.scalars(stmt))


@dataclass
class TreeNode:
    body: Body
    depth: int


def body_tree(bodies: list[Body]) -> list[TreeNode]:
    """The bodies as a flat list in tree order (parents before their sub-bodies), with depth.

    A body whose parent is not in the list (archived) is shown at the top level.
    """
    ids = {b.id for b in bodies}
    children: dict[int | None, list[Body]] = {}
    for b in bodies:
        parent = b.parent_id if b.parent_id in ids else None
        children.setdefault(parent, []).append(b)
    out: list[TreeNode] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for b in sorted(children.get(parent_id, []), key=Body.sort_key):
            if b.id in seen:
                continue
            seen.add(b.id)
            out.append(TreeNode(b, depth))
            walk(b.id, depth + 1)

    walk(None, 0)
    for b in sorted(bodies, key=Body.sort_key):  # cycles cannot be saved, but never lose a body
        if b.id not in seen:
            seen.add(b.id)
            out.append(TreeNode(b, 0))
            walk(b.id, 1)
    return out


# ------------------------------------------------------------------ interest groups


def interest_groups(include_archived: bool = False) -> list[InterestGroup]:
    stmt = select(InterestGroup)
    if not include_archived:
        stmt = stmt.where(InterestGroup.archived_at.is_(None))
    sector_rank = {key: i for i, key in enumerate(SECTORS)}
    groups = list(db.session.scalars(stmt))
    return sorted(groups, key=lambda g: (g.archived_at is not None, sector_rank.get(g.sector, 9), g.position, g.name))


def save_interest_group(group: InterestGroup | None, data: dict) -> InterestGroup:
    name = (data.get("name") or "").strip()
    if not name:
        raise DomainError(_("Please enter a name."), field="name")
    clash = db.session.scalar(
        select(InterestGroup).where(func.lower(InterestGroup.name) == name.lower(),
                                    InterestGroup.id != (group.id if group and group.id else -1))
    )
    if clash is not None:
        raise DomainError(_("An interest group with this name exists already."), field="name")
    if data.get("sector") not in SECTORS:
        raise DomainError(_("Please choose a sector."), field="sector")
    if group is None:
        group = InterestGroup()
        db.session.add(group)
    group.name = name
    group.sector = data["sector"]
    group.position = data.get("position") or 0
    db.session.flush()
    return group


def interest_group_usage() -> dict[int, int]:
    """Current seats per interest group id."""
    today = clock.today()
    rows = db.session.execute(
        select(Seat.interest_group_id, func.count())
        .where(Seat.interest_group_id.is_not(None), Seat.valid_from <= today,
               or_(Seat.valid_to.is_(None), Seat.valid_to >= today))
        .group_by(Seat.interest_group_id)
    )
    return {group_id: n for group_id, n in rows}


# ------------------------------------------------------------------ bodies


SHARE_FIELDS = ("quorum_share", "max_group_share", "min_non_public_share")


def parse_share(value) -> Decimal:
    """'49', '49,5', '49.5 %' -> Decimal; DomainError outside 0-100 or when not a number."""
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value if value is not None else "").strip().rstrip("%").strip().replace(",", ".")
        if not text:
            raise DomainError(_("Please enter a percentage between 0 and 100."))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise DomainError(_("Please enter a percentage between 0 and 100.")) from None
    if not number.is_finite() or number < 0 or number > 100:
        raise DomainError(_("A share must lie between 0 and 100 %."))
    return number.quantize(Decimal("0.01"))


def parent_choices(body: Body | None) -> list[tuple[int, str]]:
    """Bodies that may contain `body`: not itself, not one of its own sub-bodies."""
    bodies = all_bodies()
    excluded = set()
    if body is not None and body.id:
        excluded = {body.id} | {node.body.id for node in body_tree(bodies) if _descends_from(node.body, body)}
    return [(node.body.id, "\u2003" * node.depth + node.body.name)
            for node in body_tree(bodies) if node.body.id not in excluded]


def _descends_from(candidate: Body, ancestor: Body) -> bool:
    return any(a.id == ancestor.id for a in candidate.ancestors())


BODY_FIELDS = ("name", "short_name", "kind", "description")


def save_body(body: Body | None, data: dict) -> Body:
    """Create (body=None) or update a body from validated form data."""
    if not (data.get("name") or "").strip():
        raise DomainError(_("Please enter a name."), field="name")
    if data.get("kind") not in BODY_KINDS:
        raise DomainError(_("Please choose a kind."), field="kind")
    shares = {}
    for name in SHARE_FIELDS:
        try:
            shares[name] = parse_share(data.get(name))
        except DomainError as error:
            error.field = name
            raise
    parent = db.session.get(Body, data["parent_id"]) if data.get("parent_id") else None
    if data.get("parent_id") and parent is None:
        raise DomainError(_("Please choose a body from the list."), field="parent_id")
    if body is not None and parent is not None and (parent.id == body.id or _descends_from(parent, body)):
        raise DomainError(_("A body cannot be part of itself or of one of its sub-bodies."), field="parent_id")
    if body is None:
        body = Body()
        db.session.add(body)
    for name in BODY_FIELDS:
        if name in data:
            setattr(body, name, (data[name] or "").strip())
    for name, value in shares.items():
        setattr(body, name, value)
    body.parent = parent
    ids = parse_ids(data.get("fields_of_action"))
    body.fields_of_action = (
        list(db.session.scalars(select(FieldOfAction).where(FieldOfAction.id.in_(ids)))) if ids else []
    )
    db.session.flush()
    return body


# ------------------------------------------------------------------ seats

@dataclass
class SeatData:
    person: Person
    organisation: Organisation | None
    deputy: Person | None
    interest_group: InterestGroup | None
    role: str
    voting: bool
    valid_from: date
    valid_to: date | None
    resolution: str


def _get(model, value):
    value = parse_id(value)
    return db.session.get(model, value) if value else None


def _seat_data(data: dict) -> SeatData:
    person = _get(Person, data.get("person_id"))
    if person is None:
        raise DomainError(_("Please choose a person from the list."), field="person_label")
    organisation = _get(Organisation, data.get("organisation_id"))
    if data.get("organisation_id") and organisation is None:
        raise DomainError(_("Please choose an organisation from the list."), field="organisation_label")
    deputy = _get(Person, data.get("deputy_id"))
    if data.get("deputy_id") and deputy is None:
        raise DomainError(_("Please choose a person from the list."), field="deputy_label")
    if deputy is not None and deputy.id == person.id:
        raise DomainError(_("A person cannot be their own deputy."), field="deputy_label")
    group = _get(InterestGroup, data.get("interest_group_id"))
    if data.get("interest_group_id") and group is None:
        raise DomainError(_("Please choose an interest group from the list."), field="interest_group_id")
    role = data.get("role") or "member"
    if role not in SEAT_ROLES:
        raise DomainError(_("Please choose a role."), field="role")
    valid_from = data.get("valid_from")
    if valid_from is None:
        raise DomainError(_("Please enter the date the seat begins."), field="valid_from")
    valid_to = data.get("valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The end date lies before the start date."), field="valid_to")
    return SeatData(person, organisation, deputy, group, role, bool(data.get("voting")), valid_from, valid_to,
                    (data.get("resolution") or "").strip()[:200])


def _period(start: date, end: date | None) -> str:
    if end is None:
        return _("since %(start)s", start=local_date(start))
    return _("%(start)s to %(end)s", start=local_date(start), end=local_date(end))


def _check_overlap(body: Body, person: Person, start: date, end: date | None, ignore: set[int]) -> None:
    """One person holds at most one seat in a body at a time."""
    stmt = select(Seat).where(Seat.body_id == body.id, Seat.person_id == person.id,
                              or_(Seat.valid_to.is_(None), Seat.valid_to >= start))
    if end is not None:
        stmt = stmt.where(Seat.valid_from <= end)
    if ignore:
        stmt = stmt.where(Seat.id.not_in(ignore))
    clash = db.session.scalars(stmt.order_by(Seat.valid_from)).first()
    if clash is not None:
        raise DomainError(
            _("%(name)s already holds a seat in this body (%(period)s). End that seat first or choose other dates.",
              name=person.full_name, period=_period(clash.valid_from, clash.valid_to)),
            field="valid_from",
        )


def _apply(seat: Seat, d: SeatData) -> None:
    seat.person = d.person
    seat.organisation = d.organisation
    seat.deputy = d.deputy
    seat.interest_group = d.interest_group
    seat.role = d.role
    seat.voting = d.voting
    seat.valid_from = d.valid_from
    seat.valid_to = d.valid_to
    seat.resolution = d.resolution


def add_seat(body: Body, data: dict) -> Seat:
    """A new seat in `body` (data: person_id, organisation_id, role, voting, interest_group_id,
    deputy_id, valid_from, valid_to, resolution)."""
    d = _seat_data(data)
    _check_overlap(body, d.person, d.valid_from, d.valid_to, ignore=set())
    seat = Seat(body=body)
    _apply(seat, d)
    db.session.add(seat)
    db.session.flush()
    return seat


def correct_seat(seat: Seat, data: dict) -> Seat:
    """Fix a mistake in a seat: overwrites it (the audit trail keeps the old values)."""
    d = _seat_data(data)
    _check_overlap(seat.body, d.person, d.valid_from, d.valid_to, ignore={seat.id})
    _apply(seat, d)
    db.session.flush()
    return seat


def _same(seat: Seat, d: SeatData) -> bool:
    return (seat.person_id == d.person.id and seat.organisation_id == (d.organisation.id if d.organisation else None)
            and seat.deputy_id == (d.deputy.id if d.deputy else None)
            and seat.interest_group_id == (d.interest_group.id if d.interest_group else None)
            and seat.role == d.role and seat.voting == d.voting)


def change_seat(seat: Seat, data: dict) -> Seat:
    """A change from a date on (`valid_from` in data): the old seat ends the day before, a new
    seat with the new values begins on that date. Both stay, so the body can be shown as of
    any day. Returns the new seat."""
    d = _seat_data(data)
    if d.valid_from <= seat.valid_from:
        raise DomainError(
            _("A change takes effect after the seat began (%(date)s). To fix a mistake, choose \"Correct a mistake\".",
              date=local_date(seat.valid_from)),
            field="valid_from",
        )
    if seat.valid_to is not None and d.valid_from > seat.valid_to:
        raise DomainError(
            _("This seat ended on %(date)s. Add a new seat instead.", date=local_date(seat.valid_to)),
            field="valid_from",
        )
    if _same(seat, d):
        raise DomainError(_("Nothing has changed: choose the new role, group, deputy or organisation."))
    _check_overlap(seat.body, d.person, d.valid_from, d.valid_to, ignore={seat.id})
    seat.valid_to = d.valid_from - timedelta(days=1)
    seat.end_resolution = d.resolution
    new = Seat(body=seat.body)
    _apply(new, d)
    db.session.add(new)
    db.session.flush()
    return new


def end_seat(seat: Seat, valid_to: date | None, resolution: str = "") -> None:
    """End a seat on `valid_to` (the last day it is held). It stays in the history."""
    if valid_to is None:
        raise DomainError(_("Please enter the date."), field="valid_to")
    if valid_to < seat.valid_from:
        raise DomainError(_("The end date lies before the start date."), field="valid_to")
    later = db.session.scalars(
        select(Seat).where(Seat.body_id == seat.body_id, Seat.person_id == seat.person_id, Seat.id != seat.id,
                           Seat.valid_from > seat.valid_from, Seat.valid_from <= valid_to)
    ).first()
    if later is not None:
        raise DomainError(
            _("%(name)s holds a later seat in this body from %(date)s; end this one before that day.",
              name=seat.person.full_name, date=local_date(later.valid_from)),
            field="valid_to",
        )
    seat.valid_to = valid_to
    seat.end_resolution = (resolution or "").strip()[:200]
    db.session.flush()


# ------------------------------------------------------------------ members, invitations, composition


def body_members(body: Body, on: date | None = None, voting_only: bool = False) -> list[Seat]:
    """The seats of `body` held on `on` (default: today), chair first, then by role and name.

    With `voting_only`, only seats with a voting right. Each seat carries the person, the
    organisation represented, the interest group and the deputy (loaded in one go).
    """
    on = on or clock.today()
    stmt = (
        select(Seat)
        .where(Seat.body_id == body.id, Seat.valid_from <= on, or_(Seat.valid_to.is_(None), Seat.valid_to >= on))
        .options(*seat_options())
    )
    if voting_only:
        stmt = stmt.where(Seat.voting.is_(True))
    return sorted(db.session.scalars(stmt), key=Seat.sort_key)


@dataclass(frozen=True)
class Invitee:
    """Someone to invite to a meeting of a body: a member, or a member's deputy (`is_deputy`)."""

    person: Person
    seat: Seat
    is_deputy: bool = False


def invitees(body: Body, on: date | None = None) -> list[Invitee]:
    """Everyone to invite to a meeting of `body` on `on` (default: today).

    Members first (every seat held that day: voting, advisory, office), in the order of
    `body_members`; then the deputies of those seats (flagged `is_deputy`, with the seat of
    the member they stand in for), unless they are members themselves. Each person appears
    once. Archived persons and contact objections are not filtered here: that is the caller's
    decision (it may want to show them as "not invited").
    """
    seats = body_members(body, on)
    out = [Invitee(s.person, s) for s in seats]
    seen = {s.person_id for s in seats}
    for s in seats:
        if s.deputy is not None and s.deputy_id not in seen:
            seen.add(s.deputy_id)
            out.append(Invitee(s.deputy, s, is_deputy=True))
    return out


def persons_to_invite(body: Body, on: date | None = None) -> list[Person]:
    """The persons of `invitees(body, on)`: members first, then their deputies.

    Use `invitees` when you need to know who is invited as a deputy (and for whom).
    """
    return [i.person for i in invitees(body, on)]


def composition_of(body: Body, on: date | None = None, present=None) -> Composition:
    """The composition of `body` on `on` (default: today), checked against the body's rules.

    `present` (person ids) counts only those in the room, deputies standing in for absent
    members with the member's interest group (see crm.network.composition.voters).
    """
    return compose([s.facts() for s in body.seats], body.rules, on=on or clock.today(), present=present)


def share_text(value) -> str:
    """A percentage as German users read it: 37,5 %, 50 % (one decimal, none when it is 0)."""
    if value is None:
        return ""
    return f"{format_decimal(round(float(value), 1), format='#,##0.#')}\u00a0%"


def composition_warnings(body: Body, on: date | None = None) -> list[dict]:
    """The LEADER rules `body` breaks on `on` (default: today), worded as the body page warns:
    [{"kind": "group_over_limit" or "public_control", "message": "…"}]. Nothing is refused for them."""
    warnings = []
    for finding in composition_of(body, on).warnings:
        if finding.kind == "group_over_limit":
            group = db.session.get(InterestGroup, finding.subject) if isinstance(finding.subject, int) else None
            message = _("The interest group %(group)s holds %(share)s of the votes; at most %(limit)s are allowed.",
                        group=group.name if group is not None else "?", share=share_text(finding.percent),
                        limit=share_text(finding.limit))
        elif finding.kind == "public_control":
            message = _("The public sector holds %(share)s of the votes; it must stay below %(limit)s.",
                        share=share_text(finding.percent), limit=share_text(finding.limit))
        else:
            continue
        warnings.append({"kind": finding.kind, "message": message})
    return warnings


@cache
def _seats_of_person_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    options = (selectinload(Seat.body), selectinload(Seat.person), selectinload(Seat.interest_group),
               selectinload(Seat.deputy), selectinload(Seat.organisation))
    person_id = bindparam("person_id")
    return select(Seat).where(or_(Seat.person_id == person_id, Seat.deputy_id == person_id)).options(*options)


def seats_of_person(person: Person) -> tuple[list[Seat], list[Seat]]:
    """(own seats, seats where the person is the deputy), newest first."""
    seats = db.session.scalars(_seats_of_person_statement(), {"person_id": person.id}).all()
    own = [s for s in seats if s.person_id == person.id]
    deputy = [s for s in seats if s.deputy_id == person.id]
    order = lambda s: (s.valid_from, s.id)  # noqa: E731
    return sorted(own, key=order, reverse=True), sorted(deputy, key=order, reverse=True)


def seats_of_organisation(org: Organisation) -> list[Seat]:
    stmt = (select(Seat).where(Seat.organisation_id == org.id)
            .options(selectinload(Seat.body), selectinload(Seat.person), selectinload(Seat.interest_group)))
    return sorted(db.session.scalars(stmt), key=lambda s: (s.valid_from, s.id), reverse=True)


def with_vcard_details(persons: list[Person]) -> list[Person]:
    """The same persons (same order) with what a vCard shows loaded in a few queries."""
    ids = [p.id for p in persons]
    if not ids:
        return []
    loaded = db.session.scalars(
        select(Person).where(Person.id.in_(ids)).options(
            selectinload(Person.tags),
            selectinload(Person.affiliations).selectinload(Affiliation.organisation),
            selectinload(Person.affiliations).selectinload(Affiliation.function),
        )
    ).all()
    by_id = {p.id: p for p in loaded}
    return [by_id[i] for i in ids if i in by_id]
