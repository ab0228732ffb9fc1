"""A region of 140 persons with every kind of consent situation, for email_blocks / letter_blocks and the
Verteiler condition; the real SMTP server of the meeting tests for the double opt-in mail."""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest

from crm.extensions import db
from tests.meetings.test_mailing import smtp  # noqa: F401  (aiosmtpd on loopback)

SIZE = 140
WITHDRAWN_AT = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)  # 20.11.2026 in Berlin


@dataclass
class Region:
    persons: list = field(default_factory=list)
    kind: dict = field(default_factory=dict)  # person id -> what the fixture made of them
    address: dict = field(default_factory=dict)  # person id -> has a postal address

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.persons]


KINDS = ("objection", "no_email", "withdrawn", "requested", "none", "private", "business")


@pytest.fixture
def region(app, make_org, make_function):
    """140 persons, 20 of each kind (by index % 7):
    objection   - object to contact (half of them had confirmed the newsletter before)
    no_email    - confirmed newsletter consent, but no e-mail address anywhere
    withdrawn   - newsletter consent withdrawn on 20.11.2026
    requested   - newsletter consent asked for, never confirmed
    none        - no consent row at all, private e-mail
    private     - confirmed newsletter consent, private e-mail
    business    - confirmed newsletter consent, e-mail only at their function (the organisation's address)
    Every tenth person (index % 10 == 9) has no postal address; the others have a private one (even
    index) or the organisation's (odd index, at a current function)."""
    from crm.campaigns.models import Consent
    from crm.contacts.models import Affiliation, Person

    chair = make_function("Vorsitzender", "Vorsitzende")
    org = make_org("Heimatverein Mönchberg", street="Hauptstraße 3", postcode="63933", city="Mönchberg",
                   email="")
    bare = make_org("Freundeskreis ohne Adresse", email="")
    result = Region()
    confirmed_at = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
    for i in range(SIZE):
        kind = KINDS[i % 7]
        no_address = i % 10 == 9
        private_address = not no_address and i % 2 == 0
        person = Person(last_name=f"Person{i:03d}", first_name="Ulla" if i % 2 else "Jörg",
                        gender="female" if i % 2 else "male",
                        email="" if kind in ("no_email", "business") else f"p{i}@example.org",
                        street="Kirchweg 2" if private_address else "", postcode="63933" if private_address else "",
                        city="Mönchberg" if private_address else "", contact_objection=kind == "objection")
        db.session.add(person)
        if not private_address:
            db.session.add(Affiliation(person=person, organisation=bare if no_address else org, function=chair,
                                       valid_from=date(2022, 1, 1), is_primary=True,
                                       email=f"b{i}@verein.example" if kind == "business" else ""))
        elif kind == "business":
            db.session.add(Affiliation(person=person, organisation=org, function=chair, valid_from=date(2022, 1, 1),
                                       is_primary=True, email=f"b{i}@verein.example"))
        status = {"no_email": "confirmed", "withdrawn": "withdrawn", "requested": "requested",
                  "private": "confirmed", "business": "confirmed"}.get(kind)
        if kind == "objection" and i % 2 == 0:
            status = "confirmed"
        if status:
            db.session.add(Consent(person=person, purpose="newsletter", status=status, requested_via="paper",
                                   requested_at=confirmed_at, wording_version="2026-09",
                                   confirmed_at=confirmed_at if status != "requested" else None,
                                   withdrawn_at=WITHDRAWN_AT if status == "withdrawn" else None,
                                   withdrawn_via="link" if status == "withdrawn" else ""))
        result.persons.append(person)
    db.session.commit()
    for i, person in enumerate(result.persons):
        result.kind[person.id] = KINDS[i % 7]
        result.address[person.id] = i % 10 != 9
    return result
