"""Every route, every role: who may see it, who may change anything.

A new route fails this test until it is entered in ROUTES, so nobody forgets to decide.
"""
import pytest

from crm.core.permissions import ROLES

# endpoint -> (minimum role to use it, methods to try)
ROUTES = {
    "core.index": ("viewer", "GET"),
    "core.quick_search_json": ("viewer", "GET"),
    "core.search_page": ("viewer", "GET"),
    "contacts.person_list": ("viewer", "GET"),
    "contacts.person_detail": ("viewer", "GET"),
    "contacts.person_history": ("viewer", "GET"),
    "contacts.organisation_list": ("viewer", "GET"),
    "contacts.organisation_detail": ("viewer", "GET"),
    "contacts.organisation_history": ("viewer", "GET"),
    "auth.change_password": ("viewer", "GET"),
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
    "auth.user_list": ("admin", "GET"),
    "auth.user_create": ("admin", "GET POST"),
    "auth.user_edit": ("admin", "GET POST"),
}
PUBLIC = {"static", "auth.login", "auth.logout", "core.health", "core.set_language"}


@pytest.fixture
def ids(make_person, make_org, make_user):
    org = make_org("Markt Eschau", kind="municipality", sector="public", ags="09676120")
    person = make_person("Sweep", organisation=org)
    other = make_user("viewer", username="someone")
    return {"person_id": person.id, "org_id": org.id, "affiliation_id": person.affiliations[0].id,
            "user_id": other.id}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC == set(ROUTES), "classify new routes in ROUTES"


def _urls(app, ids):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ROUTES:
            values = {arg: ids[arg] for arg in rule.arguments}
            with app.test_request_context():
                from flask import url_for

                yield rule.endpoint, url_for(rule.endpoint, **values)


@pytest.mark.parametrize("role", ROLES)
def test_route_sweep(app, client, login, ids, role):
    login(role)
    problems = []
    for endpoint, url in _urls(app, ids):
        minimum, methods = ROUTES[endpoint]
        allowed = ROLES.index(role) >= ROLES.index(minimum)
        for method in methods.split():
            # Allowed roles get the page or a redirect after the action; others a 403.
            response = client.open(url, method=method, data={})
            if allowed and response.status_code not in (200, 302):
                problems.append(f"{role} {method} {url}: {response.status_code}, expected 200/302")
            if not allowed and response.status_code != 403:
                problems.append(f"{role} {method} {url}: {response.status_code}, expected 403")
    assert not problems, "\n".join(problems)


def test_anonymous_is_sent_to_login_everywhere(app, client, ids):
    for endpoint, url in _urls(app, ids):
        for method in ROUTES[endpoint][1].split():
            response = client.open(url, method=method, data={})
            assert response.status_code == 302 and "/anmelden" in response.headers["Location"], (method, url)


def test_viewer_sees_no_change_buttons(client, login, ids):
    login("viewer")
    html = client.get(f"/personen/{ids['person_id']}").get_data(as_text=True)
    assert "/bearbeiten" not in html and "/archivieren" not in html and "/funktionen/neu" not in html
