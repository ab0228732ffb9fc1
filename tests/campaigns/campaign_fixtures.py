"""A hand-built target group for the campaign tests: ten contacts, each in one consent situation, so that
who gets an e-mail, who a letter and who nothing (and why) can be said person by person; plus a helper
that makes and sends a campaign. Imported by the campaign test modules (the consent tests own conftest.py).
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from crm.extensions import db

BASE = "https://crm.lag-spessart.de"
CONFIRMED = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
WITHDRAWN = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


@dataclass
class People:
    segment: object
    by_name: dict = field(default_factory=dict)  # last name -> person
    organisation: object = None

    def id(self, last_name: str) -> int:
        return self.by_name[last_name].id


@pytest.fixture
def request_ctx(app):
    with app.test_request_context(base_url=BASE):
        yield


def _consent(person, purpose: str, status: str) -> None:
    from crm.campaigns.models import Consent

    db.session.add(Consent(person=person, purpose=purpose, status=status, requested_at=CONFIRMED,
                           requested_via="paper", wording_version="2026-1",
                           confirmed_at=CONFIRMED if status in ("confirmed", "withdrawn") else None,
                           withdrawn_at=WITHDRAWN if status == "withdrawn" else None,
                           withdrawn_via="staff" if status == "withdrawn" else ""))


@pytest.fixture
def people(app, make_org, make_function, make_person):
    """A fixed Verteiler "Newsletter-Test" with (newsletter consent; e-mail; postal address):

    Auer     confirmed; business e-mail at the Heimatverein; its address     -> e-mail
    Groß     confirmed; umlaut e-mail groß@…; private address               -> e-mail (SMTPUTF8)
    Huber    confirmed; private e-mail; no address                          -> e-mail
    Beck     none; e-mail; address                                          -> letter (both) / nothing (e-mail)
    Christ   withdrawn on 20.11.2026; e-mail; address                       -> nothing: withdrawn
    Dorn     objects to contact; confirmed; e-mail; address                 -> nothing: objection
    Ernst    confirmed; no e-mail; address                                  -> letter (both) / nothing (e-mail)
    Fink     none; no e-mail; no address                                    -> nothing
    Jäger    archived                                                       -> nothing: archived
    + the organisation "Markt Mönchberg" itself on the list                 -> nothing: campaigns go to persons
    """
    from crm.contacts.models import Affiliation
    from crm.core.models import utcnow
    from crm.segments import services as segments

    chair = make_function("Vorsitzender", "Vorsitzende")
    club = make_org("Heimatverein Mönchberg e.V.", street="Hauptstraße 3", postcode="63933", city="Mönchberg",
                    email="info@heimatverein-moenchberg.de")
    market = make_org("Markt Mönchberg", kind="municipality", sector="public", street="Hauptstraße 1",
                      postcode="63933", city="Mönchberg", email="rathaus@moenchberg.de")
    home = {"street": "Kirchweg 2", "postcode": "63933", "city": "Mönchberg"}
    specs = [
        # last name, first, gender, e-mail, private address?, at the club?, consent, objection
        ("Auer", "Anna", "female", "", False, True, "confirmed", False),
        ("Groß", "Gerda", "female", "groß@example.org", True, False, "confirmed", False),
        ("Huber", "Hans", "male", "huber@example.org", False, False, "confirmed", False),
        ("Beck", "Bernd", "male", "beck@example.org", True, False, None, False),
        ("Christ", "Clara", "female", "christ@example.org", True, False, "withdrawn", False),
        ("Dorn", "Dieter", "male", "dorn@example.org", True, False, "confirmed", True),
        ("Ernst", "Eva", "female", "", True, False, "confirmed", False),
        ("Fink", "Franz", "male", "", False, False, None, False),
        ("Jäger", "Julia", "female", "jaeger@example.org", True, False, "confirmed", False),
    ]
    result = People(segment=None, organisation=market)
    for last, first, gender, email, private, at_club, consent, objection in specs:
        person = make_person(last_name=last, first_name=first, gender=gender, email=email,
                             organisation=club if at_club else None, function=chair if at_club else None,
                             contact_objection=objection, **(home if private else {}))
        if at_club:
            affiliation = db.session.scalar(db.select(Affiliation).where(Affiliation.person_id == person.id))
            affiliation.email = "anna.auer@heimatverein-moenchberg.de"
        if consent:
            _consent(person, "newsletter", consent)
        result.by_name[last] = person
    result.by_name["Jäger"].archived_at = utcnow()
    db.session.commit()
    segment = segments.save_segment(None, {"name": "Newsletter-Test", "kind": "fixed"})
    segments.add_members(segment, [p.id for p in result.by_name.values()], [market.id])
    db.session.commit()
    result.segment = segment
    return result


TEXT = ("{Briefanrede}\n\nwir laden Sie zum Regionalforum ein. Sie sind bei uns als {Name} ({E-Mail}) "
        "gespeichert.\n\nMit freundlichen Grüßen\nMaria Muster")


def make_campaign(segment, channel="email", purpose="newsletter", subject="Regionalforum für {Vorname} {Nachname}",
                  body=TEXT, rule="at_organisation"):
    from crm.campaigns import campaigns

    campaign = campaigns.save_campaign(None, {
        "segment_id": segment.id, "rule": rule, "channel": channel, "purpose": purpose, "subject": subject,
        "body": body, "sender_name": "Regionalmanagement Spessart", "sender_email": "info@lag-spessart.de"})
    db.session.commit()
    return campaign
