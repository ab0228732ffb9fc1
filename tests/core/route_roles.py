"""Who may use the core and account routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "core.index": ("viewer", "GET"),
    "auth.change_password": ("viewer", "GET"),
    "auth.user_list": ("admin", "GET"),
    "auth.user_create": ("admin", "GET POST"),
    "auth.user_edit": ("admin", "GET POST"),
    "auth.user_end_sessions": ("admin", "POST"),
}
PUBLIC = {"static", "auth.login", "auth.logout", "core.health", "core.set_language"}


def url_values(fixture):
    return {"user_id": fixture("make_user")("viewer", username="someone").id}
