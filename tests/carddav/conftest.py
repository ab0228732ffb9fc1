import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from crm.extensions import db

NS = {"d": "DAV:", "card": "urn:ietf:params:xml:ns:carddav", "cs": "http://calendarserver.org/ns/"}
SURNAMES = ["Heß", "Döring", "Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Bäcker", "Fuchs", "Jäger", "Krämer",
            "Lößl", "Märtl", "Nüßlein"]
PERSONS = 140
SEATS = 24


@dataclass
class Region:
    persons: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    body: object = None
    seats: list = field(default_factory=list)
    segment: object = None


@pytest.fixture
def region(app, make_org, make_person, make_function):
    """140 persons at 20 organisations, a body with 24 seats, a fixed Verteiler of 30 persons."""
    from crm.network.models import Body, Seat
    from crm.segments.models import Segment, SegmentMember

    chair = make_function("Vorsitzender", "Vorsitzende", key=True)
    result = Region()
    for i in range(20):
        result.organisations.append(make_org(f"Verein Nummer {i + 1} e.V.", street=f"Hauptstraße {i + 1}",
                                             postcode="63897", city="Miltenberg"))
    for i in range(PERSONS):
        org = result.organisations[i % 20]
        person = make_person(last_name=f"{SURNAMES[i % len(SURNAMES)]}{i // len(SURNAMES) or ''}",
                             first_name="Anna" if i % 2 else "Bernd", gender="female" if i % 2 else "male",
                             organisation=org, function=chair if i < 20 else None,
                             email=f"person{i}@example.org")
        result.persons.append(person)
    body = Body(name="LAG-Entscheidungsgremium", kind="lag_decision")
    db.session.add(body)
    db.session.flush()
    for i in range(SEATS):
        seat = Seat(body=body, person=result.persons[i], organisation=result.organisations[i % 20],
                    role="member", voting=True, valid_from=date.today() - timedelta(days=400))
        db.session.add(seat)
        result.seats.append(seat)
    segment = Segment(name="Presseverteiler", kind="fixed")
    db.session.add(segment)
    db.session.flush()
    for person in result.persons[100:130]:
        db.session.add(SegmentMember(segment_id=segment.id, person_id=person.id))
    db.session.commit()
    result.body, result.segment = body, segment
    return result


@pytest.fixture
def app_password(app, make_user):
    """(user, app password) of a staff member."""
    from crm.carddav import passwords

    user = make_user("staff", username="anna.heß", full_name="Anna Heß")
    _row, secret = passwords.create(user, "iPhone")
    db.session.commit()
    return user, secret


class Dav:
    """WebDAV requests as DAVx5 and iOS send them, through the test client."""

    def __init__(self, client, username, password):
        self.client = client
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def request(self, method, url, body=None, depth=None, headers=None):
        all_headers = dict(self.headers, **(headers or {}))
        if depth is not None:
            all_headers["Depth"] = str(depth)
        if body is not None:
            all_headers["Content-Type"] = 'application/xml; charset="utf-8"'
        return self.client.open(url, method=method, data=body, headers=all_headers)

    def xml(self, method, url, body=None, depth=None):
        response = self.request(method, url, body, depth)
        assert response.status_code == 207, (response.status_code, response.get_data(as_text=True)[:500])
        return ET.fromstring(response.data)


@pytest.fixture
def dav(client, app_password):
    user, secret = app_password
    return Dav(client, user.username, secret)


def responses(root) -> dict[str, ET.Element]:
    return {r.findtext("d:href", namespaces=NS): r for r in root.findall("d:response", NS)}


def prop(response, path: str):
    for propstat in response.findall("d:propstat", NS):
        if "200" in propstat.findtext("d:status", namespaces=NS):
            found = propstat.find(f"d:prop/{path}", NS)
            if found is not None:
                return found
    return None
