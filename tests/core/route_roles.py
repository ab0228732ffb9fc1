"""Who may use the core and account routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "core.index": ("viewer", "GET"),
    "auth.audit_search": ("admin", "GET"),
    "auth.change_password": ("viewer", "GET"),
    "auth.user_list": ("admin", "GET"),
    "auth.user_create": ("admin", "GET POST"),
    "auth.user_edit": ("admin", "GET POST"),
    "auth.user_end_sessions": ("admin", "POST"),
    "auth.user_reset_two_factor": ("admin", "POST"),
    "auth.two_factor": ("viewer", "GET"),
    "auth.two_factor_setup": ("viewer", "GET POST"),
    "auth.two_factor_new_codes": ("viewer", "POST"),
    "auth.two_factor_off": ("viewer", "POST"),
}
PUBLIC = {"static", "auth.login", "auth.login_code", "auth.logout", "core.health", "core.set_language"}


def url_values(fixture):
    return {"user_id": fixture("make_user")("viewer", username="someone").id}
