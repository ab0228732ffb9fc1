"""A create form sent twice (back button, double click) creates one record (issue 9, item 14)."""
import re

import pytest

from crm.core.once import FormSubmission
from crm.extensions import db


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def token_in(html: str) -> str:
    # app.js copies it into the input's value (see crm/core/once.py)
    match = re.search(r'<input[^>]*data-once-token="([0-9a-f]{32})"[^>]*name="once_token"', html)
    assert match, "the form carries no one-time token"
    return match.group(1)


def _person(fx):
    from crm.contacts.models import Person
    return "/personen/neu", {"gender": "female", "last_name": "Huber", "first_name": "Anna", "formal": "1",
                             "country": "DE", "legal_basis": "art6_1e"}, Person


def _organisation(fx):
    from crm.contacts.models import Organisation
    return "/organisationen/neu", {"name": "Heimatverein Sulzbach", "kind": "association", "sector": "civil_society",
                                   "country": "DE", "parent_id": 0, "municipality_id": 0}, Organisation


def _affiliation(fx):
    from crm.contacts.models import Affiliation
    person, org = fx("make_person")("Meier"), fx("make_org")("Sportverein Elsenfeld")
    return f"/personen/{person.id}/funktionen/neu", {"organisation_id": org.id, "organisation_label": org.name,
                                                     "function_id": 0, "function_label": "Kassier"}, Affiliation


def _interaction(fx):
    from crm.interactions.models import Interaction
    person = fx("make_person")("Kontakt")
    return "/interaktionen/neu", {"kind": "phone", "occurred_at": "2026-11-23T08:25", "subject": "Dorfladen",
                                  "results": "Kostenschätzung kommt.", "person_ids": [person.id], "project_id": 0,
                                  "followup_assignee": 0}, Interaction


def _task(fx):
    from crm.interactions.models import Task
    return "/aufgaben/neu", {"title": "Förderantrag prüfen", "assignee_id": 0, "person_id": 0, "organisation_id": 0,
                             "project_id": 0}, Task


def _project(fx):
    from crm.projects.models import Project
    return "/projekte/neu", {"title": "Dorfladen Kleinwallstadt", "status": "idea", "programme": "leader",
                             "project_type": "", "cooperation": "", "description": ""}, Project


def _body(fx):
    from crm.network.models import Body
    return "/gremien/neu", {"name": "LAG Spessart-Mainland", "short_name": "LAG", "kind": "lag_decision",
                            "parent_id": 0, "description": "", "quorum_share": "50", "max_group_share": "49",
                            "min_non_public_share": "50"}, Body


def _seat(fx):
    from crm.network.models import Body, Seat
    body = Body(name="Lenkungsgruppe", kind="steering_group")
    db.session.add(body)
    db.session.commit()
    person = fx("make_person")("Bauer")
    return f"/gremien/{body.id}/sitze/neu", {
        "person_id": person.id, "person_label": person.full_name, "organisation_id": "", "organisation_label": "",
        "role": "member", "voting": "y", "interest_group_id": 0, "deputy_id": "", "deputy_label": "",
        "valid_from": "2024-01-01", "valid_to": "", "resolution": ""}, Seat


@pytest.mark.parametrize("case", [_person, _organisation, _affiliation, _interaction, _task, _project, _body, _seat])
def test_sending_a_create_form_again_leads_to_the_record_already_created(client, login, request, case):
    login("manager")
    url, data, model = case(request.getfixturevalue)
    data["once_token"] = token_in(client.get(url).get_data(as_text=True))
    before = count(model)
    first = client.post(url, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    assert count(model) == before + 1

    again = client.post(url, data=data)  # the back button, then "Save" once more
    assert again.status_code == 302
    created = db.session.scalars(db.select(model).order_by(model.id.desc())).first()
    expected = f"/interaktionen/{created.id}" if model.__tablename__ == "interaction" else first.headers["Location"]
    assert again.headers["Location"] == expected  # the interaction itself, not wherever the first save went
    assert count(model) == before + 1
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Dieses Formular war bereits gespeichert" in page

    # a fresh form (new token) creates another record as before
    data["once_token"] = token_in(client.get(url).get_data(as_text=True))
    if model.__tablename__ in ("organisation", "seat"):
        return  # a second one would be a look-alike / a double seat, refused for other reasons
    assert client.post(url, data=data).status_code == 302
    assert count(model) == before + 2


def test_a_token_is_bound_to_its_record_type_and_survives_a_failed_attempt(client, login):
    from crm.contacts.models import Person

    login("staff")
    token = token_in(client.get("/personen/neu").get_data(as_text=True))
    data = {"gender": "female", "last_name": "", "formal": "1", "country": "DE", "legal_basis": "art6_1e",
            "once_token": token}
    html = client.post("/personen/neu", data=data).get_data(as_text=True)
    assert "Bitte geben Sie einen Nachnamen ein." in html
    assert token_in(html) == token  # the corrected form keeps its token
    assert count(FormSubmission) == 0
    data["last_name"] = "Huber"
    assert client.post("/personen/neu", data=data).status_code == 302
    assert count(Person) == 1
    # the same token on another create form is not taken for that form's record
    response = client.post("/aufgaben/neu", data={"title": "Anrufen", "assignee_id": 0, "person_id": 0,
                                                  "organisation_id": 0, "project_id": 0, "once_token": token})
    assert response.status_code == 302 and "/personen/" not in response.headers["Location"]
