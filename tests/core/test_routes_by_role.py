"""Every route, every role: who may see it, who may change anything.

A new route fails this test until it is entered in its part's tests/<part>/route_roles.py,
so nobody forgets to decide.
"""
import importlib
from pathlib import Path

import pytest

from crm.core.permissions import EXPORT_ROLE, ROLES


def _route_modules():
    """Every tests/<part>/route_roles.py: ROUTES = {endpoint: (minimum role, methods)}, url_values()."""
    modules = []
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/route_roles.py")):
        modules.append(importlib.import_module(f"tests.{path.parent.name}.route_roles"))
    return modules


MODULES = _route_modules()
ROUTES = {endpoint: rule for module in MODULES for endpoint, rule in module.ROUTES.items()}
PUBLIC = set().union(*(getattr(module, "PUBLIC", set()) for module in MODULES))
EXPORTS = {endpoint: queries for module in MODULES for endpoint, queries in getattr(module, "EXPORTS", {}).items()}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC == set(ROUTES), "classify new routes in tests/<part>/route_roles.py"


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


def test_every_export_route_uses_the_export_policy(app):
    exports = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "is_export", False)}
    assert {"exports.export_persons", "network.members_csv"} <= exports
    assert {endpoint: ROUTES[endpoint][0] for endpoint in exports} == {endpoint: EXPORT_ROLE for endpoint in exports}


@pytest.mark.parametrize("role", ROLES)
def test_exports_follow_one_policy(app, client, login, ids, role):
    """Bulk exports, also those on a page's own route (?export=csv), are for staff and above."""
    login(role)
    allowed = ROLES.index(role) >= ROLES.index(EXPORT_ROLE)
    for rule in app.url_map.iter_rules():
        for query in EXPORTS.get(rule.endpoint, []):
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments}, **query)
            response = client.get(url)
            assert response.status_code == (200 if allowed else 403), (role, url)
            if allowed:
                assert response.headers["Content-Disposition"].startswith("attachment")
                assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", ROLES)
def test_confidential_fields_by_role(app, client, login, make_person, make_org, role):
    """Private address, phone and e-mail and the confidential notes: hidden from viewers on the pages,
    in the history and in the vCard; everyone else sees them."""
    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.imports.models import ContactDetail

    secrets = ["privat.huber@example.org", "Geheimweg 7", "63916", "Vertraulich: Schuldnerberatung",
               "+49 170 9876543", "privat-zwei@example.org"]
    person = make_person("Huber", first_name="Agnes", email=secrets[0], street=secrets[1], postcode=secrets[2],
                         city="Amorbach", mobile="+491709876543", confidential_notes=secrets[3],
                         notes="Öffentliche Notiz")
    db.session.add(ContactDetail(person_id=person.id, kind="email", label="HOME", value=secrets[5]))
    db.session.commit()
    person = db.session.get(Person, person.id)
    person.street = "Geheimweg 8"
    db.session.commit()
    login(role)
    sees = role != "viewer"
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    card = client.get(f"/vcard/personen/{person.id}.vcf").get_data(as_text=True)
    history = client.get(f"/personen/{person.id}/verlauf")
    history_html = history.get_data(as_text=True) if history.status_code == 200 else ""
    listing = client.get("/personen?q=Huber").get_data(as_text=True)
    assert "Öffentliche Notiz" in html and "Agnes" in card
    for secret in (secrets[0], "Geheimweg", secrets[3], "9876543", secrets[5]):
        assert (secret in html or secret in card) == sees, (role, secret)
        assert secret not in history_html or sees, (role, secret)
    assert ("Amorbach" in listing) == sees
    if not sees:
        assert "vertraulich (für Ihre Rolle nicht sichtbar)" in html
        assert "ADR;TYPE=HOME" not in card and "HOME" not in card
        assert history.status_code == 200 and "vertraulich (für Ihre Rolle nicht sichtbar)" in history_html
