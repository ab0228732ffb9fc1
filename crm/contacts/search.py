"""Quick search over persons and organisations.

A token table holds the folded words of each contact (names, organisation, function,
e-mail, phone, city, tags) with a rank saying where the word came from. A query word
matches any token it is a prefix of (a range scan on an index, the same SQL on SQLite and
PostgreSQL); every word of the query must match. Tokens are rebuilt from the database
after each flush that touches a contact, so no view has to remember it.
"""
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Iterable, Iterator

from sqlalchemy import (
    Connection,
    Index,
    Integer,
    SmallInteger,
    String,
    and_,
    bindparam,
    delete,
    event,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.core import time as clock
from crm.core.text import fold, tokens
from crm.extensions import db

# Lower ranks come first: a name match beats an office holder of a matching organisation,
# who beats other staff there, who beat e-mail, phone, city and tag matches. RANK_PRIVATE marks a
# word found only in a person's confidential fields (private e-mail, phone, mobile, city; see
# crm/core/confidential.py): staff find a caller by the private number, viewers (who do not see
# these fields) do not find the person by them at all. Confidential notes are not indexed.
RANK_NAME, RANK_KEY_FUNCTION, RANK_ORGANISATION, RANK_OTHER, RANK_PRIVATE = 0, 1, 2, 3, 4
MAX_TOKEN = 60
PERSON, PERSON_ARCHIVED, ORGANISATION, ORGANISATION_ARCHIVED = "p", "pa", "o", "oa"


class SearchToken(db.Model):
    __tablename__ = "search_token"
    __table_args__ = (
        Index("ix_search_token_lookup", "kind", "token", "entity_id", "rank"),
        # A word's tokens rank by rank (see _top_by_rank): the matches of one rank lie together. Rank
        # first: SQLite (no statistics on it) would walk (kind, rank, ...) for "ORDER BY rank" otherwise.
        Index("ix_search_token_rank", "rank", "kind", "token", "entity_id"),
    )

    kind: Mapped[str] = mapped_column(String(2), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Byte order on PostgreSQL so that the prefix range scan is exact whatever the locale.
    token: Mapped[str] = mapped_column(
        String(MAX_TOKEN).with_variant(String(MAX_TOKEN, collation="C"), "postgresql"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(SmallInteger, default=RANK_OTHER)


# ---------------------------------------------------------------- building tokens

_NON_DIGIT = re.compile(r"\D")


def phone_tokens(phone: str) -> list[str]:
    """International and national digit strings, so "06022 1234" and "+49 6022" both find it."""
    digits = _NON_DIGIT.sub("", phone or "")
    if len(digits) < 3:
        return []
    out = [digits]
    if phone.strip().startswith("+49") and digits.startswith("49"):
        out.append("0" + digits[2:])
    return out


@lru_cache(maxsize=262144)  # organisations, functions, cities, tags and names repeat over many contacts
def _index_tokens(text: str) -> tuple[str, ...]:
    return tuple(tok[:MAX_TOKEN] for tok in tokens(text))


def weighted_tokens(texts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Token -> best (lowest) rank over all texts."""
    best: dict[str, int] = {}
    for text, rank in texts:
        _add_tokens(best, text, rank)
    return best


def _add_tokens(best: dict[str, int], text: str | None, rank: int) -> None:
    if not text:
        return
    get = best.get
    for tok in _index_tokens(text):
        if get(tok, 99) > rank:
            best[tok] = rank


def _add_phone(best: dict[str, int], phone: str | None, rank: int = RANK_OTHER) -> None:
    """The phone_tokens of a number (digits only: each is its own single token) at `rank`."""
    if phone:
        for tok in phone_tokens(phone):
            tok = tok[:MAX_TOKEN]
            if best.get(tok, 99) > rank:
                best[tok] = rank


@dataclass
class PersonText:
    first_name: str = ""
    nobility: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    city: str = ""
    gender: str = "unknown"
    # organisation, short_name, function, key (office holder?), department, email, phone, mobile, city
    affiliations: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def weighted(self) -> dict[str, int]:
        best: dict[str, int] = {}
        add = _add_tokens
        # word by word, as tokens() splits them anyway: first and last names repeat, whole names do not
        add(best, self.first_name, RANK_NAME)
        add(best, self.nobility, RANK_NAME)
        add(best, self.last_name, RANK_NAME)
        for a in self.affiliations:
            org_rank = RANK_KEY_FUNCTION if a.get("key") else RANK_ORGANISATION
            add(best, a.get("organisation"), org_rank)
            add(best, a.get("short_name"), org_rank)
            add(best, a.get("function"), RANK_ORGANISATION)
            add(best, a.get("department"), RANK_OTHER)
            add(best, a.get("email"), RANK_OTHER)
            add(best, a.get("city"), RANK_OTHER)
            _add_phone(best, a.get("phone"))
            _add_phone(best, a.get("mobile"))
        for tag in self.tags:
            add(best, tag, RANK_OTHER)
        # the person's own contact data is private (confidential); a word also found in a field everyone
        # sees keeps that better rank and stays findable for everyone
        add(best, self.email, RANK_PRIVATE)
        add(best, self.city, RANK_PRIVATE)
        _add_phone(best, self.phone, RANK_PRIVATE)
        _add_phone(best, self.mobile, RANK_PRIVATE)
        return best


@dataclass
class OrganisationText:
    name: str = ""
    short_name: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""
    ags: str = ""
    tags: list[str] = field(default_factory=list)

    def weighted(self) -> dict[str, int]:
        texts = [(self.name, RANK_NAME), (self.short_name, RANK_NAME)]
        texts += [(self.city, RANK_OTHER), (self.email, RANK_OTHER), (self.ags, RANK_OTHER)]
        texts += [(t, RANK_OTHER) for t in phone_tokens(self.phone)]
        texts += [(t, RANK_OTHER) for t in self.tags]
        return weighted_tokens(texts)


def _replace_tokens(
    conn: Connection, kinds: tuple[str, str], entries: dict[int, tuple[str, dict[str, int]]], fresh: bool = False
):
    table = SearchToken.__table__
    ids = list(entries)
    # Rows just inserted in bulk have no tokens yet; skipping the deletes matters on PostgreSQL,
    # which has no statistics for the growing table inside the loading transaction and plans
    # each delete as a sequential scan (quadratic over a large import).
    for start in range(0, 0 if fresh else len(ids), 500):
        conn.execute(delete(table).where(table.c.kind.in_(kinds), table.c.entity_id.in_(ids[start : start + 500])))
    rows = [(kind, eid, tok, rank) for eid, (kind, weighted) in entries.items() for tok, rank in weighted.items()]
    if len(rows) > 1000:
        _insert_tokens(conn, iter([rows]))
        return
    for start in range(0, len(rows), 20000):
        chunk = rows[start : start + 20000]
        conn.execute(insert(table), [{"kind": k, "entity_id": e, "token": t, "rank": r} for k, e, t, r in chunk])


def _insert_tokens(conn: Connection, batches: Iterator[list[tuple[str, int, str, int]]]) -> None:
    """Token rows (kind, entity id, token, rank) of a bulk load, batch by batch as they are worked out."""
    if conn.dialect.name == "postgresql":
        # COPY is several times faster than INSERT for the ~10 tokens per contact of a bulk load;
        # it runs on the same DBAPI connection, so inside the same transaction, and the server
        # stores each batch while the next one is worked out. Written as COPY text: kinds and
        # tokens are letters and digits only, nothing to escape.
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy("COPY search_token (kind, entity_id, token, rank) FROM STDIN") as copy:
                for rows in batches:
                    copy.write("".join([f"{k}\t{e}\t{t}\t{r}\n" for k, e, t, r in rows]))
        return
    # SQLite: the driver's executemany; SQLAlchemy would build a parameter dict for each of the
    # million tokens of a 100,000-row import (about as costly as the insert itself)
    for rows in batches:
        conn.exec_driver_sql("INSERT INTO search_token (kind, entity_id, token, rank) VALUES (?, ?, ?, ?)", rows)


def _ids(column, ids: list[int]):
    """column IN ids (sorted), or for a dense run of ids such as a bulk load's a range (the caller
    skips what else lies in it): a statement with 5,000 parameters costs more to build than to run."""
    if len(ids) > 100 and ids[-1] - ids[0] < 2 * len(ids):
        return column.between(ids[0], ids[-1])
    return column.in_(ids)


def reindex_persons(conn: Connection, person_ids: Iterable[int], *, fresh: bool = False) -> None:
    """Rebuild the search tokens of these persons from what the database holds now.

    fresh=True: the persons were just inserted and have no tokens yet (bulk loads).
    """
    from crm.contacts.models import Affiliation, FunctionTitle, Organisation, Person, Tag, person_tag

    ids = sorted(set(person_ids))
    today = clock.today()
    p = Person.__table__.c
    a, o, f = Affiliation.__table__.c, Organisation.__table__.c, FunctionTitle.__table__.c
    pt, tg = person_tag.c, Tag.__table__.c
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        wanted = set(chunk)
        # the rows as PersonRows describes them (a range of ids may hold others: left out)
        persons = [row for row in conn.execute(select(
            p.id, p.first_name, p.nobility, p.last_name, p.email, p.phone, p.mobile, p.city, p.gender,
            p.archived_at, p.sort_city,
        ).where(_ids(p.id, chunk))) if row[0] in wanted]
        affiliations = conn.execute(
            select(
                a.person_id, a.function_label, a.department, a.email, a.phone, a.mobile, a.city,
                o.name, o.short_name, o.city.label("org_city"), f.name_male, f.name_female, f.is_key_function,
                a.is_primary, o.sort_name.label("org_sort_name"),
            )
            .join(Organisation.__table__, o.id == a.organisation_id)
            .outerjoin(FunctionTitle.__table__, f.id == a.function_id)
            .where(_ids(a.person_id, chunk), or_(a.valid_to.is_(None), a.valid_to >= today))
        ).all()
        tags = conn.execute(
            select(pt.person_id, tg.name).join(Tag.__table__, tg.id == pt.tag_id).where(_ids(pt.person_id, chunk))
        ).all()
        texts = _person_texts(conn, PersonRows(persons, affiliations, tags))
        entries = {pid: (kind, t.weighted()) for pid, (kind, t) in texts.items()}
        for pid in wanted - set(texts):  # deleted persons lose their tokens
            entries[pid] = (PERSON, {})
        _replace_tokens(conn, (PERSON, PERSON_ARCHIVED), entries, fresh)


@dataclass
class PersonRows:
    """What the search index of persons is made of, as tuples in the order of reindex_persons' queries:
    persons (id, first_name, nobility, last_name, email, phone, mobile, city, gender, archived_at,
    sort_city); their current functions (person_id, function_label, department, email, phone,
    mobile, city, organisation name, short_name, city, function name_male, name_female,
    is_key_function, is_primary, organisation sort_name); their tags (person_id, name)."""

    persons: list[tuple]
    affiliations: list[tuple]
    tags: list[tuple]


def index_new_persons(conn: Connection, rows: PersonRows) -> None:
    """Search tokens of persons just inserted in bulk (no tokens yet), from the values the caller wrote
    rather than read back; the server stores the first persons' tokens while the next are worked out."""
    texts = _person_texts(conn, rows)
    items = list(texts.items())

    def batches():
        for start in range(0, len(items), 2000):
            yield [(kind, pid, tok, rank) for pid, (kind, t) in items[start : start + 2000]
                   for tok, rank in t.weighted().items()]

    _insert_tokens(conn, batches())


def _person_texts(conn: Connection, rows: PersonRows) -> dict[int, tuple[str, "PersonText"]]:
    """person id -> (token kind, PersonText); stores the list's city sort key where it changed."""
    texts: dict[int, tuple[str, PersonText]] = {}
    own_city: dict[int, tuple[str, str | None]] = {}  # person id -> (own city, stored sort_city)
    # rows unpacked as tuples: attribute access by name costs more than the query at 100,000 persons
    for pid, first, nobility, last, email, phone, mobile, city, gender, archived_at, sort_city in rows.persons:
        kind = PERSON_ARCHIVED if archived_at is not None else PERSON
        texts[pid] = (kind, PersonText(first, nobility, last, email, phone, mobile, city, gender))
        own_city[pid] = (city or "", sort_city)
    primary_city: dict[int, tuple] = {}  # person id -> (sort key of Person.primary_affiliation, org city)
    for (pid, function, department, email, phone, mobile, city, org_name, short_name, org_city, name_male,
         name_female, is_key_function, is_primary, org_sort_name) in rows.affiliations:
        entry = texts.get(pid)
        if entry is None:
            continue
        t = entry[1]
        key = (not is_primary, org_sort_name or "")
        if pid not in primary_city or key < primary_city[pid][0]:
            primary_city[pid] = (key, org_city or "")
        if name_male:
            function = ({"female": name_female, "male": name_male}.get(t.gender)
                        or f"{name_male} {name_female}")
        t.affiliations.append(
            {
                "organisation": org_name, "short_name": short_name, "function": function,
                "key": bool(is_key_function),
                "department": department, "email": email, "phone": phone,
                "mobile": mobile, "city": city or org_city,
            }
        )
    for pid, tag in rows.tags:
        if pid in texts:
            texts[pid][1].tags.append(tag)
    _update_sort_cities(conn, {
        pid: fold(city or (primary_city[pid][1] if pid in primary_city else ""))[:100] or None
        for pid, (city, _stored) in own_city.items()
    }, own_city)
    return texts


def _update_sort_cities(conn: Connection, wanted: dict[int, str | None], own_city: dict[int, tuple]) -> None:
    """Store the list's city sort key where it changed (updated_at stays: nobody edited the person)."""
    from sqlalchemy import bindparam, update

    from crm.contacts.models import Person

    p = Person.__table__.c
    changed = [{"pid": pid, "city_key": key} for pid, key in wanted.items() if own_city[pid][1] != key]
    if changed:
        conn.execute(
            update(Person.__table__).where(p.id == bindparam("pid"))
            .values(sort_city=bindparam("city_key"), updated_at=p.updated_at),
            changed,
        )


def reindex_organisations(conn: Connection, org_ids: Iterable[int], *, fresh: bool = False) -> None:
    from crm.contacts.models import Organisation, Tag, organisation_tag

    ids = sorted(set(org_ids))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        o = Organisation.__table__.c
        texts: dict[int, OrganisationText] = {}
        archived: dict[int, bool] = {}
        for row in conn.execute(
            select(o.id, o.name, o.short_name, o.city, o.email, o.phone, o.ags, o.archived_at).where(o.id.in_(chunk))
        ):
            texts[row.id] = OrganisationText(row.name, row.short_name, row.city, row.email, row.phone, row.ags)
            archived[row.id] = row.archived_at is not None
        ot, tg = organisation_tag.c, Tag.__table__.c
        for row in conn.execute(
            select(ot.organisation_id, tg.name)
            .join(Tag.__table__, tg.id == ot.tag_id)
            .where(ot.organisation_id.in_(chunk))
        ):
            texts[row.organisation_id].tags.append(row.name)
        entries = {
            oid: (ORGANISATION_ARCHIVED if archived[oid] else ORGANISATION, t.weighted()) for oid, t in texts.items()
        }
        for oid in set(chunk) - set(texts):
            entries[oid] = (ORGANISATION, {})
        _replace_tokens(conn, (ORGANISATION, ORGANISATION_ARCHIVED), entries, fresh)


def reindex_all(conn: Connection) -> None:
    from crm.contacts.models import Organisation, Person

    reindex_organisations(conn, conn.scalars(select(Organisation.__table__.c.id)).all())
    reindex_persons(conn, conn.scalars(select(Person.__table__.c.id)).all())


@event.listens_for(Session, "before_flush")
def _refresh_sort_names(session, flush_context, instances):
    from crm.contacts.models import Organisation, Person

    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, (Person, Organisation)):
            obj.update_sort_name()


@event.listens_for(Session, "after_flush")
def _reindex_touched_contacts(session, flush_context):
    from crm.contacts.models import Affiliation, Organisation, Person

    persons, orgs = set(), set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Person):
            persons.add(obj.id)
        elif isinstance(obj, Affiliation):
            persons.add(obj.person_id)
        elif isinstance(obj, Organisation):
            orgs.add(obj.id)
    persons.discard(None)
    orgs.discard(None)
    if not persons and not orgs:
        return
    conn = session.connection()
    if orgs:
        reindex_organisations(conn, orgs)
        a = Affiliation.__table__.c
        persons |= set(conn.scalars(select(a.person_id).where(a.organisation_id.in_(list(orgs)))))
    if persons:
        reindex_persons(conn, persons)


# ---------------------------------------------------------------- querying


def query_words(query: str) -> list[str]:
    """Folded query words; neighbouring digit groups are joined ("06022 1234")."""
    words: list[str] = []
    for tok in tokens(query):
        if tok.isdigit() and words and words[-1].isdigit():
            words[-1] += tok
        else:
            words.append(tok[:MAX_TOKEN])
    # Longest first: the most selective word drives the scan.
    return sorted(dict.fromkeys(words), key=len, reverse=True)


def _prefix_range(column, word: str):
    upper = word[:-1] + chr(ord(word[-1]) + 1)
    return and_(column >= word, column < upper)


# Word counts above this are only "many"; counting stops there.
_COUNT_CAP = 5000


def private_visible() -> bool:
    """May the current user find persons by their confidential fields? Outside a request (CLI, jobs): yes."""
    from flask import has_request_context

    if not has_request_context():
        return True
    from crm.core.confidential import may_see_confidential

    return may_see_confidential()


def _word_match(table, kind: str, word: str):
    """Token rows of `kind` matching the query word, without private-only words for viewers."""
    match = and_(table.c.kind == kind, _prefix_range(table.c.token, word))
    return match if private_visible() else and_(match, table.c.rank < RANK_PRIVATE)


def _matching_rows(kind: str, words: list[str], counts: list[int] | None = None):
    """Select of (entity_id, rank) token rows that match the first word, for entities that match every word.

    A further word is an uncorrelated IN subquery (one range scan of the token index, evaluated
    once) or, when `counts` (matching tokens per word) say its set is much larger than the
    candidates, a correlated EXISTS that probes the primary key per candidate. PostgreSQL plans
    both as a semi-join; SQLite follows the form, so the choice matters there.
    """
    t = SearchToken.__table__.alias("t")
    stmt = select(t.c.entity_id, t.c.rank).where(_word_match(t, kind, words[0]))
    others = list(range(1, len(words)))
    candidates = counts[0] if counts else None
    if counts:
        others.sort(key=lambda i: counts[i])
    probes = []
    for i in others:
        other = SearchToken.__table__.alias()
        match = _word_match(other, kind, words[i])
        if candidates is not None and counts[i] > 4 * candidates:
            # Select a key column, not "*": SQLite then probes the primary key (kind, entity_id, token).
            probes.append(select(other.c.entity_id).where(match, other.c.entity_id == t.c.entity_id).exists())
        else:
            stmt = stmt.where(t.c.entity_id.in_(select(other.c.entity_id).where(match)))
            if candidates is not None:
                candidates = min(candidates, counts[i])
    return stmt.where(*probes), t


def _word_counts(kind: str, words: list[str]) -> list[int]:
    """Matching tokens per word, counted up to _COUNT_CAP (one short index range scan each)."""
    t = SearchToken.__table__
    columns = [
        select(func.count())
        .select_from(
            select(t.c.entity_id).where(_word_match(t, kind, word)).limit(_COUNT_CAP).subquery()
        )
        .scalar_subquery()
        for word in words
    ]
    return list(db.session.execute(select(*columns)).one())


def matching_ids(kind: str, words: list[str]):
    """Select of (entity_id, best rank) for entities whose tokens match every word."""
    stmt, t = _matching_rows(kind, words)
    return stmt.with_only_columns(t.c.entity_id, func.min(t.c.rank).label("rank")).group_by(t.c.entity_id)


def matching_id_subquery(kind: str, query: str):
    """Ids matching `query`, for use as a filter in list queries (None: no usable words)."""
    words = query_words(query)
    if not words:
        return None
    counts = None
    if len(words) > 1 and db.session.get_bind().dialect.name == "sqlite":
        # SQLite follows the form: the rarest word drives, the others are probed per candidate
        # where their sets are large ("Hei Rupp": the few "rupp", then "hei" per candidate).
        counts = _word_counts(kind, words)
        counts, words = (list(x) for x in zip(*sorted(zip(counts, words))))
    stmt, t = _matching_rows(kind, words, counts)
    return stmt.with_only_columns(t.c.entity_id)


def top_matches(kind: str, words: list[str], count: int) -> list[tuple[int, int]]:
    """The first `count` (entity_id, best rank) pairs in order of rank, then id.

    Same result as matching_ids() ordered by rank and id, without grouping every match:
    in rows sorted by (rank, entity_id) an entity first appears with its best rank, so a
    top-N sort of the matching token rows plus de-duplication here is enough. A short prefix
    matching tens of thousands of tokens then costs a fraction of the GROUP BY.
    """
    if len(words) == 1:
        counts = _rank_counts((kind,), words[0])[kind]
        if not any(counts):
            return []
        if max(counts) >= _FEW_IN_RANK:
            return _top_by_rank(kind, words[0], count, counts)
    return _sorted_top(kind, words, count)


def _sorted_top(kind: str, words: list[str], count: int) -> list[tuple[int, int]]:
    """top_matches() as one sorted query of the matching token rows (fetched further while rows of the same
    entities leave fewer than `count` of them)."""
    # Only SQLite needs the counts to pick IN or EXISTS per word; PostgreSQL plans from its statistics.
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    counts = _word_counts(kind, words) if len(words) > 1 and sqlite else None
    if counts is not None and min(counts) == 0:
        return []
    stmt, t = _matching_rows(kind, words, counts)
    stmt = stmt.order_by(t.c.rank, t.c.entity_id)
    fetch = 4 * count
    while True:
        rows = db.session.execute(stmt.limit(fetch)).all()
        best: dict[int, int] = {}
        for entity_id, rank in rows:
            best.setdefault(entity_id, rank)
        if len(best) >= count or len(rows) < fetch:
            return list(best.items())[:count]
        fetch *= 4  # many rows of the same entities: look further


# A rank of a word with fewer matching tokens than this is read whole and sorted here.
_FEW_IN_RANK = 2000


def _ranks() -> list[int]:
    """The ranks the current user finds contacts by (see RANK_PRIVATE)."""
    return list(range(RANK_PRIVATE + 1 if private_visible() else RANK_PRIVATE))


def _rank_match(kind: str, word: str, rank: int):
    t = SearchToken.__table__
    return and_(t.c.rank == rank, t.c.kind == kind, _prefix_range(t.c.token, word))


def _rank_counts(kinds: tuple[str, ...], word: str) -> dict[str, list[int]]:
    """kind -> the word's matching tokens per rank (of _ranks()), each counted up to _FEW_IN_RANK on
    ix_search_token_rank; all kinds in one statement (a statement costs about a millisecond of round trip)."""
    ranks = tuple(_ranks())
    row = db.session.execute(_rank_counts_statement(kinds, ranks, _FEW_IN_RANK), _word_range(word)).one()
    return {kind: list(row[i * len(ranks):(i + 1) * len(ranks)]) for i, kind in enumerate(kinds)}


def _word_range(word: str) -> dict[str, str]:
    """The parameters of _prefix_match(): the tokens `word` is a prefix of lie in [word_lo, word_hi)."""
    return {"word_lo": word, "word_hi": word[:-1] + chr(ord(word[-1]) + 1)}


def _prefix_match(column):
    """_prefix_range() of the statements built once per process, the word given as _word_range()."""
    return and_(column >= bindparam("word_lo"), column < bindparam("word_hi"))


@cache
def _rank_counts_statement(kinds: tuple[str, ...], ranks: tuple[int, ...], cap: int):
    # Built once per process: building it (and its cache key) cost as much as running it.
    t = SearchToken.__table__
    return select(*(
        select(func.count()).select_from(
            select(t.c.entity_id).where(and_(t.c.rank == rank, t.c.kind == kind, _prefix_match(t.c.token)))
            .limit(cap).subquery()
        ).scalar_subquery()
        for kind in kinds for rank in ranks
    ))


def _top_by_rank(kind: str, word: str, count: int, counts: list[int] | None = None) -> list[tuple[int, int]] | None:
    """top_matches() of one word, rank by rank: the same pairs in the same order; None: the word matches
    fewer than _FEW_IN_RANK tokens of each rank, top_matches' one query is cheaper. `counts`: the word's
    _rank_counts of this kind, if already counted.

    A short prefix ("ma", "sch") matches a tenth of all tokens; sorting them all for eight names cost
    most of the quick search at 1,000,000 persons. Its best rank alone usually fills the list: read in
    id order (PostgreSQL walks the primary key (kind, entity_id, token) and stops after a few dozen
    matches), it needs no sort. The ranks are counted first, up to _FEW_IN_RANK each, on
    ix_search_token_rank (one query): a rank without matches costs nothing, one with few is read whole
    and sorted here, and only a rank with many is read in id order (where the walk finds them soon).
    """
    t = SearchToken.__table__
    ranks = _ranks()
    matches = [_rank_match(kind, word, rank) for rank in ranks]
    if counts is None:
        counts = _rank_counts((kind,), word)[kind]
    if max(counts) < _FEW_IN_RANK:
        return None
    best: dict[int, int] = {}  # entity -> its best rank, in list order
    for rank, match, found in zip(ranks, matches, counts):
        if not found:
            continue
        if found < _FEW_IN_RANK:
            for entity_id in sorted(db.session.scalars(select(t.c.entity_id).where(match))):
                best.setdefault(entity_id, rank)
        else:
            fetch = 2 * count
            while True:
                # entities of a better rank or with two matching tokens come again: skipped, so fetch more
                rows = db.session.scalars(select(t.c.entity_id).where(match).order_by(t.c.entity_id).limit(fetch)).all()
                new = {e for e in rows if e not in best}
                if len(best) + len(new) >= count or len(rows) < fetch:
                    for entity_id in rows:
                        best.setdefault(entity_id, rank)
                    break
                fetch *= 4
        if len(best) >= count:
            break
    return list(best.items())[:count]


@dataclass
class QuickResult:
    persons: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    more_persons: bool = False
    more_organisations: bool = False
    # An organisation's own name matches the whole query ("Rueden" -> Gemeinde Rüdenau): it is
    # what the user looks for, so the drop-down shows organisations first and Enter opens it.
    organisations_first: bool = False
    named_organisations: int = 0  # how many of `organisations` (at their head) are named so


def name_matches_query(organisation, words: list[str]) -> bool:
    """Every query word begins a word of the organisation's name or short name."""
    name_words = tokens(f"{organisation.name} {organisation.short_name or ''}")
    return all(any(w.startswith(word) for w in name_words) for word in words)


def quick_search(query: str, limit: int = 8) -> QuickResult:
    """The first `limit` persons and organisations matching every word of `query`, as top_matches() ranks them.

    Every statement costs a round trip (about a millisecond on PostgreSQL). A one-word search counts the
    matches per rank of persons and organisations in one statement (_rank_counts): a kind without matches
    costs nothing more, one with few matches in each rank (the usual case) one statement for its first
    matches and their records (persons with their functions, organisations and titles).
    """
    from crm.contacts.models import Organisation, Person

    words = query_words(query)
    result = QuickResult()
    if not words:
        return result
    counts = _rank_counts((PERSON, ORGANISATION), words[0]) if len(words) == 1 else {}
    for kind, model, attr in ((PERSON, Person, "persons"), (ORGANISATION, Organisation, "organisations")):
        kind_counts = counts.get(kind)
        if kind_counts is not None and not any(kind_counts):
            continue
        if kind_counts is not None and max(kind_counts) < _FEW_IN_RANK:
            ranked_objs = _few_top_records(kind, model, words[0], limit + 1)
            more = len(ranked_objs) > limit
            rank_of = {obj.id: rank for obj, rank in ranked_objs[:limit]}
            objs = [obj for obj, _rank in ranked_objs[:limit]]
        else:
            if kind_counts is not None:
                ranked = _top_by_rank(kind, words[0], limit + 1, kind_counts)
            else:
                ranked = _sorted_top(kind, words, limit + 1)
            more = len(ranked) > limit
            rank_of = dict(ranked[:limit])
            objs = list(db.session.scalars(_with_functions(model, select(model).where(model.id.in_(list(rank_of)))))
                        .unique()) if rank_of else []
        setattr(result, f"more_{attr}", more)
        if not objs:
            continue
        if model is Organisation:
            objs.sort(key=lambda o: (not name_matches_query(o, words), rank_of[o.id], o.sort_name))
            result.named_organisations = sum(1 for o in objs if name_matches_query(o, words))
            result.organisations_first = result.named_organisations > 0
        else:
            objs.sort(key=lambda o: (rank_of[o.id], o.sort_name))
        setattr(result, attr, objs)
    return result


def person_functions_joined() -> tuple:
    """Loader options: persons with their functions, organisations and titles joined (one query; the quick
    search and the person list's page of found persons). No innerjoin for the organisation (every function
    has one): SQLAlchemy would nest it as "LEFT OUTER JOIN (affiliation JOIN organisation)", which SQLite
    worked out for every function of every person (4.7 s for one search at 100,000 persons)."""
    from sqlalchemy.orm import joinedload

    from crm.contacts.models import Affiliation, Person

    return (joinedload(Person.affiliations).joinedload(Affiliation.organisation),
            joinedload(Person.affiliations).joinedload(Affiliation.function))


def _with_functions(model, stmt):
    """`stmt`; selecting persons, with their functions, organisations and titles joined (one query)."""
    from crm.contacts.models import Person

    return stmt.options(*person_functions_joined()) if model is Person else stmt


def _few_top_records(kind: str, model, word: str, count: int) -> list[tuple]:
    """(record, best rank) of the first `count` matches of one word in order of rank, then id (as
    top_matches()), in one statement: the matches grouped per entity (few: under _FEW_IN_RANK tokens per
    rank), their records joined."""
    stmt = _few_top_statement(kind, model, count, private_visible())
    rows = db.session.execute(stmt, _word_range(word)).unique().all()
    return sorted(rows, key=lambda row: (row[1], row[0].id))


@cache
def _few_top_statement(kind: str, model, count: int, private: bool):
    # Built once per process (see _rank_counts_statement); the word's tokens as _word_match() selects them.
    t = SearchToken.__table__.alias("t")
    match = and_(t.c.kind == kind, _prefix_match(t.c.token))
    if not private:
        match = and_(match, t.c.rank < RANK_PRIVATE)
    best = func.min(t.c.rank)
    top = (select(t.c.entity_id, best.label("rank")).where(match).group_by(t.c.entity_id)
           .order_by(best, t.c.entity_id).limit(count).subquery())
    return _with_functions(model, select(model, top.c.rank).join(top, top.c.entity_id == model.id))
