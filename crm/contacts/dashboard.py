"""Start-page panels of the contact database: the latest changes and its size."""
from flask_babel import gettext as _
from sqlalchemy import func, select, union_all

from crm.contacts.models import Organisation, Person
from crm.core.audit import AuditLog
from crm.core.dashboard import Panel
from crm.extensions import db


def recent_changes_panel() -> Panel:
    # One short backward scan of ix_audit_log_type_at per type instead of sorting every audit row,
    # all three in one query.
    newest_first = (AuditLog.at.desc(), AuditLog.id.desc())
    newest = union_all(*(
        select(select(AuditLog.id).where(AuditLog.entity_type == entity_type).order_by(*newest_first).limit(10)
               .subquery())
        for entity_type in ("person", "organisation", "affiliation")
    ))
    rows = db.session.scalars(select(AuditLog).where(AuditLog.id.in_(newest)).order_by(*newest_first).limit(10)).all()
    return Panel(_("Recent changes"), "contacts/panel_recent_changes.html", {"rows": rows}, order=90, width=8)


def contact_counts_panel() -> Panel:
    persons, orgs = db.session.execute(select(
        select(func.count()).select_from(Person).where(Person.archived_at.is_(None)).scalar_subquery(),
        select(func.count()).select_from(Organisation).where(Organisation.archived_at.is_(None)).scalar_subquery(),
    )).one()
    return Panel(_("Contact database"), "contacts/panel_counts.html", {"persons": persons, "organisations": orgs},
                 order=95, width=4)
