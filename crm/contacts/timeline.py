"""What the contact database itself adds to timelines: functions taken up and ended, changes."""
from flask import url_for
from flask_babel import gettext as _

from crm.core.audit import history_for, history_of_records
from crm.core.labels import action_label, entity_label, field_label
from crm.core.timeline import TimelineEntry


def _function_entries(affiliations, title_of, url_of) -> list[TimelineEntry]:
    entries = []
    for a in affiliations:
        if a.valid_from:
            entries.append(TimelineEntry(a.valid_from, "function", _("Function taken up"), title_of(a), url=url_of(a)))
        if a.valid_to and not a.is_current:
            entries.append(TimelineEntry(a.valid_to, "function", _("Function ended"), title_of(a), url=url_of(a)))
    return entries


def _change_entries(rows) -> list[TimelineEntry]:
    entries = []
    for row in rows:
        if row.action == "update":
            fields = ", ".join(field_label(k, row.entity_type) for k in row.changes)
            title = _("%(what)s changed: %(fields)s", what=entity_label(row.entity_type), fields=fields)
        else:
            title = f"{entity_label(row.entity_type)} {action_label(row.action)}"
        entries.append(TimelineEntry(row.at, "change", _("Change"), title, detail=_("by %(user)s", user=row.user_name)))
    return entries


def person_functions_and_changes(person):
    def title(a):
        return f"{a.function_name or _('(no function)')} · {a.organisation.name}"

    rows = history_of_records({"person": person.id, "affiliation": [a.id for a in person.affiliations]}, 50)
    def url(a):
        return url_for("contacts.organisation_detail", org_id=a.organisation_id)

    return _function_entries(person.affiliations, title, url) + _change_entries(rows)


def organisation_functions_and_changes(org):
    def title(a):
        return f"{a.person.full_name}: {a.function_name or _('(no function)')}"

    def url(a):
        return url_for("contacts.person_detail", person_id=a.person_id)

    return _function_entries(org.affiliations, title, url) + _change_entries(history_for("organisation", org.id, 30))
