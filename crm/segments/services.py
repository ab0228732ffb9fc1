"""Verteiler and the recipient resolution every part that writes to contacts uses.

Other parts (exports now; letters, labels, invitations, campaigns later) do

    resolution = resolve(segment, rule="at_organisation", channel="letter")
    for r in resolution.recipients:   # r.addressee, r.address_lines, r.salutation, r.email, r.name
        ...
    for e in resolution.excluded:     # e.name, e.reason ("Widerspruch gegen Kontaktaufnahme")
        ...
    use = record_use(segment, "letter", "at_organisation", resolution)  # the exact list, to repeat the run
    again = use_resolution(use)                        # the same recipients, later

An ad-hoc selection (ids ticked in a list) goes the same way: ``resolve(Selection(person_ids=[...]))``.

Rules (who a letter goes to):
* "person": the person privately. Without a complete private address (street or PO box and a
  city) the business address of the primary current function is used instead, so that nobody
  is left out for that alone; e-mail likewise: the private address, else the business one.
* "at_organisation": the person at the organisation of the primary current function, with the
  business address ("Herrn Ersten Bürgermeister ..."), the business e-mail (the function's,
  else the organisation's, else the private one). Without a current function: privately.
* "organisation": the organisations of the persons' primary current functions, each once,
  written to as such ("Sehr geehrte Damen und Herren,"); persons without a current function
  are excluded ("keine aktuelle Funktion").
Organisations on a fixed list are written to as organisations under every rule.

Exclusions, each listed with its reason, never silently dropped: an objection to being
contacted (absolute; such a person does not bring in an organisation either), archived
contacts on a fixed list, and per channel: "letter" needs a postal address (never a blank
address block), "email" an e-mail address; channel None (exports) needs neither.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import selectinload

from crm.contacts.models import Affiliation, Organisation, Person
from crm.contacts.salutation import Addressee, address_block, letter_salutation
from crm.core.audit import current_actor, record_audit
from crm.core.converters import parse_ids
from crm.core.errors import DomainError
from crm.core.models import utcnow
from crm.extensions import db
from crm.segments import facets
from crm.segments.models import (
    CHANNELS,
    EXCLUSION_REASONS,
    RULES,
    SEGMENT_KINDS,
    Segment,
    SegmentMember,
    SegmentUse,
    SegmentUseEntry,
)

CHUNK = 500  # ids per IN list when loading recipients
PREVIEW_SIZE = 20


# ------------------------------------------------------------------ recipients


def has_postal_address(a: Addressee) -> bool:
    """Enough for a letter: a street or PO box, and a city (what the has_address condition asks)."""
    return bool((a.street.strip() or a.po_box.strip()) and a.city.strip())


@dataclass
class Recipient:
    person_id: int | None
    organisation_id: int | None
    affiliation_id: int | None
    addressee: Addressee
    email: str
    name: str  # "Dr. Anna Huber", or the organisation's name
    detail: str = ""  # "Erste Bürgermeisterin · Markt Eschau", for lists
    sort_key: str = ""

    @property
    def address_lines(self) -> list[str]:
        """The DIN 5008 address block (crm.contacts.salutation.address_block)."""
        return address_block(self.addressee)

    @property
    def salutation(self) -> str:
        return letter_salutation(self.addressee)


@dataclass
class Excluded:
    person_id: int | None
    organisation_id: int | None
    name: str
    reason_code: str  # a key of models.EXCLUSION_REASONS
    sort_key: str = ""

    @property
    def reason(self) -> str:
        """Why, in the reader's language: "Widerspruch gegen Kontaktaufnahme"."""
        return str(EXCLUSION_REASONS.get(self.reason_code, self.reason_code))


@dataclass
class Resolution:
    rule: str
    channel: str | None
    recipients: list[Recipient] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.recipients)


