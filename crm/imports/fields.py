"""What an imported row can hold, how German column headers map onto it, and how a row
becomes one validated contact record (a vCard: crm/interop/vcard_records.py).

No database here: records are plain dicts that the preview stores as JSON. Messages are
English msgids marked with N_ and translated when shown, so a preview can be looked at in
either language.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from crm.interop.dedupe import fold
from crm.interop.records import (
    DEGREE_RE,
    GENDER_VALUES,
    SALUTATIONS,
    country_code_of,
    empty_record,
    header_key,
    split_full_name,
    split_nobility,
)


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated where it is shown."""
    return message


# target key -> label; the order is the order of the mapping drop-down
TARGETS = {
    "salutation": _l("Salutation (Herr/Frau)"),
    "gender": _l("Gender"),
    "degree": _l("Academic degree"),
    "first_name": _l("First name"),
    "nobility": _l("Nobility particle"),
    "last_name": _l("Last name"),
    "name_suffix": _l("Name suffix"),
    "full_name": _l("Full name (first and last name in one column)"),
    "salutation_override": _l("Own salutation line"),
    "organisation": _l("Organisation"),
    "department": _l("Department"),
    "function": _l("Function"),
    "street": _l("Street and number"),
    "house_number": _l("House number"),
    "postcode": _l("Postcode"),
    "city": _l("City"),
    "municipality": _l("Municipality"),
    "country": _l("Country"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "mobile": _l("Mobile"),
    "fax": _l("Fax"),
    "private_email": _l("E-mail (private)"),
    "private_phone": _l("Phone (private)"),
    "private_mobile": _l("Mobile (private)"),
    "private_street": _l("Street (private)"),
    "private_postcode": _l("Postcode (private)"),
    "private_city": _l("City (private)"),
    "website": _l("Website"),
    "fields_of_action": _l("Field of action"),
    "target_groups": _l("Target group"),
    "tags": _l("Tag"),
    "notes": _l("Notes"),
    "record_id": _l("RegioNetz ID (from an export)"),
}
LIST_TARGETS = {"fields_of_action", "target_groups", "tags"}

# Folded header (letters and digits only) -> target. Real lists use many spellings.
_HEADER_SYNONYMS = {
    "salutation": ["anrede", "anredeform", "salutation", "herrfrau", "title mr mrs", "salutation herr frau",
                   "anrede herr frau"],
    "gender": ["geschlecht", "gender", "sex"],
    "degree": ["titel", "academic degree", "akademischer grad", "akadgrad", "akad grad", "grad", "akademischer titel", "doktortitel"],
    "first_name": ["vorname", "vornamen", "vname", "first name", "firstname", "given name", "rufname"],
    "nobility": ["nobility particle", "adelspradikat", "adelstitel", "namensvorsatz", "vorsatzwort", "namenszusatz vorn"],
    "last_name": ["nachname", "name", "familienname", "zuname", "last name", "lastname", "surname", "family name"],
    "name_suffix": ["namenszusatz", "suffix", "name suffix"],
    "full_name": ["vollstandiger name", "name vollstandig", "vor und nachname", "vorname nachname", "ansprechpartner",
                  "kontaktperson", "full name", "anzeigename", "display name"],
    "salutation_override": ["briefanrede", "anrede brief", "anredezeile", "personliche anrede", "letter salutation",
                            "own salutation line", "eigene anrede"],
    "organisation": ["organisation", "organisation firma", "firma", "institution", "verein", "behorde", "unternehmen",
                     "einrichtung", "arbeitgeber", "company", "organization", "firmenname", "verband", "kommune",
                     "korperschaft", "dienststelle"],
    "department": ["abteilung", "referat", "bereich", "sachgebiet", "fachbereich", "department"],
    "function": ["funktion", "function", "position", "amt", "rolle", "stellung", "job title", "jobtitel", "berufsbezeichnung",
                 "funktion amt", "amtsbezeichnung"],
    "street": ["strasse", "str", "street and number", "strasse und hausnummer", "strasse hausnummer", "strasse nr", "anschrift", "adresse",
               "street", "address", "strasse hausnr"],
    "house_number": ["hausnummer", "hausnr", "nr", "hnr", "house number"],
    "postcode": ["plz", "postleitzahl", "zip", "postcode", "postal code", "zip code"],
    "city": ["ort", "stadt", "wohnort", "city", "ortschaft", "plz ort"],
    "municipality": ["gemeinde", "markt gemeinde", "gemeinde stadt", "municipality"],
    "country": ["land", "staat", "country", "lander"],
    "email": ["e mail", "email", "mail", "e mail adresse", "emailadresse", "e mail dienstlich", "email dienstlich",
              "mail dienstlich", "e mail geschaftlich", "e mail address", "email address"],
    "private_email": ["e mail privat", "email privat", "mail privat", "private e mail", "e mail private"],
    "phone": ["telefon", "tel", "telefonnummer", "telefon dienstlich", "tel dienstlich", "telefon geschaftlich", "phone",
              "festnetz", "rufnummer", "telefon buro"],
    "private_phone": ["telefon privat", "tel privat", "private phone", "phone private"],
    "private_mobile": ["mobil privat", "handy privat", "mobile private", "mobiltelefon privat"],
    "private_street": ["strasse privat", "strasse und hausnummer privat", "street private", "privatanschrift",
                       "privatadresse"],
    "private_postcode": ["plz privat", "postleitzahl privat", "postcode private"],
    "private_city": ["ort privat", "wohnort privat", "city private"],
    "record_id": ["id", "regionetz id", "kontakt id", "regionetz id from an export"],
    "mobile": ["mobil", "handy", "mobiltelefon", "mobilnummer", "mobile", "mobilfunk", "handynummer", "mobil dienstlich"],
    "fax": ["fax", "telefax", "faxnummer"],
    "website": ["internet", "homepage", "webseite", "website", "www", "url", "internetseite"],
    "fields_of_action": ["handlungsfeld", "handlungsfelder", "field of action", "fields of action", "themenfeld"],
    "target_groups": ["zielgruppe", "zielgruppen", "target group", "target groups"],
    "tags": ["schlagwort", "schlagworte", "schlagworter", "stichwort", "stichworte", "tags", "tag", "kategorie",
             "kategorien", "verteiler", "gruppe", "gruppen"],
    "notes": ["bemerkung", "bemerkungen", "notiz", "notizen", "anmerkung", "anmerkungen", "kommentar", "hinweis",
              "hinweise", "notes", "note", "info"],
}


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    table = {}
    for target, names in _HEADER_SYNONYMS.items():
        for name in names:
            table[header_key(name)] = target
    return table


def suggest_mapping(header: list[str]) -> dict[int, str]:
    """Column index -> target for the headers we recognise; each target used once."""
    synonyms = _synonyms()
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for index, name in enumerate(header):
        key = header_key(name)
        target = synonyms.get(key) or synonyms.get(key.replace(" ", ""))
        if target is None:
            # "E-Mail 1", "Telefon (dienstlich)", "PLZ/Ort" ...
            stripped = re.sub(r"\s*\d+$", "", key)
            target = synonyms.get(stripped)
        if target and (target not in used or target in LIST_TARGETS or target == "notes"):
            mapping[index] = target
            used.add(target)
    return mapping


# ----------------------------------------------------------------------------- values

_LIST_SEPARATORS = re.compile(r"[,;|\n]")


def split_list(value: str) -> list[str]:
    seen, items = set(), []
    for part in _LIST_SEPARATORS.split(value or ""):
        part = " ".join(part.split())[:120]
        if part and part.lower() not in seen:
            seen.add(part.lower())
            items.append(part)
    return items


_SIMPLE_EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                           r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                           r"\.[A-Za-z]{2,}$")


