"""One timeline for person, organisation and project pages, newest first.

Each part adds what it knows with one decorated function, e.g. in crm/<part>/timeline.py or
its views module:

    @timeline_source("person")
    def seats_of(person):
        return [TimelineEntry(when=seat.valid_from, kind="seat", label=_("Seat"), title=...), ...]
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Callable, Iterable

from crm.core.formatting import BERLIN


@dataclass
class TimelineEntry:
    when: datetime | date
    kind: str  # machine key: "interaction", "task", "function", "seat", "change" ...
    label: str  # what it is, translated ("Telefonat", "Funktion beendet")
    title: str
    detail: str = ""
    url: str | None = None
    open: bool = False  # e.g. an open task: highlighted

    @property
    def sort_key(self) -> datetime:
        when = self.when
        if not isinstance(when, datetime):  # a plain date counts as noon in Berlin
            when = datetime.combine(when, time(12, 0), tzinfo=BERLIN)
        elif when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime)


SOURCES: dict[str, list[Callable]] = {}


def timeline_source(record_type: str):
    def register(func: Callable[[object], Iterable[TimelineEntry]]):
        SOURCES.setdefault(record_type, [])
        if func.__qualname__ not in {f.__qualname__ for f in SOURCES[record_type]}:
            SOURCES[record_type].append(func)
        return func

    return register


def timeline_for(record_type: str, record, limit: int = 50) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for source in SOURCES.get(record_type, []):
        entries.extend(source(record))
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries[:limit]
