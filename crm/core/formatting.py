"""Dates, times and phone numbers as German users read them, whatever the server locale."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date

BERLIN = ZoneInfo("Europe/Berlin")


def to_berlin(value: datetime) -> datetime:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BERLIN)


def local_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_berlin(value).strftime("%d.%m.%Y %H:%M")


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_berlin(value).date()
    return value.strftime("%d.%m.%Y")


def long_date(value: date | None) -> str:
    """'26. November 2026', as in German letters."""
    if value is None:
        return ""
    return format_date(value, "d. MMMM y", locale="de")


def normalise_phone(raw: str, region: str = "DE") -> str:
    """E.164-based international form ("+49 6022 1234"); raises ValueError if not a number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_phone(value: str | None) -> str:
    """German numbers in national form ("06022 1234"), others international."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 49 and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return value
