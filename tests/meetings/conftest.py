"""A body at real size for the meeting tests: the LAG decision body with 24 voting seats (six with a
deputy), members at municipalities, associations and companies, four of them without any e-mail
address (they are invited by letter), one who objects to contact elsewhere."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest

from crm.extensions import db

SEATS = 24
DEPUTIES = 6
WITHOUT_EMAIL = 4


@dataclass
class Lag:
    body: object
    members: list = field(default_factory=list)  # persons holding the 24 seats, in seat order
    deputies: list = field(default_factory=list)
    without_email: list = field(default_factory=list)
    venue: object = None


@pytest.fixture
def lag(app, make_org, make_function, make_person):
    from crm.contacts.models import Affiliation
    from crm.network.models import Body, Seat

    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin",
                          key=True)
    chair = make_function("Vorsitzender", "Vorsitzende", key=True)
    venue = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", street="Marktplatz 1",
                     postcode="63839", city="Kleinwallstadt", email="rathaus@kleinwallstadt.de")
    body = Body(name="LAG-Entscheidungsgremium", kind="lag_decision", invitation_period_days=7)
    db.session.add(body)
    result = Lag(body=body, venue=venue)
    surnames = ["Heß", "Döring", "Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Bäcker", "Fuchs", "Jäger",
                "Krämer", "Lößl", "Märtl", "Nüßlein", "Öttl", "Pröll", "Rößler", "Seidl", "Thürauf", "Übel",
                "Vogt", "Wörner", "Zöller", "Ackermann"]
    for i, surname in enumerate(surnames):
        female = i % 3 == 0
        if i < 9:
            org = make_org(f"Markt Gemeinde {i + 1}", kind="municipality", sector="public", street=f"Rathausplatz {i}",
                           postcode=f"638{10 + i}", city=f"Gemeinde {i + 1}")
            function = mayor
        else:
            org = make_org(f"Verein {surname} e.V.", kind="association", sector="civil_society",
                           street=f"Hauptstraße {i}", postcode="63897", city="Miltenberg")
            function = chair
        without = i >= SEATS - WITHOUT_EMAIL
        email = "" if without else f"{surname.lower()}{i}@example.org"
        person = make_person(last_name=surname, first_name="Anna" if female else "Bernd",
                             gender="female" if female else "male", organisation=org, function=function)
        aff = db.session.scalar(db.select(Affiliation).where(Affiliation.person_id == person.id))
        aff.email = email
        if without:
            result.without_email.append(person)
        deputy = None
        if i < DEPUTIES:
            deputy = make_person(last_name=f"Vertreter{i + 1}", first_name="Carla", gender="female",
                                 organisation=org, email=f"vertreter{i + 1}@example.org")
            result.deputies.append(deputy)
        db.session.add(Seat(body=body, person=person, organisation=org, role="chair" if i == 0 else "member",
                            voting=True, deputy=deputy, valid_from=date(2023, 1, 1)))
        result.members.append(person)
    db.session.commit()
    return result


@pytest.fixture
def make_meeting(app, lag):
    """make_meeting(title=..., starts_at=aware datetime, body=True) -> a saved meeting with the LAG's invitees."""
    from crm.meetings import services

    def build(title="Sitzung des LAG-Entscheidungsgremiums", starts_at=None, ends_at=None, body=True, **data):
        starts_at = starts_at or datetime(2027, 3, 18, 17, 0, tzinfo=timezone.utc)
        meeting = services.save_meeting(None, {
            "title": title, "kind": data.pop("kind", "session"), "body_id": lag.body.id if body else None,
            "starts_at": starts_at, "ends_at": ends_at or starts_at + timedelta(hours=2),
            "location_organisation_id": lag.venue.id, "location": "Sitzungssaal", **data})
        db.session.commit()
        return meeting

    return build
