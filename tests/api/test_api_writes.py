"""Writes of bodies and projects through the API: the forms' checks and German messages, the audit
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


def test_viewers_and_read_tokens_cannot_write_bodies_or_projects(client, token, data):
    from crm.projects.models import Project

    project = db.session.query(Project).first()
    for role, scope in (("viewer", "write"), ("staff", "read")):
        _user, secret = token(role, scope, username=f"{role}-{scope}")
        other = Api(client, secret)
        assert other.post("/api/v1/bodies", {"name": "AG"}).status_code == 403
        assert other.post("/api/v1/projects", {"title": "P"}).status_code == 403
        assert other.patch(f"/api/v1/projects/{project.id}", {"title": "P"},
                           **{"If-Match": f'"{project.version}"'}).status_code == 403
