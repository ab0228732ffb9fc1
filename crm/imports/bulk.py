"""Bulk inserts for imports of 100,000 rows: COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL, SQLAlchemy's multi-row INSERT ... VALUES statements cost psycopg several
microseconds per parameter to parse (about 40 s for an import of 100,000 persons); COPY
writes the same rows in a few seconds. Ids come from the table's sequence beforehand, so
related rows can point at them and concurrent inserts stay safe.
"""
from __future__ import annotations

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.engine import Connection

CHUNK = 5000


def _fill_defaults(table: Table, rows: list[dict], with_id: bool) -> list:
    """Every column the rows leave out gets its Python-side default (later parts may add columns).

    Rows that bring their own ids (a generated region) keep them."""
    present = set(rows[0])
    with_id = with_id or "id" in present
    columns = [c for c in table.columns if with_id or c.name != "id" or not c.primary_key]
    for column in columns:
        if column.name in present or column.default is None:
            continue
        default = column.default
        value = default.arg(None) if callable(default.arg) else default.arg
        for row in rows:
            row.setdefault(column.name, value)
    return [c for c in columns if c.name in rows[0]]


def _json_processor(process):
    """The JSON column's own serialiser, with the empty list and dict (most of an import row's
    errors, warnings, matches and results) written without it."""

    def serialise(value):
        if value == [] and value.__class__ is list:
            return "[]"
        if value == {} and value.__class__ is dict:
            return "{}"
        return process(value)

    return serialise


def _executemany(conn: Connection, table: Table, rows: list[dict]) -> None:
    """INSERT of many rows through the driver's executemany (SQLite), with the columns' own bind
    processing (JSON, dates) but without compiling SQLAlchemy parameters for every row, which
    cost about as much as the insert itself."""
    columns = _fill_defaults(table, rows, with_id=False)
    processors = [(c.name, _json_processor(c.type._cached_bind_processor(conn.dialect))
                   if isinstance(c.type, JSON) else c.type._cached_bind_processor(conn.dialect)) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        data = [tuple(process(row[name]) if process else row[name] for name, process in processors) for row in chunk]
        conn.exec_driver_sql(statement, data)


def allocate_ids(conn: Connection, table: Table, count: int) -> list[int]:
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
    return list(conn.scalars(text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                             {"s": sequence, "n": count}))


def bulk_insert(conn: Connection, table: Table, rows: list[dict], return_ids: bool = False) -> list[int]:
    """Insert the rows (dicts of column values); with return_ids, their new ids in row order."""
    if not rows:
        return []
    if conn.dialect.name != "postgresql":
        if not return_ids:
            _executemany(conn, table, rows)
            return []
        ids: list[int] = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if return_ids:
                result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)
                ids.extend(result.scalars().all())
            else:
                conn.execute(insert(table), chunk)
        return ids
    from psycopg.types.json import Json

    ids = []
    if return_ids:
        ids = allocate_ids(conn, table, len(rows))
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
    columns = _fill_defaults(table, rows, with_id=return_ids)
    names = [c.name for c in columns]
    json_columns = {c.name for c in columns if isinstance(c.type, JSON)}
    statement = f'COPY "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) FROM STDIN'
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([Json(row[n]) if n in json_columns and row[n] is not None else row[n] for n in names])
    finally:
        cursor.close()
    return ids