def valid_email(value: str) -> bool:
    if _SIMPLE_EMAIL.match(value):  # fast path for the usual addresses
        return True
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_NON_DIGITS = re.compile(r"\D")
_LETTERS = re.compile(r"[A-Za-z]")
_FOUR_DIGITS = re.compile(r"\d{4}")
_FIVE_DIGITS = re.compile(r"\d{5}")
_WEB = re.compile(r"^https?://", re.I)
# (first six national digits, length) -> digit groups of the international form, or None when
# the number is not possible. German numbers of one area format alike; phonenumbers costs
# ~70 µs a number, which matters for 100,000 rows.
_GERMAN_GROUPS: dict[tuple[str, int], tuple[int, ...] | None] = {}


def _german_national(value: str) -> str | None:
    """National significant digits of a German number, or None if it is not written as one."""
    digits = _NON_DIGITS.sub("", value)
    if value.startswith("+"):
        if not digits.startswith("49"):
            return None
        digits = digits[2:]
    elif digits.startswith("00"):
        if not digits.startswith("0049"):
            return None
        digits = digits[4:]
    if digits.startswith("0"):
        digits = digits[1:]
    return digits or None


def clean_phone(value: str, region: str = "DE") -> tuple[str, bool]:
    """(stored value, recognised): the international form if the number is possible, else as typed."""
    from crm.core.formatting import hyphen_extension, normalise_phone

    value = " ".join((value or "").split())
    if not value:
        return "", True
    if not value.startswith(("+", "0", "(0")):
        # no country code and no leading 0: not a German number as Germans write them
        # ("905-555-1234" from a US card); kept exactly as written
        return value, False
    # Letters ("ext. 12") and a hyphenated extension ("06022 38245-12") go the long way, keeping the extension.
    plain = not _LETTERS.search(value) and hyphen_extension(value) is None
    national = _german_national(value) if region == "DE" and plain else None
    key = (national[:6], len(national)) if national else None
    if key is not None and key in _GERMAN_GROUPS:
        groups = _GERMAN_GROUPS[key]
        if groups is None:
            return value, False
        parts, start = [], 0
        for size in groups:
            parts.append(national[start : start + size])
            start += size
        return "+49 " + " ".join(parts), True
    try:
        result = normalise_phone(value, region)
    except ValueError:
        if key is not None:
            _GERMAN_GROUPS[key] = None
        return value, False
    if key is not None and result.startswith("+49 ") and result[4:].replace(" ", "") == national:
        _GERMAN_GROUPS[key] = tuple(len(part) for part in result[4:].split(" "))
    return result, True


