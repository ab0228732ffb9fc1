"""The plug-in points of the application, kept on the app (``app.extensions["crm"]``).

A part declares itself in one place, ``crm/<part>/__init__.py``, with a function
``register(registry)`` that calls the methods below: its blueprints, navigation entries,
detail sections on other parts' pages, timeline sources, start-page panels, audit labels,
CLI commands and demo data. ``create_app`` calls it for every part it finds; nothing
registers itself as a side effect of an import.
"""
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app


@dataclass(order=True)
class NavItem:
    order: int
    endpoint: str = field(compare=False)
    label: object = field(compare=False)  # lazy string
    min_role: str = field(default="viewer", compare=False)
    prefix: str = field(default="", compare=False)  # endpoints starting with this mark the item active
    menu: str = field(default="", compare=False)  # "" = in the bar, "more" = in the "More" dropdown


@dataclass(order=True)
class DetailSection:
    order: int
    template: str = field(compare=False)
    context: Callable = field(compare=False)  # (record) -> dict, or None to hide the section
    column: str = field(default="main", compare=False)  # "main" (wide) or "side"


@dataclass(order=True)
class DemoLoader:
    order: int
    load: Callable = field(compare=False)  # (seed) -> None; adds demo rows, does not commit


class Registry:
    """Everything the parts of one app have declared."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.blueprints: list = []
        self.nav_items: list[NavItem] = []
        self.detail_sections: dict[str, list[DetailSection]] = {}
        self.timeline_sources: dict[str, list[Callable]] = {}
        self.panels: list[Callable] = []
        self.actions: dict[str, object] = {}
        self.entities: dict[str, object] = {}
        self.fields: dict[str, object] = {}
        self.value_labels: dict[str, dict] = {}
        self.record_urls: dict[str, Callable[[int], str | None]] = {}
        self.decimal_fields: set[str] = set()  # history shows these as German decimals ("12.500,00")
        self.commands: list = []
        self.demo_loaders: list[DemoLoader] = []
        self.public_endpoints: set[str] = set()

    def blueprint(self, bp) -> None:
        self.blueprints.append(bp)

    def nav(self, endpoint: str, label, order: int = 50, min_role: str = "viewer", prefix: str = "",
            menu: str = "") -> None:
        """An entry in the main navigation (menu="more": in the "More" dropdown)."""
        self.nav_items.append(NavItem(order, endpoint, label, min_role, prefix or endpoint.rsplit(".", 1)[0] + ".",
                                      menu))
        self.nav_items.sort()

    def detail_section(self, record_type: str, template: str, context: Callable, order: int = 50,
                       column: str = "main") -> None:
        """A card on the detail page of `record_type` ("person", "organisation", "project" ...).

        The contact lists take sections too: "person_list" / "organisation_list" (above the table;
        `context(page)`), "person_export_menu" / "organisation_export_menu" (items of the export menu).
        """
        sections = self.detail_sections.setdefault(record_type, [])
        sections.append(DetailSection(order, template, context, column))
        sections.sort()

    def timeline_source(self, record_type: str, source: Callable) -> None:
        """`source(record)` returns TimelineEntry objects for the timeline of `record_type`."""
        self.timeline_sources.setdefault(record_type, []).append(source)

    def panel(self, provider: Callable) -> None:
        """`provider()` returns a start-page Panel, or None to show nothing."""
        self.panels.append(provider)

    def labels(self, *, actions: dict | None = None, entities: dict | None = None, fields: dict | None = None,
               values: dict | None = None, record_urls: dict | None = None,
               decimal_fields: set | None = None) -> None:
        """Labels for the history: audit actions, record types (tables), field names ("<field>" or
        "<table>.<field>"), stored values per "<table>.<field>", and the URL of a record per table."""
        self.actions.update(actions or {})
        self.entities.update(entities or {})
        self.fields.update(fields or {})
        for key, labels in (values or {}).items():  # several parts may add to one key ("job.kind")
            self.value_labels[key] = {**self.value_labels.get(key, {}), **labels}
        self.record_urls.update(record_urls or {})
        self.decimal_fields.update(decimal_fields or ())

    def public(self, *endpoints: str) -> None:
        """Endpoints answered without login: personal links (date poll, RSVP) and calendar feeds, each
        guarded by its own secret token."""
        self.public_endpoints.update(endpoints)

    def command(self, command) -> None:
        """A click command under `flask crm ...`."""
        self.commands.append(command)

    def demo_data(self, load: Callable, order: int = 50) -> None:
        """`load(seed)` adds this part's rows to the demo region (`flask crm seed-demo`)."""
        self.demo_loaders.append(DemoLoader(order, load))
        self.demo_loaders.sort()


def current_registry() -> Registry:
    return current_app.extensions["crm"]


def sections_for(record_type: str, record, column: str = "main") -> list[tuple[str, dict]]:
    out = []
    for section in current_registry().detail_sections.get(record_type, []):
        if section.column != column:
            continue
        context = section.context(record)
        if context is not None:
            out.append((section.template, context))
    return out
