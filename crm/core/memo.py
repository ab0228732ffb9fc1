"""Values loaded once per request: a page whose detail section and timeline both show e.g. a
person's seats asks the database once.

    seats = once_per_request(("seats", person.id), lambda: seats_of_person(person))

Only for reading what the page shows; outside a request the value is loaded every time.
"""
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_request_context

T = TypeVar("T")


def once_per_request(key: Hashable, load: Callable[[], T]) -> T:
    if not has_request_context():
        return load()
    store = g.setdefault("_crm_once_per_request", {})
    if key not in store:
        store[key] = load()
    return store[key]
