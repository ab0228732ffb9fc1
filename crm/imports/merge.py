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

The merged-away record is then deleted; its values and every dropped row stay in the merge
log, so nothing is lost. Everything runs in the caller's transaction: all or nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Table, and_, delete, exists, inspect, select, update

from crm.contacts.models import Organisation, Person
from crm.contacts.search import reindex_organisations, reindex_persons
from crm.core.audit import AuditLog, _actor
from crm.extensions import db
from crm.imports.fields import N_
from crm.imports.models import DuplicatePair, MergeLog
from crm.imports.services import ImportProblem

PERSON_FIELDS = [
    "gender", "degree", "first_name", "nobility", "last_name", "name_suffix", "formal", "salutation_override",
    "email", "phone", "mobile", "street", "postcode", "city", "country", "expertise_note", "notes", "legal_basis",
    "data_source", "data_collected_on", "last_reviewed_on",
]
ORGANISATION_FIELDS = [
    "name", "short_name", "kind", "sector", "ags", "parent_id", "municipality_id", "street", "po_box", "postcode",
    "city", "country", "email", "phone", "fax", "website", "notes",
]
# Text fields where both values can be kept, one under the other.
JOINABLE = {"notes", "expertise_note"}
MODELS = {"person": Person, "organisation": Organisation}
FIELDS = {"person": PERSON_FIELDS, "organisation": ORGANISATION_FIELDS}

MERGE_ACTION = _l("merged")


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


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row_dict(row) -> dict:
    return {k: _plain(v) for k, v in row._mapping.items()}


def move_references(table_name: str, winner_id: int, loser_id: int) -> tuple[dict, list]:
    """Point every reference to loser_id at winner_id. Returns (moved counts, dropped rows)."""
    conn = db.session.connection()
    moved: dict[str, int] = {}
    dropped: list[dict] = []
    refs = references_to(table_name)
    by_table: dict[str, list[Column]] = {}
    for table, column in refs:
        by_table.setdefault(table.name, []).append(column)
    for table, column in refs:
        key = f"{table.name}.{column.name}"
        # the survivor must not end up as its own parent
        if table.name == table_name:
            conn.execute(update(table).where(table.c.id == winner_id, column == loser_id).values({column.name: None}))
        # 1. the same row would reference the survivor twice
        for other in by_table[table.name]:
            if other is column:
                continue
            clash = and_(column == loser_id, other == winner_id)
            if column.nullable:
                n = conn.execute(update(table).where(clash).values({column.name: None})).rowcount
                if n:
                    moved[f"{key} (cleared)"] = n
            elif other.nullable:
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
        n = conn.execute(update(table).where(column == loser_id).values({column.name: winner_id})).rowcount
        if n:
            moved[key] = moved.get(key, 0) + n
    return moved, dropped


def _snapshot(model, record) -> dict:
    mapper = inspect(model)
    values = {attr.key: _plain(getattr(record, attr.key)) for attr in mapper.column_attrs}
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
        empty_a = a in (None, "")
        proposal = "b" if empty_a and b not in (None, "") else "a"
        if name in JOINABLE and a and b and a != b:
            proposal = "both"
        rows.append({"name": name, "a": a_label, "b": b_label, "same": a == b, "proposal": proposal,
                     "joinable": name in JOINABLE})
    return rows


def merge_records(kind: str, winner_id: int, loser_id: int, choices: dict[str, str], note: str = "") -> MergeLog:
    """Merge loser into winner. choices: field -> "a" (keep the survivor's), "b" (take the other's) or "both"."""
    model = MODELS[kind]
    if winner_id == loser_id:
        raise ImportProblem(N_("A record cannot be merged with itself."))
    winner = db.session.get(model, winner_id)
    loser = db.session.get(model, loser_id)
    if winner is None or loser is None:
        raise ImportProblem(N_("One of the two records no longer exists."))
    snapshot = {"record": _snapshot(model, loser)}
    loser_label = loser.audit_label()
    fields = {}
    for name in FIELDS[kind]:
        choice = choices.get(name, "a")
        old, other = getattr(winner, name), getattr(loser, name)
        if choice == "b" and other != old:
            if name in ("parent_id", "municipality_id") and other == winner.id:
                continue  # an organisation cannot lie within itself
            fields[name] = [_plain(old), _plain(other)]
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
        fields["archived_at"] = [_plain(winner.archived_at), None]
        winner.archived_at = None
    db.session.flush()
    moved, dropped = move_references(model.__tablename__, winner.id, loser.id)
    snapshot["dropped_rows"] = dropped
    db.session.expire_all()
    loser = db.session.get(model, loser_id)
    winner = db.session.get(model, winner_id)
    db.session.delete(loser)
    db.session.flush()
    conn = db.session.connection()
    pairs = DuplicatePair.__table__
    conn.execute(delete(pairs).where(pairs.c.kind == kind, (pairs.c.a_id == loser_id) | (pairs.c.b_id == loser_id)))
    user_id, user_name = _actor()
    log = MergeLog(kind=kind, winner_id=winner.id, loser_id=loser_id, winner_label=winner.audit_label()[:300],
                   loser_label=loser_label[:300], fields=fields, moved=moved, snapshot=snapshot, note=note,
                   user_id=user_id, user_name=user_name)
    db.session.add(log)
    db.session.add(AuditLog(user_id=user_id, user_name=user_name, action="merge", entity_type=kind,
                            entity_id=winner.id, label=winner.audit_label()[:300],
                            changes={"merged_from": [loser_label, winner.audit_label()],
                                     **{k: v for k, v in fields.items()}}))
    db.session.flush()
    if kind == "person":
        reindex_persons(conn, [winner.id, loser_id])
    else:
        reindex_organisations(conn, [winner.id, loser_id])
        from crm.contacts.models import Affiliation

        a = Affiliation.__table__.c
        reindex_persons(conn, list(conn.scalars(select(a.person_id).where(a.organisation_id == winner.id))))
    return log


def _register_labels() -> None:
    from crm.core.labels import ACTIONS, ENTITIES, FIELDS as FIELD_LABELS

    ACTIONS.setdefault("merge", MERGE_ACTION)
    FIELD_LABELS.setdefault("merged_from", _l("Merged from"))
    ENTITIES.setdefault("contact_detail", _l("Further contact detail"))
    ENTITIES.setdefault("duplicate_pair", _l("Possible duplicate"))
    ENTITIES.setdefault("merge_log", _l("Merge log"))
    ENTITIES.setdefault("import_batch", _l("Import"))
    ENTITIES.setdefault("import_row", _l("Imported row"))
    ENTITIES.setdefault("import_mapping", _l("Saved column assignment"))


_register_labels()
