"""Decisions about a project on the project's timeline."""
from flask import url_for
from flask_babel import gettext as _

from crm.core.timeline import TimelineEntry
from crm.decisions import services


def project_decisions(project):
    entries = []
    for decision in services.project_decisions(project):
        item = decision.agenda_item
        meeting = item.meeting
        entries.append(TimelineEntry(
            decision.decided_at, "decision", _("Decision"), f"{meeting.title}: {item.title}",
            detail=_("Result: %(result)s", result=decision.result_label),
            url=url_for("decisions.minutes", meeting_id=meeting.id) + f"#item-{item.id}"))
    return entries


def project_ballots(project):
    """Circulation ballots that decided about the project (once closed)."""
    from crm.decisions import ballots

    return [TimelineEntry(
        item.ballot.closed_at, "decision", _("Circulation ballot"), f"{item.ballot.title}: {item.title}",
        detail=_("Result: %(result)s", result=item.result_label),
        url=url_for("decisions.ballot_detail", ballot_id=item.ballot_id) + f"#item-{item.id}")
        for item in ballots.project_ballot_items(project)]
