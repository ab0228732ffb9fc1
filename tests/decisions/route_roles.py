"""Who may use the minutes and decision routes (see tests/core/test_routes_by_role.py).

The URL values (meeting_id, item_id: a network meeting with an item without a vote) come from
tests/meetings/route_roles.py; a second meeting here would overwrite them for the meeting routes."""

ROUTES = {
    "decisions.minutes": ("viewer", "GET"),
    "decisions.item_save": ("staff", "POST"),
    "decisions.minutes_docx": ("staff", "GET"),
}
