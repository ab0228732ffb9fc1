"""The contact record an import works with (a plain dict of RECORD_FIELDS), and the pure
helpers that read names and countries into it: degrees, nobility particles, salutations,
country names in German and English. No Flask, no database."""
from __future__ import annotations

import re
from functools import lru_cache

from crm.interop.dedupe import fold


def header_key(name: str) -> str:
    return " ".join(re.split(r"[^0-9a-z]+", fold(name))).strip()


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
    if " " not in last_name:  # every particle is followed by a space
        return "", last_name
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


RECORD_FIELDS = (
    "gender", "degree", "first_name", "nobility", "last_name", "name_suffix", "salutation_override",
    "organisation", "department", "function", "street", "postcode", "city", "country",
    "email", "phone", "mobile", "fax", "private_email", "private_phone", "private_mobile",
    "private_street", "private_postcode", "private_city", "private_country", "website", "notes", "expertise_note",
)


def empty_record() -> dict:
    record = {name: "" for name in RECORD_FIELDS}
    record.update(tags=[], fields_of_action=[], target_groups=[], extras=[], more_affiliations=[], record_id=None)
    return record
