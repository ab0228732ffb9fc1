"""Answers to the invitation: through the personal link (accept, tentative, decline, "my deputy comes"),
set by the office after a phone call, counted for the organiser; a cancelled meeting takes none."""
import re

import pytest
from flask import render_template

from crm.core.audit import AuditLog
from crm.core.errors import DomainError
from crm.extensions import db
from crm.meetings import rsvp, services
from crm.meetings.models import AgendaItem

from .conftest import DEPUTIES, SEATS


@pytest.fixture
def meeting(make_meeting):
    meeting = make_meeting(title="Sitzung des LAG-Entscheidungsgremiums (März)", description="Bitte Unterlagen lesen.")
    db.session.add_all([AgendaItem(meeting=meeting, position=1, title="Begrüßung"),
                        AgendaItem(meeting=meeting, position=2, title="Projektauswahl LEADER 2027",
                                   needs_vote=True)])
    db.session.commit()
    return meeting


def _by_person(meeting, person):
    return next(i for i in services.invitees_of(meeting) if i.person_id == person.id)


def test_invitees_answer_through_their_links(client, meeting, lag):
    with_deputy = _by_person(meeting, lag.members[0])  # seats 1-6 have a deputy
    without_deputy = _by_person(meeting, lag.members[12])
    deputy = _by_person(meeting, lag.deputies[0])

    page = client.get(f"/antwort/{with_deputy.token}").get_data(as_text=True)
    assert "Sitzung des LAG-Entscheidungsgremiums (März)" in page
    assert "Donnerstag, 18. März 2027, 18:00–20:00 Uhr" in page  # 17:00 UTC is 18:00 in Berlin
    assert "Markt Kleinwallstadt, Marktplatz 1, 63839 Kleinwallstadt; Sitzungssaal" in page
    assert "Projektauswahl LEADER 2027" in page and "Begrüßung" in page
    assert "Meine Vertretung kommt" in page
    assert "Meine Vertretung kommt" not in client.get(f"/antwort/{without_deputy.token}").get_data(as_text=True)
    assert "Meine Vertretung kommt" not in client.get(f"/antwort/{deputy.token}").get_data(as_text=True)
    assert lag.members[1].full_name not in page  # nobody else's name

    answers = [(with_deputy, "delegated", "Frau Vertreter1 kommt für mich"), (without_deputy, "declined", "Urlaub"),
               (deputy, "accepted", "")]
    for invitee, state, comment in answers:
        response = client.post(f"/antwort/{invitee.token}", data={"state": state, "comment": comment})
        assert response.status_code == 302
        follow = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Vielen Dank! Ihre Rückmeldung ist gespeichert" in follow
    tentative = _by_person(meeting, lag.members[7])
    assert client.post(f"/antwort/{tentative.token}", data={"state": "tentative"}).status_code == 302
    db.session.expire_all()
    assert (with_deputy.rsvp, with_deputy.rsvp_comment, with_deputy.partstat) == (
        "delegated", "Frau Vertreter1 kommt für mich", "DELEGATED")
    assert with_deputy.rsvp_at is not None
    assert (without_deputy.rsvp, without_deputy.partstat) == ("declined", "DECLINED")
    assert (deputy.rsvp, tentative.partstat) == ("accepted", "TENTATIVE")

    # "my deputy comes" where there is none: refused, nothing changed
    response = client.post(f"/antwort/{without_deputy.token}", data={"state": "delegated", "comment": "?"})
    assert response.status_code == 422
    assert "ist keine Vertretung benannt" in response.get_data(as_text=True)
    # an answer nobody offers, or "no answer yet" through the link: refused
    assert client.post(f"/antwort/{without_deputy.token}", data={"state": "needs_action"}).status_code == 422
    assert client.post(f"/antwort/{without_deputy.token}", data={"state": "maybe"}).status_code == 422
    db.session.expire_all()
    assert (without_deputy.rsvp, without_deputy.rsvp_comment) == ("declined", "Urlaub")

    summary = rsvp.summary(services.invitees_of(meeting))
    assert summary.total == SEATS + DEPUTIES == 30
    assert summary.counts == {"accepted": 1, "tentative": 1, "declined": 1, "delegated": 1, "needs_action": 26}
    assert len(summary.missing) == 26 and with_deputy not in summary.missing


def test_a_cancelled_meeting_says_so_and_takes_no_answer(client, meeting, lag):
    invitee = _by_person(meeting, lag.members[2])
    assert client.post(f"/antwort/{invitee.token}", data={"state": "accepted"}).status_code == 302
    meeting.status = "cancelled"
    db.session.commit()
    page = client.get(f"/antwort/{invitee.token}").get_data(as_text=True)
    assert "Der Termin wurde abgesagt." in page and 'type="radio"' not in page
    response = client.post(f"/antwort/{invitee.token}", data={"state": "declined", "comment": "dann nicht"})
    assert response.status_code == 409 and "Der Termin wurde abgesagt." in response.get_data(as_text=True)
    with pytest.raises(DomainError):
        rsvp.answer(invitee, "declined", "", by_user=object())  # the office cannot either
    db.session.rollback()
    db.session.expire_all()
    assert (invitee.rsvp, invitee.rsvp_comment) == ("accepted", "")


