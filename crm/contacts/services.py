"""Everything that changes contacts or runs a non-trivial query on them. Services flush; views commit."""
import json
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ARRAY, Integer, Select, any_, bindparam, func, literal, or_, select, union, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crm.contacts.models import (
    PERSON_FIELDS,
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
from crm.contacts.search import (
    ORGANISATION,
    ORGANISATION_ARCHIVED,
    PERSON,
    PERSON_ARCHIVED,
    matching_id_subquery,
    person_functions_joined,
)
from crm.core import time as clock
from crm.core.archiving import set_archived
from crm.core.converters import parse_id, parse_ids
from crm.core.errors import DomainError
from crm.extensions import db

# ------------------------------------------------------------------ catalogues


def _existing_named(model, folded: list[str]) -> dict:
    return {
        obj.name.lower(): obj
        for obj in db.session.scalars(select(model).where(func.lower(model.name).in_(folded)))
    }


def _insert_or_get_named(model, name: str):
    """Insert a catalogue entry; if another user inserted the same name meanwhile, use theirs.

    The insert runs in a SAVEPOINT, so the unique violation (a 500 before) only undoes it.
    """
    obj = model(name=name)
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        obj = db.session.scalar(select(model).where(model.name == name))
        if obj is None:
            raise
    return obj


def _get_or_create_named(model, names: list[str]):
    if not names:
        return []
    wanted = {n.lower(): n for n in names}
    existing = _existing_named(model, list(wanted))
    return [existing.get(key) or _insert_or_get_named(model, name) for key, name in wanted.items()]


def resolve_tags(names: list[str]) -> list[Tag]:
    return _get_or_create_named(Tag, names)


def resolve_topics(names: list[str]) -> list[ExpertiseTopic]:
    return _get_or_create_named(ExpertiseTopic, names)


def by_ids(model, ids) -> list:
    ids = parse_ids(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids))))


def catalogue(model) -> list:
    order = model.position if hasattr(model, "position") else model.name
    return list(db.session.scalars(select(model).order_by(order, model.id)))


# The classification lists of a person: (relationship, catalogue, link table, the link's catalogue column).
_PERSON_CLASSIFICATION = (
    ("fields_of_action", FieldOfAction, person_field, "field_of_action_id"),
    ("target_groups", TargetGroup, person_target_group, "target_group_id"),
    ("tags", Tag, person_tag, "tag_id"),
    ("expertise_topics", ExpertiseTopic, person_expertise, "expertise_topic_id"),
)


@cache
def _person_classification_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    parts = [
        select(literal(kind).label("kind"), model.id, model.name,
               (model.position if model is FieldOfAction else literal(0)).label("position"))
        .join(link, link.c[column] == model.id).where(link.c.person_id == bindparam("person_id"))
        for kind, (_attr, model, link, column) in enumerate(_PERSON_CLASSIFICATION)
    ]
    query = union_all(*parts).subquery()
    return select(query).order_by(query.c.kind, query.c.position, query.c.name)


def load_person_classification(person: Person) -> None:
    """A person's fields of action, target groups, tags and expertise topics in one query instead of one per
    list (the person page shows all four); each list in its relationship's order (fields by position, the
    others by name, in the database's collation)."""
    rows = db.session.execute(_person_classification_statement(), {"person_id": person.id}).all()
    lists: list[list] = [[] for _ in _PERSON_CLASSIFICATION]
    for kind, item_id, name, position in rows:
        model = _PERSON_CLASSIFICATION[kind][1]
        item = db.session.identity_map.get(db.session.identity_key(model, item_id))
        if item is None:
            item = model(id=item_id, name=name, **({"position": position} if model is FieldOfAction else {}))
            make_transient_to_detached(item)  # as if loaded: no query for its columns, nothing to flush
            db.session.add(item)
        lists[kind].append(item)
    for (attr, *_rest), items in zip(_PERSON_CLASSIFICATION, lists):
        set_committed_value(person, attr, items)


def function_choices(empty_label: str) -> list[tuple[int, str]]:
    functions = db.session.scalars(select(FunctionTitle).order_by(FunctionTitle.position, FunctionTitle.name_male))
    return [(0, empty_label)] + [(f.id, str(f)) for f in functions]


# ------------------------------------------------------------------ organisations

PARENT_KINDS = ("district", "admin_union", "municipality", "federation", "authority", "chamber")


