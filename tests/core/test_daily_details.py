"""Small things of daily use (issue 9, item 23): confirmations, the assignee list, the seat form's
organisation, download headers, the favicon and the admin commands in German."""
import re
from datetime import date

import pytest

from crm.extensions import db

# ------------------------------------------------------------------ ending a function asks first


def test_ending_a_function_asks_for_a_confirmation(client, login, make_person, make_org, make_function):
    login("staff")
    town = make_org("Markt Elsenfeld", kind="municipality", sector="public", ags="09676122")
    second = make_function("Zweiter Bürgermeister", "Zweite Bürgermeisterin", "Bürgermeister", "Bürgermeisterin")
    person = make_person("Alt", "Berta", organisation=town, function=second)
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*class="[^"]*end-function[^"]*"[^>]*>', html, re.S).group(0)
    assert ('data-confirm="Funktion „Zweite Bürgermeisterin“ bei Markt Elsenfeld zum angegebenen Datum beenden? '
            'Sie bleibt im Verlauf erhalten."') in form


# ------------------------------------------------------------------ "Zuständig": me once


@pytest.mark.parametrize("url", ["/aufgaben/neu", "/interaktionen/neu"])
def test_assignee_list_has_me_once(client, login, make_user, url):
    me = login("staff", full_name="Sabine Schreiber")
    make_user("manager", full_name="Moritz Manager")
    html = client.get(url).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="(assignee_id|followup_assignee)".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert options[0] == "ich" and "Moritz Manager" in options
    assert me.display_name not in options


def test_editing_my_own_task_keeps_me_as_assignee(client, login, make_user):
    from crm.interactions.models import Task

    me = login("staff", full_name="Sabine Schreiber")
    task = Task(title="Antrag prüfen", assignee=me, created_by=me, due_on=date(2026, 12, 10))
    db.session.add(task)
    db.session.commit()
    html = client.get(f"/aufgaben/{task.id}/bearbeiten").get_data(as_text=True)
    assert re.search(r'<option selected value="0">ich</option>|<option value="0" selected>ich</option>', html)
    response = client.post(f"/aufgaben/{task.id}/bearbeiten", data={"title": "Antrag prüfen", "assignee_id": "0", "project_id": "0",
                                                                   "due_on": "2026-12-10"})
    assert response.status_code == 302
    assert db.session.get(Task, task.id).assignee_id == me.id


# ------------------------------------------------------------------ seat form: organisation from the function


def test_person_picker_offers_the_organisation_of_the_current_function(client, login, make_person, make_org):
    login("staff")
    chamber = make_org("IHK Aschaffenburg", kind="chamber", sector="economy")
    hans = make_person("Berger", "Hans", gender="male", organisation=chamber)
    make_person("Bergmann", "Eva")  # no function: nothing to prefill
    rows = {r["label"]: r for r in client.get("/suche/schnell?q=Berg").get_json()["persons"]}
    assert rows["Hans Berger"]["organisation_id"] == chamber.id
    assert rows["Hans Berger"]["organisation"] == "IHK Aschaffenburg"
    assert rows["Eva Bergmann"]["organisation_id"] is None
    assert hans.id == rows["Hans Berger"]["id"]


def test_seat_form_links_the_person_picker_to_the_organisation_picker(client, login, app):
    from crm.network.models import Body

    login("staff")
    body = Body(name="AK Wirtschaft", kind="working_group")
    db.session.add(body)
    db.session.commit()
    html = client.get(f"/gremien/{body.id}/sitze/neu").get_data(as_text=True)
    assert 'data-fill-organisation="#picker-box-organisation_id"' in html
    assert 'id="picker-box-organisation_id"' in html


# ------------------------------------------------------------------ downloads: one charset


def test_text_downloads_name_their_charset_once(client, login, make_person, session):
    from crm.network.models import Body

    login("staff")
    person = make_person("Bäcker", "Änne")
    body = Body(name="AK Wirtschaft", kind="working_group")
    db.session.add(body)
    db.session.commit()
    expected = {
        "/export/personen.csv": "text/csv; charset=utf-8",
        "/export/organisationen.csv": "text/csv; charset=utf-8",
        "/export/personen.vcf": "text/vcard; charset=utf-8",
        f"/vcard/personen/{person.id}.vcf": "text/vcard; charset=utf-8",
        "/interaktionen?export=csv": "text/csv; charset=utf-8",
        f"/gremien/{body.id}/mitglieder.csv": "text/csv; charset=utf-8",
        f"/gremien/{body.id}/mitglieder.vcf": "text/vcard; charset=utf-8",
    }
    for url, content_type in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == content_type, url


# ------------------------------------------------------------------ favicon


def test_every_page_links_a_favicon_that_exists(client, login):
    login("viewer")
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', html).group(1)
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith("<svg")


# ------------------------------------------------------------------ admin commands answer in German


def test_demo_login_prints_the_port_it_is_given(app, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.setenv("PORT", "8123")
    result = runner.invoke(args=["crm", "demo-login"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "mit dem Passwort „regionetz-demo“ anmelden" in result.output
    result = runner.invoke(args=["crm", "demo-login", "--host", "0.0.0.0", "--port", "5050"])
    assert "http://0.0.0.0:5050/" in result.output


def test_create_user_answers_in_german(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "create-user", "kurt", "--role", "staff", "--password", "lang-genug-1"])
    assert result.exit_code == 0, result.output
    assert "Benutzer „kurt“ mit der Rolle Geschäftsstelle angelegt." in result.output
    result = runner.invoke(args=["crm", "create-user", "kurt", "--password", "lang-genug-1"])
    assert result.exit_code != 0 and "Den Benutzer „kurt“ gibt es schon." in result.output
    result = runner.invoke(args=["crm", "create-user", "karl", "--password", "kurz"])
    assert result.exit_code != 0 and "Das Passwort braucht mindestens 8 Zeichen (höchstens 200)." in result.output


def test_reindex_and_digest_answer_in_german(app, session):
    runner = app.test_cli_runner()
    assert "Suchindex neu aufgebaut." in runner.invoke(args=["crm", "reindex"]).output
    result = runner.invoke(args=["crm", "send-task-digest"])
    assert result.exit_code == 0 and "Aufgaben-E-Mail an 0 Benutzer/innen gesendet." in result.output
