"""Interactions and tasks on the timelines of persons, organisations and projects."""
from flask import url_for
from flask_babel import gettext as _

from crm.core.timeline import TimelineEntry
from crm.interactions.services import interactions_and_tasks_of


def _entries(kind: str, record_id: int) -> list[TimelineEntry]:
    interactions, tasks = interactions_and_tasks_of(kind, record_id)
    entries = [
        TimelineEntry(
            i.occurred_at, "interaction", i.kind_label, i.subject, detail=i.results,
            url=url_for("interactions.interaction_detail", interaction_id=i.id),
        )
        for i in interactions
    ]
    for t in tasks:
        url = url_for("interactions.task_edit", task_id=t.id)
        if t.is_open:
            label = _("Task overdue") if t.is_overdue else _("Task open")
            when = t.due_on or t.created_at
            entries.append(TimelineEntry(when, "task", label, t.title, detail=t.notes, url=url, open=True))
        else:
            entries.append(TimelineEntry(t.completed_at or t.updated_at, "task", _("Task done"), t.title, url=url))
    return entries


def person_interactions_and_tasks(person):
    return _entries("person", person.id)


def organisation_interactions_and_tasks(org):
    return _entries("organisation", org.id)


def project_interactions_and_tasks(project):
    return _entries("project", project.id)
