"""Decisions: minutes and decisions of meetings (the minutes text per agenda item, the LEADER check of
every vote — quorum, conflicts of interest, double quorum, interest groups, majority — stored as it
stood, the minutes as a Word document; a decision about a project moves the project on), and the
project selection (criteria, score sheets, ranking, the LAG's statement)."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.decisions import (  # noqa: F401
        ballot_models,
        ballots,
        cli,
        models,
        selection,
        selection_demo,
        selection_models,
        timeline,
        views,
    )

    registry.blueprint(views.bp)
    # the routes of the project selection and of the circulation ballot, on the same blueprint
    from crm.decisions import ballot_views, selection_views  # noqa: F401

    # the member's ballot through the personal link (or the code of the letter): no login
    registry.public("decisions.ballot_answer", "decisions.ballot_code")
    registry.nav("decisions.ballot_list", _l("Circulation ballots"), order=36, prefix="decisions.ballot", menu="more")
    registry.timeline_source("project", timeline.project_ballots)
    registry.detail_section("body", "decisions/ballot_body.html", ballots.body_ballots, order=65, column="side")
    registry.command(cli.close_due_ballots_command)

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
    registry.labels(
        entities={"ballot": _l("Circulation ballot"), "ballot_item": _l("Item of a circulation ballot"),
                  "ballot_voter": _l("Voter of a circulation ballot"), "ballot_vote": _l("Vote")},
        fields={"ballot.deadline": _l("Deadline"), "ballot.text": _l("Personal text"),
                "ballot.created_by_id": _l("Created by"), "ballot.started_by_id": _l("Started by"),
                "ballot.started_at": _l("Started on"), "ballot.closed_by_id": _l("Closed by"),
                "ballot.closed_at": _l("Closed on"), "ballot_id": _l("Circulation ballot"),
                "ballot_item.text": _l("Wording of the resolution"), "ballot_item.result": _l("Result"),
                "ballot_voter.email": _l("E-mail"), "ballot_voter.sent_at": _l("Link sent on"),
                "ballot_voter.send_error": _l("Not delivered"), "ballot_voter.letter_at": _l("Letter written on"),
                "ballot_voter.answered_at": _l("Voted on"),
                "ballot_voter.late_attempts": _l("Attempts after the deadline"),
                "ballot_voter.last_late_at": _l("Last attempt after the deadline"), "voter_id": _l("Voter"),
                "item_id": _l("Item"), "ballot_vote.vote": _l("Vote")},
        record_urls={"ballot": lambda i: url_for("decisions.ballot_detail", ballot_id=i)},
        values={"ballot.status": ballot_models.BALLOT_STATUSES, "ballot_voter.role": ballot_models.VOTER_ROLES,
                "ballot_voter.channel": ballot_models.BALLOT_CHANNELS, "ballot_vote.vote": ballot_models.VOTES},
    )


def _decision_url(decision_id: int) -> str | None:
    from crm.decisions.models import Decision
    from crm.extensions import db

    decision = db.session.get(Decision, decision_id)
    if decision is None:
        return None
    return url_for("decisions.minutes", meeting_id=decision.agenda_item.meeting_id) + f"#item-{decision.agenda_item_id}"
