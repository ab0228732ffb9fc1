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
