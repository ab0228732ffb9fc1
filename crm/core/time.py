"""The region's clock: `today()` and `now()` in the region's time zone, never the server's.

A server running in UTC would otherwise start Berlin's new day at 01:00 or 02:00 local time
(tasks "due today", current functions and seats, default dates in forms). The zone comes from
the config key TIMEZONE (default Europe/Berlin). `utcnow` is the one clock; tests replace it.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Berlin"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def region_zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current time in the region (aware)."""
    return utcnow().astimezone(region_zone())


def today() -> date:
    """The region's date, e.g. 2 December from 23:00 UTC on 1 December in winter."""
    return now().date()
