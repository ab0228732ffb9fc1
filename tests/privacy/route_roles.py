"""Who may use the data-protection routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "privacy.objection": ("staff", "POST"),
    "privacy.access_json": ("staff", "GET"),
    "privacy.access_letter": ("staff", "GET"),
    "privacy.erase": ("manager", "GET POST"),
    "privacy.erase_many": ("manager", "GET POST"),
    "privacy.review_list": ("staff", "GET"),
    "privacy.review_action": ("staff", "POST"),
    "privacy.processing_record": ("staff", "GET"),
}
# the routes take the sweep's person_id (tests/contacts/route_roles.py)
EXPORTS = {"privacy.access_json": [{}], "privacy.access_letter": [{}]}

