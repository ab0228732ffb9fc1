"""One timeline for person, organisation and project pages, newest first.

Each part adds what it knows with a function that returns TimelineEntry objects, declared in
its crm/<part>/__init__.py:

    registry.timeline_source("person", timeline.seats_taken_and_ended)
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from crm.core.formatting import BERLIN
from crm.core.registry import current_registry


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


def timeline_for(record_type: str, record, limit: int = 50) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for source in current_registry().timeline_sources.get(record_type, []):
        entries.extend(source(record))
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries[:limit]
