"""Start-page panels of the interaction log: my tasks, recent interactions, not contacted."""
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.models import FieldOfAction
from crm.contacts.services import catalogue
from crm.core.converters import arg_id, parse_int
from crm.core.dashboard import Panel
from crm.interactions import services


def my_tasks_panel():
    tasks = services.tasks_for(current_user, status="open")
    overdue = sum(1 for t in tasks if t.is_overdue)
    return Panel(_("My tasks"), "interactions/panel_tasks.html", {"tasks": tasks[:12], "total": len(tasks),
                                                                  "overdue": overdue}, order=5)


def not_contacted_panel():
    months = parse_int(request.args.get("monate"), 6)
    months = months if months in (3, 6, 9, 12, 24) else 6
    field_id = arg_id("handlungsfeld")
    rows = services.not_contacted(months=months, field_id=field_id)
    return Panel(_("Not contacted for %(months)d months", months=months), "interactions/panel_not_contacted.html",
                 {"rows": rows, "months": months, "field_id": field_id, "fields": catalogue(FieldOfAction)}, order=60)


def recent_interactions_panel():
    return Panel(_("Recent interactions"), "interactions/panel_recent.html",
                 {"interactions": services.recent_interactions(8)}, order=55)
