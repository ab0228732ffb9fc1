"""Writes of bodies, projects, seats and interactions through the API: the forms' checks and German messages, the audit
trail, If-Match, and German amounts taken as the project form takes them. The answers are checked
against the OpenAPI description with the `validate` fixture of conftest.py."""
from crm.extensions import db
from tests.api.conftest import Api


def _audit(entity_type: str, entity_id: int, action: str):
    from crm.core.audit import AuditLog

    return db.session.query(AuditLog).filter_by(entity_type=entity_type, entity_id=entity_id, action=action).first()


def test_bodies_are_created_and_updated_through_the_body_form(api, data, validate):
    created = api.post("/api/v1/bodies", {"name": "AG Tourismus", "kind": "working_group",
                                          "fields_of_action": [data.fields[0].id], "max_group_share": "40"})
    assert created.status_code == 201, created.get_json()
    validate("/api/v1/bodies", "post", created)
    body = created.get_json()
    assert body["max_group_share"] == 40 and body["quorum_share"] == 50 and body["fields_of_action"] == [data.fields[0].id]
    assert _audit("body", body["id"], "create") is not None
    url = f"/api/v1/bodies/{body['id']}"
    read = api.get(url)
    validate("/api/v1/bodies/{id}", "get", read)
    etag = read.headers["ETag"]
    changed = api.patch(url, {"quorum_share": 62.5, "description": "Arbeitsgruppe der LAG"}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    validate("/api/v1/bodies/{id}", "patch", changed)
    assert changed.get_json()["quorum_share"] == 62.5 and changed.get_json()["name"] == "AG Tourismus"
    assert _audit("body", body["id"], "update") is not None
    stale = api.patch(url, {"name": "AG Freizeit"}, **{"If-Match": etag})
    assert stale.status_code == 412
    validate("/api/v1/bodies/{id}", "patch", stale)
    nameless = api.post("/api/v1/bodies", {"name": ""})
    assert nameless.status_code == 422 and nameless.get_json()["errors"]["name"] == ["Bitte geben Sie einen Namen ein."]
    validate("/api/v1/bodies", "post", nameless)
    wrong = api.post("/api/v1/bodies", {"name": "X", "quorum_share": True, "colour": "blau"})
    assert set(wrong.get_json()["errors"]) == {"quorum_share", "colour"}
    assert api.get(url).get_json()["name"] == "AG Tourismus"


def test_projects_take_german_amounts_and_numbers_and_answer_with_numbers(api, data, validate):
    sponsor = data.organisations[3]
    created = api.post("/api/v1/projects", {"title": "Radweg Maintal", "total_cost": "12.500,50",
                                            "eligible_cost": 10000, "funding_rate": 60,
                                            "sponsor_organisation_id": sponsor.id, "start_date": "2027-03-01"})
    assert created.status_code == 201, created.get_json()
    validate("/api/v1/projects", "post", created)
    project = created.get_json()
    assert project["total_cost"] == 12500.5 and project["eligible_cost"] == 10000
    assert project["funding_amount"] == 6000 and project["sponsor_organisation_id"] == sponsor.id
    assert _audit("project", project["id"], "create") is not None
    url = f"/api/v1/projects/{project['id']}"
    etag = api.get(url).headers["ETag"]
    changed = api.patch(url, {"total_cost": 13250.75, "status": "advice"}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    validate("/api/v1/projects/{id}", "patch", changed)
    assert changed.get_json()["total_cost"] == 13250.75 and changed.get_json()["status"] == "advice"
    assert _audit("project", project["id"], "update") is not None
    assert api.patch(url, {"title": "Radweg"}, **{"If-Match": etag}).status_code == 412
    bad = api.patch(url, {"eligible_cost": "zwölf"}, **{"If-Match": changed.headers["ETag"]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["eligible_cost"] == ["Bitte geben Sie einen Betrag in Euro ein, z. B. 12.500,00."]
    validate("/api/v1/projects/{id}", "patch", bad)
    negative = api.post("/api/v1/projects", {"title": "Minus", "total_cost": -5})
    assert negative.status_code == 422 and "total_cost" in negative.get_json()["errors"]
    assert api.get(url).get_json()["total_cost"] == 13250.75


def test_viewers_and_read_tokens_cannot_write_bodies_projects_seats_or_functions(client, token, data):
    from crm.projects.models import Project

    project = db.session.query(Project).first()
    for role, scope in (("viewer", "write"), ("staff", "read")):
        _user, secret = token(role, scope, username=f"{role}-{scope}")
        other = Api(client, secret)
        assert other.post("/api/v1/bodies", {"name": "AG"}).status_code == 403
        assert other.post("/api/v1/projects", {"title": "P"}).status_code == 403
        assert other.post("/api/v1/seats", {"body_id": 1, "person_id": 1}).status_code == 403
        assert other.post("/api/v1/interactions", {"subject": "S", "persons": [1]}).status_code == 403
        assert other.post("/api/v1/functions", {"person_id": 1, "organisation_id": 1,
                                                "function_label": "Kassier"}).status_code == 403
        assert other.patch(f"/api/v1/projects/{project.id}", {"title": "P"},
                           **{"If-Match": f'"{project.version}"'}).status_code == 403


def test_24_seats_of_a_body_are_created_through_the_api_and_corrected_with_the_seat_forms_checks(api, data, validate):
    body = api.post("/api/v1/bodies", {"name": "LAG-Entscheidungsgremium 2027", "kind": "lag_decision"}).get_json()
    seats = []
    for i in range(24):
        created = api.post("/api/v1/seats", {"body_id": body["id"], "person_id": data.persons[30 + i].id,
                                             "organisation_id": data.organisations[i % 12].id,
                                             "valid_from": "2027-01-01", "resolution": "LAG-Beschluss 2026/12"})
        assert created.status_code == 201, created.get_json()
        seats.append(created.get_json())
    validate("/api/v1/seats", "post", created)
    assert _audit("seat", seats[0]["id"], "create") is not None
    listed = api.get(f"/api/v1/seats?body_id={body['id']}&limit=100").get_json()["items"]
    assert len(listed) == 24 and all(s["voting"] and s["role"] == "member" for s in listed)
    # one person holds one seat at a time in a body: the same message as the seat form
    twice = api.post("/api/v1/seats", {"body_id": body["id"], "person_id": data.persons[30].id,
                                       "valid_from": "2027-06-01"})
    assert twice.status_code == 422, twice.get_json()
    assert twice.get_json()["errors"]["valid_from"][0].endswith(
        "hat bereits einen Sitz in diesem Gremium (seit 01.01.2027). Beenden Sie zuerst diesen Sitz oder "
        "wählen Sie andere Daten.")
    validate("/api/v1/seats", "post", twice)
    nobody = api.post("/api/v1/seats", {"body_id": body["id"], "person_id": 999999, "valid_from": "2027-01-01"})
    assert nobody.status_code == 422 and list(nobody.get_json()["errors"]) == ["person_id"]
    url = f"/api/v1/seats/{seats[5]['id']}"
    etag = api.get(url).headers["ETag"]
    own_deputy = api.patch(url, {"deputy_id": seats[5]["person_id"]}, **{"If-Match": etag})
    assert own_deputy.status_code == 422
    assert own_deputy.get_json()["errors"] == {"deputy_id": ["Eine Person kann nicht ihre eigene Stellvertretung sein."]}
    changed = api.patch(url, {"deputy_id": data.persons[100].id, "voting": False}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    validate("/api/v1/seats/{id}", "patch", changed)
    assert changed.get_json()["deputy_id"] == data.persons[100].id and changed.get_json()["voting"] is False
    assert changed.get_json()["valid_from"] == "2027-01-01" and changed.get_json()["id"] == seats[5]["id"]
    assert _audit("seat", seats[5]["id"], "update") is not None
    assert api.patch(url, {"voting": True}, **{"If-Match": etag}).status_code == 412
    moved = api.patch(url, {"body_id": data.persons[0].id}, **{"If-Match": changed.headers["ETag"]})
    assert moved.status_code == 422 and "body_id" in moved.get_json()["errors"]


def test_interactions_are_recorded_and_changed_through_the_interaction_form(api, data, validate):
    from crm.projects.models import Project

    project = db.session.query(Project).first()
    persons = [data.persons[7].id, data.persons[8].id]
    created = api.post("/api/v1/interactions", {
        "occurred_at": "2026-11-20T09:30:00Z", "kind": "visit", "subject": "Abstimmung Dorfladen",
        "persons": persons, "organisations": [data.organisations[2].id], "project_id": project.id,
        "fields_of_action": [data.fields[1].id]})
    assert created.status_code == 201, created.get_json()
    validate("/api/v1/interactions", "post", created)
    record = created.get_json()
    assert sorted(record["persons"]) == persons and record["organisations"] == [data.organisations[2].id]
    assert record["occurred_at"].startswith("2026-11-20T09:30") and record["project_id"] == project.id
    assert _audit("interaction", record["id"], "create") is not None
    url = f"/api/v1/interactions/{record['id']}"
    etag = api.get(url).headers["ETag"]
    changed = api.patch(url, {"results": "Mietvertrag bis Januar", "persons": [persons[0]]}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    validate("/api/v1/interactions/{id}", "patch", changed)
    body = changed.get_json()
    assert body["persons"] == [persons[0]] and body["results"] == "Mietvertrag bis Januar"
    assert body["occurred_at"].startswith("2026-11-20T09:30") and body["subject"] == "Abstimmung Dorfladen"
    assert _audit("interaction", record["id"], "update") is not None
    assert api.patch(url, {"subject": "Neu"}, **{"If-Match": etag}).status_code == 412
    nobody = api.patch(url, {"persons": [], "organisations": []}, **{"If-Match": changed.headers["ETag"]})
    assert nobody.status_code == 422
    assert nobody.get_json()["errors"] == {"persons": ["Bitte fügen Sie mindestens eine Person oder Organisation hinzu."]}
    validate("/api/v1/interactions/{id}", "patch", nobody)
    empty = api.post("/api/v1/interactions", {"persons": persons, "occurred_at": "gestern"})
    assert empty.status_code == 422 and list(empty.get_json()["errors"]) == ["occurred_at"]
    untitled = api.post("/api/v1/interactions", {"persons": persons, "occurred_at": "2026-11-20T10:00:00"})
    assert untitled.get_json()["errors"] == {"subject": ["Bitte geben Sie einen Betreff ein."]}


def test_the_documentation_page_shows_the_writes(client, login, validate):
    writable = sorted(path for path, item in validate.spec["paths"].items() if "patch" in item)
    assert writable == [f"/api/v1/{name}/{{id}}" for name in sorted(
        ("bodies", "functions", "interactions", "organisations", "persons", "projects", "seats", "tasks"))]
    login("staff")
    page = client.get("/api/dokumentation").get_data(as_text=True)
    assert page.count(">PATCH</span>") == 8 and page.count(">POST</span>") == 8


def test_functions_are_added_and_changed_through_the_function_form(api, data, make_function, validate):
    """A person's function at an organisation: the catalogue function or a free text, as the form offers."""
    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin")
    person, org = data.persons[50], data.organisations[4]  # works at data.organisations[2] already (primary)
    created = api.post("/api/v1/functions", {"person_id": person.id, "organisation_id": org.id,
                                             "function_id": mayor.id, "email": "rathaus@example.org",
                                             "valid_from": "2026-05-01"})
    assert created.status_code == 201, created.get_json()
    validate("/api/v1/functions", "post", created)
    function = created.get_json()
    assert function["function"] == "Erste Bürgermeisterin" and function["function_id"] == mayor.id
    assert function["is_primary"] is False  # as the form: primary only when the person has no other function
    assert _audit("affiliation", function["id"], "create") is not None
    url = f"/api/v1/functions/{function['id']}"
    read = api.get(url)
    validate("/api/v1/functions/{id}", "get", read)
    etag = read.headers["ETag"]
    assert etag == f'"{function["version"]}"'
    changed = api.patch(url, {"function_id": None, "function_label": "Geschäftsleiterin", "is_primary": True},
                        **{"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    validate("/api/v1/functions/{id}", "patch", changed)
    body = changed.get_json()
    assert body["function"] == "Geschäftsleiterin" and body["is_primary"] is True
    assert body["email"] == "rathaus@example.org" and body["valid_from"] == "2026-05-01"  # untouched
    assert changed.headers["ETag"] != etag and _audit("affiliation", function["id"], "update") is not None
    others = api.get(f"/api/v1/functions?person_id={person.id}").get_json()["items"]
    assert [f["is_primary"] for f in others if f["id"] != function["id"]] == [False]  # one primary function

    stale = api.patch(url, {"department": "Bauamt"}, **{"If-Match": etag})
    assert stale.status_code == 412
    validate("/api/v1/functions/{id}", "patch", stale)
    assert api.patch(url, {"department": "Bauamt"}).status_code == 428
    etag = changed.headers["ETag"]
    cases = [
        ({"function_label": ""}, {"function_id": ["Bitte wählen Sie eine Funktion aus oder geben Sie sie als "
                                                  "Freitext ein."]}),
        ({"valid_from": "2026-06-01", "valid_to": "2026-01-31"}, {"valid_to": ["Das Enddatum liegt vor dem "
                                                                               "Anfangsdatum."]}),
        ({"organisation_id": None}, {"organisation_id": ["Bitte wählen Sie eine Organisation aus der Liste."]}),
        ({"person_id": data.persons[51].id}, {"person_id": ["Dieses Feld kann nicht geändert werden."]}),
        ({"function_id": 999999}, {"function_id": None}),
        ({"email": "kein-at"}, {"email": None}),
        ({"function": "Kassier", "farbe": "rot", "is_primary": "ja"},
         {"function": ["Dieses Feld kann nicht geändert werden."], "farbe": ["Unbekanntes Feld."],
          "is_primary": ["Falscher Typ: erwartet wahr oder falsch."]}),
    ]
    for payload, expected in cases:
        answer = api.patch(url, payload, **{"If-Match": etag})
        assert answer.status_code == 422, (payload, answer.get_json())
        validate("/api/v1/functions/{id}", "patch", answer)
        errors = answer.get_json()["errors"]
        assert set(errors) == set(expected), (payload, errors)
        assert all(errors[k] == v for k, v in expected.items() if v is not None), (payload, errors)
    assert api.get(url).headers["ETag"] == etag  # nothing saved

    nobody = api.post("/api/v1/functions", {"organisation_id": org.id, "function_label": "Kassier"})
    assert nobody.status_code == 422 and list(nobody.get_json()["errors"]) == ["person_id"]
    validate("/api/v1/functions", "post", nobody)
    first = api.post("/api/v1/persons", {"last_name": "Neu"}).get_json()
    only = api.post("/api/v1/functions", {"person_id": first["id"], "organisation_id": org.id,
                                          "function_label": "Kassier"})
    assert only.status_code == 201 and only.get_json()["is_primary"] is True  # the first function: primary


def test_a_seat_that_breaks_the_49_percent_rule_is_saved_with_the_body_pages_warning(api, data, validate, login):
    """The seat form saves a seat even when an interest group then holds more than 49 % (the body page warns);
    the API does the same and names the warning in the answer."""
    from crm.network.models import InterestGroup

    groups = [InterestGroup(name=name, sector=sector) for name, sector in
              (("Wirtschaft und Tourismus", "economy"), ("Soziales", "civil_society"), ("Umwelt", "civil_society"))]
    db.session.add_all(groups)
    db.session.commit()
    body = api.post("/api/v1/bodies", {"name": "LAG-Entscheidungsgremium 2028", "kind": "lag_decision"}).get_json()
    sizes = [11, 7, 6]  # of 24 voting members: 45,8 %, 29,2 %, 25 %
    seats = []
    for i in range(24):
        group = groups[0 if i < sizes[0] else 1 if i < sizes[0] + sizes[1] else 2]
        created = api.post("/api/v1/seats", {"body_id": body["id"], "person_id": data.persons[40 + i].id,
                                             "interest_group_id": group.id, "valid_from": "2026-01-01"})
        assert created.status_code == 201, created.get_json()
        seats.append(created.get_json())
    validate("/api/v1/seats", "post", created)
    assert seats[-1]["warnings"] == []
    assert "warnings" not in api.get(f"/api/v1/seats/{seats[-1]['id']}").get_json()  # only after a write

    url = f"/api/v1/seats/{seats[-1]['id']}"
    moved = api.patch(url, {"interest_group_id": groups[0].id}, **{"If-Match": api.get(url).headers["ETag"]})
    assert moved.status_code == 200, moved.get_json()  # saved, as the form saves it
    validate("/api/v1/seats/{id}", "patch", moved)
    assert moved.get_json()["interest_group_id"] == groups[0].id
    assert moved.get_json()["warnings"] == [{
        "kind": "group_over_limit",
        "message": "Die Interessengruppe Wirtschaft und Tourismus hält 50\u00a0% der Stimmen; zulässig sind "
                   "höchstens 49\u00a0%."}]
    assert _audit("seat", seats[-1]["id"], "update") is not None
    login("viewer")
    page = api.client.get(f"/gremien/{body['id']}").get_data(as_text=True)
    assert moved.get_json()["warnings"][0]["message"] in page  # the same words as on the body page

    future = api.post("/api/v1/seats", {"body_id": body["id"], "person_id": data.persons[90].id,
                                        "interest_group_id": groups[0].id, "valid_from": "2031-01-01"})
    assert future.status_code == 201  # 13 of 25 from 2031 on: counted on the seat's first day
    assert [w["kind"] for w in future.get_json()["warnings"]] == ["group_over_limit"]
    assert "52\u00a0%" in future.get_json()["warnings"][0]["message"]
