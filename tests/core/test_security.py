"""Security walk over the routes: CSRF on every form, script payloads escaped everywhere they show,
SQL metacharacters in search, filters and sort harmless, no open redirects."""
import pytest
from sqlalchemy import func, select

from crm.core.audit import AuditLog
from crm.extensions import db
from tests.core.test_routes_by_role import ROUTES, _urls

PAYLOAD = "<script>alert('rn-xss')</script>\"'><img src=x onerror=alert(1)>"
RAW = ("<script>alert('rn-xss')", "<img src=x onerror")


def test_every_form_refuses_a_post_without_its_csrf_token(app, client, login, ids):
    login("admin")
    before = db.session.scalar(select(func.count(AuditLog.id)))
    app.config["WTF_CSRF_ENABLED"] = True
    problems = []
    try:
        for endpoint, url in _urls(app, ids):
            if "POST" not in ROUTES[endpoint][1].split():
                continue
            response = client.post(url, data={"name": "x", "title": "x", "last_name": "x"})
            if response.status_code != 400:
                problems.append(f"{endpoint} {url}: {response.status_code}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not problems, "\n".join(problems)
    assert db.session.scalar(select(func.count(AuditLog.id))) == before  # nothing changed


@pytest.fixture
def payload_records(make_org, make_person, make_function):
    """A person, an organisation, a body, a project, an interaction and a Verteiler named with a script."""
    from crm.interactions.models import Interaction
    from crm.network.models import Body, Seat
    from crm.projects.models import Project
    from crm.segments.models import Segment, SegmentMember

    org = make_org(f"Verein {PAYLOAD}", city=PAYLOAD)
    person = make_person(last_name=f"Heß{PAYLOAD}", first_name=PAYLOAD, organisation=org,
                         function=make_function(f"Vorsitz{PAYLOAD}", f"Vorsitzende{PAYLOAD}"), notes=PAYLOAD)
    body = Body(name=f"Gremium {PAYLOAD}", kind="working_group")
    project = Project(title=f"Projekt {PAYLOAD}", description=PAYLOAD, sponsor_person_id=person.id)
    segment = Segment(name=f"Verteiler {PAYLOAD}", kind="fixed", description=PAYLOAD)
    db.session.add_all([body, project, segment])
    db.session.flush()
    db.session.add_all([Seat(body=body, person=person, organisation=org, role="member", voting=True,
                             valid_from=org.created_at.date()),
                        SegmentMember(segment_id=segment.id, person_id=person.id),
                        Interaction(subject=f"Gespräch {PAYLOAD}", results=PAYLOAD, kind="talk", persons=[person],
                                    organisations=[org], project=project)])
    db.session.commit()
    return {"person": person, "org": org, "body": body, "project": project, "segment": segment}


def test_script_payloads_come_back_escaped_on_every_page_that_shows_them(client, login, payload_records):
    login("admin")
    r = payload_records
    pages = ["/", "/personen", "/personen?q=heß", "/organisationen", "/gremien", "/projekte", "/interaktionen",
             "/verteiler", f"/personen/{r['person'].id}", f"/personen/{r['person'].id}/verlauf",
             f"/organisationen/{r['org'].id}", f"/gremien/{r['body'].id}", f"/projekte/{r['project'].id}",
             f"/verteiler/{r['segment'].id}", "/suche/schnell?q=heß", "/suche?q=heß", "/api/dokumentation",
             "/aenderungen", "/projekte/board"]
    seen = 0
    for url in pages:
        response = client.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data(as_text=True)
        if response.is_json:
            # Data for the page's scripts, which put it in with textContent (see below), never as HTML.
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            seen += "rn-xss" in body
            continue
        for raw in RAW:
            assert raw not in body, f"{url} shows the payload unescaped"
        seen += "rn-xss" in body
    assert seen >= 10  # the payload is shown (escaped) on most of these pages


def test_the_pages_scripts_never_write_html_from_data():
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "crm" / "static"
    for script in static.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in text, f"{script.name} uses {sink}"


@pytest.mark.parametrize("query", ["' OR 1=1 --", "\"; DROP TABLE person; --", "%' UNION SELECT password_hash FROM "
                                   "\"user\" --", "\\", "%_%", "\x00", "ä' || (SELECT 1) || '"])
def test_sql_metacharacters_in_search_filters_and_sort_do_no_harm(client, login, payload_records, query):
    login("viewer")
    persons = db.session.scalar(select(func.count()).select_from(db.metadata.tables["person"]))
    urls = [f"/personen?q={query}", f"/organisationen?q={query}", f"/suche/schnell?q={query}",
            f"/personen?sort={query}", f"/personen?municipality={query}&tag={query}&field={query}",
            f"/organisationen?kind={query}&sector={query}", f"/interaktionen?q={query}&kind={query}",
            f"/projekte?status={query}&q={query}", f"/personen?page={query}&per_page={query}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        text = response.get_data(as_text=True)
        assert "scrypt:" not in text and "pbkdf2:" not in text  # no password hash leaked into a page
    assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["person"])) == persons


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:evil.example"])
def test_the_language_switch_sends_nobody_away(client, login, target):
    login("viewer")
    response = client.post("/sprache", data={"lang": "de", "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and not location.startswith("javascript"), location


def test_a_nul_character_in_a_form_is_refused_and_nothing_saved(client, login, make_person):
    from crm.contacts.models import Person

    login("staff")
    person = make_person(last_name="Heß")
    response = client.post(f"/personen/{person.id}/bearbeiten", data={"last_name": "He\x00ß", "version": 1})
    assert response.status_code == 400 and "Ungültige Anfrage" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).last_name == "Heß"
