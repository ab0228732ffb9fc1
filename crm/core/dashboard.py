"""Start page panels: each part declares its own with `registry.panel(provider)`."""
from dataclasses import dataclass

from crm.core.registry import current_registry


@dataclass
class Panel:
    title: str
    template: str
    context: dict
    order: int = 50
    width: int = 6  # Bootstrap columns on large screens


def dashboard_panels() -> list[Panel]:
    panels = [p for p in (provider() for provider in current_registry().panels) if p is not None]
    return sorted(panels, key=lambda p: p.order)