def parent_choices(exclude_id: int | None = None) -> list[tuple[int, str]]:
    stmt = (
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind.in_(PARENT_KINDS), Organisation.archived_at.is_(None))
        .order_by(Organisation.sort_name)
    )
    return [(row.id, row.name) for row in db.session.execute(stmt) if row.id != exclude_id]


# The choices of the list filters: (key in filter_choices, catalogue or None for the municipalities).
_FILTER_CHOICES = (("tags", Tag), ("fields", FieldOfAction), ("target_groups", TargetGroup),
                   ("topics", ExpertiseTopic), ("municipalities", None))


@cache
def _filter_choices_statement():
    # Built once per process; the lists themselves are read on every request (a new tag shows at once).
    parts = []
    for kind, (_key, model) in enumerate(_FILTER_CHOICES):
        if model is None:
            parts.append(select(literal(kind).label("kind"), Organisation.id, Organisation.name,
                                literal(0).label("position"), Organisation.sort_name.label("sort"))
                         .where(Organisation.kind == "municipality", Organisation.archived_at.is_(None)))
        else:
            position = model.position if hasattr(model, "position") else literal(0)
            parts.append(select(literal(kind).label("kind"), model.id, model.name, position.label("position"),
                                model.name.label("sort")))
    query = union_all(*parts).subquery()
    return select(query.c.kind, query.c.id, query.c.name).order_by(
        query.c.kind, query.c.position, query.c.sort, query.c.id)


def filter_choices() -> dict[str, list]:
    """The choices of the person and organisation list filters in one query: tags, fields of action, target
    groups and expertise topics in catalogue order (rows with .id and .name, as catalogue() orders them) and
    the municipalities (id, name) in name order (as municipality_choices())."""
    choices: dict[str, list] = {key: [] for key, _model in _FILTER_CHOICES}
    keys = [key for key, _model in _FILTER_CHOICES]
    for row in db.session.execute(_filter_choices_statement()):
        choices[keys[row.kind]].append(row)
    choices["municipalities"] = [(row.id, row.name) for row in choices["municipalities"]]
    return choices


def municipality_choices() -> list[tuple[int, str]]:
    stmt = (
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == "municipality", Organisation.archived_at.is_(None))
        .order_by(Organisation.sort_name)
    )
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def district_of(org: Organisation | None) -> Organisation | None:
    seen = set()
    while org is not None and org.id not in seen:
        seen.add(org.id)
        if org.kind == "district":
            return org
        org = org.parent
    return None


def check_ags(ags: str, kind: str, parent: Organisation | None) -> None:
    """The AGS of a municipality must lie in its district (first five digits)."""
    if not ags:
        return
    district = district_of(parent)
    if district is not None and district.ags and kind != "district" and ags[:5] != district.ags[:5]:
        raise DomainError(
            _("The AGS %(ags)s does not belong to %(district)s (district key %(key)s).",
              ags=ags, district=district.name, key=district.ags[:5]),
            field="ags",
        )


def check_ags_unique(ags: str, kind: str, exclude_id: int | None = None) -> None:
    """An AGS identifies one active municipality; archived ones keep theirs for the history."""
    if not ags or kind != "municipality":
        return
    stmt = select(Organisation).where(
        Organisation.ags == ags, Organisation.kind == "municipality", Organisation.archived_at.is_(None)
    )
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    other = db.session.scalars(stmt.limit(1)).first()
    if other is not None:
        raise DomainError(
            _("The AGS %(ags)s belongs to %(name)s already. Each active municipality has its own AGS.",
              ags=ags, name=other.name),
            field="ags",
        )


ORG_FIELDS = ("name", "short_name", "kind", "sector", "ags", "street", "po_box", "postcode", "city", "country",
              "email", "phone", "fax", "website", "notes")


