"""The conditions of a dynamic Verteiler: what can be asked, how it is checked, its SQL and its words.

A filter is a tree, stored as JSON on ``Segment.filter``:

    {"op": "and", "items": [                                   # a group: "and" / "or", "not": true negates
        {"facet": "function", "values": [1]},                   # a condition: any of the values
        {"facet": "body", "values": [3], "roles": ["chair"]},   # seats: in these bodies, in these roles
        {"op": "or", "items": [...]},                           # groups nest
        {"facet": "tag", "values": [5], "not": true},           # a condition can be negated too
    ]}

Every condition compiles to an EXISTS / IN subquery on the person (or a plain column test), so a
whole tree is one SQL statement on ``person``, on SQLite and PostgreSQL (compile_filter says which
form where; bench/segments_bench.py measures it). Organisation facets look at the organisations of
the person's current functions, seat facets at the seats held today.

Later parts add facets with :func:`add_facet` in their ``register()``: the consent facet
("newsletter consent confirmed") belongs to the campaigns part, next to the consent records.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ARRAY, Integer, and_, any_, bindparam, case, exists, func, not_, or_, select, true, union_all
from sqlalchemy.orm import aliased

from crm.contacts.models import (
    LEGAL_BASES,
    ORGANISATION_KINDS,
    SECTORS,
    Affiliation,
    ExpertiseTopic,
    FieldOfAction,
    FunctionTitle,
    Organisation,
    Person,
    Tag,
    TargetGroup,
    organisation_field,
    organisation_tag,
    organisation_target_group,
    person_expertise,
    person_field,
    person_tag,
    person_target_group,
)
from crm.contacts.services import current_affiliation_clause
from crm.core import time as clock
from crm.core.converters import parse_id
from crm.core.errors import DomainError
from crm.core.formatting import long_date
from crm.extensions import db
from crm.network.models import BODY_KINDS, SEAT_ROLES, Body, Seat

MAX_DEPTH = 5
MAX_CONDITIONS = 60
MAX_VALUES = 500

GROUPS = {
    "organisation": _l("Organisation"),
    "person": _l("Person"),
    "network": _l("Bodies"),
    "place": _l("Place"),
    "contact": _l("Contact"),
    "privacy": _l("Data protection"),
}
YES_NO = {"yes": _l("yes"), "no": _l("no")}


@dataclass(frozen=True)
class Facet:
    """One kind of condition.

    `persons(values, condition)` returns a Clause (the persons for the checked values, see below).
    `widget`: "choice" (tick any of `options()`), "yesno" or "date" (one value each).
    Id-valued facets name their `model`; the others take the keys of `options()`.
    """

    key: str
    label: object
    group: str
    widget: str
    persons: Callable
    options: Callable[[], list[tuple]] = lambda: []
    model: type | None = None
    roles: bool = False  # seats: the roles held can be chosen as well
    phrase: object = None  # for dates: the whole sentence, "%(date)s" in it
    negated_phrase: object = None

    @property
    def by_id(self) -> bool:
        return self.model is not None


FACETS: dict[str, Facet] = {}


def add_facet(facet: Facet) -> None:
    """Offer another condition (later parts: consent). Adding a key again replaces it."""
    FACETS[facet.key] = facet


# ------------------------------------------------------------------ SQL of the facets


@dataclass(frozen=True)
class Clause:
    """What one condition compiles to (see compile_filter).

    `ids`: a SELECT of the matching person ids, made of plain joins (no IN list inside: SQLite
    would rebuild such a list for every person it probes). `row`: a test on the person's own
    columns, for facets that need no other table. `probe`: an own correlated test where the
    default EXISTS over `ids` will not do (ids is a UNION). `negated`: the persons not matching.
    `organisations`: for a condition on the organisation of a current function, a SELECT of the
    matching organisations' ids, so that a broad one can be counted from the few others (see
    compile_filter).
    """

    ids: object = None
    row: object = None
    probe: object = None
    negated: bool = False
    # for conditions on the organisation of a current function: the matching organisations' ids
    organisations: object = None
    # the same persons as `ids`, written for reading them whole (as a set, or to count them) where that
    # differs from the form a probe needs (see _place)
    whole: object = None

    @property
    def members(self):
        """The SELECT of the matching person ids to read whole."""
        return self.whole if self.whole is not None else self.ids

    def as_set(self):
        """person.id IN (ids): the database reads the whole set once."""
        element = Person.id.in_(self.members) if self.ids is not None else self.row
        return not_(element) if self.negated else element

    def as_probe(self):
        """EXISTS (ids for this person): checked person by person."""
        if self.probe is not None:
            element = self.probe
        elif self.ids is None:
            element = self.row
        else:
            element = exists(self.ids.where(self.ids.selected_columns[0] == Person.id))
        return not_(element) if self.negated else element

    @property
    def can_lead(self) -> bool:
        """Whether it may lead an AND group (see compile_filter). Not the UNIONs ("has an e-mail address":
        privately or at a function): nearly everyone is in them, and even a LIMIT-ed count of one reads
        every person first (22 ms at 100,000 persons, none with a private address) to find that out."""
        return self.ids is not None and not self.negated and self.probe is None


def _current_functions(*conditions, joins=()):
    """Persons with a current function at an organisation that meets the conditions."""
    stmt = select(Affiliation.person_id).join(Organisation, Organisation.id == Affiliation.organisation_id)
    for table, on in joins:
        stmt = stmt.join(table, on)
    return stmt.where(current_affiliation_clause(), *conditions)


def _organisation_column(column):
    return lambda values, condition: Clause(_current_functions(column.in_(values)),
                                            organisations=select(Organisation.id).where(column.in_(values)))


def _person_link(table, column: str):
    return lambda values, condition: Clause(select(table.c.person_id).where(table.c[column].in_(values)))


def _organisation_link(table, column: str):
    def clause(values, condition):
        return Clause(_current_functions(table.c[column].in_(values),
                                         joins=((table, table.c.organisation_id == Organisation.id),)),
                      organisations=select(table.c.organisation_id).where(table.c[column].in_(values)))
    return clause


def _function(values, condition):
    return Clause(select(Affiliation.person_id).where(current_affiliation_clause(),
                                                      Affiliation.function_id.in_(values)))


def _seats(*conditions, roles=(), joins=()):
    today = clock.today()
    stmt = select(Seat.person_id)
    for table, on in joins:
        stmt = stmt.join(table, on)
    stmt = stmt.where(Seat.valid_from <= today, or_(Seat.valid_to.is_(None), Seat.valid_to >= today), *conditions)
    if roles:
        stmt = stmt.where(Seat.role.in_(roles))
    return Clause(stmt)


def _body(values, condition):
    return _seats(Seat.body_id.in_(values), roles=condition.get("roles", ()))


def _body_kind(values, condition):
    return _seats(Body.kind.in_(values), Body.archived_at.is_(None), roles=condition.get("roles", ()),
                  joins=((Body, Body.id == Seat.body_id),))


# Aliases made once: SQLAlchemy works out an alias's columns on first use, a few milliseconds each for
# these wide tables, which a fresh alias per condition paid on every live count.
_KEYED = aliased(Organisation, name="keyed")
_MUNICIPALITY = aliased(Organisation, name="municipality")
_PARENT = aliased(Organisation, name="parent")
_PRIVATELY = aliased(Person, name="privately")
_OTHER_FUNCTION = aliased(Affiliation, name="other_function")


# PostgreSQL: up to this many organisations of a place condition are read first and passed as a list (see _place)
PLACE_LIST = 2000


def _ags_starts_with(column, prefix: str):
    """The AGS begins with these digits. GLOB on SQLite (its LIKE ignores case, so it cannot use the
    index on ags and read every organisation instead); LIKE elsewhere. The prefixes are digits only."""
    return column.op("GLOB")(f"{prefix}*") if _on_sqlite() else column.like(f"{prefix}%")


def _place(exact: bool):
    """Persons at a current function whose organisation's AGS (its own, else its municipality's, else
    its parent's) is the municipality's (exact) or starts with the district's key.

    Written for each database: SQLite gets plain joins for probing person by person (an IN list
    inside an EXISTS is rebuilt for every person probed there: 2 s instead of 40 ms for 20,000
    persons), but the organisations as a list first when the persons are read whole (a municipality
    at 100,000 persons: 4 ms instead of 31 ms, the joins walked every organisation without an AGS);
    PostgreSQL gets the list for both, read first (up to PLACE_LIST organisations) and passed as an
    array, so that it knows its size: the OR over three joined AGS made it expect 90 organisations
    instead of 10,000, the OR of the organisations' three ways 7,479 instead of the 332 of a
    municipality (it read every function), their UNION 87 instead of the 9,985 of a district (it
    compared every mayor with 50,000 functions: 1.2 s).
    """
    def clause(values, condition):
        def matches(column):
            return column.in_(values) if exact else or_(*(_ags_starts_with(column, prefix) for prefix in values))

        keyed = _KEYED
        with_key = select(keyed.id).where(matches(keyed.ags))
        organisations = select(Organisation.id).where(or_(
            matches(Organisation.ags),
            and_(Organisation.ags == "", or_(Organisation.municipality_id.in_(with_key),
                                             Organisation.parent_id.in_(with_key)))))
        if not _on_sqlite():
            listed = list(db.session.scalars(organisations.limit(PLACE_LIST + 1)))
            if len(listed) <= PLACE_LIST:
                return Clause(select(Affiliation.person_id).where(
                    current_affiliation_clause(),
                    Affiliation.organisation_id == any_(bindparam(None, listed, type_=ARRAY(Integer)))),
                    organisations=organisations)
        at_organisations = select(Affiliation.person_id).where(current_affiliation_clause(),
                                                               Affiliation.organisation_id.in_(organisations))
        if _on_sqlite():
            municipality, parent = _MUNICIPALITY, _PARENT
            stmt = (select(Affiliation.person_id)
                    .join(Organisation, Organisation.id == Affiliation.organisation_id)
                    .outerjoin(municipality, municipality.id == Organisation.municipality_id)
                    .outerjoin(parent, parent.id == Organisation.parent_id)
                    .where(current_affiliation_clause(), or_(
                        matches(Organisation.ags),
                        and_(Organisation.ags == "", or_(matches(municipality.ags), matches(parent.ags))))))
            return Clause(stmt, organisations=organisations, whole=at_organisations)
        return Clause(at_organisations, organisations=organisations)
    return clause


def _on_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _yes_no(clause_for_yes: Callable):
    def clause(values, condition):
        if set(values) == {"yes", "no"}:
            return Clause(row=true())
        clause = clause_for_yes()
        return clause if values == ["yes"] else replace(clause, negated=True)
    return clause


def _objection():
    return Clause(row=Person.contact_objection.is_(True))


def _privately_or_at_work(private, business):
    """Persons with the data privately or at a current function: a UNION as a set; as a probe, the
    person's own column first, then EXISTS at a function (no subquery for those with it privately)."""
    privately = _PRIVATELY
    at_work = select(Affiliation.person_id).join(Organisation, Organisation.id == Affiliation.organisation_id).where(
        current_affiliation_clause(), business)
    return Clause(ids=select(privately.id).where(private(privately)).union_all(at_work),
                  probe=or_(private(Person), exists(at_work.where(Affiliation.person_id == Person.id))))


