"""Duplicate detection for persons and organisations: pure functions, no database.

- Kölner Phonetik (Cologne phonetics) turns German names into codes that sound the same:
  Meier, Maier, Mayer, Meyer -> "67"; Müller, Mueller -> "657".
- Records are compared by name (rapidfuzz on folded text, phonetic equality), e-mail,
  normalised phone number, address (postcode + street) and organisation. Each pair gets a
  score (0-100) and the reasons, as codes the UI translates.
- Blocking: only records that share a key (same e-mail, same phone, same phonetic last name
  with the same first initial ...) are compared, so a scan over 100,000 persons stays linear.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator

from rapidfuzz import fuzz

from crm.core.text import fold  # the same folding as search (pure, no Flask)

# ----------------------------------------------------------------------------- text

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=262144)
def simple(text: str | None) -> str:
    """Folded words separated by single spaces."""
    return " ".join(_NON_ALNUM.split(fold(text))).strip()


# ----------------------------------------------------------------------------- Kölner Phonetik

_VOWELS = set("aeiojuyäöü")


@lru_cache(maxsize=131072)
def cologne_phonetic(text: str | None) -> str:
    """Kölner Phonetik code of a text ("Müller-Lüdenscheidt" -> "65752682").

    Letters are coded by their neighbours (Postel 1969); equal neighbouring codes are merged,
    then every "0" except a leading one is dropped. Non-letters separate nothing.
    """
    if not text:
        return ""
    word = text.lower().replace("ß", "s")
    word = "".join(ch for ch in unicodedata.normalize("NFC", word) if ch.isalpha())
    # Letters with diacritics other than umlauts are reduced to their base letter.
    word = "".join(
        ch if ch in "äöü" else (unicodedata.normalize("NFKD", ch)[0] if ord(ch) > 127 else ch) for ch in word
    )
    codes: list[str] = []
    n = len(word)
    for i, ch in enumerate(word):
        prev = word[i - 1] if i > 0 else ""
        nxt = word[i + 1] if i + 1 < n else ""
        if ch in _VOWELS:
            code = "0"
        elif ch == "h":
            code = ""
        elif ch == "b":
            code = "1"
        elif ch == "p":
            code = "3" if nxt == "h" else "1"
        elif ch in "dt":
            code = "8" if nxt in ("c", "s", "z") else "2"
        elif ch in "fvw":
            code = "3"
        elif ch in "gkq":
            code = "4"
        elif ch == "c":
            if i == 0:
                code = "4" if nxt in ("a", "h", "k", "l", "o", "q", "r", "u", "x") else "8"
            elif prev in ("s", "z"):
                code = "8"
            else:
                code = "4" if nxt in ("a", "h", "k", "o", "q", "u", "x") else "8"
        elif ch == "x":
            code = "8" if prev in ("c", "k", "q") else "48"
        elif ch == "l":
            code = "5"
        elif ch in "mn":
            code = "6"
        elif ch == "r":
            code = "7"
        elif ch in "sz":
            code = "8"
        else:
            code = ""
        codes.append(code)
    raw = "".join(codes)
    if not raw:
        return ""
    merged = [raw[0]]
    for digit in raw[1:]:
        if digit != merged[-1]:
            merged.append(digit)
    return merged[0] + "".join(d for d in merged[1:] if d != "0")


# ----------------------------------------------------------------------------- keys


def email_key(email: str | None) -> str:
    email = (email or "").strip().lower()
    if email.startswith("mailto:"):
        email = email[7:]
    return email if "@" in email else ""


_NON_DIGITS = re.compile(r"\D")


def phone_key(phone: str | None) -> str:
    """Digits of a phone number in national form: "+49 6022 1234", "06022/1234" -> "060221234"."""
    if not phone:
        return ""
    raw = phone.strip()
    digits = _NON_DIGITS.sub("", raw)
    if raw.startswith("+"):
        digits = "0" + digits[2:] if digits.startswith("49") else "00" + digits
    elif digits.startswith("0049"):
        digits = "0" + digits[4:]
    return digits if len(digits) >= 6 else ""


_STREET_WORDS = [(re.compile(r"strasse\b|str\b\.?"), "str"), (re.compile(r"\bweg\b"), "weg")]


@lru_cache(maxsize=131072)
def street_key(street: str | None) -> str:
    text = simple(street)
    for pattern, repl in _STREET_WORDS:
        text = pattern.sub(repl, text)
    return text.replace(" ", "")


def address_key(postcode: str | None, street: str | None) -> str:
    pc = (postcode or "").replace(" ", "")
    st = street_key(street)
    return f"{pc}|{st}" if pc and st else ""


# Words that say what kind of organisation it is, not which one.
ORG_STOPWORDS = {
    "gmbh", "mbh", "ag", "kg", "ohg", "gbr", "ug", "co", "ev", "e", "v", "eg", "kgaa", "se", "und", "der", "die",
    "das", "des", "fur", "am", "an", "im", "in", "zu", "gemeinde", "markt", "stadt", "verein", "verband", "gmbhco",
    "haftungsbeschrankt", "landkreis", "verwaltungsgemeinschaft", "vg",
}


@lru_cache(maxsize=65536)
def organisation_name_key(name: str | None) -> str:
    words = [w for w in simple(name).split() if w not in ORG_STOPWORDS]
    return " ".join(words) or simple(name)


# ----------------------------------------------------------------------------- records


@dataclass
class PersonRecord:
    id: int | str
    first_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # address_key() values
    organisations: tuple[str, ...] = ()  # organisation ids or folded names, compared as given
    # filled by prepare()
    _first: str = field(default="", repr=False)
    _last: str = field(default="", repr=False)
    _phon: str = field(default="", repr=False)
    _ready: bool = field(default=False, repr=False)

    def prepare(self) -> "PersonRecord":
        if self._ready:
            return self
        self._ready = True
        self._first = simple(self.first_name)
        self._last = simple(self.last_name)
        self._phon = cologne_phonetic(self.last_name)
        self.emails = tuple([k for k in map(email_key, self.emails) if k])
        self.phones = tuple([k for k in map(phone_key, self.phones) if k])
        self.addresses = tuple([a for a in self.addresses if a])
        return self

    def block_keys(self) -> list[str]:
        keys = ["e:" + e for e in self.emails]
        keys += ["t:" + p for p in self.phones]
        phon = self._phon
        if phon:
            # same sounding last and first name ("Jörg Meier" / "Joerg Maier"); an initial
            # alone ("J.") blocks with itself
            first = self._first
            keys.append(f"n:{phon}:{cologne_phonetic(first) if len(first) > 1 else first}")
            keys += [f"a:{a}:{phon}" for a in self.addresses]
        return keys


@dataclass
class OrganisationRecord:
    id: int | str
    name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    _name: str = field(default="", repr=False)
    _ready: bool = field(default=False, repr=False)

    def prepare(self) -> "OrganisationRecord":
        if self._ready:
            return self
        self._ready = True
        self._name = organisation_name_key(self.name)
        self.emails = tuple(k for k in (email_key(e) for e in self.emails) if k)
        self.phones = tuple(k for k in (phone_key(p) for p in self.phones) if k)
        self.addresses = tuple(a for a in self.addresses if a)
        return self

    def block_keys(self) -> Iterator[str]:
        for e in self.emails:
            yield "e:" + e
        for p in self.phones:
            yield "t:" + p
        for a in self.addresses:
            yield "a:" + a
        words = self._name.split()
        if words:
            yield "n:" + cologne_phonetic(max(words, key=len))


@dataclass(frozen=True)
class Reason:
    code: str  # name, phonetic, email, phone, address, organisation
    value: int = 0  # similarity in percent for "name"

    def as_list(self) -> list:
        return [self.code, self.value] if self.value else [self.code]


@dataclass
class Match:
    a: int | str
    b: int | str
    score: int
    reasons: list[Reason]


PERSON_THRESHOLD = 60
ORGANISATION_THRESHOLD = 70


def _first_name_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 60.0  # unknown: neither for nor against
    if a == b:
        return 100.0
    a1, b1 = a.split()[0], b.split()[0]
    if len(a1) == 1 or len(b1) == 1:
        return 85.0 if a1[0] == b1[0] else 0.0
    if a1 == b1:  # "hans" vs "hans peter"
        return 90.0
    return _RATIO(a, b)


def _shares(x: tuple, y: tuple) -> bool:
    if not x or not y:
        return False
    for value in x:
        if value in y:
            return True
    return False


_RATIO = fuzz.ratio


def compare_persons(a: PersonRecord, b: PersonRecord) -> tuple[int, list[Reason]]:
    """Score 0-100 and the reasons why a and b may be the same person."""
    reasons: list[Reason] = []
    phonetic = False
    if a._last and b._last:
        last = 100.0 if a._last == b._last else _RATIO(a._last, b._last)
        if a._phon and a._phon == b._phon and last < 100:
            phonetic = True
            last = max(last, 90.0)
    else:
        last = 0.0
    first = _first_name_similarity(a._first, b._first)
    name = 0.6 * last + 0.4 * first
    # first and last name swapped ("Müller Anna" typed into the wrong columns)
    if name < 90 and a._first and b._first and a._last and b._last:
        swapped = 0.6 * _RATIO(a._last, b._first) + 0.4 * _RATIO(a._first, b._last)
        if swapped > name and swapped >= 90:
            name = swapped - 5
    if name >= 70:
        reasons.append(Reason("name", int(round(name))))
    if phonetic:
        reasons.append(Reason("phonetic"))
    evidence = 0
    if _shares(a.emails, b.emails):
        evidence += 35
        reasons.append(Reason("email"))
    if _shares(a.phones, b.phones):
        evidence += 25
        reasons.append(Reason("phone"))
    if _shares(a.addresses, b.addresses):
        evidence += 15
        reasons.append(Reason("address"))
    if _shares(a.organisations, b.organisations):
        evidence += 10
        reasons.append(Reason("organisation"))
    score = min(100, int(round(name * 0.65 + evidence)))
    return score, reasons


def compare_organisations(a: OrganisationRecord, b: OrganisationRecord) -> tuple[int, list[Reason]]:
    reasons: list[Reason] = []
    name = fuzz.token_sort_ratio(a._name, b._name) if a._name and b._name else 0.0
    if name >= 70:
        reasons.append(Reason("name", int(round(name))))
    evidence = 0
    if set(a.emails) & set(b.emails):
        evidence += 30
        reasons.append(Reason("email"))
    if set(a.phones) & set(b.phones):
        evidence += 20
        reasons.append(Reason("phone"))
    if set(a.addresses) & set(b.addresses):
        evidence += 20
        reasons.append(Reason("address"))
    return min(100, int(round(name * 0.7 + evidence))), reasons


# Blocks bigger than this are not all-pairs compared: a shared "info@" address or a very common
# name says little, and comparing 1,000 x 1,000 records would not scale.
MAX_BLOCK = 200


def _blocks(records) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in set(record.block_keys()):
            blocks[key].append(index)
    return blocks


def _scan(records, compare, threshold: int, max_block: int) -> list[Match]:
    seen: set[tuple[int, int]] = set()
    found: list[Match] = []
    for key, members in _blocks(records).items():
        if len(members) < 2:
            continue
        if len(members) > max_block:
            if key.startswith("n:") and hasattr(records[members[0]], "_first"):
                # a common name: compare within the same first name only
                sub: dict[str, list[int]] = defaultdict(list)
                for m in members:
                    sub[records[m]._first].append(m)
                groups = [g for g in sub.values() if 1 < len(g) <= max_block]
            else:
                continue
        else:
            groups = [members]
        for group in groups:
            for i in range(len(group)):
                for j in range(i + 1, len(group)):
                    x, y = group[i], group[j]
                    pair = (x, y) if x < y else (y, x)
                    if pair in seen:
                        continue
                    seen.add(pair)
                    a, b = records[pair[0]], records[pair[1]]
                    score, reasons = compare(a, b)
                    if score >= threshold:
                        found.append(Match(a.id, b.id, score, reasons))
    found.sort(key=lambda m: (-m.score, str(m.a), str(m.b)))
    return found


STRONG_MATCH = 90


def drop_echo_pairs(matches: list[Match], strong: int = STRONG_MATCH, limit: int | None = None) -> list[Match]:
    """Leave out pairs that only repeat a stronger one (matches sorted best first).

    When B and B' are near-identical (a strong pair), A-B and A-B' read the same in the list:
    only the first is kept; once B' is merged into B, A-B stands for both.
    """
    kept: list[Match] = []
    neighbours: dict = defaultdict(dict)  # id -> {other id: score}
    for match in matches:
        a, b = match.a, match.b
        na, nb = neighbours[a], neighbours[b]
        small, other = (na, nb) if len(na) <= len(nb) else (nb, na)
        echo = False
        for c in small:
            if c in other and (na[c] >= strong or nb[c] >= strong):
                echo = True
                break
        if echo:
            continue
        kept.append(match)
        if limit is not None and len(kept) >= limit:
            break
        na[b] = nb[a] = match.score
    return kept


def find_person_duplicates(records: Iterable[PersonRecord], threshold: int = PERSON_THRESHOLD,
                           max_block: int = MAX_BLOCK) -> list[Match]:
    """Pairs of likely duplicates among the records, best first."""
    prepared = [r.prepare() for r in records]
    return _scan(prepared, compare_persons, threshold, max_block)


def find_organisation_duplicates(records: Iterable[OrganisationRecord], threshold: int = ORGANISATION_THRESHOLD,
                                 max_block: int = MAX_BLOCK) -> list[Match]:
    prepared = [r.prepare() for r in records]
    return _scan(prepared, compare_organisations, threshold, max_block)


class DuplicateIndex:
    """Existing records indexed by their block keys, to find matches for new ones (imports, create form)."""

    def __init__(self, records: Iterable, compare, threshold: int, max_block: int = 2000, contact_keys_only=False):
        self.records = [r.prepare() for r in records]
        self.compare = compare
        self.threshold = threshold
        self.max_block = max_block
        # Only same e-mail / same phone: enough where just strong matches count (a name alone
        # scores at most 65), and much cheaper.
        self.contact_keys_only = contact_keys_only
        self.blocks = _blocks(self.records) if not contact_keys_only else defaultdict(list)
        if contact_keys_only:
            for index, record in enumerate(self.records):
                for key in set(self._keys(record)):
                    self.blocks[key].append(index)
        self.labels: dict = {}  # id -> text to show, filled by the caller

    @classmethod
    def for_persons(cls, records: Iterable[PersonRecord], threshold: int = PERSON_THRESHOLD) -> "DuplicateIndex":
        return cls(records, compare_persons, threshold)

    @classmethod
    def for_organisations(cls, records: Iterable[OrganisationRecord],
                          threshold: int = ORGANISATION_THRESHOLD) -> "DuplicateIndex":
        return cls(records, compare_organisations, threshold)

    def _keys(self, record):
        if self.contact_keys_only:  # the "e:" and "t:" keys of block_keys()
            return ["e:" + e for e in record.emails] + ["t:" + p for p in record.phones]
        return record.block_keys()

    def add(self, record) -> None:
        record.prepare()
        index = len(self.records)
        self.records.append(record)
        for key in set(self._keys(record)):
            self.blocks.setdefault(key, []).append(index)

    def matches(self, record, limit: int = 3) -> list[Match]:
        record.prepare()
        candidates: set[int] = set()
        blocks, max_block = self.blocks, self.max_block
        for key in set(self._keys(record)):
            members = blocks.get(key)
            if members and len(members) <= max_block:
                candidates.update(members)
        if not candidates:
            return []
        found = []
        records, compare, threshold, own_id = self.records, self.compare, self.threshold, record.id
        for index in candidates:
            other = records[index]
            if other.id == own_id:
                continue
            score, reasons = compare(record, other)
            if score >= threshold:
                found.append(Match(own_id, other.id, score, reasons))
        found.sort(key=lambda m: (-m.score, str(m.b)))
        return found[:limit]

