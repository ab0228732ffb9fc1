"""The REST API: every endpoint's answers validated against its own OpenAPI description, writes
through the forms' checks, optimistic locking with If-Match, tokens and scopes."""

from crm.extensions import db
from tests.api.conftest import PERSONS, Api


def test_every_endpoint_answers_as_its_description_says(api, data, validate):
    for path in validate.spec["paths"]:
        if path.endswith("{id}"):
            continue
        name = path.rsplit("/", 1)[1]
        seen, url = [], path + "?limit=50"
        while url:
            response = api.get(url)
            assert response.status_code == 200, (url, response.get_json())
            validate(path, "get", response)
            body = response.get_json()
            seen += [item["id"] for item in body["items"]]
            url = f"{path}?limit=50&cursor={body['next_cursor']}" if body["next_cursor"] else None
        assert seen == sorted(set(seen)), name  # no record twice, in id order
        assert seen, f"{name}: the fixture has records of every kind"
        one = api.get(f"{path}/{seen[0]}")
        validate(path + "/{id}", "get", one)
        assert one.get_json()["id"] == seen[0]
        missing = api.get(f"{path}/999999")
        assert missing.status_code == 404
        validate(path + "/{id}", "get", missing)
    persons = []
    url = "/api/v1/persons?limit=200"
    persons = api.get(url).get_json()["items"]
    assert len(persons) == PERSONS and persons[0]["last_name"] == "Heß"


def test_filters_and_their_errors(api, data):
    org = data.organisations[0]
    at_org = api.get(f"/api/v1/persons?organisation_id={org.id}").get_json()["items"]
    assert len(at_org) == PERSONS // 12 and all(p["last_name"] for p in at_org)
    found = api.get("/api/v1/persons?q=heß").get_json()["items"]
    assert found and all(p["last_name"].startswith("Heß") for p in found)
    assert api.get("/api/v1/persons?q=hess").get_json()["items"] == found  # folded as in the quick search
    data.persons[3].archived_at = data.persons[3].created_at
    db.session.commit()
    assert len(api.get("/api/v1/persons?limit=200").get_json()["items"]) == PERSONS - 1
    assert [p["id"] for p in api.get("/api/v1/persons?archived=true").get_json()["items"]] == [data.persons[3].id]
    bad = api.get("/api/v1/persons?farbe=blau&limit=500&archived=vielleicht&cursor=xyz")
    assert bad.status_code == 400
    errors = bad.get_json()["errors"]
    assert set(errors) == {"farbe", "limit", "archived", "cursor"}
    assert errors["farbe"] == ["Unbekannter Parameter."]