def save_organisation(org: Organisation | None, data: dict) -> Organisation:
    """Create (org=None) or update an organisation from validated form data."""
    parent = db.session.get(Organisation, data["parent_id"]) if data.get("parent_id") else None
    if org is not None and parent is not None:
        cursor, seen = parent, set()
        while cursor is not None and cursor.id not in seen:
            if cursor.id == org.id:
                raise DomainError(_("An organisation cannot be part of itself."), field="parent_id")
            seen.add(cursor.id)
            cursor = cursor.parent
    check_ags(data.get("ags", ""), data.get("kind", "other"), parent)
    if org is None or org.archived_at is None:  # restoring an archived one checks again
        check_ags_unique(data.get("ags", ""), data.get("kind", "other"), org.id if org is not None else None)
    if org is None:
        org = Organisation()
        db.session.add(org)
    for name in ORG_FIELDS:
        if name in data:
            setattr(org, name, data[name] or ("" if name != "country" else "DE"))
    org.parent = parent
    org.municipality_id = data.get("municipality_id") or None
    org.tags = resolve_tags(data.get("tags", []))
    org.fields_of_action = by_ids(FieldOfAction, data.get("fields_of_action"))
    org.target_groups = by_ids(TargetGroup, data.get("target_groups"))
    db.session.flush()
    return org


def archive(record) -> None:
    set_archived(record, True)


def restore(record) -> None:
    set_archived(record, False)


# ------------------------------------------------------------------ persons


def save_person(person: Person | None, data: dict) -> Person:
    if person is None:
        person = Person()
        db.session.add(person)
    for name in PERSON_FIELDS:
        if name in data and name != "formal":  # the form's "1"/"0", set below
            value = data[name]
            if value is None and name not in ("data_collected_on", "last_reviewed_on"):
                value = ""
            setattr(person, name, value)
    person.country = person.country or "DE"
    person.formal = str(data.get("formal", "1")) in ("1", "True", "true")
    person.tags = resolve_tags(data.get("tags", []))
    person.expertise_topics = resolve_topics(data.get("expertise_topics", []))
    person.fields_of_action = by_ids(FieldOfAction, data.get("fields_of_action"))
    person.target_groups = by_ids(TargetGroup, data.get("target_groups"))
    db.session.flush()
    return person


AFFILIATION_FIELDS = (
    "function_label", "department", "email", "phone", "mobile", "valid_from", "valid_to", "is_primary",
)


def save_affiliation(person: Person, affiliation: Affiliation | None, data: dict) -> Affiliation:
    org_id = data.get("organisation_id")
    org = db.session.get(Organisation, parse_id(org_id)) if parse_id(org_id) else None
    if org is None:
        raise DomainError(_("Please choose an organisation from the list."), field="organisation_label")
    function = db.session.get(FunctionTitle, data["function_id"]) if data.get("function_id") else None
    if function is None and not data.get("function_label"):
        raise DomainError(_("Please choose a function or enter one as free text."), field="function_id")
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        raise DomainError(_("The end date lies before the start date."), field="valid_to")
    if affiliation is None:
        affiliation = Affiliation(person=person)
        db.session.add(affiliation)
    affiliation.organisation = org
    affiliation.function = function
    for name in AFFILIATION_FIELDS:
        if name in data:
            value = data[name]
            setattr(affiliation, name, value if value is not None or name in ("valid_from", "valid_to") else "")
    if affiliation.is_primary:
        for other in person.affiliations:
            if other is not affiliation and other.is_primary:
                other.is_primary = False
    db.session.flush()
    return affiliation


def end_affiliation(affiliation: Affiliation, valid_to: date) -> None:
    if affiliation.valid_from and valid_to < affiliation.valid_from:
        raise DomainError(_("The end date lies before the start date."), field="valid_to")
    affiliation.valid_to = valid_to
    if affiliation.is_primary:
        affiliation.is_primary = False
        successor = next((a for a in affiliation.person.current_affiliations if a is not affiliation), None)
        if successor is not None:
            successor.is_primary = True
    db.session.flush()


# ------------------------------------------------------------------ lists


@dataclass
class ContactFilters:
    q: str = ""
    kind: str = ""
    sector: str = ""
    tag: int | None = None
    field: int | None = None
    target_group: int | None = None
    municipality: int | None = None
    topic: int | None = None
    archived: str = "active"  # active, archived, all
    sort: str = "name"

    @classmethod
    def from_args(cls, args) -> "ContactFilters":
        def as_int(key):
            return parse_id(args.get(key))

        archived = args.get("archived", "active")
        return cls(
            q=args.get("q", "").strip()[:200],
            kind=args.get("kind", ""),
            sector=args.get("sector", ""),
            tag=as_int("tag"),
            field=as_int("field"),
            target_group=as_int("target_group"),
            municipality=as_int("municipality"),
            topic=as_int("topic"),
            archived=archived if archived in ("active", "archived", "all") else "active",
            sort=args.get("sort", "name"),
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.kind, self.sector, self.tag, self.field, self.target_group, self.municipality,
                    self.topic, self.archived != "active"))

    @property
    def only_search(self) -> bool:
        """Searched with ?q= and nothing else narrows the list (the archive choice is in the token kinds)."""
        return bool(self.q) and not any((self.kind, self.sector, self.tag, self.field, self.target_group,
                                         self.municipality, self.topic))


