"""Audit trail: every create, change, archive and delete of an audited model.

Models opt in by inheriting `Audited`. Session hooks collect the changes of every flush and
write one AuditLog row per changed record when the transaction commits, in that same
transaction, so later parts get their history for free.
"""
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache

from flask import has_request_context
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    bindparam,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Mapper, Session, aliased, mapped_column

from crm.core.models import utcnow
from crm.extensions import db


class Audited:
    """Mixin: changes to instances are written to the audit log."""

    # Columns not worth recording (derived or bookkeeping).
    __audit_exclude__: frozenset[str] = frozenset({"created_at", "updated_at"})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if table is not None:
            # The history is kept by (table, id): an id must never be given out again after a
            # delete, or the new record would show the old one's history. PostgreSQL sequences
            # never reuse ids; SQLite needs AUTOINCREMENT for that.
            table.dialect_kwargs["sqlite_autoincrement"] = True

    def audit_label(self) -> str:
        return str(self)


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    # ix_audit_log_type_at: the start page's "recent changes" reads the newest rows per type from the index.
    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id", "at"),
        Index("ix_audit_log_type_at", "entity_type", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(20))  # create, update, archive, restore, delete
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


def plain_value(value):
    """A value as the JSON of an audit row or a merge log keeps it: dates as ISO text, decimals as text,
    bytes as hex, related records by their audit label."""
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "audit_label"):
        return value.audit_label()
    return str(value)


def _actor():
    """(user_id, name) of whoever makes the change: the logged-in user or the CLI actor."""
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, current_user.display_name
    return None, "System"


# ----------------------------------------------------------------------------- public API
# Most changes are audited automatically (the session events below). Changes the automatic
# audit cannot see (a merge, an undo, rows written in bulk without the ORM) are recorded
# through these functions, never by building AuditLog rows by hand.


def current_actor() -> tuple[int | None, str]:
    """(user_id, name) of whoever makes the change: the logged-in user, else "System" (CLI, jobs)."""
    return _actor()


def audit_row(entity_type: str, entity_id: int, action: str, changes: dict | None = None, *, label: str = "",
              actor: tuple[int | None, str] | None = None, at: datetime | None = None) -> dict:
    """One audit row as column values, for writing many at once (``bulk_insert(conn, AuditLog.__table__, rows)``).

    `changes` maps a field to [old, new] in plain values; `actor` and `at` default to
    `current_actor()` and now (pass them once for a batch of rows).
    """
    user_id, user_name = actor if actor is not None else _actor()
    return {"at": at if at is not None else utcnow(), "user_id": user_id, "user_name": user_name, "action": action,
            "entity_type": entity_type, "entity_id": entity_id, "label": (label or "")[:300],
            "changes": changes if changes is not None else {}}


def record_audit(entity_type: str, entity_id: int, action: str, changes: dict | None = None, *,
                 label: str = "") -> "AuditLog":
    """Adds one audit row to the current transaction (flushed with it, committed by the view)."""
    row = AuditLog(**audit_row(entity_type, entity_id, action, changes, label=label))
    db.session.add(row)
    return row


# The audit action of an erasure under Art. 17 DSGVO (crm/privacy): an erased record cannot come back.
ERASED_ACTION = "erase"


def was_erased(entity_type: str, entity_id: int) -> bool:
    """Has this record been erased (anonymised)? Asked by every page that could bring it back."""
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity_type == entity_type, AuditLog.entity_id == entity_id,
        AuditLog.action == ERASED_ACTION)) > 0


def _foreign_key_targets(mapper) -> dict:
    """Column key -> related class, for many-to-one references (recorded by label, not id)."""
    targets = {}
    for rel in mapper.relationships:
        if rel.direction.name == "MANYTOONE":
            for column in rel.local_columns:
                targets[mapper.get_property_by_column(column).key] = rel.mapper.class_
    return targets


