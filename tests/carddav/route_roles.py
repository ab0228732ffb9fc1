"""Who may use the address-book routes (see tests/core/test_routes_by_role.py).

The CardDAV routes log in with HTTP Basic and an app password (tests/carddav/test_carddav.py)."""

ROUTES = {
    "addressbooks.page": ("viewer", "GET"),
    "addressbooks.create_password": ("viewer", "POST"),
    "addressbooks.revoke_password": ("viewer", "POST"),
}
PUBLIC = {"carddav.well_known", "carddav.root", "carddav.principal", "carddav.home", "carddav.book", "carddav.card"}


def url_values(fixture):
    from crm.carddav import passwords
    from crm.extensions import db

    row, _secret = passwords.create(fixture("make_user")("viewer", username="phoneowner"), "Telefon")
    db.session.commit()
    return {"password_id": row.id}
