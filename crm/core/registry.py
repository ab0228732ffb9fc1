"""Extension points, so that each part of the app plugs itself in without editing the others.

- navigation: `nav_item(...)` adds an entry to the main navigation;
- detail sections: `detail_section("person", ...)` adds a card to the person (or organisation,
  project ...) page;
- blueprints and models are discovered in create_app: any `crm.<part>.views` module with a
  `bp` blueprint is registered, any `crm.<part>.models` module is imported.
"""
import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

import crm


@dataclass(order=True)
class NavItem:
    order: int
    endpoint: str = field(compare=False)
    label: object = field(compare=False)  # lazy string
    min_role: str = field(default="viewer", compare=False)
    prefix: str = field(default="", compare=False)  # endpoints starting with this mark the item active
    menu: str = field(default="", compare=False)  # "" = in the bar, "more" = in the "More" dropdown


NAV_ITEMS: list[NavItem] = []


def nav_item(endpoint: str, label, order: int = 50, min_role: str = "viewer", prefix: str = "", menu: str = "") -> None:
    if any(item.endpoint == endpoint for item in NAV_ITEMS):
        return
    NAV_ITEMS.append(NavItem(order, endpoint, label, min_role, prefix or endpoint.rsplit(".", 1)[0] + ".", menu))
    NAV_ITEMS.sort()


@dataclass(order=True)
class DetailSection:
    order: int
    template: str = field(compare=False)
    context: Callable = field(compare=False)  # (record) -> dict, or None to hide the section
    column: str = field(default="main", compare=False)  # "main" (wide) or "side"


DETAIL_SECTIONS: dict[str, list[DetailSection]] = {}


def detail_section(record_type: str, template: str, context: Callable, order: int = 50, column: str = "main") -> None:
    sections = DETAIL_SECTIONS.setdefault(record_type, [])
    if any(s.template == template for s in sections):
        return
    sections.append(DetailSection(order, template, context, column))
    sections.sort()


def sections_for(record_type: str, record, column: str = "main") -> list[tuple[str, dict]]:
    out = []
    for section in DETAIL_SECTIONS.get(record_type, []):
        if section.column != column:
            continue
        context = section.context(record)
        if context is not None:
            out.append((section.template, context))
    return out


def _parts() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(crm.__path__) if m.ispkg)


def import_part_modules(module: str) -> list:
    """Import crm.<part>.<module> for every part that has one."""
    found = []
    for part in _parts():
        name = f"crm.{part}.{module}"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found
