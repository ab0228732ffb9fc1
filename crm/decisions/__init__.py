"""Minutes and decisions of meetings: the minutes text per agenda item, the LEADER check of every
vote (quorum, conflicts of interest, double quorum, interest groups, majority) stored as it stood,
the minutes as a Word document; a decision about a project moves the project on."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.decisions import models, timeline, views

    registry.blueprint(views.bp)
    registry.timeline_source("project", timeline.project_decisions)
    registry.labels(
        entities={"decision": _l("Decision"), "conflict_declaration": _l("Declaration of a conflict of interest"),
                  "minutes_entry": _l("Minutes of an agenda item")},
        fields={"decision.procedure": _l("Procedure"), "votes_yes": _l("Yes"), "votes_no": _l("No"),
                "votes_abstain": _l("Abstentions"), "decision.result": _l("Result"), "decided_at": _l("Decided on"),
                "decision_id": _l("Decision"), "conflicted": _l("Conflict of interest"),
                "conflict_declaration.note": _l("Note"), "minutes_entry.text": _l("Minutes")},
        record_urls={"decision": lambda i: _decision_url(i)},
        values={"decision.procedure": models.PROCEDURES, "decision.result": models.RESULTS},
    )


def _decision_url(decision_id: int) -> str | None:
    from crm.decisions.models import Decision
    from crm.extensions import db

    decision = db.session.get(Decision, decision_id)
    if decision is None:
        return None
    return url_for("decisions.minutes", meeting_id=decision.agenda_item.meeting_id) + f"#item-{decision.agenda_item_id}"