def _changes(obj, creating: bool) -> dict:
    state = inspect(obj)
    mapper = state.mapper
    session = state.session
    exclude = obj.__audit_exclude__
    if mapper.version_id_col is not None:  # the row version is bookkeeping, not a change a reader wants to see
        exclude = exclude | {mapper.get_property_by_column(mapper.version_id_col).key}
    targets = _foreign_key_targets(mapper)

    def plain(key, value):
        if key in targets and value is not None and session is not None:
            related = session.get(targets[key], value)
            return plain_value(related) if related is not None else value
        return plain_value(value)

    changes = {}
    for attr in mapper.column_attrs:
        key = attr.key
        if key in exclude or key in ("id", "version"):
            continue
        hist = state.attrs[key].history
        if creating:
            value = getattr(obj, key)
            if value not in (None, "", False):
                changes[key] = [None, plain(key, value)]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                changes[key] = [plain(key, old), plain(key, new)]
    for rel in mapper.relationships:
        if not rel.uselist or rel.key in exclude or rel.viewonly:
            continue
        if rel.secondary is None:
            continue  # one-to-many children are audited themselves
        hist = state.attrs[rel.key].history
        if creating:
            items = sorted(plain_value(v) for v in (getattr(obj, rel.key) or []))
            if items:
                changes[rel.key] = [None, items]
        elif hist.added or hist.deleted:
            current = sorted(plain_value(v) for v in getattr(obj, rel.key))
            previous = sorted(
                [plain_value(v) for v in hist.unchanged] + [plain_value(v) for v in hist.deleted]
            )
            changes[rel.key] = [previous, current]
    return changes


def _action_for(changes: dict) -> str:
    if "archived_at" in changes:
        old, new = changes["archived_at"]
        if old is None and new is not None:
            return "archive"
        if old is not None and new is None:
            return "restore"
    return "update"


@event.listens_for(Mapper, "mapper_configured")
def _keep_old_values(mapper, class_):
    """Load the old value before a column of an audited model is overwritten, even when expired."""
    if not issubclass(class_, Audited):
        return
    for attr in mapper.column_attrs:
        event.listen(getattr(class_, attr.key), "set", _noop_set, active_history=True)


def _noop_set(target, value, oldvalue, initiator):
    return value


def _merge(pending: dict, key: tuple, action: str, label: str, changes: dict) -> None:
    """Fold the changes of several flushes in one transaction into one row per record."""
    entry = pending.get(key)
    if entry is None:
        pending[key] = {"action": action, "label": label, "changes": dict(changes)}
        return
    entry["label"] = label
    if action == "delete" or entry["action"] == "create" and action != "delete":
        entry["action"] = "delete" if action == "delete" else "create"
    elif action in ("archive", "restore") or entry["action"] not in ("archive", "restore"):
        entry["action"] = action
    for field, (old, new) in changes.items():
        if field in entry["changes"]:
            old = entry["changes"][field][0]
        entry["changes"][field] = [old, new]
    entry["changes"] = {f: pair for f, pair in entry["changes"].items() if pair[0] != pair[1]}


@event.listens_for(Session, "after_flush")
def _collect_audit_changes(session, flush_context):
    if session.info.get("audit_disabled"):
        return
    pending = session.info.setdefault("audit_pending", {})

    def key(obj):
        identity = inspect(obj).identity
        return (obj.__tablename__, identity[0] if identity else obj.id)

    for obj in session.new:
        if isinstance(obj, Audited):
            _merge(pending, key(obj), "create", obj.audit_label() or "", _changes(obj, creating=True))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=True):
            changes = _changes(obj, creating=False)
            if changes:
                _merge(pending, key(obj), _action_for(changes), obj.audit_label() or "", changes)
    for obj in session.deleted:
        if isinstance(obj, Audited):
            _merge(pending, key(obj), "delete", obj.audit_label() or "", {})


@event.listens_for(Session, "before_commit")
def _write_audit_rows(session):
    if session.in_nested_transaction():
        return  # a SAVEPOINT inside the request (insert-or-get): the request's own commit writes one row
    session.flush()
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    user_id, user_name = _actor()
    now = utcnow()
    rows = [
        {
            "at": now, "user_id": user_id, "user_name": user_name, "action": entry["action"],
            "entity_type": entity_type, "entity_id": entity_id, "label": entry["label"][:300],
            "changes": entry["changes"],
        }
        for (entity_type, entity_id), entry in pending.items()
        if entry["changes"] or entry["action"] != "update"
    ]
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget_audit_changes(session, previous_transaction):
    if previous_transaction.parent is not None:
        return  # only a SAVEPOINT or a failed flush inside one is undone; what was flushed before it stays
    session.info.pop("audit_pending", None)


