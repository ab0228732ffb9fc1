"""What an imported row can hold, how German column headers map onto it, and how a row
(or a vCard) becomes one validated contact record.

No database here: records are plain dicts that the preview stores as JSON. Messages are
English msgids marked with N_ and translated when shown, so a preview can be looked at in
either language.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from crm.interop.dedupe import fold


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


def header_key(name: str) -> str:
    return " ".join(re.split(r"[^0-9a-z]+", fold(name))).strip()


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

SALUTATIONS = {
    "herr": "male", "herrn": "male", "hr": "male", "mr": "male", "sir": "male",
    "frau": "female", "fr": "female", "mrs": "female", "ms": "female", "miss": "female", "madam": "female",
    "divers": "diverse", "mx": "diverse",
}
GENDER_VALUES = {
    "m": "male", "mannlich": "male", "male": "male", "mann": "male", "herr": "male",
    "w": "female", "f": "female", "weiblich": "female", "female": "female", "frau": "female",
    "d": "diverse", "divers": "diverse", "diverse": "diverse", "x": "diverse",
}
NOBILITY_PARTICLES = [
    "freiherr von und zu", "freifrau von und zu", "von und zu", "freiherr von", "freifrau von", "graf von",
    "gräfin von", "prinz von", "prinzessin von", "von der", "von dem", "von den", "van der", "van den", "von",
    "vom", "zu", "van", "de", "di", "du",
]
DEGREE_RE = re.compile(
    r"^((?:prof\.?|professor(?:in)?|dr\.?(?:[- ]?(?:ing|med|phil|rer\. ?nat|jur|oec|h\. ?c)\.?)*|dipl\.?-?[\w.]*|"
    r"mag\.?|m\.? ?a\.?|b\.? ?a\.?|m\.? ?sc\.?|b\.? ?sc\.?|ing\.?|rechtsanw[aä]lt(?:in)?)\s+)+",
    re.IGNORECASE,
)
COUNTRIES_EXTRA = {
    "d": "DE", "deutschland": "DE", "germany": "DE", "brd": "DE", "bundesrepublik deutschland": "DE",
    "usa": "US", "u s a": "US", "united states of america": "US", "united states": "US", "us": "US",
    "vereinigte staaten": "US", "a": "AT", "osterreich": "AT", "austria": "AT", "ch": "CH", "schweiz": "CH",
    "switzerland": "CH", "uk": "GB", "england": "GB", "grossbritannien": "GB", "united kingdom": "GB",
}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale

    table = {}
    for lang in ("en", "de"):
        for code, name in Locale(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                table[header_key(name)] = code
    for name, code in COUNTRIES_EXTRA.items():
        table[header_key(name)] = code
    return table


def country_code_of(value: str) -> str | None:
    """ISO code for "Deutschland", "Germany", "DE", "Österreich" ...; None if unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) == 2 and value.isalpha():
        code = value.upper()
        return "DE" if code == "DE" else (code if code in _country_names().values() else None)
    return _country_names().get(header_key(value))


def split_nobility(last_name: str) -> tuple[str, str]:
    """"von Thurn" -> ("von", "Thurn"); names without a particle stay as they are."""
    lowered = last_name.lower()
    for particle in NOBILITY_PARTICLES:
        if lowered.startswith(particle + " ") and len(last_name) > len(particle) + 1:
            return last_name[: len(particle)], last_name[len(particle) + 1 :].strip()
    return "", last_name


def split_full_name(value: str) -> dict:
    """"Müller, Hans" / "Dr. Hans von Müller" -> degree, first_name, nobility, last_name."""
    value = " ".join(value.split())
    out = {"degree": "", "first_name": "", "nobility": "", "last_name": ""}
    salutation = value.split(" ", 1)[0].rstrip(".").lower()
    if salutation in SALUTATIONS and " " in value:
        out["gender"] = SALUTATIONS[salutation]
        value = value.split(" ", 1)[1]
    match = DEGREE_RE.match(value + " ")
    if match:
        out["degree"] = match.group(0).strip()
        value = value[match.end():].strip() if match.end() <= len(value) else ""
    if "," in value:
        last, first = (p.strip() for p in value.split(",", 1))
        out["first_name"] = first
        out["nobility"], out["last_name"] = split_nobility(last)
        return out
    words = value.split(" ")
    if len(words) == 1:
        out["last_name"] = words[0]
        return out
    # the nobility particle starts the last name: "Hans von Thurn"
    for i in range(1, len(words)):
        rest = " ".join(words[i:])
        nobility, last = split_nobility(rest)
        if nobility:
            out["first_name"] = " ".join(words[:i])
            out["nobility"], out["last_name"] = nobility, last
            return out
    out["first_name"] = " ".join(words[:-1])
    out["last_name"] = words[-1]
    return out


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

