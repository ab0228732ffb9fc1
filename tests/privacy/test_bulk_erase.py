"""Bulk erasure from the review list: 30 of 140 contacts ticked, some with seats (one chairs the body),
registrations for a meeting to come, an open task, a queued campaign recipient and a sponsored project.
The confirmation page says per person what happens (chair and sponsor first); then all 30 are erased in
one transaction, or none."""
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.core import time as clock
from crm.core.audit import AuditLog
from crm.extensions import db

OLD = datetime(2019, 1, 15, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def region(app):
    from crm.campaigns.campaign_models import Campaign, CampaignRecipient
    from crm.interactions.models import Task
    from crm.meetings.models import Invitee, Meeting
    from crm.network.models import Body, Seat
    from crm.projects.models import Project

    persons = []
    for i in range(140):
        p = Person(last_name=f"Altbestand{i:03d}", first_name="Hedwig", gender="female", legal_basis="art6_1f",
                   data_source="Import 2019", data_collected_on=date(2019, 1, 15), created_at=OLD,
                   email=f"hedwig{i:03d}@privat.example", phone=f"+49 6022 77{i:03d}")
        p.update_sort_name()
        persons.append(p)
    db.session.add_all(persons)
    db.session.flush()
    body = Body(name="Lenkungsgruppe Spessart")
    future = Meeting(title="Regionalforum Herbst", uid="bulk-erase@test", status="fixed",
                     starts_at=clock.utcnow() + timedelta(days=20), body=body)
    db.session.add_all([body, future])
    db.session.flush()
    # 24 seats: persons 0-23, person 0 chairs; persons 0-11 registered for the meeting to come
    db.session.add_all([Seat(body_id=body.id, person_id=persons[i].id, role="chair" if i == 0 else "member",
                             valid_from=date(2022, 1, 1)) for i in range(24)])
    db.session.add_all([Invitee(meeting_id=future.id, person_id=persons[i].id, token=f"bulk-{i}")
                        for i in range(12)])
    db.session.add(Task(title="Rückruf Altbestand", person_id=persons[3].id))
    db.session.add(Project(title="Dorfladen Mönchberg", sponsor_person_id=persons[5].id))
    db.session.commit()
    campaign = Campaign(subject="Herbstbrief", body="Hallo", channel="email", purpose="newsletter",
                        sender_name="LAG", sender_email="info@lag.example", rule="person")
    db.session.add(campaign)
    db.session.flush()
    db.session.add(CampaignRecipient(campaign_id=campaign.id, position=1, person_id=persons[7].id,
                                     name="Hedwig Altbestand007", email="hedwig007@privat.example", status="queued"))
    db.session.commit()
    return persons


def _selection(region):
    # 30 ticked: the 12 with seats and registrations, 8 more with seats, 10 without anything
    return [p.id for p in region[:20]] + [p.id for p in region[100:110]]


def _erased(ids) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "erase", AuditLog.entity_id.in_(ids)))


def test_confirmation_page_says_per_person_what_happens(region, client, login):
    login("manager")
    ids = _selection(region)
    response = client.post("/datenschutz/pruefliste", data={"action": "erase", "ids": ids, "back": "grund=any"})
    assert response.status_code == 302 and "/datenschutz/loeschen?" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 Kontakte löschen" in html
    assert len(re.findall(r'<tr class="erase-person">', html)) == 30
    # chair and sponsor are explained before the table
    first = html.index("Bitte zuerst lesen")
    assert first < html.index("erase-many-table")
    assert "Hedwig Altbestand000</strong>" in html and "Lenkungsgruppe Spessart" in html
    assert "Hedwig Altbestand005</strong>" in html and "Dorfladen Mönchberg" in html
    row0 = html[html.index('>Hedwig Altbestand000</a>'):].split("</tr>")[0]
    assert "1: Regionalforum Herbst" in row0 and "Lenkungsgruppe Spessart (" in row0
    row3 = html[html.index('>Hedwig Altbestand003</a>'):].split("</tr>")[0]
    assert "Rückruf Altbestand" in row3
    row105 = html[html.index('>Hedwig Altbestand105</a>'):].split("</tr>")[0]
    assert re.findall(r'<td class="small">(\d+)', row105) == ["0"] * 6
    assert html.count('name="ids"') == 30 and "Endgültig löschen" in html
    assert _erased(ids) == 0  # the page changes nothing