def test_no_answer_before_the_date_is_fixed(client, lag):
    from datetime import date

    from crm.meetings import polls

    meeting = services.save_meeting(None, {"title": "Sitzung ohne Datum", "kind": "session", "body_id": lag.body.id})
    polls.add_slot(meeting, services.local_datetime_of(date(2027, 1, 14), "18:00"))
    polls.add_slot(meeting, services.local_datetime_of(date(2027, 1, 21), "18:00"))
    polls.open_poll(meeting)
    db.session.commit()
    invitee = services.invitees_of(meeting)[0]
    page = client.get(f"/antwort/{invitee.token}").get_data(as_text=True)
    assert "Der Termin steht noch nicht fest." in page and f"/umfrage/{invitee.token}" in page
    assert client.post(f"/antwort/{invitee.token}", data={"state": "accepted"}).status_code == 409
    db.session.expire_all()
    assert invitee.rsvp == "needs_action"


def test_the_office_records_an_answer_by_hand(client, login, meeting, lag):
    invitee = _by_person(meeting, lag.members[4])
    user = login("staff")
    response = client.post(f"/termine/{meeting.id}/rueckmeldungen/{invitee.id}",
                           data={"state": "delegated", "comment": "telefonisch, Vertreterin kommt"})
    assert response.status_code == 302
    db.session.expire_all()
    assert invitee.rsvp == "delegated" and invitee.rsvp_comment == "telefonisch, Vertreterin kommt"
    row = db.session.scalar(db.select(AuditLog).where(AuditLog.entity_type == "invitee",
                                                      AuditLog.entity_id == invitee.id).order_by(AuditLog.id.desc()))
    assert row.changes["rsvp"] == ["needs_action", "delegated"] and row.user_id == user.id
    # back to "no answer yet" (a misunderstanding on the phone)
    client.post(f"/termine/{meeting.id}/rueckmeldungen/{invitee.id}", data={"state": "needs_action", "comment": ""})
    db.session.expire_all()
    assert invitee.rsvp == "needs_action" and invitee.rsvp_at is None
    # an invitee of another meeting is not found through this one
    other = services.save_meeting(None, {"title": "Anderes Treffen", "kind": "network"})
    db.session.commit()
    assert client.post(f"/termine/{other.id}/rueckmeldungen/{invitee.id}",
                       data={"state": "accepted"}).status_code == 404
    # a deputy without a deputy of their own cannot "send the deputy"
    deputy = _by_person(meeting, lag.deputies[1])
    response = client.post(f"/termine/{meeting.id}/rueckmeldungen/{deputy.id}", data={"state": "delegated"},
                           follow_redirects=True)
    assert "ist keine Vertretung benannt" in response.get_data(as_text=True)
    db.session.expire_all()
    assert deputy.rsvp == "needs_action"


def test_the_overview_lists_filters_and_copies(client, login, meeting, lag):
    declined = _by_person(meeting, lag.members[3])
    accepted = _by_person(meeting, lag.members[5])
    rsvp.answer(declined, "declined", "Gemeinderat am selben Abend")
    rsvp.answer(accepted, "accepted", "")
    db.session.commit()
    login("viewer")
    html = client.get(f"/termine/{meeting.id}/rueckmeldungen").get_data(as_text=True)
    assert html.count('<tr id="invitee-') == 30
    assert "Gemeinderat am selben Abend" in html
    assert re.search(r'data-state="needs_action">28<', html) and re.search(r'data-state="declined">1<', html)
    assert declined.token not in html and "Rückmeldung eintragen" not in html  # viewers: no links, no changes
    only = client.get(f"/termine/{meeting.id}/rueckmeldungen?antwort=declined").get_data(as_text=True)
    assert only.count('<tr id="invitee-') == 1 and declined.person.full_name in only


def test_the_office_sees_the_personal_links_to_copy(client, login, meeting, lag):
    declined = _by_person(meeting, lag.members[3])
    login("staff")
    html = client.get(f"/termine/{meeting.id}/rueckmeldungen").get_data(as_text=True)
    assert f"/antwort/{declined.token}" in html and "meetings_poll.js" in html and "<script>" not in html
    assert "Rückmeldung eintragen" in html


def test_the_panel_for_the_meeting_page(app, meeting, lag):
    invitees = services.invitees_of(meeting)
    rsvp.answer(invitees[0], "accepted", "")
    rsvp.answer(invitees[1], "tentative", "")
    rsvp.answer(invitees[2], "declined", "")
    db.session.commit()
    with app.test_request_context():
        html = render_template("meetings/_rsvp_panel.html", meeting=meeting, invitees=invitees)
    counts = dict(re.findall(r'data-state="(\w+)">(\d+)<', html))
    assert counts == {"accepted": "1", "tentative": "1", "declined": "1", "delegated": "0", "needs_action": "27"}
    assert "zugesagt" in html and "abgesagt" in html and "noch keine Antwort" in html
    assert invitees[3].person.full_name in html and invitees[0].person.full_name not in html
