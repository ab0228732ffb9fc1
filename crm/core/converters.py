"""One way to read a record id, from the URL, the query string or a form.

Every id column is an INTEGER, whose range is the smaller one of PostgreSQL (2**31 - 1).
A value outside it names no record: in a URL that is a 404, in a query string or a form it
is simply no id, never an OverflowError or a database error (a 500).
"""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<id:person_id>`: a positive integer id; anything else or anything bigger is a 404."""

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def parse_id(value) -> int | None:
    """'42' -> 42; '', '²', '-1', '0', '1e3', 10**20 -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    text = str(value or "").strip()
    # str.isdigit() accepts '²' and other digits int() refuses; only ASCII digits are ids.
    if not text or len(text) > 10 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values) -> list[int]:
    """Several ids from repeated parameters and/or comma-separated lists, invalid ones dropped, order kept."""
    if values is None:
        return []
    if isinstance(values, (str, int)):
        values = [values]
    seen, ids = set(), []
    for value in values:
        for part in str(value).split(","):
            number = parse_id(part)
            if number is not None and number not in seen:
                seen.add(number)
                ids.append(number)
    return ids


def parse_int(value, default: int | None = None, minimum: int | None = None, maximum: int | None = None):
    """A bounded integer (a page number, a number of months); the default when missing or invalid."""
    text = str(value if value is not None else "").strip()
    sign = -1 if text.startswith("-") else 1
    digits = text[1:] if sign < 0 else text
    if not digits or not (digits.isascii() and digits.isdigit()):
        return default
    number = sign * int(digits[:30])
    if minimum is not None and number < minimum:
        return minimum
    if maximum is not None and number > maximum:
        return maximum
    return number


def arg_id(name: str, source=None) -> int | None:
    """The id in ?name=… (or in a form when source is request.form/values)."""
    from flask import request

    return parse_id((source if source is not None else request.args).get(name))


def arg_ids(name: str, source=None) -> list[int]:
    from flask import request

    return parse_ids((source if source is not None else request.args).getlist(name))


# Deep pages are refused before they become huge OFFSETs.
MAX_PAGE = 100_000


def arg_page(source=None) -> int:
    from flask import request

    return parse_int((source if source is not None else request.args).get("page"), 1, 1, MAX_PAGE)


def coerce_id(value) -> int:
    """coerce= for id select fields: 0 for none chosen, the id, or ValueError (a form message)."""
    if value in (None, "", 0, "0"):
        return 0
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number
