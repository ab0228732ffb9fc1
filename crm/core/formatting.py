"""Dates, times and phone numbers as German users read them, whatever the server locale."""
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date
from babel.numbers import format_decimal

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


def time_span(start: datetime | None, end: datetime | None = None) -> str:
    """'Donnerstag, 18. März 2027, 18:00–20:00 Uhr' in Berlin time (an end on another day gets its date)."""
    if start is None:
        return ""
    begin = to_berlin(start)
    text = format_date(begin.date(), "EEEE, d. MMMM y", locale="de") + ", " + begin.strftime("%H:%M")
    if end is not None:
        finish = to_berlin(end)
        if finish.date() == begin.date():
            text += "–" + finish.strftime("%H:%M")
        else:
            text += " Uhr bis " + format_date(finish.date(), "EEEE, d. MMMM y", locale="de") + ", " \
                + finish.strftime("%H:%M")
    return text + " Uhr"


def whole_number(value) -> str:
    """'1.234' (German thousands separator), for counts on pages."""
    if value is None:
        return ""
    return format_decimal(value, "#,##0", locale="de")


# German convention (DIN 5008): the extension follows the main number after a hyphen,
# "06022 38245-12". Only when area code and number are already apart (space, slash or a
# bracket), so that the older "06022-38245" still reads as one number.
_HYPHEN_EXTENSION = re.compile(r"^(?P<main>.*\d[\s/)]+\d[\d\s]*?)\s*-\s*(?P<ext>\d{1,5})$")


def hyphen_extension(raw: str) -> tuple[str, str] | None:
    """("06022 38245", "12") for "06022 38245-12", else None."""
    match = _HYPHEN_EXTENSION.match((raw or "").strip())
    return (match["main"], match["ext"]) if match else None


class ImpossibleNumber(ValueError):
    """Reads as a phone number, but no such number can exist (too short, unassigned range)."""


def parse_phone(raw: str, region: str = "DE") -> phonenumbers.PhoneNumber:
    """The number with its extension; ValueError if it is not a valid number."""
    raw = (raw or "").strip()
    number = None
    split = hyphen_extension(raw)
    if split is not None:
        try:
            main = phonenumbers.parse(split[0], region)
        except phonenumbers.NumberParseException:
            main = None
        if main is not None and phonenumbers.is_valid_number(main):
            main.extension = split[1]
            number = main
    if number is None:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException as exc:
            raise ValueError(str(exc)) from exc
    # is_possible only checks the length range; "0170 12" is possible but no mobile number exists like it.
    if not phonenumbers.is_valid_number(number):
        raise ImpossibleNumber("not a valid number")
    return number


def _with_extension(number: phonenumbers.PhoneNumber, style) -> str:
    extension = number.extension
    number = phonenumbers.PhoneNumber(country_code=number.country_code, national_number=number.national_number,
                                      italian_leading_zero=number.italian_leading_zero,
                                      number_of_leading_zeros=number.number_of_leading_zeros)
    text = phonenumbers.format_number(number, style)
    return f"{text}-{extension}" if extension else text


def normalise_phone(raw: str, region: str = "DE") -> str:
    """Stored form: international with the extension after a hyphen ("+49 6022 38245-12").

    Raises ValueError if the text is not a valid phone number.
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    return _with_extension(parse_phone(raw, region), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=65536)  # exports write the same office numbers many times
def display_phone(value: str | None) -> str:
    """How every page and export writes a number: German ones in national form with the
    extension after a hyphen ("06022 38245-12"), others international; anything unreadable as typed.
    """
    if not value:
        return ""
    try:
        number = parse_phone(value, "DE")
    except ValueError:
        return value
    if number.country_code == 49:
        return _with_extension(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return _with_extension(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
