"""German letter salutation (Briefanrede) and DIN 5008 address block.

Pure functions, no Flask and no database: callers build an :class:`Addressee`
from a person (and, when writing to the person at an organisation, from the
affiliation and organisation) and call

* :func:`display_name`      -> "Prof. Dr. Hans von Thurn jun."
* :func:`letter_salutation` -> "Sehr geehrter Herr Professor von Thurn,"
* :func:`address_block`     -> ["Gemeinde Beispiel", "Herrn Erster Bürgermeister", ...]

Rules (see the "German letters" section of the domain guide, domain.md):

Briefanrede, in this order
  1. a salutation override wins (a trailing comma is added when missing);
  2. informal address with a first name: "Liebe Anna," / "Lieber Hans," /
     "Hallo Kim," (diverse or unknown gender);
  3. female / male, formal:
       - an office title takes precedence over the name:
         "Sehr geehrte Frau Bürgermeisterin,", "Sehr geehrter Herr Landrat,";
       - otherwise a last name is needed; the highest title only, written out
         for professors ("Herr Professor Maier", "Frau Professorin Maier"),
         "Dr." once for any doctorate ("Dr. Dr.", "Dr. med.", "Dr.-Ing."),
         diploma / master / bachelor degrees never; the nobility particle
         stays as given ("Herr Freiherr von Thurn"); the name suffix never;
  4. diverse, formal: "Guten Tag Kim Bauer," (first name, nobility, last
     name; no degree, no office title);
  5. otherwise (unknown gender, no last name): "Sehr geehrte Damen und Herren,".

Address block (at most 6 lines, never an empty line)
  organisation, department, "Herrn"/"Frau" + the full function when the
  function carries an office title ("Frau Zweite Bürgermeisterin", while the
  Briefanrede uses the short office title: "Sehr geehrte Frau
  Bürgermeisterin,"), degree + name, street or "Postfach ...", postcode +
  city, country. Abroad the town and the country are written in capitals
  ("1012 AB AMSTERDAM", "NIEDERLANDE").
  Without an office title "Herrn"/"Frau" goes on the name line
  ("Herrn Dr. Max Meier"); for diverse or unknown gender it is left out.
  When there are too many lines, first the department is dropped, then the
  office-title line is merged into the name line ("Herrn Landrat Dr. Max Meier").

All text fields are tolerant of ``None``, surrounding / repeated whitespace and
decomposed umlauts (they are NFC-normalised).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Addressee", "display_name", "letter_salutation", "address_block", "street_line", "country_name",
           "clean_text", "form_of_address"]

MAX_ADDRESS_LINES = 6
# org + merged office/name line + street + city + country: the least any address can need
_MIN_ADDRESS_LINES = 5

DEAR_SIR_OR_MADAM = "Sehr geehrte Damen und Herren,"

_PROFESSOR_RE = re.compile(r"(?<![^\W\d_])prof(?:\.|essor)", re.IGNORECASE)
_DOCTOR_RE = re.compile(r"(?<![^\W\d_])(?:dr(?=[.\-\s]|$)|doktor)", re.IGNORECASE)
_LEADING_FORM_OF_ADDRESS_RE = re.compile(r"^(?:herrn?|frau)\s+", re.IGNORECASE)
_PO_BOX_PREFIX_RE = re.compile(r"^postfach\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Addressee:
    gender: str = "unknown"        # "female" | "male" | "diverse" | "unknown"
    degree: str = ""               # academic degree as written: "Dr.", "Prof. Dr.", "Dipl.-Ing.", ...
    nobility: str = ""             # nobility particle, e.g. "von", "von und zu", "Freiherr von"
    first_name: str = ""
    last_name: str = ""
    name_suffix: str = ""          # e.g. "jun.", "sen."
    formal: bool = True            # False = informal (Du)
    salutation_override: str = ""  # if set, letter_salutation returns exactly this (+ trailing comma)
    office_title: str = ""         # already gendered: "Bürgermeisterin", "Landrat"; empty if none
    function: str = ""             # the full gendered function for the address line:
                                   # "Zweite Bürgermeisterin" (office_title "Bürgermeisterin")
    organisation: str = ""         # set when writing to the person at an organisation
    department: str = ""
    street: str = ""               # street and number
    po_box: str = ""               # "12 34"; used when there is no street
    postcode: str = ""             # keep as string (leading zeros)
    city: str = ""
    country: str = "DE"            # ISO 3166 alpha-2; country line only when not DE


# ---------------------------------------------------------------- helpers

def clean_text(value: object) -> str:
    """NFC-normalised text with single spaces and no surrounding whitespace."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _join(*parts: str) -> str:
    return " ".join(p for p in (clean_text(p) for p in parts) if p)


def _gender(a: Addressee) -> str:
    g = clean_text(a.gender).lower()
    return g if g in ("female", "male", "diverse") else "unknown"


