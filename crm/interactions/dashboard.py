"""Start-page panels of the interaction log: my tasks, recent interactions, not contacted."""
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.models import FieldOfAction
from crm.contacts.services import catalogue
from crm.core.converters import parse_id, parse_int
from crm.core.dashboard import Panel
from crm.interactions import services


def my_tasks_panel():
    tasks = services.tasks_for(current_user, status="open")
    overdue = sum(1 for t in tasks if t.is_overdue)
    return Panel(_("My tasks"), "interactions/panel_tasks.html", {"tasks": tasks[:12], "total": len(tasks),
                                                                  "overdue": overdue}, order=5)


MONTH_CHOICES = (3, 6, 9, 12, 24)


def not_contacted_filters(args) -> tuple[int, int | None]:
    """(months, field of action id) from the start page's or the full list's query string."""
    months = parse_int(args.get("monate"), 6)
    months = months if months in MONTH_CHOICES else 6
    field_id = parse_id(args.get("handlungsfeld"))
    return months, field_id


def not_contacted_panel():
    months, field_id = not_contacted_filters(request.args)
    rows, total = services.not_contacted_panel_rows(months=months, field_id=field_id)
    return Panel(_("Not contacted for %(months)d months", months=months), "interactions/panel_not_contacted.html",
                 {"rows": rows, "total": total, "months": months, "field_id": field_id,
                  "fields": catalogue(FieldOfAction), "month_choices": MONTH_CHOICES}, order=60)


def recent_interactions_panel():
    return Panel(_("Recent interactions"), "interactions/panel_recent.html",
                 {"interactions": services.recent_interactions(8)}, order=55)