@dataclass(frozen=True)
class Selection:
    """An ad-hoc set of contacts (ticked in a list), resolved like a fixed Verteiler."""

    person_ids: tuple[int, ...] = ()
    organisation_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, person_ids=(), organisation_ids=()) -> "Selection":
        return cls(tuple(parse_ids(list(person_ids))), tuple(parse_ids(list(organisation_ids))))


def _check_rule(rule: str, channel: str | None) -> None:
    if rule not in RULES:
        raise DomainError(_("Unknown recipient rule “%(rule)s”.", rule=str(rule)[:40]), field="rule")
    if (channel or "") not in CHANNELS:
        raise DomainError(_("Unknown channel “%(channel)s”.", channel=str(channel)[:40]), field="channel")


def _function_detail(affiliation: Affiliation | None) -> str:
    if affiliation is None:
        return ""
    return " · ".join(x for x in (affiliation.function_name, affiliation.organisation.name) if x)


def _person_recipient(person: Person, affiliation: Affiliation | None, rule: str) -> Recipient:
    """The person, privately (affiliation None) or at that function, with the e-mail the rule prefers."""
    business_email = affiliation.effective_email if affiliation is not None else ""
    email = (business_email or person.email) if rule == "at_organisation" else (person.email or business_email)
    return Recipient(
        person_id=person.id, organisation_id=affiliation.organisation_id if affiliation else None,
        affiliation_id=affiliation.id if affiliation else None, addressee=person.addressee(affiliation),
        email=email, name=person.full_name, detail=_function_detail(affiliation or person.primary_affiliation),
        sort_key=person.sort_name,
    )


def _affiliation_for(person: Person, rule: str) -> Affiliation | None:
    """Which function a person is written to under a rule (None: privately); see the module docstring."""
    primary = person.primary_affiliation
    if rule == "person" and (primary is None or has_postal_address(person.addressee())):
        return None
    return primary


def _organisation_recipient(org: Organisation) -> Recipient:
    return Recipient(person_id=None, organisation_id=org.id, affiliation_id=None, addressee=org.addressee(),
                     email=org.email, name=org.name, detail=org.kind_label, sort_key=org.sort_name)


def _channel_problem(recipient: Recipient, channel: str | None) -> str | None:
    if channel == "letter" and not has_postal_address(recipient.addressee):
        return "no_address"
    if channel == "email" and not recipient.email.strip():
        return "no_email"
    return None


def _person_excluded(person: Person, reason: str) -> Excluded:
    return Excluded(person.id, None, person.full_name, reason, person.sort_name)


def _organisation_excluded(org: Organisation, reason: str) -> Excluded:
    return Excluded(None, org.id, org.name, reason, org.sort_name)


def load_persons(person_ids: list[int]) -> dict[int, Person]:
    """Persons with their functions, organisations and function titles: four queries per CHUNK ids."""
    found: dict[int, Person] = {}
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start:start + CHUNK]
        stmt = select(Person).where(Person.id.in_(chunk)).options(
            selectinload(Person.affiliations).selectinload(Affiliation.organisation),
            selectinload(Person.affiliations).selectinload(Affiliation.function),
        )
        found.update((p.id, p) for p in db.session.scalars(stmt))
    return found


def load_organisations(organisation_ids: list[int]) -> dict[int, Organisation]:
    found: dict[int, Organisation] = {}
    for start in range(0, len(organisation_ids), CHUNK):
        chunk = organisation_ids[start:start + CHUNK]
        found.update((o.id, o) for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(chunk))))
    return found


def _add(resolution: Resolution, recipient: Recipient, channel: str | None, excluded: Excluded) -> None:
    problem = _channel_problem(recipient, channel)
    if problem is None:
        resolution.recipients.append(recipient)
    else:
        excluded.reason_code = problem
        resolution.excluded.append(excluded)


