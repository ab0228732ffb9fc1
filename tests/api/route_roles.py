"""Who may use the API-access pages (see tests/core/test_routes_by_role.py).

The API itself authenticates with tokens (tests/api/test_api.py)."""

ROUTES = {
    "api_access.page": ("viewer", "GET"),
    "api_access.create_token": ("viewer", "POST"),
    "api_access.revoke_token": ("viewer", "POST"),
    "api_access.docs": ("viewer", "GET"),
}
PUBLIC = {"api.collection", "api.record", "api.create", "api.update", "api.openapi"}


def url_values(fixture):
    from crm.api import tokens
    from crm.extensions import db

    row, _secret = tokens.create(fixture("make_user")("viewer", username="apiowner"), "Programm", "read")
    db.session.commit()
    return {"token_id": row.id, "name": "persons", "record_id": 1}
