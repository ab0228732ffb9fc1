"""Matching contacts to an offer (target groups and fields of action), a Verteiler of them (crm.segments),
registering a whole Verteiler, and the figures per offer and per year for the activity report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.contacts.models import Organisation, Person, person_field, person_target_group
from crm.core.errors import DomainError
from crm.extensions import db
from crm.qualification import services
from crm.qualification.models import SEAT_STATUSES, Offer, OfferSession, Registration

SUGGESTION_LIMIT = 200


@dataclass
class Suggestion:
    person: Person
    score: int
    target_groups: list[str]
    fields: list[str]


def suggest(offer: Offer, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    """Active persons without objection whose target groups or fields of action meet the offer's; those
    matching most first; who is registered already is left out."""
    groups = {t.id: t.name for t in offer.target_groups}
    fields_ = {f.id: f.name for f in offer.fields_of_action}
    if not groups and not fields_:
        return []
    hits: dict[int, tuple[list, list]] = {}
    if groups:
        for person_id, group_id in db.session.execute(select(person_target_group.c.person_id,
                                                             person_target_group.c.target_group_id)
                                                      .where(person_target_group.c.target_group_id.in_(groups))):
            hits.setdefault(person_id, ([], []))[0].append(groups[group_id])
    if fields_:
        for person_id, field_id in db.session.execute(select(person_field.c.person_id,
                                                             person_field.c.field_of_action_id)
                                                      .where(person_field.c.field_of_action_id.in_(fields_))):
            hits.setdefault(person_id, ([], []))[1].append(fields_[field_id])
    taken = set(db.session.scalars(select(Registration.person_id).where(Registration.offer_id == offer.id,
                                                                        Registration.status != "cancelled")))
    ids = [i for i in hits if i not in taken]
    persons = {p.id: p for p in db.session.scalars(select(Person).where(
        Person.id.in_(ids), Person.archived_at.is_(None), Person.contact_objection.is_(False)))} if ids else {}
    rows = [Suggestion(persons[i], len(hits[i][0]) + len(hits[i][1]), sorted(hits[i][0]), sorted(hits[i][1]))
            for i in ids if i in persons]
    rows.sort(key=lambda s: (-s.score, s.person.sort_name))
    return rows[:limit]


def make_segment(offer: Offer, name: str, person_ids: list[int] | None = None, owner=None):
    """A fixed Verteiler of the suggested persons (or of those ticked), e.g. for an invitation campaign."""
    from crm.segments.services import add_members, save_segment

    suggested = [s.person.id for s in suggest(offer)]
    ids = [i for i in person_ids if i in set(suggested)] if person_ids else suggested
    if not ids:
        raise DomainError(_("There is nobody to put on the Verteiler: give the offer target groups or fields of "
                            "action that contacts have."))
    segment = save_segment(None, {"name": name, "kind": "fixed",
                                  "description": _("Suggested for the offer “%(title)s”.", title=offer.title)},
                           owner=owner)
    add_members(segment, person_ids=ids)
    db.session.flush()
    return segment


@dataclass
class SegmentResult:
    seats: int = 0
    waiting: int = 0
    skipped: int = 0
    registrations: list = field(default_factory=list)


def register_segment(offer: Offer, segment) -> SegmentResult:
    """Every person of the Verteiler (its current members) registered: seats first, then the waitlist;
    who is registered already, archived, or finds the offer full without waitlist is skipped."""
    from crm.segments.services import member_ids

    services.check_open(offer, public=False)
    person_ids, _orgs = member_ids(segment)
    if not person_ids:
        raise DomainError(_("The Verteiler has no persons."))
    result = SegmentResult()
    persons = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    for person_id in person_ids:
        person = persons.get(person_id)
        if person is None or person.archived_at is not None:
            result.skipped += 1
            continue
        try:
            with db.session.begin_nested():
                outcome = services.register(offer, person, "staff")
        except DomainError:
            result.skipped += 1
            continue
        result.registrations.append(outcome.registration)
        if outcome.seat:
            result.seats += 1
        else:
            result.waiting += 1
    return result


# ------------------------------------------------------------------ figures


def offers_in_year(year: int) -> list[int]:
    """Offers whose first session lies in `year` (by the region's calendar, roughly: UTC year bounds)."""
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    first = (select(OfferSession.offer_id, func.min(OfferSession.starts_at).label("first"))
             .group_by(OfferSession.offer_id).subquery())
    return list(db.session.scalars(select(first.c.offer_id).where(first.c.first >= start, first.c.first < end)
                                   .order_by(first.c.first)))


@dataclass
class Figures:
    registered: int = 0  # with a seat
    attended: int = 0
    waitlisted: int = 0
    by_target_group: list = field(default_factory=list)
    by_municipality: list = field(default_factory=list)
    by_sector: list = field(default_factory=list)


def _municipality(person: Person) -> str:
    affiliation = person.primary_affiliation
    if affiliation is not None:
        org: Organisation = affiliation.organisation
        if org.kind == "municipality":
            return org.name
        if org.municipality is not None:
            return org.municipality.name
        if org.city:
            return org.city
    return person.city or _("unknown")


def figures(offer_ids: list[int]) -> Figures:
    """Participants (who attended; before attendance is taken: who holds a seat) by target group,
    municipality and sector of their primary organisation."""
    result = Figures()
    if not offer_ids:
        return result
    rows = db.session.scalars(select(Registration).where(Registration.offer_id.in_(offer_ids))).all()
    result.registered = sum(1 for r in rows if r.status in SEAT_STATUSES)
    result.attended = sum(1 for r in rows if r.status == "attended")
    result.waitlisted = sum(1 for r in rows if r.status == "waitlisted")
    held = {r.offer_id for r in rows if r.status in ("attended", "no_show")}
    counted = [r for r in rows if (r.status == "attended" if r.offer_id in held else r.status in SEAT_STATUSES)]
    groups, places, sectors = Counter(), Counter(), Counter()
    for r in counted:
        person = r.person
        for group in person.target_groups or []:
            groups[group.name] += 1
        if not person.target_groups:
            groups[_("no target group")] += 1
        places[_municipality(person)] += 1
        affiliation = person.primary_affiliation
        sectors[affiliation.organisation.sector_label if affiliation is not None else _("private person")] += 1
    order = lambda c: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))  # noqa: E731
    result.by_target_group, result.by_municipality, result.by_sector = order(groups), order(places), order(sectors)
    return result