def _resolve_ids(person_ids: list[int], organisation_ids: list[int], rule: str, channel: str | None) -> Resolution:
    resolution = Resolution(rule, channel or None)
    persons = load_persons(person_ids)
    organisations_done: set[int] = set()
    for person_id in person_ids:
        person = persons.get(person_id)
        if person is None:  # deleted meanwhile
            continue
        if person.archived_at is not None:
            resolution.excluded.append(_person_excluded(person, "archived"))
        elif person.contact_objection:
            resolution.excluded.append(_person_excluded(person, "objection"))
        elif rule == "organisation":
            primary = person.primary_affiliation
            if primary is None:
                resolution.excluded.append(_person_excluded(person, "no_organisation"))
            elif primary.organisation_id not in organisations_done:
                organisations_done.add(primary.organisation_id)
                org = primary.organisation
                if org.archived_at is not None:
                    resolution.excluded.append(_organisation_excluded(org, "archived"))
                else:
                    _add(resolution, _organisation_recipient(org), channel, _organisation_excluded(org, ""))
        else:
            _add(resolution, _person_recipient(person, _affiliation_for(person, rule), rule), channel,
                 _person_excluded(person, ""))
    organisations = load_organisations([i for i in organisation_ids if i not in organisations_done])
    for org_id in organisation_ids:
        org = organisations.get(org_id)
        if org is None or org_id in organisations_done:
            continue
        organisations_done.add(org_id)
        if org.archived_at is not None:
            resolution.excluded.append(_organisation_excluded(org, "archived"))
        else:
            _add(resolution, _organisation_recipient(org), channel, _organisation_excluded(org, ""))
    resolution.recipients.sort(key=lambda r: (r.sort_key, r.person_id or 0, r.organisation_id or 0))
    resolution.excluded.sort(key=lambda e: (e.sort_key, e.person_id or 0, e.organisation_id or 0))
    return resolution


def member_ids(segment_or_selection) -> tuple[list[int], list[int]]:
    """(person ids, organisation ids) of a Verteiler at this moment, or of a selection."""
    if isinstance(segment_or_selection, Selection):
        return list(segment_or_selection.person_ids), list(segment_or_selection.organisation_ids)
    segment = segment_or_selection
    if segment.is_dynamic:
        stmt = select(Person.id).where(facets.persons_clause(segment.filter or facets.empty_filter()))
        _without_jit()
        return list(db.session.scalars(stmt.order_by(Person.sort_name, Person.id))), []
    rows = db.session.execute(
        select(SegmentMember.person_id, SegmentMember.organisation_id)
        .where(SegmentMember.segment_id == segment.id).order_by(SegmentMember.id))
    persons, organisations = [], []
    for person_id, organisation_id in rows:
        (persons.append(person_id) if person_id is not None else organisations.append(organisation_id))
    return persons, organisations


def resolve(segment_or_selection, rule: str = "person", channel: str | None = None) -> Resolution:
    """Who a Verteiler (or a Selection) writes to right now under `rule`, and who is left out and why.

    rule: "person", "at_organisation" or "organisation"; channel: "letter", "email" or None.
    A few queries for any number of recipients (persons, functions, organisations, titles in chunks).
    """
    _check_rule(rule, channel)
    person_ids, organisation_ids = member_ids(segment_or_selection)
    return _resolve_ids(person_ids, organisation_ids, rule, channel)


# ------------------------------------------------------------------ uses


def record_use(segment: Segment | None, purpose: str, rule: str, resolution: Resolution) -> SegmentUse:
    """Store who a use went to (and who was left out, why), to repeat it exactly later. Flushes.

    `segment` None: an ad-hoc selection. `rule` must be the one the resolution was made with.
    """
    if rule != resolution.rule:
        raise ValueError(f"resolution was made with rule {resolution.rule!r}, not {rule!r}")
    user_id, user_name = current_actor()
    use = SegmentUse(
        segment_id=segment.id if segment is not None else None, segment_name=segment.name if segment else "",
        purpose=purpose[:30], rule=resolution.rule, channel=resolution.channel or "",
        filter=dict(segment.filter or {}) if segment is not None and segment.is_dynamic else {},
        at=utcnow(), user_id=user_id, user_name=user_name,
        recipient_count=len(resolution.recipients), excluded_count=len(resolution.excluded),
    )
    db.session.add(use)
    db.session.flush()
    rows = [{"use_id": use.id, "position": i, "excluded": False, "reason": "", "person_id": r.person_id,
             "organisation_id": r.organisation_id, "affiliation_id": r.affiliation_id}
            for i, r in enumerate(resolution.recipients)]
    offset = len(rows)
    rows += [{"use_id": use.id, "position": offset + i, "excluded": True, "reason": e.reason_code,
              "person_id": e.person_id, "organisation_id": e.organisation_id, "affiliation_id": None}
             for i, e in enumerate(resolution.excluded)]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(SegmentUseEntry), rows[start:start + 5000])
    return use


