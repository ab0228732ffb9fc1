"""Contacts on the phone: read-only CardDAV address books (all contacts, per body, per Verteiler)
with app passwords, found from the server address (/.well-known/carddav)."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.carddav import account_views, views

    registry.blueprint(views.bp)
    registry.blueprint(account_views.bp)
    # CardDAV clients log in with HTTP Basic and an app password, never with the login form.
    registry.public("carddav.well_known", "carddav.root", "carddav.principal", "carddav.home", "carddav.book",
                    "carddav.card")
    registry.labels(entities={"app_password": _l("App password")},
                    fields={"app_password.label": _l("Device"), "app_password.revoked_at": _l("Revoked on"),
                            "app_password.user_id": _l("User"), "app_password.created_at": _l("Created")})
