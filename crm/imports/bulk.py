"""Bulk inserts for imports of 100,000 rows: COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL, SQLAlchemy's multi-row INSERT ... VALUES statements cost psycopg several
microseconds per parameter to parse (about 40 s for an import of 100,000 persons); COPY
writes the same rows in a few seconds. Ids come from the table's sequence beforehand, so
related rows can point at them and concurrent inserts stay safe.

`paused_gc()` keeps Python's cyclic garbage collector from running during such a bulk step: the
hundreds of thousands of records, dicts and lists a 100,000-row import holds at once would
otherwise be walked again and again by full collections (a third of the import's time).
"""
from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from datetime import date, datetime
from functools import wraps
from operator import itemgetter
from typing import Iterable, Iterator

from sqlalchemy import JSON, Boolean, Table, insert, text
from sqlalchemy.engine import Connection

CHUNK = 5000
# what Verteiler, lists and the search read after a bulk load of contacts
CONTACT_TABLES = ("organisation", "person", "affiliation", "organisation_tag", "organisation_field", "person_tag",
                  "person_field", "person_target_group", "person_expertise", "search_token")


@contextmanager
def paused_gc():
    """No cyclic garbage collection inside the block (reference counting frees as usual); what
    cycles the block leaves are collected after it. Nested blocks are fine."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bulk_step(func):
    """A service function that works through a whole file: runs with paused_gc()."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper


def _columns(table: Table, first: dict, with_id: bool) -> tuple[list, dict]:
    """The columns to write (those of the first row, and those with a Python-side default: later
    parts may add columns) and the defaults the rows leave out. Rows that bring their own ids (a
    generated region) keep them."""
    with_id = with_id or "id" in first
    columns = [c for c in table.columns if with_id or c.name != "id" or not c.primary_key]
    defaults = {}
    for column in columns:
        if column.name in first or column.default is None:
            continue
        default = column.default
        defaults[column.name] = default.arg(None) if callable(default.arg) else default.arg
    return [c for c in columns if c.name in first or c.name in defaults], defaults


def _chunks(first: dict, rest: Iterator[dict], defaults: dict) -> Iterator[list[dict]]:
    """The rows in lists of CHUNK, each with the defaults filled in, taken from `rest` as they come."""
    chunk = [first]
    for row in rest:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield _with_defaults(chunk, defaults)
            chunk = []
    if chunk:
        yield _with_defaults(chunk, defaults)


def _with_defaults(chunk: list[dict], defaults: dict) -> list[dict]:
    for name, value in defaults.items():
        for row in chunk:
            row.setdefault(name, value)
    return chunk


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


def _last_value_cached(process):
    """A bind processor that converts a value seen just before only once (the same now and today in
    every row of a bulk insert)."""
    last = [_NOTHING, None]

    def convert(value):
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return convert


_NOTHING = object()


def _executemany(conn: Connection, table: Table, first: dict, rest: Iterator[dict], with_id: bool = False) -> int:
    """INSERT of many rows through the driver's executemany (SQLite), with the columns' own bind
    processing (JSON, dates) but without compiling SQLAlchemy parameters for every row, which
    cost about as much as the insert itself. Returns the number of rows."""
    columns, defaults = _columns(table, first, with_id)
    names = [c.name for c in columns]
    processors = []
    for index, column in enumerate(columns):
        process = column.type._cached_bind_processor(conn.dialect)
        if isinstance(column.type, JSON):
            processors.append((index, _json_processor(process)))
        elif process is not None:
            processors.append((index, _last_value_cached(process)))
    get = itemgetter(*names)
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" for _ in columns)})'
    count = 0
    for chunk in _chunks(first, rest, defaults):
        count += len(chunk)
        if len(names) == 1:
            data = [(get(row),) for row in chunk]
        else:
            data = [get(row) for row in chunk]
        if processors:
            data = [list(values) for values in data]
            for index, process in processors:
                for values in data:
                    values[index] = process(values[index])
            data = [tuple(values) for values in data]  # what exec_driver_sql accepts
        conn.exec_driver_sql(statement, data)
    return count