def history_for(entity_type: str, entity_ids, limit: int = 200) -> list[AuditLog]:
    """Audit rows for one or more records of a type, newest first.

    Only rows after the last deletion of that id count: a database that once handed out an id
    twice (SQLite before AUTOINCREMENT) must not show another person's history.
    """
    return history_of_records({entity_type: entity_ids}, limit)


def history_of_records(records: dict, limit: int = 200) -> list[AuditLog]:
    """history_for of several types in one query: {entity_type: id or ids}, newest first."""
    wanted = {kind: list(ids) if not isinstance(ids, int) else [ids] for kind, ids in records.items()}
    wanted = {kind: ids for kind, ids in wanted.items() if ids}
    if not wanted:
        return []
    params = {f"ids_{i}": ids for i, ids in enumerate(wanted.values())}
    return list(db.session.scalars(_history_statement(tuple(wanted), limit), params))


@cache
def _history_statement(kinds: tuple[str, ...], limit: int):
    # Built once per process for each set of record types (detail pages run it on every request; building it
    # cost more CPU than running it); the ids are expanding parameters ids_0, ids_1 ...
    conditions = [and_(AuditLog.entity_type == kind, AuditLog.entity_id.in_(bindparam(f"ids_{i}", expanding=True)))
                  for i, kind in enumerate(kinds)]
    deleted = aliased(AuditLog)
    last_delete = (
        select(func.coalesce(func.max(deleted.id), 0))
        .where(deleted.entity_type == AuditLog.entity_type, deleted.entity_id == AuditLog.entity_id,
               deleted.action == "delete")
        .scalar_subquery()
    )
    return (select(AuditLog)
            .where(or_(*conditions), AuditLog.id > last_delete)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(limit))


# ----------------------------------------------------------------------------- exports


EXPORT_ACTION = "export"
_NOT_A_FILTER = {"csrf_token", "page", "per_page", "export", "action"}


def request_filters() -> dict:
    """The filter of the current request as plain values: its query (and form) fields but paging and
    tokens; ticked ids as their number."""
    from flask import request

    out: dict = {}
    for source in (request.args, request.form):
        for key in source:
            if key in _NOT_A_FILTER or key.startswith("_"):
                continue
            values = [v for v in source.getlist(key) if v not in ("", None)]
            if not values:
                continue
            if key == "ids":
                out["ids"] = sum(len([p for p in v.split(",") if p.strip()]) for v in values)
            else:
                out[key] = values[0][:200] if len(values) == 1 else [v[:200] for v in values[:50]]
    return out


def record_export(entity_type: str, fmt: str, rows: int, *, entity_id: int = 0, label: str = "",
                  filters: dict | None = None) -> "AuditLog":
    """Audits a download of personal data: what (`entity_type`, and the record for a single one or a
    body's member list), the format, the filter it was made with and the number of rows. Added to the
    current transaction: the export view commits before the file is sent."""
    changes = {"format": [None, fmt], "filter": [None, request_filters() if filters is None else filters],
               "rows": [None, int(rows)]}
    return record_audit(entity_type, entity_id, EXPORT_ACTION, changes, label=label)


def count_of(stmt) -> int:
    """The number of rows a SELECT gives (for the audit of a streamed export)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


# ----------------------------------------------------------------------------- search


def search(*, user_id: int | None = None, system: bool = False, start: datetime | None = None,
           end: datetime | None = None, entity_type: str = "", action: str = ""):
    """The audit rows matching every given condition, newest first (a SELECT, for paging)."""
    stmt = select(AuditLog)
    if system:
        stmt = stmt.where(AuditLog.user_id.is_(None))
    elif user_id is not None:
        stmt = stmt.where(AuditLog.user_id == user_id)
    if start is not None:
        stmt = stmt.where(AuditLog.at >= start)
    if end is not None:
        stmt = stmt.where(AuditLog.at < end)
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
