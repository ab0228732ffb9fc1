"""An offer of 20 seats, 25 persons to register, the real SMTP server of the meeting tests."""
from datetime import date, datetime, timedelta, timezone

import pytest

from crm.extensions import db
from tests.meetings.test_mailing import smtp  # noqa: F401  (aiosmtpd on loopback)

SEATS = 20
PEOPLE = 25


def in_days(days: int, hour: int = 8) -> datetime:
    base = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


@pytest.fixture
def make_offer(app):
    from crm.qualification import services

    def build(title="Förderantrag richtig stellen", capacity=SEATS, waitlist=True, status="open", sessions=None,
              deadline=None, **data):
        sessions = sessions if sessions is not None else [(in_days(10), in_days(10, 15), "Grundlagen"),
                                                          (in_days(17), in_days(17, 15), "Praxis")]
        offer = services.save_offer(None, {"title": title, "kind": "seminar", "status": status, "capacity": capacity,
                                           "waitlist": waitlist, "sessions": sessions, "location": "Rathaus Eschau",
                                           "registration_deadline": deadline or (date.today() + timedelta(days=7)),
                                           **data})
        db.session.commit()
        return offer

    return build


@pytest.fixture
def people(app, make_org, make_function):
    """25 persons with an e-mail address at a function, in five associations of two municipalities."""
    from crm.contacts.models import Affiliation, Person

    chair = make_function("Vorsitzender", "Vorsitzende")
    eschau = make_org("Markt Eschau", kind="municipality", sector="public")
    orgs = [make_org(f"Verein {i}", municipality_id=eschau.id if i % 2 else None, city="Mönchberg") for i in range(5)]
    persons = []
    for i in range(PEOPLE):
        person = Person(last_name=f"Teilnehmer{i:02d}", first_name="Jörg" if i % 2 else "Ulla",
                        gender="male" if i % 2 else "female", email=f"t{i}@example.org")
        db.session.add(person)
        db.session.add(Affiliation(person=person, organisation=orgs[i % 5], function=chair,
                                   valid_from=date(2022, 1, 1), is_primary=True))
        persons.append(person)
    db.session.commit()
    return persons