def use_resolution(use: SegmentUse) -> Resolution:
    """The recipients a use stored, in its order, with today's names and addresses (same functions).

    Contacts deleted since are left out; an ended function is still the one written to.
    """
    entries = db.session.execute(
        select(SegmentUseEntry.excluded, SegmentUseEntry.reason, SegmentUseEntry.person_id,
               SegmentUseEntry.organisation_id, SegmentUseEntry.affiliation_id)
        .where(SegmentUseEntry.use_id == use.id).order_by(SegmentUseEntry.position)).all()
    persons = load_persons(sorted({e.person_id for e in entries if e.person_id is not None}))
    organisations = load_organisations(sorted({e.organisation_id for e in entries
                                               if e.person_id is None and e.organisation_id is not None}))
    resolution = Resolution(use.rule, use.channel or None)
    for entry in entries:
        person = persons.get(entry.person_id) if entry.person_id is not None else None
        org = organisations.get(entry.organisation_id) if entry.person_id is None else None
        if person is None and org is None:
            continue
        if entry.excluded:
            resolution.excluded.append(_person_excluded(person, entry.reason) if person is not None
                                       else _organisation_excluded(org, entry.reason))
        elif person is not None:
            affiliation = next((a for a in person.affiliations if a.id == entry.affiliation_id), None)
            resolution.recipients.append(_person_recipient(person, affiliation, use.rule))
        else:
            resolution.recipients.append(_organisation_recipient(org))
    return resolution


def use_ids(use: SegmentUse, column: str):
    """SELECT of the recipients' person_id or organisation_id of a use (exports read their rows with it)."""
    col = getattr(SegmentUseEntry, column)
    return select(col).where(SegmentUseEntry.use_id == use.id, SegmentUseEntry.excluded.is_(False), col.is_not(None))


def uses_of(segment: Segment, limit: int = 20) -> list[SegmentUse]:
    return list(db.session.scalars(
        select(SegmentUse).where(SegmentUse.segment_id == segment.id)
        .order_by(SegmentUse.at.desc(), SegmentUse.id.desc()).limit(limit)))


def record_export(segment: Segment, kind: str) -> SegmentUse:
    """An export of a Verteiler: its persons (kind "person") or organisations, recorded as a use."""
    rule = "organisation" if kind == "organisation" else "person"
    return record_use(segment, "export", rule, resolve(segment, rule, None))


# ------------------------------------------------------------------ counting while editing


@dataclass
class Count:
    persons: int
    objecting: int  # of them: objection to being contacted (never written to)


