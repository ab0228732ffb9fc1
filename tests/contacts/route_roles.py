"""Who may use the contact routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "contacts.quick_search_json": ("viewer", "GET"),
    "contacts.search_page": ("viewer", "GET"),
    "contacts.person_list": ("viewer", "GET"),
    "contacts.person_detail": ("viewer", "GET"),
    "contacts.person_history": ("viewer", "GET"),
    "contacts.organisation_list": ("viewer", "GET"),
    "contacts.organisation_detail": ("viewer", "GET"),
    "contacts.organisation_history": ("viewer", "GET"),
    "contacts.person_create": ("staff", "GET POST"),
    "contacts.person_edit": ("staff", "GET POST"),
    "contacts.person_archive": ("staff", "POST"),
    "contacts.person_restore": ("staff", "POST"),
    "contacts.affiliation_create": ("staff", "GET POST"),
    "contacts.affiliation_edit": ("staff", "GET POST"),
    "contacts.affiliation_end": ("staff", "POST"),
    "contacts.organisation_create": ("staff", "GET POST"),
    "contacts.organisation_edit": ("staff", "GET POST"),
    "contacts.organisation_archive": ("staff", "POST"),
    "contacts.organisation_restore": ("staff", "POST"),
}


def url_values(fixture):
    """Records for the URL parameters of these routes; `fixture` gets a pytest fixture by name."""
    org = fixture("make_org")("Markt Eschau", kind="municipality", sector="public", ags="09676120")
    person = fixture("make_person")("Sweep", organisation=org)
    return {"person_id": person.id, "org_id": org.id, "affiliation_id": person.affiliations[0].id}