def test_all_erased_in_one_go_and_audited_without_values(region, client, login):
    from crm.meetings.models import Invitee
    from crm.network.models import Seat

    login("manager")
    ids = _selection(region)
    response = client.post("/datenschutz/loeschen", data={"ids": ids, "confirm": "yes", "back": "grund=any"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/datenschutz/pruefliste?grund=any")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gelöscht (anonymisiert): 30 Kontakte." in html
    assert ">110</span>" in html  # 140 due, 30 gone from the list (erased persons are archived)
    db.session.expire_all()
    rows = db.session.scalars(select(Person).where(Person.id.in_(ids))).all()
    assert {(p.last_name, p.first_name, p.email, p.phone) for p in rows} == {("Gelöscht", "", "", "")}
    assert _erased(ids) == 30
    today = clock.today()
    seats = db.session.scalars(select(Seat).where(Seat.person_id.in_(ids))).all()
    assert len(seats) == 20 and all(s.valid_to == today for s in seats)
    assert db.session.scalar(select(func.count()).select_from(Invitee).where(Invitee.person_id.in_(ids))) == 0
    audit_text = json.dumps([[a.label, a.changes] for a in db.session.scalars(select(AuditLog))], ensure_ascii=False)
    for p_index in (0, 5, 7, 105):
        assert f"Altbestand{p_index:03d}" not in audit_text and f"hedwig{p_index:03d}@" not in audit_text
    # the untouched 110 keep their data
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.last_name.like("Altbestand%"))) == 110


def test_one_that_cannot_be_erased_changes_nothing(region, client, login):
    from crm.privacy import services

    login("manager")
    ids = _selection(region)
    # someone erased one of them meanwhile (between the confirmation page and the click)
    services.erase(db.session.get(Person, ids[17]))
    db.session.commit()
    response = client.post("/datenschutz/loeschen", data={"ids": ids, "confirm": "yes"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 der angekreuzten Kontakte wurden bereits (zwischenzeitlich) gelöscht. Es wurde nichts gelöscht" in html
    db.session.expire_all()
    assert _erased(ids) == 1


def test_a_failure_in_the_middle_rolls_back_all(region, client, login, monkeypatch):
    from crm.privacy import services

    login("manager")
    ids = _selection(region)
    real_erase, done = services.erase, []

    def erase(person):
        if len(done) == 17:
            raise services.DomainError("Testfehler.")
        done.append(person.id)
        return real_erase(person)

    monkeypatch.setattr(services, "erase", erase)
    html = client.post("/datenschutz/loeschen", data={"ids": ids, "confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert len(done) == 17
    assert "Hedwig Altbestand017 konnte nicht gelöscht werden: Testfehler. Es wurde nichts gelöscht." in html
    db.session.expire_all()
    assert _erased(ids) == 0
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.last_name.like("Altbestand%"))) == 140


def test_without_confirmation_or_selection_nothing_happens(region, client, login):
    login("manager")
    ids = _selection(region)
    html = client.post("/datenschutz/loeschen", data={"ids": ids}, follow_redirects=True).get_data(as_text=True)
    assert "Bitte bestätigen Sie die Löschung" in html and "30 Kontakte löschen" in html
    html = client.post("/datenschutz/pruefliste", data={"action": "erase"}, follow_redirects=True).get_data(
        as_text=True)
    assert "Bitte mindestens einen Kontakt ankreuzen." in html
    html = client.get("/datenschutz/loeschen?ids=999999", follow_redirects=True).get_data(as_text=True)
    assert "nicht mehr vorhanden" in html
    assert _erased(ids) == 0


def test_only_managers_erase_in_bulk(region, client, login):
    login("staff")
    ids = _selection(region)
    html = client.get("/datenschutz/pruefliste").get_data(as_text=True)
    assert 'value="erase"' not in html
    assert client.post("/datenschutz/pruefliste", data={"action": "erase", "ids": ids}).status_code == 403
    assert client.get("/datenschutz/loeschen", query_string={"ids": ids}).status_code == 403
    assert client.post("/datenschutz/loeschen", data={"ids": ids, "confirm": "yes"}).status_code == 403
    assert _erased(ids) == 0