def current_affiliation_clause():
    """WHERE clause: the affiliation is current today (no end, or an end today or later), as Affiliation.is_current."""
    today = clock.today()
    return or_(Affiliation.valid_to.is_(None), Affiliation.valid_to >= today)


def _in_municipality(org_id: int):
    return or_(Organisation.id == org_id, Organisation.municipality_id == org_id, Organisation.parent_id == org_id)


def _archived_clause(model, archived: str):
    if archived == "active":
        return model.archived_at.is_(None)
    if archived == "archived":
        return model.archived_at.is_not(None)
    return None


# A list page is read one of two ways, with the same rows in the same order. With MANY matches or more,
# in list order from the list's index, each record checked against the filters (EXISTS) until the page
# is full. With fewer, all matches are collected (IN, the ids read once) and sorted: a walk in list
# order would cross half the table for matches that lie together in that order (every "Müller"
# halfway through the alphabet, the few archived persons), which neither PostgreSQL (it expects them
# spread evenly) nor SQLite (it keeps no statistics) can foresee. The count of the matches, which
# the page needs anyway, comes first and decides.
MANY = 2000


def _matching(model, ids: Select, many: bool):
    """Records whose id `ids` (a select of ids) yields: probed per record (many) or read once (few)."""
    if many:
        return ids.where(ids.selected_columns[0] == model.id).exists()
    return model.id.in_(ids)


def _sort_key(column, many: bool):
    """The column, or with few matches the same order served by no index (`column || ''`)."""
    return column if many else column + ""


def _search_ids(f: ContactFilters, kind: str):
    """matching_id_subquery(kind, f.q), worked out once per filter set: the count, the ids and the page
    use the same (on SQLite it costs a query per word to choose its form)."""
    found = f.__dict__.setdefault("_search_ids", {})  # not a dataclass field: no part of the filters
    if kind not in found:
        found[kind] = matching_id_subquery(kind, f.q)
    return found[kind]


def _person_conditions(f: ContactFilters, many: bool) -> list:
    conditions = [clause] if (clause := _archived_clause(Person, f.archived)) is not None else []
    if f.q:
        kinds = {"active": (PERSON,), "archived": (PERSON_ARCHIVED,), "all": (PERSON, PERSON_ARCHIVED)}[f.archived]
        subs = [s for s in (_search_ids(f, k) for k in kinds) if s is not None]
        if subs:
            conditions.append(or_(*(_matching(Person, s, many) for s in subs)))
    org_conditions = []
    if f.kind:
        org_conditions.append(Organisation.kind == f.kind)
    if f.sector:
        org_conditions.append(Organisation.sector == f.sector)
    functions = select(Affiliation.person_id).where(current_affiliation_clause())
    if f.municipality and not many:
        # Collecting all matches: the municipality's organisations (itself, those in it, those under it) found
        # first, a few thousand at most, and given as one array: the persons' functions are then read from the
        # affiliation index per organisation. As one OR over three organisation columns PostgreSQL probed an
        # organisation per function of every person (1,000,000 persons: 240 ms for the first 2,000 matches).
        # Walking the list in order (many) the OR stays: a person's function and its organisation are probed
        # (an array of thousands made PostgreSQL expect each probe to cost more and walk in parallel, 7 times
        # as slow).
        functions = functions.where(_id_in(Affiliation.organisation_id, _municipality_organisations(f),
                                           "municipality_orgs"))
    elif f.municipality:
        org_conditions.append(_in_municipality(f.municipality))
    if org_conditions:
        functions = functions.join(Organisation, Organisation.id == Affiliation.organisation_id).where(*org_conditions)
    if org_conditions or f.municipality:
        conditions.append(_matching(Person, functions, many))
    for value, table, column in (
        (f.tag, person_tag, "tag_id"),
        (f.field, person_field, "field_of_action_id"),
        (f.target_group, person_target_group, "target_group_id"),
        (f.topic, person_expertise, "expertise_topic_id"),
    ):
        if value:
            conditions.append(_matching(Person, select(table.c.person_id).where(table.c[column] == value), many))
    return conditions


