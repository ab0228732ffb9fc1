"""iCalendar files for meetings: invitations (METHOD:REQUEST), cancellations (METHOD:CANCEL) and
downloads and feeds (METHOD:PUBLISH). Pure format code: plain dataclasses in, bytes out (no Flask,
no database).

What real clients need (see docs interop.md):

* a stable UID from the caller (icalendar 7 invents a random one otherwise), SEQUENCE + 1 with
  every change sent, a fresh DTSTAMP;
* every TZID with its VTIMEZONE, written in the RRULE form (last Sunday of March / October).
  Outlook misreads the RDATE list that icalendar's ``add_missing_timezones()`` writes for
  Europe/Berlin and shows the meeting an hour off;
* a local time that happens twice (02:00-02:59 on the last Sunday of October) means its first
  occurrence in a TZID value (RFC 5545, 3.3.5). A meeting in the second one is written in UTC,
  so that no client moves it by an hour;
* REQUEST and CANCEL carry ORGANIZER and one ATTENDEE per invitee (CN, ROLE, PARTSTAT, RSVP);
  PUBLISH (downloads, subscribed feeds) never carries an e-mail address.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vDuration, vText

ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
PRODID = "-//RegioNetz//Termine//DE"
FEED_REFRESH = timedelta(hours=1)

PARTSTATS = frozenset({"NEEDS-ACTION", "ACCEPTED", "TENTATIVE", "DECLINED", "DELEGATED"})


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting as the calendar file shows it. Times are aware datetimes (any zone)."""

    uid: str
    starts_at: datetime
    ends_at: datetime | None = None
    summary: str = ""
    location: str = ""
    description: str = ""  # the agenda, plain text with line breaks
    url: str = ""
    sequence: int = 0
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE, CANCELLED
    dtstamp: datetime | None = None  # when this version was written (default: now)


@dataclass(frozen=True)
class CalendarPerson:
    """The organiser, or an attendee: `required` for voting members (REQ-PARTICIPANT), else
    OPT-PARTICIPANT (deputies, guests); `partstat` as in RFC 5545 (see Invitee.partstat)."""

    name: str
    email: str
    required: bool = True
    partstat: str = "NEEDS-ACTION"


def calendar_request(event: CalendarEvent, attendees: Sequence[CalendarPerson], organizer: CalendarPerson) -> bytes:
    """An invitation or an update e-mailed to the attendees (METHOD:REQUEST)."""
    return _calendar("REQUEST", [_event(event, attendees, organizer, rsvp=True)])


def calendar_cancel(event: CalendarEvent, attendees: Sequence[CalendarPerson], organizer: CalendarPerson) -> bytes:
    """The cancellation of a meeting (METHOD:CANCEL, STATUS:CANCELLED); same UID, a higher SEQUENCE."""
    cancelled = CalendarEvent(**{**event.__dict__, "status": "CANCELLED"})
    return _calendar("CANCEL", [_event(cancelled, attendees, organizer, rsvp=False)])


def calendar_publish(events: Iterable[CalendarEvent], name: str = "", refresh: timedelta | None = None) -> bytes:
    """A download or a subscribed feed (METHOD:PUBLISH): no organiser, no attendees, no e-mail address.

    `name` becomes X-WR-CALNAME; `refresh` (feeds) REFRESH-INTERVAL and X-PUBLISHED-TTL."""
    extra = {}
    if name:
        extra["X-WR-CALNAME"] = vText(_clean(name))
    if refresh is not None:
        extra["REFRESH-INTERVAL"] = refresh
        extra["X-PUBLISHED-TTL"] = refresh
    return _calendar("PUBLISH", [_event(e, (), None, rsvp=False) for e in events], extra)


# ---------------------------------------------------------------- building


def berlin_timezone() -> Timezone:
    """VTIMEZONE for Europe/Berlin in the RRULE form every client reads (since 1996 unchanged)."""
    tz = Timezone()
    tz.add("TZID", ZONE_NAME)
    tz.add("X-LIC-LOCATION", ZONE_NAME)
    summer = TimezoneDaylight()
    summer.add("TZNAME", "CEST")
    summer.add("TZOFFSETFROM", timedelta(hours=1))
    summer.add("TZOFFSETTO", timedelta(hours=2))
    summer.add("DTSTART", datetime(1970, 3, 29, 2, 0, 0))
    summer.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    winter = TimezoneStandard()
    winter.add("TZNAME", "CET")
    winter.add("TZOFFSETFROM", timedelta(hours=2))
    winter.add("TZOFFSETTO", timedelta(hours=1))
    winter.add("DTSTART", datetime(1970, 10, 25, 3, 0, 0))
    winter.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def _calendar(method: str, events: list[Event], extra: dict | None = None) -> bytes:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", method)
    for key, value in (extra or {}).items():
        if isinstance(value, timedelta):
            # X- properties have no known type: give the duration its own (PT1H, not "1:00:00")
            cal.add(key, vDuration(value), parameters={"VALUE": "DURATION"} if key == "REFRESH-INTERVAL" else None)
        else:
            cal.add(key, value)
    if any(_uses_zone(e) for e in events):
        cal.add_component(berlin_timezone())
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def _uses_zone(event: Event) -> bool:
    return any(getattr(event.get(key), "params", {}).get("TZID") == ZONE_NAME for key in ("DTSTART", "DTEND"))


def _event(data: CalendarEvent, attendees: Sequence[CalendarPerson], organizer: CalendarPerson | None,
           *, rsvp: bool) -> Event:
    if not data.uid:
        raise ValueError("a calendar event needs a stable UID")
    event = Event()
    event.add("UID", data.uid)
    event.add("SEQUENCE", max(0, int(data.sequence)))
    event.add("DTSTAMP", _utc(data.dtstamp or datetime.now(timezone.utc)))
    _add_time(event, "DTSTART", data.starts_at)
    if data.ends_at is not None:
        _add_time(event, "DTEND", data.ends_at)
    event.add("SUMMARY", _clean(data.summary))
    if data.location:
        event.add("LOCATION", _clean(data.location))
    if data.description:
        event.add("DESCRIPTION", _clean(data.description, multiline=True))
    if data.url:
        event.add("URL", data.url)
    event.add("STATUS", data.status)
    event.add("TRANSP", "OPAQUE")
    if organizer is not None:
        event.add("ORGANIZER", _address(organizer, {}))
    for person in attendees:
        params = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT" if person.required else "OPT-PARTICIPANT",
                  "PARTSTAT": person.partstat if person.partstat in PARTSTATS else "NEEDS-ACTION"}
        if rsvp:
            params["RSVP"] = "TRUE"
        event.add("ATTENDEE", _address(person, params))
    return event


def _address(person: CalendarPerson, params: dict) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email.strip()}")
    name = _clean(person.name).replace('"', "'")
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def _add_time(event: Event, key: str, value: datetime) -> None:
    """Local Berlin time with TZID; in UTC where the local time is the second of two (October)."""
    local = _utc(value).astimezone(ZONE)
    if local.fold:
        event.add(key, _utc(value))
    else:
        event.add(key, local.replace(tzinfo=ZONE))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _clean(text: str, multiline: bool = False) -> str:
    """The text with line ends as LF (one line unless `multiline`) and no control characters; icalendar
    escapes commas, semicolons, backslashes and line breaks itself."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    return "".join(ch for ch in text if ch == "\n" or ch == "\t" or ord(ch) >= 32).strip()