def test_an_update_needs_the_current_etag_and_changes_only_what_was_sent(api, data, validate):
    from crm.core.audit import AuditLog

    person = data.persons[0]
    url = f"/api/v1/persons/{person.id}"
    read = api.get(url)
    etag = read.headers["ETag"]
    assert etag == f'"{person.version}"'
    assert api.get(url, **{"If-None-Match": etag}).status_code == 304

    changed = api.patch(url, {"phone": "09371 4711", "tags": ["Presse", "LAG"]}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    validate("/api/v1/persons/{id}", "patch", changed)
    body = changed.get_json()
    assert body["phone"] == "+49 9371 4711" and sorted(body["tags"]) == ["LAG", "Presse"]
    assert body["last_name"] == "Heß" and body["email"] == "p0@example.org"  # untouched fields stay as they were
    assert changed.headers["ETag"] == f'"{body["version"]}"' != etag
    entry = db.session.query(AuditLog).filter_by(entity_type="person", entity_id=person.id, action="update") \
        .order_by(AuditLog.id.desc()).first()
    assert entry is not None and "phone" in entry.changes and entry.user_name

    stale = api.patch(url, {"phone": "0000"}, **{"If-Match": etag})  # the ETag read before the change
    assert stale.status_code == 412
    validate("/api/v1/persons/{id}", "patch", stale)
    assert api.patch(url, {"phone": "0000"}).status_code == 428
    db.session.expire_all()
    assert db.session.get(type(person), person.id).phone == "+49 9371 4711"  # nothing saved


def test_bad_writes_name_the_field_in_german_and_change_nothing(api, data, validate):
    person = data.persons[1]
    url = f"/api/v1/persons/{person.id}"
    etag = api.get(url).headers["ETag"]
    cases = [
        ({"lieblingsfarbe": "blau"}, "lieblingsfarbe", "Unbekanntes Feld."),
        ({"id": 5}, "id", "Dieses Feld kann nicht geändert werden."),
        ({"formal": "ja"}, "formal", "Falscher Typ: erwartet wahr oder falsch."),
        ({"fields_of_action": "Tourismus"}, "fields_of_action", "Falscher Typ: erwartet eine Liste ganzer Zahlen."),
        ({"gender": "divers-x"}, "gender", "Kein erlaubter Wert"),
        ({"last_name": ""}, "last_name", "Bitte geben Sie einen Nachnamen ein."),
        ({"email": "keine-adresse"}, "email", ""),
        ({"fields_of_action": [999]}, "fields_of_action", ""),
    ]
    for body, field, message in cases:
        answer = api.patch(url, body, **{"If-Match": etag})
        assert answer.status_code == 422, (body, answer.status_code)
        validate("/api/v1/persons/{id}", "patch", answer)
        errors = answer.get_json()["errors"]
        assert field in errors and message in errors[field][0], (body, errors)
    db.session.expire_all()
    assert db.session.get(type(person), person.id).version == person.version


def test_create_through_the_forms_checks(api, data, validate):
    created = api.post("/api/v1/persons", {"last_name": "Nüßlein", "first_name": "Jörg", "gender": "male",
                                           "email": "joerg@example.org",
                                           "fields_of_action": [data.fields[0].id]})
    assert created.status_code == 201, created.get_json()
    validate("/api/v1/persons", "post", created)
    body = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/persons/{body['id']}")
    assert body["last_name"] == "Nüßlein" and body["country"] == "DE" and body["formal"] is True
    missing = api.post("/api/v1/persons", {"first_name": "Ohne"})
    assert missing.status_code == 422 and missing.get_json()["errors"]["last_name"] == ["Bitte geben Sie einen Nachnamen ein."]
    org = api.post("/api/v1/organisations", {"name": "Markt Elsenfeld", "kind": "municipality", "sector": "public",
                                             "ags": "09676122"})
    assert org.status_code == 201, org.get_json()
    again = api.post("/api/v1/organisations", {"name": "Markt Elsenfeld 2", "kind": "municipality",
                                               "sector": "public", "ags": "09676122"})
    assert again.status_code == 422 and "ags" in again.get_json()["errors"]
    named = api.post("/api/v1/functions", {"function": "x"})  # the name as letters write it is read only
    assert named.status_code == 422 and named.get_json()["errors"] == {"function": ["Dieses Feld kann nicht geändert werden."]}


def test_tokens_scopes_and_roles(client, token, data):
    person_url = f"/api/v1/persons/{data.persons[0].id}"
    _viewer, read_only = token("viewer", "read")
    reader = Api(client, read_only)
    assert reader.get(person_url).status_code == 200
    etag = reader.get(person_url).headers["ETag"]
    refused = reader.patch(person_url, {"phone": "1"}, **{"If-Match": etag})
    assert refused.status_code == 403 and refused.get_json()["message"] == "Dieses Token darf nur lesen."
    _viewer2, viewer_write = token("viewer", "write")  # a write token cannot lift a viewer's role
    assert Api(client, viewer_write).patch(person_url, {"phone": "1"}, **{"If-Match": etag}).status_code == 403

    answers = []
    for secret in ("rn_falsch", "ohne-präfix", read_only[:-2] + "xx"):
        answer = Api(client, secret).get(person_url)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
        answers.append(answer.get_json())
    assert client.get(person_url).status_code == 401  # no token at all
    from crm.api import tokens
    from crm.api.models import ApiToken

    tokens.revoke(db.session.query(ApiToken).filter_by(user_id=_viewer.id).one())
    db.session.commit()
    answers.append(reader.get(person_url).get_json())
    assert all(a == answers[0] for a in answers)  # the same answer whatever was wrong


def test_a_session_cookie_is_no_api_login(client, login, data):
    login("admin")
    assert client.get("/api/v1/persons").status_code == 401


def test_viewers_read_persons_without_the_confidential_fields(client, token, data):
    person = data.persons[0]
    person.street, person.confidential_notes = "Gartenweg 3", "Erkrankt, bitte nicht anrufen"
    db.session.commit()
    _viewer, read_only = token("viewer", "read")
    seen = Api(client, read_only).get(f"/api/v1/persons/{person.id}").get_json()
    assert seen["last_name"] == "Heß"
    assert seen["email"] == seen["street"] == seen["confidential_notes"] == ""
    listed = next(p for p in Api(client, read_only).get("/api/v1/persons?limit=5").get_json()["items"]
                  if p["id"] == person.id)
    assert listed["email"] == "" and listed["street"] == ""
    _staff, staff_token = token("staff", "read")
    full = Api(client, staff_token).get(f"/api/v1/persons/{person.id}").get_json()
    assert full["email"] == "p0@example.org" and full["confidential_notes"] == "Erkrankt, bitte nicht anrufen"


def test_tasks_are_created_completed_and_protected_by_their_etag(api, data, validate):
    person = data.persons[2]
    created = api.post("/api/v1/tasks", {"title": "Rückruf Förderantrag", "due_on": "2027-01-15",
                                         "person_id": person.id})
    assert created.status_code == 201, created.get_json()
    validate("/api/v1/tasks", "post", created)
    task = created.get_json()
    assert task["status"] == "open" and task["person_id"] == person.id and task["assignee_id"]  # the token's user
    url = f"/api/v1/tasks/{task['id']}"
    etag = api.get(url).headers["ETag"]
    done = api.patch(url, {"status": "done"}, **{"If-Match": etag})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "done" and done.get_json()["completed_at"]
    assert done.get_json()["title"] == "Rückruf Förderantrag" and done.get_json()["due_on"] == "2027-01-15"
    assert api.patch(url, {"status": "open"}, **{"If-Match": etag}).status_code == 412  # the ETag before "done"
    untitled = api.post("/api/v1/tasks", {"title": ""})
    assert untitled.status_code == 422 and untitled.get_json()["errors"]["title"] == ["Bitte geben Sie einen Titel ein."]