RECORD_FIELDS = (
    "gender", "degree", "first_name", "nobility", "last_name", "name_suffix", "salutation_override",
    "organisation", "department", "function", "street", "postcode", "city", "country",
    "email", "phone", "mobile", "fax", "private_email", "private_phone", "private_mobile",
    "private_street", "private_postcode", "private_city", "private_country", "website", "notes", "expertise_note",
)
MAX_LENGTHS = {
    "degree": 60, "first_name": 100, "nobility": 40, "last_name": 100, "name_suffix": 40, "salutation_override": 200,
    "organisation": 200, "department": 120, "function": 120, "street": 200, "postcode": 10, "city": 100,
    "email": 254, "phone": 40, "mobile": 40, "fax": 40, "private_email": 254, "private_phone": 40,
    "private_mobile": 40, "private_street": 200, "private_postcode": 10, "private_city": 100, "website": 300,
}


def empty_record() -> dict:
    record = {name: "" for name in RECORD_FIELDS}
    record.update(tags=[], fields_of_action=[], target_groups=[], extras=[], more_affiliations=[], record_id=None)
    return record


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


def record_from_row(row: list[str], mapping: dict[int, str]) -> dict:
    """One table row, mapped column by column, as a contact record (not validated yet)."""
    record = empty_record()
    parts: dict[str, list[str]] = {}
    for index, target in mapping.items():
        if not target or index >= len(row):
            continue
        value = (row[index] or "").strip()
        if value:
            parts.setdefault(target, []).append(value)

    def one(target: str) -> str:
        return " ".join(parts.get(target, []))

    if "full_name" in parts:
        split = split_full_name(one("full_name"))
        for key, value in split.items():
            if value:
                record[key] = value
    for key in ("degree", "first_name", "nobility", "last_name", "name_suffix", "salutation_override",
                "organisation", "department", "function", "postcode", "city", "email", "phone", "mobile", "fax",
                "private_email", "private_phone", "private_mobile", "private_street", "private_postcode",
                "private_city", "website"):
        if key in parts:
            record[key] = one(key)
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


# ----------------------------------------------------------------------------- vCards


def record_from_vcard(contact) -> dict:
    """A parsed vCard (crm.interop.vcard.VCardContact) as a contact record.

    Business data (TYPE=WORK, or untyped when the card has an organisation) goes to the
    function at the organisation, private data to the person; whatever has no field of its
    own (a second e-mail, a fax, a third address) is kept as a further contact detail.
    """
    if getattr(contact, "is_organisation", False):
        return _organisation_record_from_vcard(contact)
    record = empty_record()
    prefix_words = contact.prefix.replace(",", " ").split()
    degree_words = []
    for word in prefix_words:
        key = word.rstrip(".").lower()
        if key in SALUTATIONS:
            record["gender"] = SALUTATIONS[key]
        else:
            degree_words.append(word)
    record["degree"] = " ".join(degree_words)
    if contact.gender:
        record["gender"] = contact.gender
    family = contact.family
    given = " ".join(p for p in (contact.given, contact.additional) if p)
    if not family and not given and contact.formatted_name:
        split = split_full_name(contact.formatted_name)
        family, given = split["last_name"], split["first_name"]
        record["degree"] = record["degree"] or split["degree"]
        record["nobility"] = split["nobility"]
    record["first_name"] = given
    nobility, last = split_nobility(family) if family else ("", "")
    record["nobility"] = record["nobility"] or nobility
    record["last_name"] = last
    record["name_suffix"] = contact.suffix
    if not record["last_name"] and not record["first_name"] and not contact.organisations:
        # Android keeps cards with only an e-mail address or a phone number
        if contact.emails:
            record["last_name"] = contact.emails[0].value.split("@")[0]
        elif contact.phones:
            record["last_name"] = contact.phones[0].value
    has_org = bool(contact.organisations)
    if has_org:
        org, department = contact.organisations[0]
        record["organisation"], record["department"] = org, department
        record["function"] = contact.titles[0] if contact.titles else ""
        for i, (org, department) in enumerate(contact.organisations[1:], start=1):
            title = contact.titles[i] if i < len(contact.titles) else ""
            record["more_affiliations"].append([org, department, title])
    elif contact.titles:
        record["extras"].append(["title", "", contact.titles[0]])
    for title in contact.titles[len(contact.organisations or [None]):]:
        record["extras"].append(["title", "", title])
    if contact.role:
        record["expertise_note"] = contact.role

    def place(slots: list[str], kind: str, value: str, label: str) -> None:
        for slot in slots:
            if not record[slot]:
                record[slot] = value
                return
        record["extras"].append([kind, label, value])

    business = ["email"] if has_org else []
    # typed addresses claim their slot before untyped ones (Thunderbird marks the untyped one PREF)
    for email in sorted(contact.emails, key=lambda e: not (e.has("WORK") or e.has("HOME"))):
        if email.has("WORK"):
            place(business + ["private_email"], "email", email.value, email.label or "WORK")
        elif email.has("HOME"):
            place(["private_email"], "email", email.value, email.label or "HOME")
        else:
            place(business + ["private_email"], "email", email.value, email.label)
    for phone in contact.phones:
        label = phone.label or ",".join(sorted(t for t in phone.types if t not in ("VOICE", "PREF")))
        if phone.has("FAX"):
            # the person's own fax: kept with the person (an organisation that exists keeps its own)
            record["extras"].append(["phone", label or "FAX", phone.value])
        elif phone.types & SPECIAL_PHONE_TYPES or (phone.label and not phone.types & {"CELL", "WORK", "HOME"}):
            record["extras"].append(["phone", label, phone.value])
        elif phone.has("CELL") and phone.has("WORK"):
            # a work mobile is never a private one; without an organisation it stays a labelled detail
            place(["mobile"] if has_org else [], "phone", phone.value, label)
        elif phone.has("CELL"):
            # like an untyped phone: on a card with an organisation (Outlook's only mobile field)
            # it is the business mobile, unless the card says HOME
            business_mobile = has_org and not phone.has("HOME")
            place((["mobile"] if business_mobile else []) + ["private_mobile"], "phone", phone.value, label)
        elif phone.has("WORK"):
            place(["phone"] if has_org else ["private_phone"], "phone", phone.value, label)
        elif phone.has("HOME"):
            place(["private_phone"], "phone", phone.value, label)
        else:
            place((["phone"] if has_org else []) + ["private_phone"], "phone", phone.value, label)
    used_business = not has_org
    used_private = False
    for address in contact.addresses:
        street = ", ".join(p for p in (address.extended, address.street) if p)
        if address.po_box and not street:
            street = f"Postfach {address.po_box}" if address.po_box[:1].isdigit() else address.po_box
        elif address.po_box:
            street = f"{street}, {address.po_box}"
        city = address.city
        if address.region and address.region != address.city:
            city = f"{city}, {address.region}" if city else address.region
        country = country_code_of(address.country) if address.country else ""
        fits = country is not None and len(address.postcode) <= 10 and len(street) <= 200 and len(city) <= 100
        target = None
        if fits and address.has("WORK") and not used_business:
            target, used_business = "", True
        elif fits and (address.has("HOME") or not address.types - {"PREF", "POSTAL", "PARCEL", "DOM", "INTL"}) \
                and not used_private:
            target, used_private = "private_", True
        elif fits and not used_business and not address.has("HOME"):
            target, used_business = "", True
        if target is None:
            record["extras"].append(["address", address.label or ",".join(sorted(address.types - {"PREF"})),
                                     address.one_line()])
            continue
        record[target + "street"] = street
        record[target + "postcode"] = address.postcode
        record[target + "city"] = city
        record[target + "country"] = country or ""
    for url in getattr(contact, "urls", []):
        label = url.label or ",".join(sorted(t for t in url.types if t != "PREF"))
        record["extras"].append(["web", label, url.value])
    record["tags"] = [c[:120] for c in contact.categories]
    record["notes"] = contact.note
    return record