def _sqlite_insert_with_ids(conn: Connection, table: Table, rows: list[dict]) -> list[int]:
    """Ids in row order on SQLite: the first row is inserted on its own and gives its id; that
    insert holds the database's write lock until the end of the transaction, and its id is
    larger than any id the table ever had (AUTOINCREMENT) or has, so the following rows take the
    next ids and go in through one executemany. (INSERT ... RETURNING with the rows' order kept
    would insert them one by one: 100,000 statements.)"""
    first = conn.execute(insert(table).returning(table.c.id), rows[0]).scalar_one()
    rest = rows[1:]
    for offset, row in enumerate(rest, start=1):
        row["id"] = first + offset
    if rest:
        _executemany(conn, table, rest[0], iter(rest[1:]), with_id=True)
    rows[0]["id"] = first
    return [first + offset for offset in range(len(rows))]


def allocate_ids(conn: Connection, table: Table, count: int) -> list[int]:
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
    return list(conn.scalars(text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                             {"s": sequence, "n": count}))


# ------------------------------------------------------------------ COPY in PostgreSQL's text format

def copy_text(value: str) -> str:
    """A string as a field of COPY's text format (backslash, tab, newline and CR escaped; str.replace,
    as JSON text is full of backslashes: "\\u00e4")."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _plain(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return copy_text(value)
    if isinstance(value, int):
        return str(value)
    return copy_text(str(value))


def _json_field(value) -> str:
    if value is None:
        return "\\N"
    if value.__class__ is list and not value:
        return "[]"
    if value.__class__ is dict and not value:
        return "{}"
    return copy_text(json.dumps(value))  # what psycopg's Json writes


def _bool_field(value) -> str:
    return "\\N" if value is None else ("t" if value else "f")


def copy_rows(conn: Connection, statement: str, lines) -> None:
    """Send lines of COPY text (each ending in a newline) through the connection's own driver
    connection, so inside the same transaction."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            batch: list[str] = []
            for line in lines:
                batch.append(line)
                if len(batch) >= CHUNK:
                    copy.write("".join(batch))
                    batch = []
            if batch:
                copy.write("".join(batch))
    finally:
        cursor.close()


def _copy_insert(conn: Connection, table: Table, first: dict, rest: Iterator[dict], with_id: bool) -> int:
    columns, defaults = _columns(table, first, with_id)
    names = [c.name for c in columns]
    formats = [_json_field if isinstance(c.type, JSON) else _bool_field if isinstance(c.type, Boolean) else _plain
               for c in columns]
    pairs = list(zip(names, formats))
    statement = f'COPY "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) FROM STDIN'
    count = 0

    def lines():
        nonlocal count
        for chunk in _chunks(first, rest, defaults):
            count += len(chunk)
            yield from ("\t".join([fmt(row[name]) for name, fmt in pairs]) + "\n" for row in chunk)

    copy_rows(conn, statement, lines())
    return count


def bulk_insert(conn: Connection, table: Table, rows: Iterable[dict], return_ids: bool = False) -> list[int]:
    """Insert the rows (dicts of column values); with return_ids, their new ids in row order.

    Without return_ids the rows may come from a generator: they are written as they come, so on
    PostgreSQL the server stores the first rows while the caller still works out the next ones."""
    if return_ids:
        rows = list(rows)
        if not rows:
            return []
        if conn.dialect.name != "postgresql":
            return _sqlite_insert_with_ids(conn, table, rows)
        ids = allocate_ids(conn, table, len(rows))
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        _copy_insert(conn, table, rows[0], iter(rows[1:]), with_id=True)
        return ids
    bulk_insert_stream(conn, table, rows)
    return []


def bulk_insert_stream(conn: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Insert the rows (from a list or, streamed, a generator); returns how many there were."""
    rest = iter(rows)
    first = next(rest, None)
    if first is None:
        return 0
    if conn.dialect.name != "postgresql":
        return _executemany(conn, table, first, rest)
    return _copy_insert(conn, table, first, rest, with_id=False)


def refresh_planner_statistics(conn: Connection, tables: Iterable[str]) -> None:
    """Fresh statistics for the query planner after a bulk load (ANALYZE on the given tables).

    SQLite keeps none unless asked: without them it guessed, after a seeded region of 100,000
    persons, the function's index for "persons with this function" probed per person and took
    2.7 s for a Verteiler count that takes 12 ms with them. PostgreSQL's autovacuum would get
    there a minute later; the next list or count should not wait for it."""
    tables = list(tables)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit=2000")
        for table in tables:
            conn.exec_driver_sql(f'ANALYZE "{table}"')
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{table}"' for table in tables))