# ----------------------------------------------------------------------------- records

MAX_LENGTHS = {
    "degree": 60, "first_name": 100, "nobility": 40, "last_name": 100, "name_suffix": 40, "salutation_override": 200,
    "organisation": 200, "department": 120, "function": 120, "street": 200, "postcode": 10, "city": 100,
    "email": 254, "phone": 40, "mobile": 40, "fax": 40, "private_email": 254, "private_phone": 40,
    "private_mobile": 40, "private_street": 200, "private_postcode": 10, "private_city": 100, "website": 300,
}


def compact_record(record: dict) -> dict:
    """The record without its empty values, as stored in the preview (a third of the size)."""
    return {k: v for k, v in record.items() if v not in ("", None, [], {})}


_EMPTY = None


_LIST_KEYS = ("tags", "fields_of_action", "target_groups", "extras", "more_affiliations")


def full_record(data: dict) -> dict:
    """A stored (compact) record with every key again (lists of its own, never shared)."""
    global _EMPTY
    if _EMPTY is None:
        _EMPTY = empty_record()
    data = data or {}
    record = _EMPTY.copy()
    record.update(data)
    for key in _LIST_KEYS:
        if key not in data:
            record[key] = []
    return record


@lru_cache(maxsize=64)
def _columns_by_target(mapping: tuple[tuple[int, str], ...]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """(target, column indexes) in the mapping's order: worked out once per mapping, not per row."""
    by_target: dict[str, list[int]] = {}
    for index, target in mapping:
        if target:
            by_target.setdefault(target, []).append(index)
    return tuple((target, tuple(indexes)) for target, indexes in by_target.items())


_SINGLE_KEYS = ("degree", "first_name", "nobility", "last_name", "name_suffix", "salutation_override",
                "organisation", "department", "function", "postcode", "city", "email", "phone", "mobile", "fax",
                "private_email", "private_phone", "private_mobile", "private_street", "private_postcode",
                "private_city", "website")


def record_from_row(row: list[str], mapping: dict[int, str]) -> dict:
    """One table row, mapped column by column, as a contact record (not validated yet)."""
    record = full_record({})
    parts: dict[str, list[str]] = {}
    size = len(row)
    for target, indexes in _columns_by_target(tuple(mapping.items())):
        values = []
        for index in indexes:
            if index < size:
                value = (row[index] or "").strip()
                if value:
                    values.append(value)
        if values:
            parts[target] = values

    def one(target: str) -> str:
        return " ".join(parts.get(target, []))

    if "full_name" in parts:
        split = split_full_name(one("full_name"))
        for key, value in split.items():
            if value:
                record[key] = value
    for key in _SINGLE_KEYS:
        if key in parts:
            record[key] = " ".join(parts[key])
    if "salutation" in parts:
        salutation = one("salutation")
        words = salutation.replace(".", ". ").split()
        first = words[0].rstrip(".").lower() if words else ""
        if first in SALUTATIONS:
            record["gender"] = SALUTATIONS[first]
            rest = " ".join(words[1:])
            if rest and not record["degree"] and DEGREE_RE.match(rest + " "):
                record["degree"] = rest
    if "gender" in parts:
        record["gender"] = GENDER_VALUES.get(header_key(one("gender")), record["gender"] or "")
    if record["last_name"] and not record["nobility"]:
        record["nobility"], record["last_name"] = split_nobility(record["last_name"])
    street = one("street")
    if "house_number" in parts:
        street = f"{street} {one('house_number')}".strip()
    record["street"] = street
    if not record["city"] and "municipality" in parts:
        record["city"] = one("municipality")
    if "country" in parts:
        record["country"] = one("country")
    for key in LIST_TARGETS:
        for value in parts.get(key, []):
            for item in split_list(value):
                if item.lower() not in (x.lower() for x in record[key]):
                    record[key].append(item)
    if "notes" in parts:
        record["notes"] = "\n".join(parts["notes"])
    if "record_id" in parts and one("record_id").isdigit():
        record["record_id"] = int(one("record_id"))
    return record


def validate_record(record: dict, *, lenient: bool = False, region: str = "DE") -> tuple[list, list]:
    """Clean the record in place; returns (errors, warnings) as [field, msgid, params].

    lenient=True (vCards): values that do not fit are kept as further contact details with a
    warning instead of blocking the row.
    """
    errors: list = []
    warnings: list = []

    def err(field, msgid, **params):
        (warnings if lenient else errors).append([field, msgid, params])

    for key, value in record.items():
        if value and value.__class__ is str:
            record[key] = value.strip() if key in ("notes", "expertise_note") else " ".join(value.split())
    if not record["last_name"] and not record["first_name"] and not record["organisation"]:
        errors.append(["last_name", N_("The row has neither a name nor an organisation."), {}])
    elif not record["last_name"] and record["first_name"]:
        # a single name goes into the last name, where the person list shows it
        record["last_name"], record["first_name"] = record["first_name"], ""
    for key in ("email", "private_email"):
        value = record[key]
        if value and not valid_email(value):
            if lenient:
                record["extras"].append(["email", "", value])
                record[key] = ""
            err(key, N_("“%(value)s” is not a valid e-mail address."), value=value)
    for key in ("phone", "mobile", "fax", "private_phone", "private_mobile"):
        if not record[key]:
            continue
        value, ok = clean_phone(record[key], region)
        record[key] = value
        if value and not ok and not lenient:  # address books hold all sorts of numbers: kept, no note
            warnings.append([key, N_("“%(value)s” does not look like a phone number; it is kept as written."),
                             {"value": value}])
    for prefix in ("", "private_"):
        country_key = prefix + "country"
        raw_country = record.get(country_key, "")
        if not raw_country and not record[prefix + "postcode"]:
            continue
        code = country_code_of(raw_country)
        if code is None:
            warnings.append([country_key, N_("Country “%(value)s” not recognised; the address is kept as a note."),
                             {"value": raw_country}])
            line = ", ".join(p for p in (record[prefix + "street"], record[prefix + "postcode"],
                                         record[prefix + "city"], raw_country) if p)
            record["extras"].append(["address", "", line])
            code = ""
        record[country_key] = code
        postcode = record[prefix + "postcode"]
        if postcode and (code or "DE") == "DE":
            digits = postcode.replace(" ", "")
            if _FOUR_DIGITS.fullmatch(digits):
                record[prefix + "postcode"] = "0" + digits  # Excel drops the leading zero of 01067
                warnings.append([prefix + "postcode", N_("Postcode %(value)s completed to %(fixed)s."),
                                 {"value": postcode, "fixed": "0" + digits}])
            elif not _FIVE_DIGITS.fullmatch(digits):
                warnings.append([prefix + "postcode", N_("“%(value)s” is not a German postcode."),
                                 {"value": postcode}])
    if record["salutation_override"] and record["salutation_override"] == computed_salutation(record):
        record["salutation_override"] = ""  # an exported, computed salutation is no override
    if record["website"] and not _WEB.match(record["website"]):
        record["website"] = "https://" + record["website"]
    for key, limit in MAX_LENGTHS.items():
        value = record.get(key)
        if value and len(value) > limit:
            if lenient:
                record["extras"].append([key, "", value])
                record[key] = ""
                warnings.append([key, N_("“%(value)s” is too long; it is kept as a further contact detail."),
                                 {"value": value[:60]}])
            else:
                errors.append([key, N_("Too long: at most %(max)s characters."), {"max": limit}])
    return errors, warnings


def computed_salutation(record: dict) -> str:
    from crm.contacts.salutation import Addressee, letter_salutation

    return letter_salutation(Addressee(gender=record["gender"] or "unknown", degree=record["degree"],
                                       nobility=record["nobility"], first_name=record["first_name"],
                                       last_name=record["last_name"], name_suffix=record["name_suffix"]))


def record_is_organisation(record: dict) -> bool:
    """A row with an organisation but no person name imports an organisation."""
    return not record["last_name"] and not record["first_name"] and bool(record["organisation"])


# ----------------------------------------------------------------------------- organisations

# Legal forms say what kind of organisation it is, not which one: "Ritter-Software GmbH & Co. KG",
# "Ritter Software GmbH & Co.KG" and "Ritter-Software" are the same organisation.
_LEGAL_FORM = re.compile(
    r"(?<![0-9a-z])(?:"
    r"(?:gmbh|ag|ug|se|ltd)\s*(?:&|\+|und)\s*co\.?\s*(?:kg(?:aa)?|ohg)"
    r"|ug\s*\(?\s*haftungsbeschrankt\s*\)?"
    r"|g?gmbh|mbh|kgaa|kg|ohg|gbr|ag|ug|se|eg|e\.?\s*g\.?(?![0-9a-z])"
    r"|e\.?\s*kfr?\.?|e\.?\s*kfm\.?|e\.?\s*k\.?(?![0-9a-z])|e\.?\s*v\.?(?![0-9a-z])"
    r"|partg(?:mbb)?|ltd\.?|inc\.?"
    r")\.?(?![0-9a-z])"
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65536)
def organisation_key(name: str | None) -> str:
    """The name of an organisation as the import compares it: folded (umlauts, ß, case), without
    its legal form and punctuation, "&" read as "und"."""
    folded = fold(name or "")
    if not folded:
        return ""
    text = _LEGAL_FORM.sub(" ", folded.replace("&", " und ").replace("+", " und "))
    words = _NOT_ALNUM.sub(" ", text).split()
    while words and words[-1] in ("und", "co"):  # what is left of "& Co."
        words.pop()
    key = " ".join(words)
    return key or " ".join(_NOT_ALNUM.sub(" ", folded).split())
