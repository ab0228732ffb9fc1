"""Start page panels. Later parts register their own panel function here."""
from dataclasses import dataclass
from typing import Callable

from flask_login import current_user
from sqlalchemy import func, select

from crm.extensions import db


@dataclass
class Panel:
    title: str
    template: str
    context: dict
    order: int = 50
    width: int = 6  # Bootstrap columns on large screens


PANEL_PROVIDERS: list[Callable[[], Panel | None]] = []


def panel(func_):
    PANEL_PROVIDERS.append(func_)
    return func_


def dashboard_panels() -> list[Panel]:
    panels = [p for p in (provider() for provider in PANEL_PROVIDERS) if p is not None]
    return sorted(panels, key=lambda p: p.order)


@panel
def recent_changes_panel() -> Panel:
    from flask_babel import gettext as _

    from crm.core.audit import AuditLog

    # One short backward scan of ix_audit_log_type_at per type instead of sorting every audit row.
    rows = []
    for entity_type in ("person", "organisation", "affiliation"):
        rows += db.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity_type == entity_type)
            .order_by(AuditLog.at.desc(), AuditLog.id.desc())
            .limit(10)
        ).all()
    rows = sorted(rows, key=lambda r: (r.at, r.id), reverse=True)[:10]
    return Panel(_("Recent changes"), "core/panel_recent_changes.html", {"rows": rows}, order=90, width=8)


@panel
def contact_counts_panel() -> Panel:
    from flask_babel import gettext as _

    from crm.contacts.models import Organisation, Person

    persons = db.session.scalar(select(func.count()).select_from(Person).where(Person.archived_at.is_(None)))
    orgs = db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.archived_at.is_(None)))
    return Panel(_("Contact database"), "core/panel_counts.html", {"persons": persons, "organisations": orgs}, order=95, width=4)