# Phone types that are neither the office nor the private line nor a mobile: kept with their type.
SPECIAL_PHONE_TYPES = frozenset({"PAGER", "CAR", "ISDN", "MODEM", "BBS", "TEXTPHONE", "ASSISTANT", "CALLBACK", "X400"})


def _organisation_record_from_vcard(contact) -> dict:
    """An organisation card (KIND:org, X-ABShowAs:COMPANY): an organisation only, no person.

    Its phone, fax, e-mail, website and address go to the organisation's fields; what has no
    field of its own is added to the notes, so nothing is lost.
    """
    record = empty_record()
    name = contact.organisations[0][0] if contact.organisations and contact.organisations[0][0] else ""
    record["organisation"] = name or contact.formatted_name or " ".join(
        p for p in (contact.given, contact.family) if p)
    more = []
    if contact.organisations and contact.organisations[0][1]:
        more.append(contact.organisations[0][1])

    def put(slot: str, value: str, label: str) -> None:
        if not record[slot]:
            record[slot] = value
        elif value != record[slot]:
            more.append(f"{label}: {value}" if label else value)

    for email in contact.emails:
        put("email", email.value, email.label or ",".join(sorted(email.types - {"INTERNET", "PREF"})))
    for phone in contact.phones:
        label = phone.label or ",".join(sorted(t for t in phone.types if t not in ("VOICE", "PREF")))
        put("fax" if phone.has("FAX") else "phone", phone.value, label)
    for url in contact.urls:
        put("website", url.value, url.label or ",".join(sorted(url.types - {"PREF"})))
    for address in contact.addresses:
        country = country_code_of(address.country) if address.country else ""
        street = ", ".join(p for p in (address.extended, address.street) if p)
        if not record["street"] and not record["city"] and country is not None and len(address.postcode) <= 10:
            record["street"], record["postcode"], record["city"] = street[:200], address.postcode, address.city[:100]
            record["country"] = country or ""
        else:
            more.append(address.one_line())
    record["tags"] = [c[:120] for c in contact.categories]
    record["notes"] = "\n".join(p for p in (contact.note, "\n".join(more)) if p).strip()
    return record


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