def _without_jit() -> None:
    """PostgreSQL compiles a query to machine code when its estimated cost is high, as it is for these
    (EXISTS probes are estimated per person): some 300 ms of CPU for a count that takes 50 ms."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def count(tree: dict) -> Count:
    """How many active persons a filter selects: one SQL statement (facets.count_query)."""
    _without_jit()
    row = db.session.execute(facets.count_query(tree)).one()
    return Count(int(row[0]), int(row[1]))


def preview(tree: dict, limit: int = PREVIEW_SIZE) -> list[Person]:
    """The first persons of a filter by name, with their functions (for the editor and the detail page)."""
    _without_jit()
    stmt = (select(Person).where(facets.persons_clause(tree)).order_by(Person.sort_name, Person.id).limit(limit)
            .options(selectinload(Person.affiliations).selectinload(Affiliation.organisation),
                     selectinload(Person.affiliations).selectinload(Affiliation.function)))
    return list(db.session.scalars(stmt))


def counts_for(segments: list[Segment]) -> dict[int, int]:
    """Current number of persons and organisations per Verteiler, in one query for all of them."""
    if not segments:
        return {}
    _without_jit()
    columns = []
    for s in segments:
        if s.is_dynamic:
            subquery = select(func.count()).select_from(Person).where(
                facets.persons_clause(s.filter or facets.empty_filter()))
        else:
            subquery = select(func.count()).select_from(SegmentMember).where(SegmentMember.segment_id == s.id)
        columns.append(subquery.scalar_subquery().label(f"s{s.id}"))
    row = db.session.execute(select(*columns)).one()
    return {s.id: int(value or 0) for s, value in zip(segments, row)}


# ------------------------------------------------------------------ saving


def list_segments(archived: bool = False, kind: str | None = None) -> list[Segment]:
    stmt = select(Segment).options(selectinload(Segment.owner))
    stmt = stmt.where(Segment.archived_at.is_not(None) if archived else Segment.archived_at.is_(None))
    if kind:
        stmt = stmt.where(Segment.kind == kind)
    return list(db.session.scalars(stmt.order_by(func.lower(Segment.name), Segment.id)))


def save_segment(segment: Segment | None, data: dict, owner=None) -> Segment:
    """Create (segment=None) or change a Verteiler; the filter is checked (unknown conditions refused)."""
    name = (data.get("name") or "").strip()
    if not name:
        raise DomainError(_("Please enter a name."), field="name")
    kind = segment.kind if segment is not None else data.get("kind", "dynamic")
    if kind not in SEGMENT_KINDS:
        raise DomainError(_("Please choose whether this is a filter or a fixed list."), field="kind")
    tree = facets.parse_filter(data.get("filter") or "", strict=True) if kind == "dynamic" else {}
    if segment is None:
        segment = Segment(kind=kind, owner_id=getattr(owner, "id", None))
        db.session.add(segment)
    segment.name = name[:200]
    segment.description = (data.get("description") or "").strip()
    if kind == "dynamic":
        if tree != segment.filter:
            segment.filter = tree
        segment.filter_summary = facets.describe(tree)
    db.session.flush()
    return segment


def duplicate_segment(segment: Segment, owner=None) -> Segment:
    copy = Segment(name=_("%(name)s (copy)", name=segment.name)[:200], description=segment.description,
                   kind=segment.kind, filter=dict(segment.filter or {}), filter_summary=segment.filter_summary,
                   owner_id=getattr(owner, "id", None))
    db.session.add(copy)
    db.session.flush()
    persons, organisations = member_ids(segment) if not segment.is_dynamic else ([], [])
    if persons or organisations:
        add_members(copy, persons, organisations)
    return copy


def _names(persons: list[int], organisations: list[int], limit: int = 20) -> str:
    rows = [p.full_name for p in db.session.scalars(select(Person).where(Person.id.in_(persons[:limit])))]
    rows += list(db.session.scalars(select(Organisation.name).where(Organisation.id.in_(organisations[:limit]))))
    rows = sorted(rows)[:limit]
    more = len(persons) + len(organisations) - len(rows)
    text = ", ".join(rows)
    return _("%(names)s and %(n)d more", names=text, n=more) if more > 0 else text


def _member_count(segment: Segment) -> int:
    return db.session.scalar(select(func.count()).select_from(SegmentMember)
                             .where(SegmentMember.segment_id == segment.id)) or 0


def _check_fixed(segment: Segment) -> None:
    if segment.is_dynamic:
        raise DomainError(_("“%(name)s” is a filter: its members follow from the conditions. Only fixed lists "
                            "take members.", name=segment.name))
    if segment.archived_at is not None:
        raise DomainError(_("“%(name)s” is archived. Restore it first.", name=segment.name))


def add_members(segment: Segment, person_ids=(), organisation_ids=()) -> tuple[int, int]:
    """Put persons and organisations on a fixed list; (added, already on it). Audited on the Verteiler."""
    _check_fixed(segment)
    person_ids, organisation_ids = parse_ids(list(person_ids)), parse_ids(list(organisation_ids))
    if not person_ids and not organisation_ids:
        raise DomainError(_("Please select at least one contact."))
    existing_persons = set(db.session.scalars(select(Person.id).where(Person.id.in_(person_ids))))
    existing_orgs = set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(organisation_ids))))
    persons_in, orgs_in = set(), set()
    for person_id, organisation_id in db.session.execute(
            select(SegmentMember.person_id, SegmentMember.organisation_id)
            .where(SegmentMember.segment_id == segment.id)):
        (persons_in.add(person_id) if person_id is not None else orgs_in.add(organisation_id))
    new_persons = [i for i in person_ids if i in existing_persons and i not in persons_in]
    new_orgs = [i for i in organisation_ids if i in existing_orgs and i not in orgs_in]
    already = sum(1 for i in person_ids if i in persons_in) + sum(1 for i in organisation_ids if i in orgs_in)
    if new_persons or new_orgs:
        now = utcnow()
        rows = [{"segment_id": segment.id, "person_id": i, "organisation_id": None, "added_at": now}
                for i in new_persons]
        rows += [{"segment_id": segment.id, "person_id": None, "organisation_id": i, "added_at": now}
                 for i in new_orgs]
        before = len(persons_in) + len(orgs_in)
        db.session.execute(insert(SegmentMember), rows)
        record_audit("segment", segment.id, "update", {
            "members_added": [None, _names(new_persons, new_orgs)],
            "member_count": [before, before + len(rows)],
        }, label=segment.name)
        db.session.expire(segment, ["members"])
    return len(new_persons) + len(new_orgs), already


def remove_members(segment: Segment, member_ids_to_remove) -> int:
    """Take members (SegmentMember ids) off a fixed list; how many were removed. Audited."""
    _check_fixed(segment)
    ids = parse_ids(list(member_ids_to_remove))
    if not ids:
        raise DomainError(_("Please select at least one member to remove."))
    rows = db.session.execute(select(SegmentMember.id, SegmentMember.person_id, SegmentMember.organisation_id)
                              .where(SegmentMember.segment_id == segment.id, SegmentMember.id.in_(ids))).all()
    if not rows:
        return 0
    before = _member_count(segment)
    names = _names([r.person_id for r in rows if r.person_id], [r.organisation_id for r in rows if r.organisation_id])
    db.session.execute(delete(SegmentMember).where(SegmentMember.id.in_([r.id for r in rows])))
    record_audit("segment", segment.id, "update", {
        "members_removed": [names, None], "member_count": [before, before - len(rows)],
    }, label=segment.name)
    db.session.expire(segment, ["members"])
    return len(rows)


def members_page(segment: Segment, page: int, per_page: int = 100):
    """One page of a fixed list's members, persons (with their functions) and organisations, by name."""
    person_name = select(Person.sort_name).where(Person.id == SegmentMember.person_id).scalar_subquery()
    org_name = select(Organisation.sort_name).where(Organisation.id == SegmentMember.organisation_id).scalar_subquery()
    stmt = (select(SegmentMember).where(SegmentMember.segment_id == segment.id)
            .order_by(func.coalesce(person_name, org_name), SegmentMember.id)
            .options(selectinload(SegmentMember.person).selectinload(Person.affiliations)
                     .selectinload(Affiliation.organisation),
                     selectinload(SegmentMember.person).selectinload(Person.affiliations)
                     .selectinload(Affiliation.function),
                     selectinload(SegmentMember.organisation)))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
