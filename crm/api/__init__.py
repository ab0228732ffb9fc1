"""REST API (/api/v1) for other tools: persons, organisations, functions, bodies and seats, projects,
interactions and tasks; token authentication, cursor pages, ETags, an OpenAPI 3.1 description."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.api import account_views, views

    registry.blueprint(views.bp)
    registry.blueprint(account_views.bp)
    # API calls authenticate with their token (views.authenticated), never with the login session.
    registry.public("api.collection", "api.record", "api.create", "api.update", "api.openapi")
    registry.labels(entities={"api_token": _l("API token")},
                    fields={"api_token.label": _l("Used by"), "api_token.scope": _l("Access"),
                            "api_token.revoked_at": _l("Revoked on"), "api_token.user_id": _l("User"),
                            "api_token.created_at": _l("Created")},
                    values={"api_token.scope": {"read": _l("read only"), "write": _l("read and write")}})
