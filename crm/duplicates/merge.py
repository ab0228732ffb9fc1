"""Merging two persons (or two organisations) into one, keeping every relation.

Every foreign key to the person (organisation) table is found in the metadata at run time,
so relations that later parts add (seats, interactions, tasks, project contacts,
registrations, consents ...) are moved without a change here. Per referencing column:

1. a row that would point at the survivor twice (seat.person_id = survivor and
   seat.deputy_id = merged-away) has the second reference cleared where it may be empty;
2. where a unique constraint or a composite primary key covers the column (association
   tables such as person_tag), rows the survivor has already are deleted instead of moved
   (the deleted rows are kept in the merge log);
3. every other row is moved to the survivor.

The merged-away record is then deleted; its row, every dropped row and which rows moved stay
in the merge log, so nothing is lost and `undo_merge` can put everything back. Everything runs
in the caller's transaction: all or nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    LargeBinary,
    Numeric,
    Table,
    and_,
    delete,
    exists,
    insert,
    inspect,
    or_,
    select,
    update,
)

from crm.contacts.models import PERSON_FIELDS, Organisation, Person
from crm.contacts.search import reindex_organisations, reindex_persons
from crm.core.audit import current_actor, plain_value, record_audit
from crm.core.models import utcnow
from crm.duplicates.models import DuplicatePair, MergeLog
from crm.extensions import db
from crm.imports.fields import N_
from crm.imports.services import ImportProblem

# An objection to being contacted is never chosen away: it carries over (see merge_records).
MERGED_PERSON_FIELDS = [name for name in PERSON_FIELDS if name != "contact_objection"]
ORGANISATION_FIELDS = [
    "name", "short_name", "kind", "sector", "ags", "parent_id", "municipality_id", "street", "po_box", "postcode",
    "city", "country", "email", "phone", "fax", "website", "notes",
]
# Text fields where both values can be kept, one under the other.
JOINABLE = {"notes", "expertise_note"}
MODELS = {"person": Person, "organisation": Organisation}
FIELDS = {"person": MERGED_PERSON_FIELDS, "organisation": ORGANISATION_FIELDS}

MERGE_ACTION = _l("merged")
# Values that say "not known": a known value on the other record is proposed instead.
UNKNOWN_VALUES = {"gender": {"unknown"}, "kind": {"other"}}


def references_to(table_name: str) -> list[tuple[Table, Column]]:
    """(table, column) for every foreign key in the metadata that points at table_name.id."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                found.append((table, fk.parent))
    return sorted(found, key=lambda tc: (tc[0].name, tc[1].name))


def _unique_column_sets(table: Table, column: Column) -> list[list[Column]]:
    """Other columns that, together with `column`, must be unique (PK, unique constraints and indexes)."""
    sets = []
    candidates = []
    pk = list(table.primary_key.columns)
    if column in pk and len(pk) > 1:
        candidates.append(pk)
    for constraint in table.constraints:
        if constraint.__class__.__name__ == "UniqueConstraint":
            candidates.append(list(constraint.columns))
    for index in table.indexes:
        if index.unique:
            candidates.append([c for c in index.columns])
    for cols in candidates:
        if column in cols:
            others = [c for c in cols if c is not column]
            if others:
                sets.append(others)
            else:
                sets.append([])
    return sets


def _row_dict(row) -> dict:
    return {k: plain_value(v) for k, v in row._mapping.items()}


