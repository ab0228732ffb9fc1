"""Decisions: minutes and decisions of meetings (the minutes text per agenda item, the LEADER check of
every vote — quorum, conflicts of interest, double quorum, interest groups, majority — stored as it
stood, the minutes as a Word document; a decision about a project moves the project on), and the
project selection (criteria, score sheets, ranking, the LAG's statement)."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.decisions import models, selection, selection_demo, selection_models, timeline, views  # noqa: F401

    registry.blueprint(views.bp)
    # the routes of the project selection, on the same blueprint
    from crm.decisions import selection_views  # noqa: F401

    registry.timeline_source("project", timeline.project_decisions)
    registry.demo_data(selection_demo.generate_selection, order=90)
    registry.detail_section("body", "decisions/selection_body.html", selection.body_selection, order=60, column="side")
    registry.labels(
        entities={"decision": _l("Decision"), "conflict_declaration": _l("Declaration of a conflict of interest"),
                  "minutes_entry": _l("Minutes of an agenda item"),
                  "selection_criterion": _l("Selection criterion"), "selection_settings": _l("Selection rules"),
                  "score_sheet": _l("Score sheet"), "score": _l("Score")},
        fields={"decision.procedure": _l("Procedure"), "votes_yes": _l("Yes"), "votes_no": _l("No"),
                "votes_abstain": _l("Abstentions"), "decision.result": _l("Result"), "decided_at": _l("Decided on"),
                "decision_id": _l("Decision"), "conflicted": _l("Conflict of interest"),
                "conflict_declaration.note": _l("Note"), "minutes_entry.text": _l("Minutes"),
                "selection_criterion.max_points": _l("Maximum points"),
                "selection_criterion.min_points": _l("Minimum points"),
                "selection_settings.min_total": _l("Minimum total"),
                "score_sheet.scored_by_id": _l("Scored by"), "score_sheet.scored_at": _l("Scored on"),
                "score_sheet.total": _l("Total"), "score_sheet.passed": _l("Minimum requirements met"),
                "score_sheet.note": _l("Note"), "score.points": _l("Points"), "score.reason": _l("Short reason"),
                "score.criterion_id": _l("Criterion"), "score.sheet_id": _l("Score sheet")},
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
