"""Decisions: minutes, votes, quorum rules, ballots and the project selection (criteria, score sheets,
ranking, the LAG's statement)."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.decisions import selection_models, views  # noqa: F401

    registry.blueprint(views.bp)
    from crm.decisions import selection, selection_demo, selection_views  # noqa: F401

    registry.demo_data(selection_demo.generate_selection, order=90)
    registry.detail_section("body", "decisions/selection_body.html", selection.body_selection, order=60, column="side")

    registry.labels(
        entities={"selection_criterion": _l("Selection criterion"), "selection_settings": _l("Selection rules"),
                  "score_sheet": _l("Score sheet"), "score": _l("Score")},
        fields={"selection_criterion.max_points": _l("Maximum points"),
                "selection_criterion.min_points": _l("Minimum points"),
                "selection_settings.min_total": _l("Minimum total"),
                "score_sheet.scored_by_id": _l("Scored by"), "score_sheet.scored_at": _l("Scored on"),
                "score_sheet.total": _l("Total"), "score_sheet.passed": _l("Minimum requirements met"),
                "score_sheet.note": _l("Note"), "score.points": _l("Points"), "score.reason": _l("Short reason"),
                "score.criterion_id": _l("Criterion"), "score.sheet_id": _l("Score sheet")},
    )
