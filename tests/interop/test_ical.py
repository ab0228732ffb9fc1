"""iCalendar output read back as clients read it: with icalendar and with vobject (which builds the
zone from our own VTIMEZONE, as Outlook and Thunderbird do)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from crm.interop.ical import (
    FEED_REFRESH,
    CalendarEvent,
    CalendarPerson,
    berlin_timezone,
    calendar_cancel,
    calendar_publish,
    calendar_request,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
UID = "7f0c3a52-2f1e-4c9e-9a47-2b8b5d8b1c11@regionetz"
ORGANIZER = CalendarPerson("LAG Spessart – Geschäftsstelle", "buero@lag-spessart.de")
ATTENDEES = [
    CalendarPerson("Anna Heß", "hess0@example.org", required=True, partstat="ACCEPTED"),
    CalendarPerson("Bernd Döring", "doering1@example.org", required=True),
    CalendarPerson("Carla Vertreter1", "vertreter1@example.org", required=False, partstat="DECLINED"),
    CalendarPerson("Müller & Söhne, Inh. Jörg Müller", "mueller@example.org", required=False, partstat="bogus"),
]


def event(**values) -> CalendarEvent:
    data = dict(uid=UID, starts_at=datetime(2027, 3, 18, 17, 0, tzinfo=UTC),
                ends_at=datetime(2027, 3, 18, 19, 0, tzinfo=UTC), summary="Sitzung des LAG-Entscheidungsgremiums",
                location="Markt Kleinwallstadt, Marktplatz 1, 63839 Kleinwallstadt; Sitzungssaal",
                description="Tagesordnung:\n1. Begrüßung\n2. Förderantrag „Dorfladen Müller & Söhne“",
                url="https://crm.example.de/antwort/abc", sequence=0,
                dtstamp=datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    data.update(values)
    return CalendarEvent(**data)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def parse_both(data: bytes):
    cal = icalendar.Calendar.from_ical(data)
    vcal = vobject.readOne(data.decode("utf-8"))
    return cal, vcal


def only_event(cal):
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1
    return events[0]


def test_request_has_method_uid_sequence_and_attendees_in_both_parsers():
    data = calendar_request(event(), ATTENDEES, ORGANIZER)
    cal, vcal = parse_both(data)
    assert cal["METHOD"] == "REQUEST" and vcal.method.value == "REQUEST"
    ev = only_event(cal)
    assert str(ev["UID"]) == UID and vcal.vevent.uid.value == UID
    assert ev["SEQUENCE"] == 0 and vcal.vevent.sequence.value == "0"
    assert ev.decoded("DTSTAMP") == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    organizer = ev["ORGANIZER"]
    assert str(organizer) == "mailto:buero@lag-spessart.de" and organizer.params["CN"] == ORGANIZER.name
    attendees = ev["ATTENDEE"]
    assert [str(a) for a in attendees] == [f"mailto:{p.email}" for p in ATTENDEES]
    assert [a.params["ROLE"] for a in attendees] == ["REQ-PARTICIPANT", "REQ-PARTICIPANT", "OPT-PARTICIPANT",
                                                     "OPT-PARTICIPANT"]
    assert [a.params["PARTSTAT"] for a in attendees] == ["ACCEPTED", "NEEDS-ACTION", "DECLINED", "NEEDS-ACTION"]
    assert all(a.params["RSVP"] == "TRUE" for a in attendees)
    assert attendees[3].params["CN"] == "Müller & Söhne, Inh. Jörg Müller"
    v_attendees = vcal.vevent.contents["attendee"]
    assert [a.params["CN"][0] for a in v_attendees] == [p.name for p in ATTENDEES]
    assert str(ev["SUMMARY"]) == "Sitzung des LAG-Entscheidungsgremiums"
    assert str(ev["URL"]) == "https://crm.example.de/antwort/abc"
    assert vcal.vevent.location.value == "Markt Kleinwallstadt, Marktplatz 1, 63839 Kleinwallstadt; Sitzungssaal"
    assert vcal.vevent.description.value == "Tagesordnung:\n1. Begrüßung\n2. Förderantrag „Dorfladen Müller & Söhne“"


def test_times_carry_tzid_and_the_rrule_timezone_not_the_rdate_list():
    data = calendar_request(event(), ATTENDEES, ORGANIZER)
    text = data.decode()
    assert "DTSTART;TZID=Europe/Berlin:20270318T180000" in text
    assert "DTEND;TZID=Europe/Berlin:20270318T200000" in text
    assert "RDATE" not in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert text.count("BEGIN:VTIMEZONE") == 1
    cal, vcal = parse_both(data)
    tz = cal.walk("VTIMEZONE")[0]
    daylight, standard = tz.walk("DAYLIGHT")[0], tz.walk("STANDARD")[0]
    assert (daylight["TZOFFSETFROM"].td, daylight["TZOFFSETTO"].td) == (timedelta(hours=1), timedelta(hours=2))
    assert (standard["TZOFFSETFROM"].td, standard["TZOFFSETTO"].td) == (timedelta(hours=2), timedelta(hours=1))
    assert utc(vcal.vevent.dtstart.value) == datetime(2027, 3, 18, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("local, utc_expected, written", [
    # last Sunday of March 2027 (28th): 01:30 is still winter time, +01:00
    (datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN), datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
     "DTSTART;TZID=Europe/Berlin:20270328T013000"),
    # 03:30 the same morning is summer time, +02:00
    (datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN), datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
     "DTSTART;TZID=Europe/Berlin:20270328T033000"),
    # last Sunday of October 2027 (31st): the first 02:30 is summer time, +02:00
    (datetime(2027, 10, 31, 2, 30, fold=0, tzinfo=BERLIN), datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
     "DTSTART;TZID=Europe/Berlin:20271031T023000"),
    # the second 02:30 is winter time, +01:00: a TZID value would mean the first, so UTC is written
    (datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BERLIN), datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
     "DTSTART:20271031T013000Z"),
])
def test_dst_edges_keep_their_utc_instant_in_both_parsers(local, utc_expected, written):
    starts = local.astimezone(UTC)
    assert starts == utc_expected
    data = calendar_request(event(starts_at=starts, ends_at=starts + timedelta(hours=2)), ATTENDEES, ORGANIZER)
    assert written in data.decode()
    cal, vcal = parse_both(data)
    ev = only_event(cal)
    # (in UTC: Python compares datetimes of one zone by their wall time, and never calls a repeated
    # local time equal to an instant in another zone)
    assert utc(ev.decoded("DTSTART")) == utc_expected
    assert utc(ev.decoded("DTEND")) - utc(ev.decoded("DTSTART")) == timedelta(hours=2)
    # vobject resolves TZID with the VTIMEZONE of the file itself
    assert utc(vcal.vevent.dtstart.value) == utc_expected
    assert utc(vcal.vevent.dtend.value) == utc_expected + timedelta(hours=2)


def test_the_dst_change_inside_a_meeting_keeps_its_real_length():
    starts = datetime(2027, 3, 28, 1, 0, tzinfo=BERLIN)  # 01:00 CET
    ends = datetime(2027, 3, 28, 4, 0, tzinfo=BERLIN)  # 04:00 CEST: two real hours
    data = calendar_publish([event(starts_at=starts, ends_at=ends)])
    cal, vcal = parse_both(data)
    assert utc(vcal.vevent.dtend.value) - utc(vcal.vevent.dtstart.value) == timedelta(hours=2)
    assert utc(only_event(cal).decoded("DTEND")) - utc(only_event(cal).decoded("DTSTART")) == timedelta(hours=2)


def test_uid_is_the_callers_and_stays_with_updates_and_cancellation():
    first = only_event(icalendar.Calendar.from_ical(calendar_request(event(), ATTENDEES, ORGANIZER)))
    again = only_event(icalendar.Calendar.from_ical(calendar_request(event(), ATTENDEES, ORGANIZER)))
    update = only_event(icalendar.Calendar.from_ical(calendar_request(
        event(sequence=1, dtstamp=datetime(2027, 3, 5, 8, 0, tzinfo=UTC),
              starts_at=datetime(2027, 3, 18, 16, 0, tzinfo=UTC)), ATTENDEES, ORGANIZER)))
    cancel_cal = icalendar.Calendar.from_ical(calendar_cancel(event(sequence=2), ATTENDEES, ORGANIZER))
    cancel = only_event(cancel_cal)
    assert {str(e["UID"]) for e in (first, again, update, cancel)} == {UID}
    assert [e["SEQUENCE"] for e in (first, update, cancel)] == [0, 1, 2]
    assert update.decoded("DTSTAMP") > first.decoded("DTSTAMP")
    assert cancel_cal["METHOD"] == "CANCEL" and str(cancel["STATUS"]) == "CANCELLED"
    assert "RSVP" not in cancel["ATTENDEE"][0].params
    assert vobject.readOne(calendar_cancel(event(sequence=2), ATTENDEES, ORGANIZER).decode()).vevent.status.value \
        == "CANCELLED"
    with pytest.raises(ValueError):
        calendar_request(event(uid=""), ATTENDEES, ORGANIZER)


def test_umlauts_ampersand_and_special_characters_survive():
    summary = "Müller & Söhne; Vorstellung, „Dorfläden“ – Straße \\ Weg"
    data = calendar_request(event(summary=summary, location="Gasthof „Zur Post“, Große Straße 3"), ATTENDEES,
                            ORGANIZER)
    cal, vcal = parse_both(data)
    assert str(only_event(cal)["SUMMARY"]) == summary and vcal.vevent.summary.value == summary
    assert vcal.vevent.location.value == "Gasthof „Zur Post“, Große Straße 3"
    assert data.decode("utf-8")  # valid UTF-8 as a whole
    assert not data.startswith(b"\xef\xbb\xbf")


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    description = "Tagesordnung:\n" + "\n".join(
        f"{n}. Förderantrag der Gemeinde Großheubach für die Überdachung des Bürgerhauses (Müller & Söhne)"
        for n in range(1, 12))
    data = calendar_request(event(description=description), ATTENDEES, ORGANIZER)
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # each physical line is valid UTF-8 on its own
    cal, vcal = parse_both(data)
    assert str(only_event(cal)["DESCRIPTION"]) == description
    assert vcal.vevent.description.value == description


def test_publish_names_no_email_address_and_carries_feed_headers():
    events = [event(), event(uid="second@regionetz", summary="Arbeitskreis Tourismus",
                             starts_at=datetime(2027, 4, 20, 16, 0, tzinfo=UTC), ends_at=None, url="")]
    data = calendar_publish(events, name="LAG-Entscheidungsgremium", refresh=FEED_REFRESH)
    text = data.decode()
    assert "mailto:" not in text and "ATTENDEE" not in text and "ORGANIZER" not in text
    assert "@example.org" not in text and "@lag-spessart.de" not in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    cal, vcal = parse_both(data)
    assert cal["METHOD"] == "PUBLISH" and str(cal["X-WR-CALNAME"]) == "LAG-Entscheidungsgremium"
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [UID, "second@regionetz"]
    assert len(vcal.contents["vevent"]) == 2


def test_publish_without_events_is_a_valid_empty_calendar():
    data = calendar_publish([], name="Leer")
    cal, vcal = parse_both(data)
    assert cal.walk("VEVENT") == [] and "VTIMEZONE" not in data.decode()


def test_a_cancelled_meeting_in_a_feed_says_so():
    cal = icalendar.Calendar.from_ical(calendar_publish([event(status="CANCELLED", sequence=3)]))
    assert str(only_event(cal)["STATUS"]) == "CANCELLED" and only_event(cal)["SEQUENCE"] == 3


def test_timezone_component_matches_zoneinfo_for_a_decade():
    """Our RRULE zone gives the same offsets as the tz database on every change day 2026-2036."""
    vtz = vobject.readOne(calendar_publish([event()]).decode()).vtimezone.gettzinfo()
    for year in range(2026, 2037):
        for month, day in ((3, 31), (10, 31)):
            last_sunday = max(d for d in range(25, day + 1) if datetime(year, month, d).weekday() == 6)
            for hour in (0, 1, 3, 4):
                naive = datetime(year, month, last_sunday, hour, 30)
                assert naive.replace(tzinfo=vtz).utcoffset() == naive.replace(tzinfo=BERLIN).utcoffset(), naive
    assert berlin_timezone()["TZID"] == "Europe/Berlin"
