"""Who may use the vCard and export routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "exports.vcard_person": ("viewer", "GET"),
    "exports.vcard_organisation": ("viewer", "GET"),
    "exports.export_persons": ("staff", "GET"),
    "exports.export_organisations": ("staff", "GET"),
}


def url_values(fixture):
    return {"fmt": "csv"}