def _id_in(column, ids: list[int], name: str = "list_ids"):
    """column IN ids as one parameter (named `name`), not one per id (up to SEARCH_IDS of them; building and
    sending one parameter each cost more CPU than the query): on PostgreSQL an array (= ANY), on SQLite a JSON
    array (IN (SELECT value FROM json_each(?))), read id by id through the primary key like an IN list."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(name, ids, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam(name, json.dumps(ids))).table_valued("value")
    return column.in_(select(listed.c.value))


def _municipality_organisations(f: ContactFilters) -> list[int]:
    """The ids of the organisations of f.municipality (_in_municipality), read once per filter set."""
    found = f.__dict__  # not a dataclass field: no part of the filters (see _search_ids)
    if "_municipality_orgs" not in found:
        found["_municipality_orgs"] = sorted(db.session.scalars(
            select(Organisation.id).where(_in_municipality(f.municipality))))
    return found["_municipality_orgs"]


def person_list_query(f: ContactFilters, many: bool = True, ids: list[int] | None = None) -> Select:
    """The persons the filters select, in list order (see MANY for `many`); `ids`: the few persons the
    filters select, already found (see person_list_page), read by their primary key and sorted."""
    many = many and ids is None
    name = _sort_key(Person.sort_name, many)
    order = {
        "name": (name, Person.id),
        # The city the list shows; persons without one come last on both databases.
        "city": (_sort_key(Person.sort_city, many).asc().nulls_last(), Person.sort_name, Person.id),
        "updated": (Person.updated_at.desc(), Person.id.desc()),
    }.get(f.sort, (name, Person.id))
    if ids is not None:
        # The page of the few found persons with their functions, organisations and titles in one query
        # (LIMIT inside, the functions joined to the page's 50; 3 queries -> 1).
        return select(Person).where(_id_in(Person.id, ids)).order_by(*order).options(*_PERSON_LIST_JOINED)
    return select(Person).where(*_person_conditions(f, many)).order_by(*order).options(
        selectinload(Person.affiliations).selectinload(Affiliation.organisation),
        selectinload(Person.affiliations).selectinload(Affiliation.function),
    )


_PERSON_LIST_JOINED = person_functions_joined()


# A search (?q= alone) with up to this many matches is read as ids, the page by primary key: its matches lie
# together in list order (every "Müller" halfway through the alphabet), a walk in list order would cross
# half the table for them (1.6 s for "mül" at 1,000,000 persons; 7,300 matches).
SEARCH_IDS = 10_000

# The lists count their matches up to here; a list with more shows "more than 10,000" (its pages go on,
# the badge and the pager stop there). Counting a million persons for the badge would cost more than the
# page itself, and nobody pages through 10,000 names: they narrow the list.
COUNT_CAP = 10_000


def _capped_count(ids: Select) -> int:
    """How many rows `ids` (a select of ids) yields, counted up to COUNT_CAP + 1 (above: "more than")."""
    return db.session.scalar(select(func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery()))


def _search_count(f: ContactFilters, kinds: dict) -> int | None:
    """With only ?q=, the matches counted in the search index alone: the token kinds already part
    active from archived contacts, so the table itself is not read (at 100,000 persons "vorsitz"
    matches 17,000 of them). Counted up to COUNT_CAP + 1. None: other filters, count the usual way."""
    if not f.only_search:
        return None
    total = 0
    for kind in kinds[f.archived]:
        sub = _search_ids(f, kind)
        if sub is None:
            return None
        sub = sub.subquery()
        total += _capped_count(select(sub.c.entity_id).distinct())
    return min(total, COUNT_CAP + 1)


def person_list_page(f: ContactFilters, **paging) -> Pagination:
    """A page of the person list (`paging` as for db.paginate), its matches counted first (see MANY,
    COUNT_CAP). Fewer than MANY matches are fetched as ids first and the page read by primary key:
    PostgreSQL, which expects more of them than the search index yields, would otherwise join a filtered
    list with every row of the person table (a sequential scan at 1,000,000 persons)."""
    f = replace(f)  # its search subqueries (_search_ids) belong to this page alone
    kinds = {"active": (PERSON,), "archived": (PERSON_ARCHIVED,), "all": (PERSON, PERSON_ARCHIVED)}
    ids = None
    total = _search_count(f, kinds)
    if total is not None:
        if total < max(MANY, SEARCH_IDS) and total <= COUNT_CAP:
            subs = [_search_ids(f, kind) for kind in kinds[f.archived]]
            # .all(): fetched at once, not row by row (up to SEARCH_IDS ids; a row at a time cost ~2 ms CPU).
            ids = sorted(set(db.session.scalars(union(*subs) if len(subs) > 1 else subs[0]).all()))
    elif f.active:
        # One statement: the matches counted up to COUNT_CAP + 1 and the first MANY of them, each row with the
        # count. Fewer than MANY: these are all, read by primary key below; more: the ids go unused (before,
        # the first MANY were read on their own and the count was another walk over the same matches).
        found = select(Person.id).where(*_person_conditions(f, many=False)).limit(COUNT_CAP + 1).subquery()
        rows = db.session.execute(select(found.c.id, func.count().over()).limit(max(MANY, 1))).all()
        total = rows[0][1] if rows else 0
        ids = [row[0] for row in rows] if total < MANY and total <= COUNT_CAP else None  # all of them
    if total is None:
        total = _capped_count(select(Person.id).where(*_person_conditions(f, many=False)))
    return _page(person_list_query(f, many=total >= MANY, ids=ids), total, paging)


def _page(stmt: Select, total: int, paging: dict) -> Pagination:
    """The page; `total` as _capped_count gives it: `page.more_than` is COUNT_CAP when there are more."""
    page = db.paginate(stmt, count=False, **paging)
    page.total = total
    page.more_than = COUNT_CAP if total > COUNT_CAP else None
    return page


def _organisation_conditions(f: ContactFilters, many: bool) -> list:
    conditions = [clause] if (clause := _archived_clause(Organisation, f.archived)) is not None else []
    if f.q:
        kinds = {"active": (ORGANISATION,), "archived": (ORGANISATION_ARCHIVED,),
                 "all": (ORGANISATION, ORGANISATION_ARCHIVED)}[f.archived]
        subs = [s for s in (_search_ids(f, k) for k in kinds) if s is not None]
        if subs:
            conditions.append(or_(*(_matching(Organisation, s, many) for s in subs)))
    if f.kind:
        conditions.append(Organisation.kind == f.kind)
    if f.sector:
        conditions.append(Organisation.sector == f.sector)
    if f.municipality:
        conditions.append(_in_municipality(f.municipality))
    for value, table, column in (
        (f.tag, organisation_tag, "tag_id"),
        (f.field, organisation_field, "field_of_action_id"),
        (f.target_group, organisation_target_group, "target_group_id"),
    ):
        if value:
            conditions.append(_matching(Organisation, select(table.c.organisation_id)
                                        .where(table.c[column] == value), many))
    if f.topic:  # organisations with an expert on this topic
        conditions.append(_matching(Organisation, select(Affiliation.organisation_id)
                                    .join(person_expertise, person_expertise.c.person_id == Affiliation.person_id)
                                    .where(person_expertise.c.expertise_topic_id == f.topic,
                                           current_affiliation_clause()), many))
    return conditions


def organisation_list_query(f: ContactFilters, many: bool = True) -> Select:
    """The organisations the filters select, in list order (see MANY for `many`)."""
    name = _sort_key(Organisation.sort_name, many)
    order = {
        "name": (name, Organisation.id),
        "city": (Organisation.city, Organisation.sort_name, Organisation.id),
        "updated": (Organisation.updated_at.desc(), Organisation.id.desc()),
    }.get(f.sort, (name, Organisation.id))
    return (select(Organisation).where(*_organisation_conditions(f, many)).order_by(*order)
            .options(selectinload(Organisation.parent)))


def organisation_list_page(f: ContactFilters, **paging) -> Pagination:
    f = replace(f)  # its search subqueries (_search_ids) belong to this page alone
    total = _search_count(f, {"active": (ORGANISATION,), "archived": (ORGANISATION_ARCHIVED,),
                              "all": (ORGANISATION, ORGANISATION_ARCHIVED)})
    if total is None:
        total = _capped_count(select(Organisation.id).where(*_organisation_conditions(f, many=False)))
    return _page(organisation_list_query(f, many=total >= MANY), total, paging)