def _office_title(a: Addressee) -> str:
    """Office title without a leading "Herr"/"Herrn"/"Frau" typed by the user."""
    return _LEADING_FORM_OF_ADDRESS_RE.sub("", clean_text(a.office_title))


def _address_title(a: Addressee) -> str:
    """The title on the address line: the full function where the office is addressed by title."""
    office = _office_title(a)
    if not office:
        return ""
    return _LEADING_FORM_OF_ADDRESS_RE.sub("", clean_text(a.function)) or office


def _salutation_title(degree: str, gender: str) -> str:
    """The one title used in the Briefanrede: professor written out, else "Dr.", else nothing."""
    if _PROFESSOR_RE.search(degree):
        return "Professorin" if gender == "female" else "Professor"
    if _DOCTOR_RE.search(degree):
        return "Dr."
    return ""  # diploma, master, bachelor ... never appear in the salutation


@lru_cache(maxsize=1)
def _german_territories() -> dict[str, str]:
    from babel import Locale

    return dict(Locale("de").territories)


def country_name(country: object) -> str:
    """The country in German ("Niederlande") for an ISO code; empty for Germany."""
    code = clean_text(country).upper()
    if not code or code == "DE":
        return ""
    name = _german_territories().get(code, code) if len(code) == 2 else clean_text(country)
    return "" if name.upper() == "DEUTSCHLAND" else name


def _country_line(country: object) -> str:
    return country_name(country).upper()


def street_line(a: Addressee) -> str:
    """The street and number, or "Postfach 12 34" when there is no street."""
    street = clean_text(a.street)
    if street:
        return street
    po_box = _PO_BOX_PREFIX_RE.sub("", clean_text(a.po_box))
    return f"Postfach {po_box}" if po_box else ""


# ---------------------------------------------------------------- public API

def form_of_address(a: Addressee) -> str:
    """"Herr" or "Frau" (the Anrede of a Serienbrief); empty for diverse or unknown gender."""
    return {"female": "Frau", "male": "Herr"}.get(_gender(a), "")


def display_name(a: Addressee) -> str:
    """Degree, first name, nobility, last name, suffix: "Prof. Dr. Hans von Thurn jun."."""
    return _join(a.degree, a.first_name, a.nobility, a.last_name, a.name_suffix)


def letter_salutation(a: Addressee) -> str:
    """The Briefanrede including its trailing comma."""
    override = clean_text(a.salutation_override)
    if override:
        return override if override.endswith(",") else override + ","

    gender = _gender(a)
    first = clean_text(a.first_name)
    last = clean_text(a.last_name)
    informal = a.formal is not None and not a.formal

    if informal and first:
        if gender == "female":
            return f"Liebe {first},"
        if gender == "male":
            return f"Lieber {first},"
        return f"Hallo {first},"

    if gender in ("female", "male"):
        dear = "Sehr geehrte Frau" if gender == "female" else "Sehr geehrter Herr"
        office = _office_title(a)
        if office:
            return f"{dear} {office},"
        if not last:
            return DEAR_SIR_OR_MADAM
        title = _salutation_title(clean_text(a.degree), gender)
        return _join(dear, title, a.nobility, last) + ","

    if gender == "diverse" and last:
        return _join("Guten Tag", first, a.nobility, last) + ","

    return DEAR_SIR_OR_MADAM


def address_block(a: Addressee, *, max_lines: int = MAX_ADDRESS_LINES) -> list[str]:
    """DIN 5008 address lines (at most ``max_lines``, default 6; no empty lines).

    ``max_lines`` may be lowered (not below 5) when fewer lines are available;
    when the address does not fit, the department is dropped first, then the
    office-title line is merged into the name line.
    """
    if max_lines < _MIN_ADDRESS_LINES:
        raise ValueError(f"an address block needs at least {_MIN_ADDRESS_LINES} lines")

    gender = _gender(a)
    form = {"female": "Frau", "male": "Herrn"}.get(gender, "")
    office = _address_title(a)
    has_name = bool(clean_text(a.first_name) or clean_text(a.last_name))
    name = display_name(a) if has_name else ""

    if office:
        office_line = _join(form, office)
        name_line = name
    else:
        office_line = ""
        name_line = _join(form, name) if name else ""

    organisation = clean_text(a.organisation)
    department = clean_text(a.department)
    country = _country_line(a.country)
    town = _join(a.postcode, a.city)
    tail = [street_line(a), town.upper() if country else town, country]

    def build() -> list[str]:
        lines = [organisation, department, office_line, name_line, *tail]
        return [line for line in lines if line]

    lines = build()
    if len(lines) > max_lines:
        department = ""
        lines = build()
    if len(lines) > max_lines and office_line and name_line:
        office_line, name_line = "", _join(office_line, name_line)
        lines = build()
    return lines
