"""Interaction log (talks, calls, visits ...), tasks and the start-page panels about them."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.interactions import cli, dashboard, timeline, views
    from crm.interactions.models import INTERACTION_KINDS, TASK_STATUSES

    registry.blueprint(views.bp)
    registry.nav("interactions.interaction_list", _l("Interactions"), order=25, prefix="interactions.interaction")
    registry.nav("interactions.task_list", _l("Tasks"), order=26, prefix="interactions.task")

    registry.timeline_source("person", timeline.person_interactions_and_tasks)
    registry.timeline_source("organisation", timeline.organisation_interactions_and_tasks)
    registry.timeline_source("project", timeline.project_interactions_and_tasks)

    registry.panel(dashboard.my_tasks_panel)
    registry.panel(dashboard.not_contacted_panel)
    registry.panel(dashboard.recent_interactions_panel)

    registry.labels(
        entities={"interaction": _l("Interaction"), "task": _l("Task"),
                  "interaction_person": _l("Persons of an interaction"),
                  "interaction_organisation": _l("Organisations of an interaction"),
                  "interaction_field": _l("Fields of action of an interaction")},
        fields={"occurred_at": _l("When"), "subject": _l("Subject"), "results": _l("Results"),
                "persons": _l("Persons"), "organisations": _l("Organisations"), "project_id": _l("Project"),
                "task.title": _l("Task"), "due_on": _l("Due on"), "task.status": _l("Status"),
                "assignee_id": _l("Assigned to"), "completed_at": _l("Completed"),
                "interaction_id": _l("Interaction"), "created_by_id": _l("Created by"),
                "task_digest": _l("Daily task e-mail")},
        values={"interaction.kind": INTERACTION_KINDS, "task.status": TASK_STATUSES},
        record_urls={"interaction": lambda i: url_for("interactions.interaction_detail", interaction_id=i)},
    )
    registry.command(cli.send_task_digest_command)
