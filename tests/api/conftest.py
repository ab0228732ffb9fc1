from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from crm.extensions import db

SURNAMES = ["Heß", "Döring", "Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Bäcker", "Fuchs", "Jäger"]
PERSONS = 120


@dataclass
class Data:
    persons: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    fields: list = field(default_factory=list)


@pytest.fixture
def data(app, make_org, make_person, make_function):
    """120 persons at 12 organisations, a body with 24 seats, a project, interactions and tasks."""
    from crm.contacts.models import FieldOfAction, TargetGroup
    from crm.interactions.models import Interaction, Task
    from crm.network.models import Body, Seat
    from crm.projects.models import Project

    result = Data()
    result.fields = [FieldOfAction(name="Tourismus", position=1), FieldOfAction(name="Demografie", position=2)]
    db.session.add_all(result.fields + [TargetGroup(name="Jugend")])
    chair = make_function("Vorsitzender", "Vorsitzende", key=True)
    for i in range(12):
        result.organisations.append(make_org(f"Verein {i + 1} e.V.", street=f"Hauptstraße {i + 1}",
                                             postcode="63897", city="Miltenberg"))
    for i in range(PERSONS):
        result.persons.append(make_person(last_name=f"{SURNAMES[i % 10]}{i // 10 or ''}", first_name="Anna",
                                          organisation=result.organisations[i % 12],
                                          function=chair if i < 12 else None, email=f"p{i}@example.org"))
    body = Body(name="LAG-Entscheidungsgremium", kind="lag_decision")
    db.session.add(body)
    for i in range(24):
        db.session.add(Seat(body=body, person=result.persons[i], organisation=result.organisations[i % 12],
                            role="member", voting=True, valid_from=date(2024, 1, 1)))
    project = Project(title="Dorfladen Kleinwallstadt", sponsor_person_id=None, total_cost=120000)
    db.session.add(project)
    interaction = Interaction(subject="Beratung Dorfladen", kind="talk",
                              occurred_at=datetime.now(timezone.utc) - timedelta(days=3),
                              persons=result.persons[:2], project=project)
    db.session.add(interaction)
    db.session.add(Task(title="Förderantrag nachreichen", due_on=date.today() + timedelta(days=7),
                        person=result.persons[0], interaction=interaction))
    db.session.commit()
    return result


@pytest.fixture
def token(make_user):
    """token(role, scope) -> (user, secret)."""
    from crm.api import tokens

    def build(role="staff", scope="write", **fields):
        user = make_user(role, **fields)
        _row, secret = tokens.create(user, "Testprogramm", scope)
        db.session.commit()
        return user, secret

    return build


class Api:
    def __init__(self, client, secret):
        self.client, self.headers = client, {"Authorization": f"Bearer {secret}"}

    def get(self, url, **headers):
        return self.client.get(url, headers=self.headers | headers)

    def post(self, url, body, **headers):
        return self.client.post(url, json=body, headers=self.headers | headers)

    def patch(self, url, body, **headers):
        return self.client.patch(url, json=body, headers=self.headers | headers)


@pytest.fixture
def api(client, token):
    _user, secret = token("staff", "write")
    return Api(client, secret)


@pytest.fixture
def validate(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    registry = Registry().with_resource("urn:regionetz", Resource.from_contents(spec, default_specification=DRAFT202012))

    def check(path_template: str, method: str, response) -> None:
        operation = spec["paths"][path_template][method]
        declared = operation["responses"][str(response.status_code)]
        schema = declared["content"]["application/json"]["schema"]
        ref = schema["$ref"].replace("#", "urn:regionetz#", 1)
        Draft202012Validator({"$ref": ref}, registry=registry).validate(response.get_json())

    check.spec = spec
    return check