def _has_email():
    return _privately_or_at_work(lambda p: p.email != "", or_(Affiliation.email != "", Organisation.email != ""))


def _has_address():
    """A street (or PO box) and a city: privately, or at a current function (its own address, else the
    organisation's), as resolve() builds the address block (services.has_postal_address)."""
    own = and_(Affiliation.street != "", Affiliation.city != "")
    organisations = and_(Affiliation.street == "", Affiliation.city == "",
                         or_(Organisation.street != "", Organisation.po_box != ""), Organisation.city != "")
    return _privately_or_at_work(lambda p: and_(p.street != "", p.city != ""), or_(own, organisations))


def _start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in the region, in UTC (how last_contacted_at is stored)."""
    return datetime.combine(day, time(0), tzinfo=clock.region_zone()).astimezone(timezone.utc)


def _contacted_before(values, condition):
    cutoff = _start_of_day(date.fromisoformat(values[0]))
    return Clause(row=or_(Person.last_contacted_at.is_(None), Person.last_contacted_at < cutoff))


def _contacted_since(values, condition):
    cutoff = _start_of_day(date.fromisoformat(values[0]))
    return Clause(row=and_(Person.last_contacted_at.is_not(None), Person.last_contacted_at >= cutoff))


def _legal_basis(values, condition):
    return Clause(row=Person.legal_basis.in_(values))


# ------------------------------------------------------------------ options (value, label)


def _labels(mapping: dict):
    return lambda: [(key, str(label)) for key, label in mapping.items()]


def _catalogue(model):
    def options():
        order = (model.position, model.name) if hasattr(model, "position") else (model.name,)
        return [(row.id, row.name) for row in db.session.execute(select(model.id, model.name).order_by(*order))]
    return options


def _functions():
    rows = db.session.scalars(select(FunctionTitle).order_by(FunctionTitle.position, FunctionTitle.name_male))
    return [(f.id, str(f)) for f in rows]


def _bodies():
    """Active bodies by name, then the archived ones (a saved filter may name one; it keeps its seats)."""
    rows = db.session.execute(select(Body.id, Body.name, Body.archived_at).order_by(Body.archived_at.is_not(None),
                                                                                     Body.name))
    archived = _("archived")
    return [(row.id, f"{row.name} ({archived})" if row.archived_at else row.name) for row in rows]


def _places(kind: str, digits: int):
    """(AGS or its first digits, name) of the active municipalities or districts that have an AGS."""
    def options():
        rows = db.session.execute(
            select(Organisation.ags, Organisation.name)
            .where(Organisation.kind == kind, Organisation.archived_at.is_(None), Organisation.ags != "")
            .order_by(Organisation.sort_name))
        return [(row.ags[:digits], row.name) for row in rows if len(row.ags) >= digits]
    return options


for _facet in (
    Facet("org_kind", _l("Kind of organisation"), "organisation", "choice", _organisation_column(Organisation.kind),
          _labels(ORGANISATION_KINDS)),
    Facet("sector", _l("Sector"), "organisation", "choice", _organisation_column(Organisation.sector),
          _labels(SECTORS)),
    Facet("function", _l("Function"), "organisation", "choice", _function, _functions, model=FunctionTitle),
    Facet("org_tag", _l("Tag of the organisation"), "organisation", "choice",
          _organisation_link(organisation_tag, "tag_id"), _catalogue(Tag), model=Tag),
    Facet("org_field", _l("Field of action of the organisation"), "organisation", "choice",
          _organisation_link(organisation_field, "field_of_action_id"), _catalogue(FieldOfAction),
          model=FieldOfAction),
    Facet("org_target_group", _l("Target group of the organisation"), "organisation", "choice",
          _organisation_link(organisation_target_group, "target_group_id"), _catalogue(TargetGroup),
          model=TargetGroup),
    Facet("tag", _l("Tag"), "person", "choice", _person_link(person_tag, "tag_id"), _catalogue(Tag), model=Tag),
    Facet("field", _l("Field of action"), "person", "choice", _person_link(person_field, "field_of_action_id"),
          _catalogue(FieldOfAction), model=FieldOfAction),
    Facet("target_group", _l("Target group"), "person", "choice", _person_link(person_target_group, "target_group_id"),
          _catalogue(TargetGroup), model=TargetGroup),
    Facet("topic", _l("Expert for"), "person", "choice", _person_link(person_expertise, "expertise_topic_id"),
          _catalogue(ExpertiseTopic), model=ExpertiseTopic),
    Facet("body", _l("Body"), "network", "choice", _body, _bodies, model=Body, roles=True),
    Facet("body_kind", _l("Kind of body"), "network", "choice", _body_kind, _labels(BODY_KINDS), roles=True),
    Facet("district", _l("District"), "place", "choice", _place(exact=False), _places("district", 5)),
    Facet("municipality", _l("Municipality"), "place", "choice", _place(exact=True), _places("municipality", 8)),
    Facet("has_email", _l("Has an e-mail address"), "contact", "yesno", _yes_no(_has_email), _labels(YES_NO)),
    Facet("has_address", _l("Has a postal address"), "contact", "yesno", _yes_no(_has_address), _labels(YES_NO)),
    Facet("contacted_before", _l("Last contact before"), "contact", "date", _contacted_before,
          phrase=_l("Last contact before %(date)s (or never)"),
          negated_phrase=_l("Contacted on or after %(date)s")),
    Facet("contacted_since", _l("Last contact on or after"), "contact", "date", _contacted_since,
          phrase=_l("Last contact on or after %(date)s"),
          negated_phrase=_l("Not contacted since %(date)s")),
    Facet("objection", _l("Objection to being contacted"), "privacy", "yesno", _yes_no(_objection),
          _labels(YES_NO)),
    Facet("legal_basis", _l("Legal basis"), "privacy", "choice", _legal_basis, _labels(LEGAL_BASES)),
):
    add_facet(_facet)


# ------------------------------------------------------------------ reading a posted filter


def empty_filter() -> dict:
    return {"op": "and", "items": []}


@dataclass
class _Budget:
    keep_empty: bool = False
    conditions: int = 0
    facet_values: dict = field(default_factory=dict)


def parse_filter(raw, strict: bool = True, keep_empty: bool = False) -> dict:
    """A filter from a form or JSON body, checked and normalised; DomainError (German) if it cannot be used.

    strict=False (the live preview while the user builds it): conditions without a value yet are left
    out, or kept with no values when keep_empty (to show the form again as it was sent).
    """
    if isinstance(raw, (str, bytes)):
        text = raw.strip() if isinstance(raw, str) else raw.decode("utf-8", "replace").strip()
        if not text:
            return empty_filter()
        try:
            raw = json.loads(text)
        except ValueError:
            raise DomainError(_("The conditions could not be read. Please build them again."), field="filter")
    if raw is None or raw == {}:
        return empty_filter()
    if not isinstance(raw, dict):
        raise DomainError(_("The conditions could not be read. Please build them again."), field="filter")
    if "facet" in raw:
        raw = {"op": "and", "items": [raw]}
    budget = _Budget(keep_empty=keep_empty)
    tree = _parse_group(raw, 1, strict, budget)
    _check_values_exist(budget.facet_values)
    return tree


def _parse_group(node: dict, depth: int, strict: bool, budget: _Budget) -> dict:
    if depth > MAX_DEPTH:
        raise DomainError(_("Groups can be nested at most %(n)d deep.", n=MAX_DEPTH), field="filter")
    op = node.get("op", "and")
    items = node.get("items", [])
    if op not in ("and", "or") or not isinstance(items, list):
        raise DomainError(_("The conditions could not be read. Please build them again."), field="filter")
    group = {"op": op, "items": []}
    if node.get("not") is True:
        group["not"] = True
    for item in items:
        if not isinstance(item, dict):
            raise DomainError(_("The conditions could not be read. Please build them again."), field="filter")
        if "facet" in item:
            condition = _parse_condition(item, strict, budget)
            if condition is not None:
                group["items"].append(condition)
        else:
            group["items"].append(_parse_group(item, depth + 1, strict, budget))
    return group


def _parse_condition(node: dict, strict: bool, budget: _Budget) -> dict | None:
    key = node.get("facet")
    facet = FACETS.get(key) if isinstance(key, str) else None
    if facet is None:
        raise DomainError(_("Unknown condition “%(facet)s”.", facet=str(key)[:60]), field="filter")
    budget.conditions += 1
    if budget.conditions > MAX_CONDITIONS:
        raise DomainError(_("At most %(n)d conditions are possible.", n=MAX_CONDITIONS), field="filter")
    raw_values = node.get("values", [])
    if not isinstance(raw_values, list) or len(raw_values) > MAX_VALUES:
        raise DomainError(_("The conditions could not be read. Please build them again."), field="filter")
    values = []
    for raw in raw_values:
        value = _parse_value(facet, raw)
        if value not in values:
            values.append(value)
    if not values:
        if strict:
            raise DomainError(_("Please choose a value for the condition “%(facet)s”.", facet=facet.label),
                              field="filter")
        if not budget.keep_empty:
            return None
    if facet.widget == "date" and len(values) > 1:
        raise DomainError(_("Please enter one date for “%(facet)s”.", facet=facet.label), field="filter")
    condition = {"facet": facet.key, "values": values}
    if facet.roles:
        roles = node.get("roles", [])
        if not isinstance(roles, list) or any(role not in SEAT_ROLES for role in roles):
            raise DomainError(_("Unknown role in the condition “%(facet)s”.", facet=facet.label), field="filter")
        if roles:
            condition["roles"] = [role for role in SEAT_ROLES if role in roles]
    if node.get("not") is True:
        condition["not"] = True
    if facet.by_id or facet.key in ("municipality", "district"):
        budget.facet_values.setdefault(facet.key, set()).update(values)
    return condition


def _unknown_value(facet: Facet, raw) -> DomainError:
    return DomainError(_("Unknown value “%(value)s” in the condition “%(facet)s”.", value=str(raw)[:40],
                         facet=facet.label), field="filter")


def _parse_value(facet: Facet, raw):
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise _unknown_value(facet, raw)
    if facet.by_id:
        value = parse_id(raw)
        if value is None:
            raise _unknown_value(facet, raw)
        return value
    text = str(raw).strip()
    if facet.widget == "date":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise DomainError(_("“%(value)s” is not a date (condition “%(facet)s”).", value=text[:20],
                                facet=facet.label), field="filter") from None
        if not 1900 <= day.year <= 2200:
            raise DomainError(_("“%(value)s” is not a date (condition “%(facet)s”).", value=text[:20],
                                facet=facet.label), field="filter")
        return day.isoformat()
    if facet.key in ("municipality", "district"):
        if not (text.isascii() and text.isdigit() and len(text) == (8 if facet.key == "municipality" else 5)):
            raise _unknown_value(facet, raw)
        return text
    if text not in {str(key) for key, _label in facet.options()}:
        raise _unknown_value(facet, raw)
    return text


def _check_values_exist(facet_values: dict) -> None:
    """Ids must name existing records (archived ones count: a saved filter may name them)."""
    for key, values in facet_values.items():
        facet = FACETS[key]
        if facet.by_id:
            found = set(db.session.scalars(select(facet.model.id).where(facet.model.id.in_(values))))
        else:
            found = {value for value in values if _ags_exists(value)}
        missing = sorted(set(values) - found, key=str)
        if missing:
            raise _unknown_value(facet, missing[0])


def _ags_exists(prefix: str) -> bool:
    found = db.session.scalar(select(Organisation.id).where(_ags_starts_with(Organisation.ags, prefix)).limit(1))
    return found is not None


# ------------------------------------------------------------------ SQL

# A condition this small (persons, counted up to here) leads an AND group on SQLite: see compile_filter.
LEAD_LIMIT = 5000


def compile_filter(tree: dict, mode: str | None = None):
    """The WHERE clause on Person for a (parsed) filter; an empty group restricts nothing. One statement.

    Each condition can be a set (person.id IN (SELECT ...): read once, whole) or a probe (EXISTS,
    checked person by person). PostgreSQL plans both alike, as semi- and anti-joins, choosing hash or
    index lookups from its statistics: everything is written as EXISTS there (mode "probe"). SQLite
    does what it is told: it reads every IN set whole, and runs an EXISTS per person it looks at. So
    there (mode "auto") an AND group is led by its smallest condition as a set, if a LIMIT-ed count
    finds one of at most LEAD_LIMIT persons, and its other conditions only probe those few persons;
    without such a condition every condition is a set ("first mayors in the district with an e-mail
    address": 28 mayors probed, instead of three sets of 100,000 persons built).

    On PostgreSQL an OR group of plain conditions is one set, the UNION of theirs ("chairs of working
    groups or mayors or tagged Presse": 3,000 persons found by their indexes, instead of every person
    tested against three hashed lists, 7 ms instead of 45 ms at 100,000 persons).
    """
    if mode is None:
        mode = "auto" if _on_sqlite() else "probe"
    if "facet" in tree:
        facet = FACETS[tree["facet"]]
        clause = facet.persons(tree["values"], tree)
        others = _few_other_organisations(clause) if mode != "set" else None
        if others is not None:
            element = and_(_has_current_function(), _not_only_elsewhere(others))
        else:
            element = clause.as_probe() if mode == "probe" else clause.as_set()
    else:
        items = tree.get("items", [])
        is_and = tree.get("op", "and") == "and"
        if not is_and and mode == "probe" and len(items) > 1 and not _on_sqlite():
            union = _union_of(items)
            if union is not None:
                element = Person.id.in_(union)
                return not_(element) if tree.get("not") else element
        broad = _broad_conditions(items) if mode != "set" and is_and else {}
        rest = [item for i, item in enumerate(items) if i not in broad]
        leader = _leader(rest) if mode == "auto" and is_and and len(rest) > 1 else None
        if leader is not None:
            parts = [compile_filter(item, "set" if i == leader else "probe") for i, item in enumerate(rest)]
        elif mode == "auto" and is_and:
            # without a leader: a condition that first tests the person's own columns ("has an e-mail
            # address": privately, else at a function) costs less as a probe than its UNION as a set
            parts = [compile_filter(item, "probe" if _tests_own_columns_first(item) else mode) for item in rest]
        else:
            parts = [compile_filter(item, mode) for item in rest]
        if broad:
            # "at a current function" once for all of them, then each one's few exceptions
            parts.append(_has_current_function())
            parts.extend(_not_only_elsewhere(others) for others in broad.values())
        if not parts:
            element = true()
        elif len(parts) == 1:
            element = parts[0]
        else:
            element = and_(*parts) if is_and else or_(*parts)
    return not_(element) if tree.get("not") else element


# A condition on the organisation of a current function is "broad" when the organisations that do not
# meet it are fewer than this share of all and at most BROAD_OTHERS ("in the district", "civil society or
# economy"): then it is checked through the persons at those few others, instead of building a set of
# nearly every person (issue 11: at 100,000 persons, 60 to 100 ms for each such set).
BROAD_SHARE = 0.5
BROAD_OTHERS = 2000


def _broad_conditions(items: list[dict]) -> dict[int, list[int]]:
    """The broad conditions among the items of an AND group: {index: the few other organisations}."""
    broad = {}
    for i, item in enumerate(items):
        if "facet" in item and not item.get("not"):
            others = _few_other_organisations(FACETS[item["facet"]].persons(item["values"], item))
            if others is not None:
                broad[i] = others
    return broad


def _few_other_organisations(clause: Clause) -> list[int] | None:
    """The ids of the organisations that do not meet a broad organisation condition; None if it is not broad."""
    if clause.organisations is None or clause.negated:
        return None
    others = list(db.session.scalars(select(Organisation.id).where(Organisation.id.not_in(clause.organisations))
                                     .order_by(Organisation.id).limit(BROAD_OTHERS + 1)))
    if len(others) > BROAD_OTHERS:
        return None
    total = db.session.scalar(select(func.count()).select_from(Organisation)) or 0
    return others if len(others) < total * BROAD_SHARE else None


def _has_current_function():
    return exists(select(Affiliation.person_id).where(Affiliation.person_id == Person.id,
                                                      current_affiliation_clause()))


def _not_only_elsewhere(others: list[int]):
    """Not one of the persons whose current functions are all at these other organisations: with
    _has_current_function, the same persons as "a current function at a matching organisation", read
    from the few persons at the others. (`organisation_id + 0`: SQLite must find a person's functions by
    the person, not walk the organisations' index.)"""
    return Person.id.not_in(_only_elsewhere(others))


def _only_elsewhere(others: list[int]):
    """The persons whose current functions are all at these organisations (see _not_only_elsewhere)."""
    other = _OTHER_FUNCTION
    return (select(Affiliation.person_id)
            .where(current_affiliation_clause(), Affiliation.organisation_id.in_(others),
                   ~exists(select(other.id).where(
                       other.person_id == Affiliation.person_id,
                       or_(other.valid_to.is_(None), other.valid_to >= clock.today()),
                       (other.organisation_id + 0).not_in(others)))))


def _leader(items: list[dict]) -> int | None:
    """The index of the smallest positive condition of an AND group, if it has at most LEAD_LIMIT persons."""
    best, smallest = None, LEAD_LIMIT + 1
    for i, item in enumerate(items):
        if "facet" not in item or item.get("not"):
            continue
        clause = FACETS[item["facet"]].persons(item["values"], item)
        if not clause.can_lead:
            continue
        size = db.session.scalar(select(func.count()).select_from(clause.members.limit(LEAD_LIMIT + 1).subquery()))
        if size < smallest:
            best, smallest = i, size
    return best


def _union_of(items: list[dict]):
    """The UNION ALL of the persons of plain positive conditions (see compile_filter); None if one is not."""
    clauses = []
    for item in items:
        if "facet" not in item or item.get("not"):
            return None
        clause = FACETS[item["facet"]].persons(item["values"], item)
        if not clause.can_lead:
            return None
        clauses.append(clause.members)
    return union_all(*clauses)


def _tests_own_columns_first(item: dict) -> bool:
    return "facet" in item and FACETS[item["facet"]].persons(item["values"], item).probe is not None


def persons_clause(tree: dict, mode: str | None = None):
    """Active persons matching the filter."""
    return and_(Person.archived_at.is_(None), compile_filter(tree, mode))


def _objections(column=Person.contact_objection):
    return func.coalesce(func.sum(case((column.is_(True), 1), else_=0)), 0)


def count_query(tree: dict):
    """SELECT (persons, of them with an objection to being contacted) for a filter: one statement.

    Usually a COUNT over persons_clause. For an AND group of broad organisation conditions and
    conditions that exclude a few persons ("in the district, civil society or economy, not tagged
    Presse", 96,684 of 100,000 persons), it counts the persons at a current function less the
    exceptions instead (see _exceptions), each part from an index: SQLite would otherwise probe every
    person three or four times (90 ms at 100,000 persons, 21 ms this way), PostgreSQL join every
    person with every function (94 ms, 38 ms this way).
    """
    exceptions = _exceptions(tree)
    if exceptions is None:
        return select(func.count(), _objections()).select_from(Person).where(persons_clause(tree))
    at_work = _has_current_function()
    # persons at a current function: read from the functions' index in person order (grouped without
    # sorting), less the archived ones (few, from their own index)
    grouped = select(Affiliation.person_id).where(current_affiliation_clause()).group_by(Affiliation.person_id)
    with_function = (select(func.count()).select_from(grouped.subquery()).scalar_subquery()
                     - select(func.count()).select_from(Person).where(Person.archived_at.is_not(None), at_work)
                     .scalar_subquery())
    # the few who objected, from ix_person_objection
    objecting = (select(func.count()).select_from(Person)
                 .where(Person.contact_objection.is_(True), Person.archived_at.is_(None), at_work).scalar_subquery())
    excepted = (select(func.count().label("persons"), _objections().label("objections")).select_from(Person)
                .where(Person.archived_at.is_(None), at_work, Person.id.in_(union_all(*exceptions))).subquery())
    return select(with_function - excepted.c.persons, objecting - excepted.c.objections).select_from(excepted)


def _exceptions(tree: dict) -> list | None:
    """For count_query: an AND group whose conditions are all broad organisation conditions
    or exclude at most LEAD_LIMIT persons each ("not tagged Presse"), at least one of them broad. Then
    its persons are those at a current function except the persons of any of the returned SELECTs (the
    persons of each excluding condition, the persons only at the other organisations of each broad
    one). None for any other filter."""
    if "facet" in tree or tree.get("not") or tree.get("op", "and") != "and":
        return None
    items = tree.get("items", [])
    excluding, candidates = [], False
    for item in items:  # first without reading anything: every condition must be of one of the two kinds
        if "facet" not in item:
            return None
        clause = FACETS[item["facet"]].persons(item["values"], item)
        if clause.ids is None or clause.probe is not None:
            return None
        if bool(item.get("not")) != clause.negated:
            excluding.append(clause.members)
        elif clause.organisations is None or item.get("not"):
            return None
        else:
            candidates = True
    if not candidates:
        return None
    for members in excluding:
        if db.session.scalar(select(func.count()).select_from(members.limit(LEAD_LIMIT + 1).subquery())) > LEAD_LIMIT:
            return None
    broad = _broad_conditions(items)
    if len(broad) != len(items) - len(excluding):
        return None
    return excluding + [_only_elsewhere(others) for others in broad.values()]


# ------------------------------------------------------------------ in words


def _value_labels(tree: dict) -> dict[tuple[str, object], str]:
    """Labels of every value in the tree, read with one query per facet."""
    wanted: dict[str, set] = {}

    def walk(node):
        if "facet" in node:
            wanted.setdefault(node["facet"], set()).update(node["values"])
        for item in node.get("items", []):
            walk(item)

    walk(tree)
    labels = {}
    for key, values in wanted.items():
        facet = FACETS.get(key)
        if facet is None:
            continue
        if facet.model is FunctionTitle:
            rows = db.session.scalars(select(FunctionTitle).where(FunctionTitle.id.in_(values)))
            names = {f.id: str(f) for f in rows}
        elif facet.by_id:
            model = facet.model
            names = dict(db.session.execute(select(model.id, model.name).where(model.id.in_(values))).all())
        elif key in ("municipality", "district"):
            names = dict(facet.options())
        elif facet.widget == "date":
            names = {value: long_date(date.fromisoformat(value)) for value in values}
        else:
            names = {str(k): label for k, label in facet.options()}
        for value in values:
            labels[(key, value)] = names.get(value) or _("(deleted: %(value)s)", value=value)
    return labels


def describe_condition(condition: dict, labels: dict) -> str:
    """One condition in German: "Funktion ist Erster Bürgermeister / Erste Bürgermeisterin"."""
    facet = FACETS.get(condition["facet"])
    if facet is None:
        return condition["facet"]
    values = [labels.get((facet.key, v), str(v)) for v in condition["values"]]
    negated = bool(condition.get("not"))
    if facet.widget == "date":
        phrase = facet.negated_phrase if negated else facet.phrase
        return str(phrase) % {"date": values[0]}
    if facet.widget == "yesno":
        text = _("%(facet)s: %(value)s", facet=facet.label, value=_(" or ").join(values))
        return _("NOT (%(conditions)s)", conditions=text) if negated else text
    joined = _(" or ").join(values)
    text = (_("%(facet)s is not %(values)s", facet=facet.label, values=joined) if negated
            else _("%(facet)s is %(values)s", facet=facet.label, values=joined))
    roles = condition.get("roles")
    if roles:
        text = _("%(condition)s, role %(roles)s", condition=text,
                 roles=_(" or ").join(str(SEAT_ROLES[r]) for r in roles))
    return text


def describe(tree: dict, labels: dict | None = None) -> str:
    """The whole filter in one line: "Funktion ist … UND (Gremium ist …, Rolle Vorsitz ODER …)"."""
    labels = labels if labels is not None else _value_labels(tree)
    if "facet" in tree:
        return describe_condition(tree, labels)
    parts = []
    for item in tree.get("items", []):
        text = describe(item, labels)
        nested = "facet" not in item and len(item.get("items", [])) > 1 and not item.get("not")
        parts.append(f"({text})" if nested else text)
    if not parts:
        text = _("all active persons")
    else:
        text = (f" {_('AND')} " if tree.get("op", "and") == "and" else f" {_('OR')} ").join(parts)
    if tree.get("not"):
        return _("NOT (%(conditions)s)", conditions=text)
    return text


@dataclass
class Line:
    """A row of the conditions as the detail page lists them (nested groups indented)."""

    depth: int
    text: str
    connector: str = ""  # "UND" / "ODER" before this row, within its group


def describe_lines(tree: dict) -> list[Line]:
    labels = _value_labels(tree)
    lines: list[Line] = []

    def walk(group: dict, depth: int):
        connector = _("AND") if group.get("op", "and") == "and" else _("OR")
        for i, item in enumerate(group.get("items", [])):
            joined = connector if i else ""
            if "facet" in item:
                lines.append(Line(depth, describe_condition(item, labels), joined))
            else:
                lines.append(Line(depth, _group_heading(item), joined))
                walk(item, depth + 1)

    if tree.get("not"):
        lines.append(Line(0, _group_heading(tree)))
        walk(tree, 1)
    else:
        walk(tree, 0)
    return lines


def _group_heading(group: dict) -> str:
    if group.get("op", "and") == "and":
        return _("not all of the following:") if group.get("not") else _("all of the following:")
    return _("none of the following:") if group.get("not") else _("one of the following:")


def facet_menu() -> list[dict]:
    """The facets for the editor, grouped, with their options (read now, in the request's language)."""
    menu = []
    for group_key, group_label in GROUPS.items():
        facets = [f for f in FACETS.values() if f.group == group_key]
        if facets:
            menu.append({"label": str(group_label), "facets": [
                {"key": f.key, "label": str(f.label), "widget": f.widget, "roles": f.roles,
                 "options": [(str(value), label) for value, label in f.options()]}
                for f in facets]})
    return menu
