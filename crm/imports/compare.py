"""Field-by-field comparison of an imported row with the record it updates.

The preview shows this list (old value, value in the file, which one wins) and the commit
applies exactly it, so what the user saw is what happens. Rules, so that an update never
damages data:

- an empty value in the file never blanks a filled field;
- a value that differs only in spelling (umlauts folded, "ß" as "ss", case, punctuation:
  "Heß"/"Hess", "Döring"/"Doering") keeps the stored one;
- a different name (first, last, particle, degree, suffix, gender) keeps the stored one by default,
  and an academic degree is not added unasked;
- an address (street, postcode, town, country) is taken or left as a whole; an incomplete address
  in the file does not replace a complete one by default;
- notes are appended, not replaced.

Every choice can be changed per field on the preview. No database here: plain dicts in, plain
dicts out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from crm.imports.fields import N_
from crm.interop.dedupe import fold, street_key

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGITS = re.compile(r"\D")

LABELS = {
    "gender": _l("Gender"),
    "degree": _l("Academic degree"),
    "first_name": _l("First name"),
    "nobility": _l("Nobility particle"),
    "last_name": _l("Last name"),
    "name_suffix": _l("Name suffix"),
    "salutation_override": _l("Own salutation line"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "mobile": _l("Mobile"),
    "address": _l("Address"),
    "notes": _l("Notes"),
    "expertise_note": _l("Expertise"),
    "fax": _l("Fax"),
    "website": _l("Website"),
    "aff_function": _l("Function"),
    "aff_department": _l("Department"),
    "aff_email": _l("E-mail (at the organisation)"),
    "aff_phone": _l("Phone (at the organisation)"),
    "aff_mobile": _l("Mobile (at the organisation)"),
    "aff_address": _l("Address (at the organisation)"),
}
IDENTITY = {"gender", "degree", "first_name", "nobility", "last_name", "name_suffix"}
GENDER_TEXT = {"male": _l("male"), "female": _l("female"), "diverse": _l("diverse")}
ADDRESS = ("street", "postcode", "city", "country")
AFF_ADDRESS = ("street", "postcode", "city")

SPELLING = N_("only the spelling differs")
NAME = N_("a different name is kept unless you choose otherwise")
INCOMPLETE = N_("the address in the file is incomplete")
APPEND = N_("appended to the notes")
DEGREE = N_("a degree is only added or changed when you choose so")


@dataclass
class Change:
    key: str  # the choice's name: a person column, "address", or "aff_<column>"
    target: str  # "person" or "affiliation"
    columns: tuple[str, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]
    default: str  # "old" or "new"
    note: str = ""  # msgid: why the default is what it is
    winner: str = field(default="")  # after the user's choice

    @property
    def label(self):
        return LABELS.get(self.key, self.key)

    def shown(self, values: tuple[str, ...]) -> str:
        if self.key == "gender":
            return str(GENDER_TEXT.get(values[0], "")) or "–"
        if self.key in ("address", "aff_address"):
            street, postcode, city = values[0], values[1], values[2]
            country = values[3] if len(values) > 3 and values[3] not in ("", "DE") else ""
            text = ", ".join(p for p in (street, " ".join(p for p in (postcode, city) if p), country) if p)
            return text or "–"
        return values[0] or "–"

    @property
    def old_text(self) -> str:
        return self.shown(self.old)

    @property
    def new_text(self) -> str:
        if self.key == "notes" and self.old[0]:
            return "… " + self.new[0]
        return self.shown(self.new)


def spelling_key(value: str) -> str:
    """What stays of a value without case, umlauts, "ß" and punctuation."""
    return _NOT_ALNUM.sub("", fold(value or ""))


def _phone_digits(value: str) -> str:
    digits = _NON_DIGITS.sub("", value or "")
    if (value or "").strip().startswith("+49"):
        digits = "0" + digits[2:]
    elif digits.startswith("0049"):
        digits = "0" + digits[4:]
    return digits


def _same(column: str, old: str, new: str) -> bool:
    if old == new:
        return True
    if column in ("email",):
        return old.strip().lower() == new.strip().lower()
    if column in ("phone", "mobile"):
        return bool(old) and _phone_digits(old) == _phone_digits(new)
    return False


def _single(key: str, target: str, column: str, old: str, new: str) -> Change | None:
    old, new = old or "", new or ""
    if key == "gender":
        old = "" if old == "unknown" else old
        new = "" if new == "unknown" else new
    if not new or _same(column, old, new):
        return None  # nothing in the file, or the same value: no change
    if key == "notes":
        if new in old:
            return None
        return Change(key, target, (column,), (old,), (new,), "new", APPEND if old else "")
    if key == "degree" and spelling_key(old) != spelling_key(new):
        # an academic degree read from a salutation column ("Frau Dr.") is not added unasked
        return Change(key, target, (column,), (old,), (new,), "old", DEGREE)
    if not old:
        return Change(key, target, (column,), (old,), (new,), "new")
    if spelling_key(old) == spelling_key(new):
        return Change(key, target, (column,), (old,), (new,), "old", SPELLING)
    if key in IDENTITY:
        return Change(key, target, (column,), (old,), (new,), "old", NAME)
    return Change(key, target, (column,), (old,), (new,), "new")


def _address(key: str, target: str, columns: tuple[str, ...], old: tuple, new: tuple) -> Change | None:
    old = tuple(v or "" for v in old)
    new = tuple(v or "" for v in new)
    street, postcode, city = new[0], new[1], new[2]
    if not (street or postcode or city):
        return None
    # what the file leaves out is no difference: "63741 Aschaffenburg" agrees with the full address
    same_street = not street or street_key(old[0]) == street_key(street)
    same_place = (not postcode or postcode.replace(" ", "") == old[1].replace(" ", "")) and \
        (not city or fold(city) == fold(old[2]))
    if len(columns) > 3:  # the country only counts when the file names one
        same_place = same_place and (not new[3] or new[3] == (old[3] or "DE"))
    if same_street and same_place:
        return None
    if not any(old[:3]):
        return Change(key, target, columns, old, new, "new")
    complete = bool(street) and bool(postcode or city)
    if not complete and old[0]:
        return Change(key, target, columns, old, new, "old", INCOMPLETE)
    if all(spelling_key(a) == spelling_key(b) for a, b in zip(old[:3], new[:3])):
        return Change(key, target, columns, old, new, "old", SPELLING)
    return Change(key, target, columns, old, new, "new")


PERSON_SINGLE = ("gender", "degree", "first_name", "nobility", "last_name", "name_suffix", "salutation_override",
                 "email", "phone", "mobile", "notes", "expertise_note")


def _record_changes(target: str, prefix: str, singles: tuple, address: tuple, wanted: dict,
                    current: dict) -> list[Change]:
    """The single-value changes, then the address as a whole, of one record (keys: prefix + column,
    prefix + "address")."""
    changes = [change for column in singles
               if (change := _single(prefix + column, target, column, current.get(column) or "",
                                     wanted.get(column) or ""))]
    change = _address(prefix + "address", target, address, tuple(current.get(c) or "" for c in address),
                      tuple(wanted.get(c) or "" for c in address))
    if change:
        changes.append(change)
    return changes


def person_changes(wanted: dict, current: dict, wanted_aff: dict | None = None, current_aff: dict | None = None,
                   function_names: tuple[str, ...] = ()) -> list[Change]:
    """What an update would change: wanted/current are person column values; wanted_aff/current_aff
    the function at the row's organisation (current_aff None: the function would be new)."""
    changes = _record_changes("person", "", PERSON_SINGLE, ADDRESS, wanted, current)
    if wanted_aff and current_aff is not None:
        function = wanted_aff.get("function") or ""
        if function and fold(function) not in {fold(n) for n in function_names if n}:
            old = current_aff.get("function") or ""
            changes.append(Change("aff_function", "affiliation", ("function",), (old,), (function,),
                                  "new" if not old else ("old" if spelling_key(old) == spelling_key(function)
                                                         else "new"),
                                  SPELLING if old and spelling_key(old) == spelling_key(function) else ""))
        changes += _record_changes("affiliation", "aff_", ("department", "email", "phone", "mobile"), AFF_ADDRESS,
                                   wanted_aff, current_aff)
    return changes


ORG_SINGLE = ("email", "phone", "fax", "website", "notes")


def organisation_changes(wanted: dict, current: dict) -> list[Change]:
    """The same rules for an organisation row that updates an organisation (the name stays)."""
    return _record_changes("organisation", "", ORG_SINGLE, ADDRESS, wanted, current)


def decide(changes: list[Change], choices: dict | None) -> list[Change]:
    """Each change with its winner: the user's choice if one was made, else the default."""
    choices = choices or {}
    for change in changes:
        choice = choices.get(change.key)
        change.winner = choice if choice in ("old", "new") else change.default
    return changes
