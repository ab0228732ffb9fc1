"""Who may use the meeting routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
}
# personal links and feeds: no login, each guarded by its own secret token
PUBLIC = set()


def url_values(fixture):
    return {}
