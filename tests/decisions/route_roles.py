"""Who may use the minutes, decision and project selection routes (see tests/core/test_routes_by_role.py).

The meeting ids (meeting_id, item_id: a network meeting with an item without a vote) come from
tests/meetings/route_roles.py; a second meeting here would overwrite them for the meeting routes."""

ROUTES = {
    "decisions.minutes": ("viewer", "GET"),
    "decisions.item_save": ("staff", "POST"),
    "decisions.minutes_docx": ("staff", "GET"),
    # project selection (crm/decisions/selection_views.py)
    "decisions.selection_criteria": ("viewer", "GET"),
    "decisions.selection_criterion_add": ("staff", "POST"),
    "decisions.selection_min_total": ("staff", "POST"),
    "decisions.selection_criterion_edit": ("staff", "GET POST"),
    "decisions.selection_criterion_move": ("staff", "POST"),
    "decisions.selection_criterion_archive": ("staff", "POST"),
    "decisions.score_sheet": ("viewer", "GET"),
    "decisions.score_sheet_save": ("staff", "POST"),
    "decisions.project_ranking": ("viewer", "GET"),
    "decisions.statement_docx": ("staff", "GET"),
}
PUBLIC = set()


def url_values(fixture):
    """A LAG decision body with one selection criterion (body, project and meeting ids come from their parts)."""
    from crm.decisions import selection
    from crm.extensions import db
    from crm.network.models import Body

    body = Body(name="Sweep-LAG", kind="lag_decision")
    db.session.add(body)
    db.session.flush()
    criterion = selection.save_criterion(None, body, {"title": "Innovation", "max_points": "3", "min_points": "1"})
    db.session.commit()
    return {"criterion_id": criterion.id}


# circulation ballot (crm/decisions/ballot_views.py)
ROUTES.update({
    "decisions.ballot_list": ("viewer", "GET"),
    "decisions.ballot_create": ("staff", "GET POST"),
    "decisions.ballot_detail": ("viewer", "GET"),
    "decisions.ballot_item_add": ("staff", "POST"),
    "decisions.ballot_item_remove": ("staff", "POST"),
    "decisions.ballot_start": ("staff", "POST"),
    "decisions.ballot_retry": ("staff", "POST"),
    "decisions.ballot_voter_channel": ("staff", "POST"),
    "decisions.ballot_letters": ("staff", "POST"),
    "decisions.ballot_close": ("staff", "POST"),
    "decisions.ballot_result_docx": ("staff", "GET"),
})
# the member's ballot: no login, guarded by the personal code
PUBLIC |= {"decisions.ballot_answer", "decisions.ballot_code"}
_selection_values = url_values


def url_values(fixture):  # noqa: F811
    """An open circulation ballot of a small body with two items and one voter by letter (started
    without sending: the sweep's "start" is then refused, nothing goes to an SMTP server)."""
    from datetime import date, timedelta

    from crm.core import time as clock
    from crm.decisions import ballots
    from crm.extensions import db
    from crm.network.models import Body, Seat

    values = _selection_values(fixture)
    org = fixture("make_org")("Markt Sweepstadt", kind="municipality", sector="public", street="Markt 1",
                              postcode="63897", city="Sweepstadt")
    person = fixture("make_person")(last_name="Stimmer", first_name="Sven", gender="male", organisation=org)
    body = Body(name="Sweep-Umlauf", kind="lag_decision")
    db.session.add_all([body, Seat(body=body, person=person, organisation=org, role="member", voting=True,
                                   valid_from=date(2023, 1, 1))])
    db.session.flush()
    ballot = ballots.create_ballot(body, {"title": "Umlauf Sweep", "deadline": clock.utcnow() + timedelta(days=3),
                                          "item_title": "Punkt 1"}, None)
    item = ballots.add_item(ballot, {"title": "Punkt 2"})
    ballot.status, ballot.started_at = "open", clock.utcnow()
    voter = ballot.voters[0]
    voter.channel = "letter"
    db.session.commit()
    return {**values, "ballot_id": ballot.id, "ballot_item_id": item.id, "voter_id": voter.id}