def _identity_columns(table: Table, column: Column) -> list[Column]:
    """Columns that find a row again after `column` changed: its id, else the rest of the row."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and pk[0] is not column:
        return pk
    return [c for c in table.columns if c is not column]


def _identities(conn, table: Table, column: Column, condition) -> list:
    cols = _identity_columns(table, column)
    rows = conn.execute(select(*cols).where(condition)).all()
    if len(cols) == 1 and cols[0].primary_key:
        return [plain_value(r[0]) for r in rows]
    return [{c.name: plain_value(v) for c, v in zip(cols, r)} for r in rows]


def _unplain(column: Column, value):
    """The inverse of _plain for a value of this column (JSON keeps dates as text)."""
    if value is None or not isinstance(value, str):
        return value
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Numeric):
        return Decimal(value)
    if isinstance(column.type, LargeBinary):
        return bytes.fromhex(value)
    return value


def _where_identity(table: Table, column: Column, identity):
    cols = _identity_columns(table, column)
    if not isinstance(identity, dict):
        return cols[0] == identity
    return and_(*[(table.c[k] == _unplain(table.c[k], v)) if v is not None else table.c[k].is_(None)
                  for k, v in identity.items()])


def move_references(table_name: str, winner_id: int, loser_id: int, journal: dict | None = None) -> tuple[dict, list]:
    """Point every reference to loser_id at winner_id. Returns (moved counts, dropped rows).

    `journal` (if given) receives which rows were moved and which references were cleared, so
    that the merge can be undone row by row.
    """
    conn = db.session.connection()
    moved: dict[str, int] = {}
    dropped: list[dict] = []
    moved_rows: list[dict] = []
    cleared: list[dict] = []
    refs = references_to(table_name)
    by_table: dict[str, list[Column]] = {}
    for table, column in refs:
        by_table.setdefault(table.name, []).append(column)
    for table, column in refs:
        key = f"{table.name}.{column.name}"
        # the survivor must not end up as its own parent
        if table.name == table_name:
            condition = and_(table.c.id == winner_id, column == loser_id)
            ids = _identities(conn, table, column, condition)
            if ids:
                cleared.append({"table": table.name, "column": column.name, "value": loser_id, "rows": ids})
                conn.execute(update(table).where(condition).values({column.name: None}))
        # 1. the same row would reference the survivor twice
        for other in by_table[table.name]:
            if other is column:
                continue
            clash = and_(column == loser_id, other == winner_id)
            if column.nullable:
                ids = _identities(conn, table, column, clash)
                n = conn.execute(update(table).where(clash).values({column.name: None})).rowcount
                if n:
                    moved[f"{key} (cleared)"] = n
                    cleared.append({"table": table.name, "column": column.name, "value": loser_id, "rows": ids})
            elif other.nullable:
                ids = _identities(conn, table, other, clash)
                if ids:
                    cleared.append({"table": table.name, "column": other.name, "value": winner_id, "rows": ids})
                    conn.execute(update(table).where(clash).values({other.name: None}))
        # 2. unique together with other columns: drop what the survivor has already
        for others in _unique_column_sets(table, column):
            alias = table.alias("survivor")
            same = [alias.c[column.name] == winner_id] + [alias.c[c.name] == table.c[c.name] for c in others]
            condition = and_(column == loser_id, exists().where(*same))
            rows = conn.execute(select(table).where(condition)).all()
            if rows:
                dropped += [{"table": table.name, "row": _row_dict(r)} for r in rows]
                conn.execute(delete(table).where(condition))
        # 3. move the rest
        ids = _identities(conn, table, column, column == loser_id)
        n = conn.execute(update(table).where(column == loser_id).values({column.name: winner_id})).rowcount
        if n:
            moved[key] = moved.get(key, 0) + n
            moved_rows.append({"table": table.name, "column": column.name, "rows": ids})
    if journal is not None:
        journal["moved_rows"] = moved_rows
        journal["cleared"] = cleared
    return moved, dropped


def _snapshot(model, record) -> dict:
    mapper = inspect(model)
    values = {attr.key: plain_value(getattr(record, attr.key)) for attr in mapper.column_attrs}
    for rel in mapper.relationships:
        if rel.secondary is not None:
            values[rel.key] = sorted(str(v) for v in getattr(record, rel.key))
    return values


def merge_preview(kind: str, winner, loser) -> list[dict]:
    """Field by field: both values and the one proposed (the survivor's, else the other's)."""
    rows = []
    for name in FIELDS[kind]:
        a, b = getattr(winner, name), getattr(loser, name)
        if name in ("parent_id", "municipality_id"):
            a_label = str(db.session.get(Organisation, a)) if a else ""
            b_label = str(db.session.get(Organisation, b)) if b else ""
        else:
            a_label, b_label = a, b
        unknown = UNKNOWN_VALUES.get(name, set())
        empty_a, empty_b = a in (None, "") or a in unknown, b in (None, "") or b in unknown
        proposal = "b" if empty_a and not empty_b else "a"
        if name in JOINABLE and a and b and a != b:
            proposal = "both"
        rows.append({"name": name, "a": a_label, "b": b_label, "same": a == b, "proposal": proposal,
                     "joinable": name in JOINABLE})
    return rows


def merge_records(kind: str, winner_id: int, loser_id: int, choices: dict[str, str], note: str = "") -> MergeLog:
    """Merge loser into winner. choices: field -> "a" (keep the survivor's), "b" (take the other's) or "both".

    A field without a choice gets the proposal of merge_preview (a known value before an unknown one).
    """
    model = MODELS[kind]
    if winner_id == loser_id:
        raise ImportProblem(N_("A record cannot be merged with itself."))
    winner = db.session.get(model, winner_id)
    loser = db.session.get(model, loser_id)
    if winner is None or loser is None:
        raise ImportProblem(N_("One of the two records no longer exists."))
    table = model.__table__
    conn = db.session.connection()
    snapshot = {"record": _snapshot(model, loser),
                "row": _row_dict(conn.execute(select(table).where(table.c.id == loser_id)).one())}
    loser_label = loser.audit_label()
    proposals = {row["name"]: row["proposal"] for row in merge_preview(kind, winner, loser)}
    fields = {}
    for name in FIELDS[kind]:
        choice = choices.get(name) or proposals.get(name, "a")
        old, other = getattr(winner, name), getattr(loser, name)
        if choice == "b" and other != old:
            if name in ("parent_id", "municipality_id") and other == winner.id:
                continue  # an organisation cannot lie within itself
            fields[name] = [plain_value(old), plain_value(other)]
            setattr(winner, name, other)
        elif choice == "both" and name in JOINABLE and other and other != old:
            value = f"{old}\n\n{other}" if old else other
            fields[name] = [old, value]
            setattr(winner, name, value)
    if kind == "person":
        # an objection to being contacted is absolute: it survives if either record had it
        if loser.contact_objection and not winner.contact_objection:
            winner.contact_objection = True
            fields["contact_objection"] = [False, True]
    if loser.archived_at is None and winner.archived_at is not None:
        # the active record's data lives on: the survivor is active again
        fields["archived_at"] = [plain_value(winner.archived_at), None]
        winner.archived_at = None
    db.session.flush()
    journal: dict = {}
    moved, dropped = move_references(table.name, winner.id, loser.id, journal)
    snapshot["dropped_rows"] = dropped
    snapshot.update(journal)
    if kind == "person":
        snapshot["primary_cleared"] = _one_primary_function(conn, winner_id, journal["moved_rows"])
    # The merged-away record goes without a "deleted" entry in its history: an undo brings it
    # back with its history (see undo_merge).
    db.session.expunge(loser)
    conn.execute(delete(table).where(table.c.id == loser_id))
    db.session.expire_all()
    winner = db.session.get(model, winner_id)
    pairs = DuplicatePair.__table__
    conn.execute(delete(pairs).where(pairs.c.kind == kind, (pairs.c.a_id == loser_id) | (pairs.c.b_id == loser_id)))
    user_id, user_name = current_actor()
    log = MergeLog(kind=kind, winner_id=winner.id, loser_id=loser_id, winner_label=winner.audit_label()[:300],
                   loser_label=loser_label[:300], fields=fields, moved=moved, snapshot=snapshot, note=note,
                   user_id=user_id, user_name=user_name)
    db.session.add(log)
    record_audit(kind, winner.id, "merge", {"merged_from": [loser_label, winner.audit_label()], **fields},
                 label=winner.audit_label())
    record_audit(kind, loser_id, "merged_away", {"merged_into": [loser_label, winner.audit_label()]},
                 label=loser_label)
    db.session.flush()
    _reindex(kind, conn, [winner.id, loser_id])
    return log


def _one_primary_function(conn, person_id: int, moved_rows: list[dict]) -> list[int]:
    """After a person merge: one primary function. The survivor's stays; the other's primary
    flags are cleared (returned, for the undo)."""
    from crm.contacts.models import Affiliation

    a = Affiliation.__table__
    moved_ids = set()
    for entry in moved_rows:
        if entry["table"] == "affiliation" and entry["column"] == "person_id":
            moved_ids.update(entry["rows"])
    primaries = conn.execute(select(a.c.id, a.c.valid_to).where(a.c.person_id == person_id, a.c.is_primary.is_(True))
                             .order_by(a.c.valid_to.is_not(None), a.c.id)).all()
    if len(primaries) < 2:
        return []
    own = [p.id for p in primaries if p.id not in moved_ids]
    keep = own[0] if own else primaries[0].id
    cleared = [p.id for p in primaries if p.id != keep]
    conn.execute(update(a).where(a.c.id.in_(cleared)).values(is_primary=False))
    return cleared


def _reindex(kind: str, conn, ids: list[int]) -> None:
    if kind == "person":
        reindex_persons(conn, ids)
        from crm.interactions.services import refresh_last_contacted

        refresh_last_contacted(ids)  # the interactions moved with the merge (or back with its undo)
    else:
        reindex_organisations(conn, ids)
        from crm.contacts.models import Affiliation

        a = Affiliation.__table__.c
        reindex_persons(conn, list(conn.scalars(select(a.person_id).where(a.organisation_id.in_(ids)))))


def merged_into(kind: str, record_id: int) -> int | None:
    """The record a merged-away id lives on in (following later merges), or None."""
    seen = set()
    target = None
    current = record_id
    while current not in seen and len(seen) < 50:
        seen.add(current)
        winner = db.session.scalar(select(MergeLog.winner_id).where(
            MergeLog.kind == kind, MergeLog.loser_id == current, MergeLog.undone_at.is_(None))
            .order_by(MergeLog.id.desc()).limit(1))
        if winner is None:
            break
        target = current = winner
    if target is not None and db.session.get(MODELS[kind], target) is None:
        return None
    return target


def undo_problem(log: MergeLog) -> str | None:
    """Why this merge cannot be undone (a msgid), or None."""
    if log.undone_at is not None:
        return N_("This merge has been undone already.")
    if "row" not in (log.snapshot or {}) or "moved_rows" not in (log.snapshot or {}):
        return N_("This merge was made before merges could be undone; it cannot be undone.")
    model = MODELS[log.kind]
    if db.session.get(model, log.winner_id) is None:
        return N_("The merged record no longer exists.")
    if db.session.get(model, log.loser_id) is not None:
        return N_("The merged-in record exists again.")
    later = db.session.scalar(select(MergeLog.id).where(
        MergeLog.kind == log.kind, MergeLog.id > log.id, MergeLog.undone_at.is_(None),
        or_(MergeLog.winner_id.in_([log.winner_id, log.loser_id]),
            MergeLog.loser_id.in_([log.winner_id, log.loser_id])))
        .limit(1))
    if later is not None:
        return N_("This record was merged again later; undo the later merge first.")
    return None


def undo_merge(log: MergeLog) -> None:
    """Bring the merged-away record back with its values and every relation it had."""
    problem = undo_problem(log)
    if problem:
        raise ImportProblem(problem)
    kind = log.kind
    model = MODELS[kind]
    table = model.__table__
    tables = db.metadata.tables
    snapshot = log.snapshot
    conn = db.session.connection()
    db.session.flush()
    # 1. the record itself, with its id
    conn.execute(insert(table).values({k: _unplain(table.c[k], v) for k, v in snapshot["row"].items() if k in table.c}))
    # 2. the rows that moved go back, cleared references are set again, dropped rows return
    for entry in reversed(snapshot.get("moved_rows", [])):
        t = tables[entry["table"]]
        column = t.c[entry["column"]]
        for identity in entry["rows"]:
            conn.execute(update(t).where(_where_identity(t, column, identity), column == log.winner_id)
                         .values({column.name: log.loser_id}))
    for entry in reversed(snapshot.get("cleared", [])):
        t = tables[entry["table"]]
        column = t.c[entry["column"]]
        for identity in entry["rows"]:
            conn.execute(update(t).where(_where_identity(t, column, identity), column.is_(None))
                         .values({column.name: entry["value"]}))
    for entry in snapshot.get("dropped_rows", []):
        t = tables[entry["table"]]
        conn.execute(insert(t).values({k: _unplain(t.c[k], v) for k, v in entry["row"].items() if k in t.c}))
    if snapshot.get("primary_cleared"):
        from crm.contacts.models import Affiliation

        a = Affiliation.__table__
        conn.execute(update(a).where(a.c.id.in_(snapshot["primary_cleared"])).values(is_primary=True))
    # 3. the survivor's values as they were, unless changed again since
    db.session.expire_all()
    winner = db.session.get(model, log.winner_id)
    restored = {}
    for name, (old, new) in (log.fields or {}).items():
        column = table.c[name] if name in table.c else None
        if column is None:
            continue
        if plain_value(getattr(winner, name)) == new:
            setattr(winner, name, _unplain(column, old))
            restored[name] = [new, old]
    log.undone_at = utcnow()
    log.undone_by_name = current_actor()[1]
    loser_label = log.loser_label
    record_audit(kind, log.winner_id, "unmerge", {"merged_from": [loser_label, ""], **restored},
                 label=log.winner_label)
    record_audit(kind, log.loser_id, "unmerge", {"merged_into": [log.winner_label, ""]}, label=loser_label)
    db.session.flush()
    _reindex(kind, conn, [log.winner_id, log.loser_id])

