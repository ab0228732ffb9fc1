"""Two people editing the same record: the second save must not silently win.

Each edit form carries the record's version; a save from a form loaded before somebody
else's save is refused with a German message naming who changed which fields, the user's
input stays in the form, nothing is saved; saving once more then overwrites knowingly.
"""
import re
from datetime import date, datetime, timezone
from html.parser import HTMLParser

import pytest

from crm.extensions import db
from tests.conftest import PASSWORD


class _FormFields(HTMLParser):
    """Name -> value(s) of the form holding the hidden `version` field, as a browser would post it."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea, self._option = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append([])
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.forms[-1].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
            self._option = None
        elif tag == "option" and self._select:
            if self._option is None:
                self._option = (self._select, a.get("value", ""))  # first option: what a browser posts by default
            if "selected" in a:
                self.forms[-1].append((self._select, a.get("value", "")))
                self._option = False
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if self._option:
                self.forms[-1].append(self._option)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1].append(tuple(self._textarea))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def edit_form(client, url) -> dict:
    parser = _FormFields()
    response = client.get(url)
    assert response.status_code == 200
    parser.feed(response.get_data(as_text=True))
    fields = next(f for f in parser.forms if any(name == "version" for name, _ in f))
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


@pytest.fixture
def two_users(app, client, login, make_user):
    """(client of Anna Vogel, client of Bernd Beispiel): two people at two desks."""
    anna_client = client
    login("staff", full_name="Anna Vogel")
    bernd = make_user("staff", full_name="Bernd Beispiel")
    bernd_client = app.test_client()
    assert bernd_client.post("/anmelden", data={"username": bernd.username, "password": PASSWORD}).status_code == 302
    return anna_client, bernd_client


def _record(kind, make_person, make_org):
    from crm.interactions.models import Interaction
    from crm.network.models import Body, Seat
    from crm.projects.models import Project

    person = make_person("Zöller", "Thomas", gender="male")
    if kind == "person":
        record = person
    elif kind == "organisation":
        record = make_org("Markt Eschau", kind="municipality", sector="public", ags="09676122")
    elif kind == "body":
        record = Body(name="Arbeitskreis Tourismus", kind="working_group")
    elif kind == "seat":
        record = Seat(body=Body(name="LAG Entscheidungsgremium", kind="lag_decision"), person=person,
                      valid_from=date(2020, 1, 1), role="member")
    elif kind == "project":
        record = Project(title="Dorfladen Mönchberg")
    elif kind == "affiliation":
        from crm.contacts.models import Affiliation

        record = Affiliation(person=person, organisation=make_org("Markt Eschau"), function_label="Kassier",
                             is_primary=True)
    else:
        record = Interaction(subject="Telefonat Förderung", kind="phone", persons=[person],
                             occurred_at=datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc))
    db.session.add(record)
    db.session.commit()
    return record


# kind: (edit URL, field Bernd changes, field Anna changes, German label of Bernd's field)
CASES = {
    "person": ("/personen/{}/bearbeiten", "last_name", "email", "Nachname"),
    "organisation": ("/organisationen/{}/bearbeiten", "name", "city", "Name"),
    "body": ("/gremien/{}/bearbeiten", "name", "short_name", "Name"),
    "seat": ("/sitze/{}/aendern", "role", "resolution", "Rolle"),
    "project": ("/projekte/{}/bearbeiten", "title", "description", "Titel"),
    "interaction": ("/interaktionen/{}/bearbeiten", "subject", "results", "Betreff"),
    "affiliation": ("/funktionen/{}/bearbeiten", "department", "function_label", "Abteilung"),
}
BERNDS_VALUE = {"role": "vice_chair", "email": "anna@example.org", "city": "Eschau"}


@pytest.mark.parametrize("kind", list(CASES))
def test_stale_save_is_refused_with_who_changed_what_and_input_kept(kind, two_users, make_person, make_org):
    anna, bernd = two_users
    record = _record(kind, make_person, make_org)
    url, bernds_field, annas_field, label = CASES[kind]
    url = url.format(record.id)

    annas_form = edit_form(anna, url)  # Anna opens the form ...
    bernds_form = edit_form(bernd, url)  # ... and so does Bernd, who saves first.
    if kind == "seat":
        bernds_form["mode"] = annas_form["mode"] = "correct"
    bernds_value = BERNDS_VALUE.get(bernds_field, "Von Bernd geändert")
    bernds_form[bernds_field] = bernds_value
    saved = bernd.post(url, data=bernds_form)
    assert saved.status_code == 302, re.findall(r'name="(\w+)"[^>]*is-invalid|is-invalid[^>]*name="(\w+)"|invalid-feedback[^>]*>([^<]+)', saved.get_data(as_text=True))

    annas_value = "anna@example.org" if annas_field == "email" else "Annas Eingabe 4711"
    annas_form[annas_field] = annas_value
    response = anna.post(url, data=annas_form)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "inzwischen" in html and "Bernd Beispiel" in html and label in html
    assert annas_value in html  # her input is still in the form
    db.session.expire_all()
    assert getattr(record, bernds_field) == bernds_value  # Bernd's save stands ...
    assert getattr(record, annas_field) != annas_value  # ... and nothing of Anna's was saved

    # The form now carries the current version: saving again overwrites knowingly.
    retry = edit_form_from(html)
    assert anna.post(url, data=retry).status_code == 302
    db.session.expire_all()
    assert getattr(record, annas_field) == annas_value


def edit_form_from(html: str) -> dict:
    parser = _FormFields()
    parser.feed(html)
    fields = next(f for f in parser.forms if any(name == "version" for name, _ in f))
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def test_a_save_racing_past_the_check_is_refused_too(two_users, make_person):
    """Between the version check and the UPDATE another transaction commits: StaleDataError -> same message."""
    from sqlalchemy import text

    from crm.contacts import services
    from crm.core.concurrency import StaleEdit, versioned_edit

    person = make_person("Zöller", "Thomas", gender="male")
    seen = person.version
    with pytest.raises(StaleEdit) as refused:
        with versioned_edit(person, seen):  # the check passes ...
            db.session.execute(text("UPDATE person SET version = version + 1 WHERE id = :id"), {"id": person.id})
            services.save_person(person, {"last_name": "Zoeller", "gender": "male"})  # ... the UPDATE does not
    db.session.rollback()
    assert "Nichts wurde gespeichert" in refused.value.message
    assert db.session.get(type(person), person.id).last_name == "Zöller"


def test_only_tags_changed_still_bumps_the_version(make_person, session):
    from crm.contacts import services

    person = make_person("Zöller", "Thomas", gender="male")
    before = person.version
    person.tags = services.resolve_tags(["Dorfladen"])
    session.commit()
    assert person.version == before + 1


def test_version_is_not_a_change_in_the_history(make_person, session):
    from crm.core.audit import history_for

    person = make_person("Zöller", "Thomas", gender="male")
    person.city = "Eschau"
    session.commit()
    assert "version" not in history_for("person", person.id)[0].changes


def test_a_tag_created_by_two_users_at_once_is_no_server_error(client, login, make_person, monkeypatch):
    """Both look the tag up, find nothing, insert it: the second insert hits the unique name."""
    from crm.contacts import services
    from crm.contacts.models import Tag

    login("staff")
    person = make_person("Zöller", "Thomas", gender="male")
    db.session.add(Tag(name="Dorfladen"))  # the other user's insert, committed after our lookup
    db.session.commit()
    monkeypatch.setattr(services, "_existing_named", lambda model, folded: {})  # our lookup came first

    form = edit_form(client, f"/personen/{person.id}/bearbeiten")
    form["tags"] = "Dorfladen, Direktvermarktung"
    response = client.post(f"/personen/{person.id}/bearbeiten", data=form)

    assert response.status_code == 302
    db.session.expire_all()
    assert [t.name for t in person.tags] == ["Direktvermarktung", "Dorfladen"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Tag).where(Tag.name == "Dorfladen")) == 1


def test_a_save_with_a_new_tag_is_one_history_entry(client, login, make_person):
    """The tag insert runs in a SAVEPOINT; the person's change and the tags still make one audit row."""
    from crm.core.audit import history_for

    login("staff")
    person = make_person("Zöller", "Thomas", gender="male")
    form = edit_form(client, f"/personen/{person.id}/bearbeiten")
    form.update(email="thomas.zoeller@example.org", tags="Streuobst")
    assert client.post(f"/personen/{person.id}/bearbeiten", data=form).status_code == 302
    rows = [r for r in history_for("person", person.id) if r.action == "update"]
    assert len(rows) == 1 and {"email", "tags"} <= set(rows[0].changes)


def test_a_lost_tag_race_keeps_the_persons_change_in_the_history(client, login, make_person, monkeypatch):
    from crm.contacts import services
    from crm.contacts.models import Tag
    from crm.core.audit import history_for

    login("staff")
    person = make_person("Zöller", "Thomas", gender="male")
    db.session.add(Tag(name="Dorfladen"))
    db.session.commit()
    monkeypatch.setattr(services, "_existing_named", lambda model, folded: {})
    form = edit_form(client, f"/personen/{person.id}/bearbeiten")
    form.update(email="thomas.zoeller@example.org", tags="Dorfladen")
    assert client.post(f"/personen/{person.id}/bearbeiten", data=form).status_code == 302
    db.session.expire_all()
    assert person.email == "thomas.zoeller@example.org" and [t.name for t in person.tags] == ["Dorfladen"]
    rows = [r for r in history_for("person", person.id) if r.action == "update"]
    assert len(rows) == 1 and {"email", "tags"} <= set(rows[0].changes)
