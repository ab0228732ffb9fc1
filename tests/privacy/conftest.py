"""A person held in many places: functions, seats (one as chair), invitations (past, attended, and one to
come), interactions (one naming her in its text), consents, a task, a project (sponsor and contact),
tags, a contact detail and a campaign recipient row."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from crm.extensions import db

PAST = datetime(2025, 3, 12, 18, 0, tzinfo=timezone.utc)


@dataclass
class Subject:
    person: object
    body: object
    past_meeting: object
    future_meeting: object
    interaction: object
    project: object


@pytest.fixture
def subject(app, make_org, make_function, make_person):
    from crm.campaigns.campaign_models import Campaign, CampaignRecipient
    from crm.campaigns.models import Consent
    from crm.contacts.models import Tag
    from crm.core import time as clock
    from crm.imports.models import ContactDetail
    from crm.interactions.models import Interaction, Task
    from crm.meetings.models import Invitee, Meeting
    from crm.network.models import Body, Seat
    from crm.projects.models import Project, ProjectContact

    club = make_org("Obst- und Gartenbauverein Elsenfeld e.V.")
    person = make_person("Wiesmaier", "Theresia", organisation=club, function=make_function(),
                         email="theresia.wiesmaier@example.org", phone="+4960221234", mobile="+491701112233",
                         street="Am Mühlbach 7", postcode="63820", city="Elsenfeld", notes="Backt den Kuchen.",
                         confidential_notes="Pflegt ihre Mutter.", legal_basis="art6_1f",
                         data_source="Mitgliederversammlung 2019", data_collected_on=date(2019, 4, 2))
    other = make_person("Kessler", "Bruno")
    body = Body(name="Lokale Aktionsgruppe Spessart")
    db.session.add(body)
    db.session.flush()
    db.session.add_all([Seat(body_id=body.id, person_id=person.id, role="chair", valid_from=date(2023, 1, 1)),
                        Seat(body_id=body.id, person_id=other.id, role="member", valid_from=date(2023, 1, 1))])
    now = clock.utcnow()
    past = Meeting(title="LAG-Sitzung März", uid="privacy-past@test", starts_at=PAST, status="held", body=body)
    future = Meeting(title="Regionalforum", uid="privacy-future@test", starts_at=now + timedelta(days=30),
                     status="fixed")
    db.session.add_all([past, future])
    db.session.flush()
    db.session.add_all([
        Invitee(meeting_id=past.id, person_id=person.id, token="tok-past-1", attended=True,
                rsvp="accepted", rsvp_comment="Komme mit dem Rad, Theresia"),
        Invitee(meeting_id=past.id, person_id=other.id, token="tok-past-2", attended=True, rsvp="accepted"),
        Invitee(meeting_id=future.id, person_id=person.id, token="tok-future-1"),
    ])
    talk = Interaction(subject="Gespräch mit Theresia Wiesmaier über Streuobst", results="Zusage für Pflanzaktion",
                       persons=[person])
    call = Interaction(subject="Telefonat Vereinsfest", kind="phone", persons=[person, other])
    db.session.add_all([talk, call])
    db.session.flush()
    project = Project(title="Streuobstwiesen am Main", sponsor_person_id=person.id, sponsor_organisation_id=club.id)
    db.session.add(project)
    db.session.flush()
    db.session.add_all([
        ProjectContact(project_id=project.id, person_id=person.id),
        Task(title="Rückruf wegen Pflanzaktion", person_id=person.id),
        Consent(person=person, purpose="newsletter", status="confirmed", requested_at=PAST, requested_via="paper",
                confirmed_at=PAST),
        Consent(person=person, purpose="invitations", status="confirmed", requested_at=PAST, requested_via="paper",
                confirmed_at=PAST),
        ContactDetail(person_id=person.id, kind="email", label="HOME", value="t.wiesmaier@privat.example"),
    ])
    person.tags = [Tag(name="Streuobst")]
    db.session.commit()
    campaign = Campaign(subject="Newsletter", body="Hallo", channel="email", purpose="newsletter",
                        sender_name="LAG", sender_email="info@lag.example", rule="person")
    db.session.add(campaign)
    db.session.flush()
    db.session.add(CampaignRecipient(campaign_id=campaign.id, position=1, person_id=person.id,
                                     name="Theresia Wiesmaier", email="theresia.wiesmaier@example.org",
                                     status="queued"))
    db.session.commit()
    return Subject(person=person, body=body, past_meeting=past, future_meeting=future, interaction=talk,
                   project=project)
