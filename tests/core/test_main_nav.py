"""The main navigation is rendered once per app process for each role, language and page (crm/core/nav.py):
what a user sees in it must still be what their role may use, in their language, with the page they are on
marked."""
import re

from tests.conftest import PASSWORD


def _nav(client) -> str:
    page = client.get("/personen").get_data(as_text=True)
    return page[page.index('id="mainnav"'):page.index('id="quicksearch"')]


def _log_in(app, user):
    client = app.test_client()
    assert client.post("/anmelden", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_nav_follows_role_language_and_page(app, make_user):
    viewer, staff, admin = make_user("viewer"), make_user("staff"), make_user("admin")
    as_staff, as_viewer, as_admin = _log_in(app, staff), _log_in(app, viewer), _log_in(app, admin)

    staff_nav = _nav(as_staff)  # the staff's navigation is rendered (and kept) first
    assert 'href="/personen/neu"' in staff_nav  # the "+" menu
    viewer_nav = _nav(as_viewer)
    assert 'href="/personen/neu"' not in viewer_nav
    assert 'href="/benutzer"' not in viewer_nav
    assert 'href="/benutzer"' in _nav(as_admin)

    active = re.findall(r'class="nav-link active" aria-current="page" href="([^"]+)"', viewer_nav)
    assert active == ["/personen"]
    organisations = as_viewer.get("/organisationen").get_data(as_text=True)
    assert re.findall(r'class="nav-link active" aria-current="page" href="([^"]+)"', organisations) == [
        "/organisationen"]

    assert ">Personen<" in viewer_nav
    as_viewer.post("/sprache", data={"lang": "en", "next": "/personen"})
    assert ">Persons<" in _nav(as_viewer)
    assert ">Personen<" in _nav(as_staff)  # the other users keep their language
