"""What the project pipeline adds to the project timeline: status steps, milestones, other changes.

Status changes come from the audit log (every change of `status` is recorded there by
`Audited`), so nothing extra has to be stored when a card moves on the board.
"""
from flask_babel import gettext as _

from crm.core import time as clock
from crm.core.audit import history_for
from crm.core.labels import field_label
from crm.core.timeline import TimelineEntry
from crm.projects.models import PROJECT_STATUSES


def _status(key) -> str:
    return str(PROJECT_STATUSES.get(key, key or "–"))


def _by(row) -> str:
    return _("by %(user)s", user=row.user_name)


def project_status_and_changes(project):
    entries = []
    for row in history_for("project", project.id, 100):
        changes = row.changes or {}
        if row.action == "create":
            entries.append(TimelineEntry(
                row.at, "status", _("Project created"),
                _("Status: %(status)s", status=_status(changes.get("status", [None, project.status])[1])),
                detail=_by(row),
            ))
            continue
        if "status" in changes:
            old, new = changes["status"]
            entries.append(TimelineEntry(row.at, "status", _("Status changed"), f"{_status(old)} → {_status(new)}",
                                         detail=_by(row)))
        others = [key for key in changes if key != "status"]
        if row.action in ("archive", "restore"):
            title = _("Project archived") if row.action == "archive" else _("Project restored")
            entries.append(TimelineEntry(row.at, "change", _("Change"), title, detail=_by(row)))
        elif others:
            fields = ", ".join(field_label(key) for key in others)
            entries.append(TimelineEntry(row.at, "change", _("Change"), _("Changed: %(fields)s", fields=fields),
                                         detail=_by(row)))
    for when, label in ((project.selected_on, _("Selected by the LAG")), (project.approved_on, _("Funding approved")),
                        (project.start_date, _("Project start")), (project.end_date, _("Project end"))):
        if when:
            entries.append(TimelineEntry(when, "milestone", _("Milestone"), label, open=when > clock.today()))
    return entries
