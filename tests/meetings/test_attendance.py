"""Check-in at the door: the tablet's queue synchronised once or many times gives each check-in once,
walk-ins become guests once, undo, counts, attendance ticked afterwards, the routes behind the page."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Organisation, Person
from crm.core.errors import DomainError
from crm.extensions import db
from crm.meetings import attendance, services
from crm.meetings.models import CheckIn, Invitee

from .conftest import DEPUTIES, SEATS

# the tablet's clock on the evening of the meeting (a time more than a day ahead would be a wrong clock)
DOOR = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)


def _at(minutes: int) -> str:
    return (DOOR + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _entry(invitee: Invitee, minutes: int = 0, **more) -> dict:
    return {"client_id": str(uuid.uuid4()), "invitee_id": invitee.id, "checked_in_at": _at(minutes), **more}


def _check_ins(meeting) -> int:
    return db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.meeting_id == meeting.id))


def _present(meeting) -> list[str]:
    return [i.person.full_name for i in services.invitees_of(meeting) if i.attended]


def test_the_same_batch_synced_twice_checks_everybody_in_once(lag, make_meeting, make_user):
    user = make_user(role="staff")
    meeting = make_meeting()
    invitees = services.invitees_of(meeting)
    batch = [_entry(i, minutes=n) for n, i in enumerate(invitees[:19])]
    first = attendance.sync(meeting, batch, user)
    db.session.commit()
    assert [r.status for r in first] == ["saved"] * 19
    # the answer was lost on the way: the tablet sends the same batch again
    again = attendance.sync(meeting, json.loads(json.dumps(batch)), user)
    db.session.commit()
    assert [r.status for r in again] == ["known"] * 19
    assert [r.invitee_id for r in again] == [i.id for i in invitees[:19]]
    assert _check_ins(meeting) == 19
    assert len(_present(meeting)) == 19
    checked = db.session.get(Invitee, invitees[0].id)
    assert checked.checked_in_at.replace(tzinfo=timezone.utc) == DOOR  # the tablet's clock
    assert db.session.scalar(select(CheckIn.recorded_by_id).where(CheckIn.invitee_id == invitees[0].id)) == user.id


def test_counts_say_how_many_are_present_and_how_many_of_them_vote(lag, make_meeting, make_user):
    meeting = make_meeting()
    invitees = services.invitees_of(meeting)  # 24 voting members, 6 deputies
    members = [i for i in invitees if i.role == "member"]
    deputies = [i for i in invitees if i.role == "deputy"]
    attendance.sync(meeting, [_entry(i) for i in members[:14] + deputies[:5]], make_user(role="staff"))
    db.session.commit()
    c = attendance.counts(services.invitees_of(meeting))
    assert (c.present, c.invited, c.voting_present, c.voting) == (19, SEATS + DEPUTIES, 14, SEATS)
    assert attendance.counts_text(c) == "19 von 30 anwesend, davon 14 stimmberechtigt"


def test_undo_takes_a_check_in_back_and_a_late_retry_does_not_bring_it_back(lag, make_meeting, make_user):
    user = make_user(role="staff")
    meeting = make_meeting()
    heß = services.invitees_of(meeting)[0]
    tap = _entry(heß, minutes=1)
    back = _entry(heß, minutes=2, undo=True)
    attendance.sync(meeting, [tap, back], user)
    db.session.commit()
    assert heß.person.full_name not in _present(meeting)
    assert db.session.get(Invitee, heß.id).checked_in_at is None
    # the first tap arrives once more (a retry of an older batch): still not present
    assert attendance.sync(meeting, [tap], user)[0].status == "known"
    db.session.commit()
    assert heß.person.full_name not in _present(meeting)
    # a second tablet's check-in made after the undo counts, even when it arrives first or last
    again = _entry(heß, minutes=5)
    attendance.sync(meeting, [again, back], user)
    db.session.commit()
    assert heß.person.full_name in _present(meeting)
    assert _check_ins(meeting) == 3


def test_the_newest_tap_wins_whatever_order_the_tablets_send_in(lag, make_meeting, make_user):
    user = make_user(role="staff")
    meeting = make_meeting()
    invitee = services.invitees_of(meeting)[3]
    early, late_undo = _entry(invitee, minutes=1), _entry(invitee, minutes=9, undo=True)
    attendance.sync(meeting, [late_undo], user)  # tablet B was online, tablet A comes later
    attendance.sync(meeting, [early], user)
    db.session.commit()
    assert not db.session.get(Invitee, invitee.id).attended


def test_a_walk_in_is_created_once_even_when_synced_twice(lag, make_meeting, make_user, make_org):
    user = make_user(role="staff")
    meeting = make_meeting()
    persons_before = db.session.scalar(select(func.count()).select_from(Person))
    venue = make_org("Obst- und Gartenbauverein Kleinwallstadt")
    walk_in = {"client_id": str(uuid.uuid4()), "checked_in_at": _at(3),
               "walk_in": {"first_name": "Theresia", "last_name": "Zirngibl",
                           "organisation": "obst- und gartenbauverein  kleinwallstadt"}}
    undo_it = {"client_id": str(uuid.uuid4()), "checked_in_at": _at(4), "undo": True,
               "walk_in_client_id": walk_in["client_id"]}
    check_again = {"client_id": str(uuid.uuid4()), "checked_in_at": _at(6), "walk_in_client_id": None}
    first = attendance.sync(meeting, [walk_in], user)
    db.session.commit()
    again = attendance.sync(meeting, [walk_in, undo_it], user)
    db.session.commit()
    assert first[0].status == "saved" and again[0].status == "known"
    assert first[0].invitee_id == again[0].invitee_id
    assert again[1].status == "saved" and again[1].invitee_id == first[0].invitee_id
    guests = [i for i in services.invitees_of(meeting) if i.source == "walk_in"]
    assert len(guests) == 1
    guest = guests[0]
    assert (guest.person.first_name, guest.person.last_name, guest.role, guest.voting) == (
        "Theresia", "Zirngibl", "guest", False)
    assert guest.organisation_id == venue.id  # the organisation of exactly this name, no second one
    assert not guest.attended  # taken back
    assert db.session.scalar(select(func.count()).select_from(Person)) == persons_before + 1
    check_again["invitee_id"] = guest.id
    attendance.sync(meeting, [check_again], user)
    db.session.commit()
    assert db.session.get(Invitee, guest.id).attended
    # the new person is in the audit trail
    from crm.core.audit import AuditLog

    assert db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "person",
                                                    AuditLog.entity_id == guest.person_id)).action == "create"


def test_a_walk_in_chosen_from_the_contacts_or_already_listed_is_no_new_person(lag, make_meeting, make_user,
                                                                                 make_person):
    user = make_user(role="staff")
    meeting = make_meeting()
    known = make_person(first_name="Gustav", last_name="Gast", email="gast@example.org")
    persons_before = db.session.scalar(select(func.count()).select_from(Person))
    assert [p.id for p in attendance.exact_matches("gustav", "GAST")] == [known.id]
    listed = lag.members[5]
    results = attendance.sync(meeting, [
        {"client_id": "a1", "checked_in_at": _at(1),
         "walk_in": {"first_name": "Gustav", "last_name": "Gast", "organisation": "", "person_id": known.id}},
        # typed by hand although on the list: the invitee is checked in, nobody new
        {"client_id": "a2", "checked_in_at": _at(2),
         "walk_in": {"first_name": listed.first_name, "last_name": listed.last_name.upper()}},
    ], user)
    db.session.commit()
    assert [r.status for r in results] == ["saved", "saved"]
    assert db.session.scalar(select(func.count()).select_from(Person)) == persons_before
    by_person = {i.person_id: i for i in services.invitees_of(meeting)}
    assert by_person[known.id].source == "walk_in" and by_person[known.id].attended
    assert by_person[listed.id].role == "member" and by_person[listed.id].attended


def test_bad_entries_are_refused_by_name_and_the_rest_saved(lag, make_meeting, make_user):
    user = make_user(role="staff")
    meeting = make_meeting()
    other = make_meeting(title="Andere Sitzung")
    stranger = services.invitees_of(other)[0]
    good = _entry(services.invitees_of(meeting)[1])
    results = attendance.sync(meeting, [
        {"client_id": "x1", "invitee_id": stranger.id},  # on another meeting's list
        {"client_id": "x2", "invitee_id": "99999999999999999999"},
        {"client_id": "", "invitee_id": services.invitees_of(meeting)[2].id},
        {"client_id": "x4", "walk_in": {"first_name": "Nur", "last_name": "  "}},
        "kaputt",
        good,
    ], user)
    db.session.commit()
    assert [r.status for r in results] == ["refused"] * 5 + ["saved"]
    assert results[0].message == "Diese Person steht nicht auf der Liste dieses Termins."
    assert results[3].message == "Bitte geben Sie mindestens den Nachnamen an."
    assert _check_ins(meeting) == 1
    with pytest.raises(DomainError):
        attendance.sync(meeting, [good] * (attendance.MAX_ENTRIES + 1), user)


def test_tablet_times_are_read_carefully(app):
    now = datetime.now(timezone.utc)
    assert attendance.parse_time("2026-03-18T16:50:00.123Z") == datetime(2026, 3, 18, 16, 50, 0, 123000,
                                                                          tzinfo=timezone.utc)
    assert attendance.parse_time("2026-03-18T17:50:00") == datetime(2026, 3, 18, 16, 50, tzinfo=timezone.utc)
    assert abs(attendance.parse_time("gestern") - now) < timedelta(minutes=1)
    assert abs(attendance.parse_time(None) - now) < timedelta(minutes=1)
    far = (now + timedelta(days=400)).isoformat()
    assert abs(attendance.parse_time(far) - now) < timedelta(minutes=1)  # a tablet with a wrong clock


def test_attendance_ticked_afterwards_and_the_meeting_held(lag, make_meeting, client, login):
    login("staff")
    meeting = make_meeting(starts_at=datetime.now(timezone.utc) - timedelta(days=1, hours=2))
    invitees = services.invitees_of(meeting)
    page = client.get(f"/termine/{meeting.id}/anwesenheit").get_data(as_text=True)
    assert "0 von 30 anwesend, davon 0 stimmberechtigt" in page
    shown = [i.id for i in invitees[:-1]]  # the last one was added after the form was opened
    response = client.post(f"/termine/{meeting.id}/anwesenheit", data={
        "shown": shown, "present": [i.id for i in invitees[:12]], "held": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Anwesenheit gespeichert (12 geändert)." in page
    assert "12 von 30 anwesend" in page
    db.session.expire_all()
    assert services.load_meeting(meeting.id).status == "held"
    # unticking one leaves the others, the one not shown stays as it was
    db.session.get(Invitee, invitees[-1].id).attended = True
    db.session.commit()
    client.post(f"/termine/{meeting.id}/anwesenheit", data={"shown": shown, "present": [i.id for i in invitees[1:12]]})
    db.session.expire_all()
    assert [i.id for i in services.invitees_of(meeting) if i.attended] == [i.id for i in invitees[1:12]] + [
        invitees[-1].id]


def test_a_meeting_not_begun_cannot_be_marked_held(lag, make_meeting):
    meeting = make_meeting(starts_at=datetime.now(timezone.utc) + timedelta(days=3))
    with pytest.raises(DomainError):
        attendance.mark_held(meeting)
    assert meeting.status != "held"


def test_the_sync_route_needs_the_csrf_token_and_answers_per_entry(lag, make_meeting, client, login, app):
    login("staff")
    meeting = make_meeting()
    invitee = services.invitees_of(meeting)[0]
    entries = {"entries": [_entry(invitee)]}
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(f"/termine/{meeting.id}/check-in/sync", json=entries)
        assert refused.status_code == 400
        data = client.get(f"/termine/{meeting.id}/check-in/daten.json").get_json()
        assert len(data["invitees"]) == SEATS + DEPUTIES
        assert data["counts_text"] == "0 von 30 anwesend, davon 0 stimmberechtigt"
        headers = {"X-CSRFToken": data["csrf_token"]}
        for expected in ("saved", "known"):
            answer = client.post(f"/termine/{meeting.id}/check-in/sync", json=entries, headers=headers).get_json()
            assert [r["status"] for r in answer["results"]] == [expected]
            assert answer["counts_text"] == "1 von 30 anwesend, davon 1 stimmberechtigt"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _check_ins(meeting) == 1


def test_the_check_in_page_its_worker_and_the_walk_in_lookup(lag, make_meeting, client, login, make_person):
    login("staff")
    meeting = make_meeting()
    page = client.get(f"/termine/{meeting.id}/check-in")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf-token"' in html and "checkin.js" in html
    assert "<script>" not in html  # CSP: script-src 'self'
    worker = client.get(f"/termine/{meeting.id}/check-in/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == f"/termine/{meeting.id}/check-in"
    script = worker.get_data(as_text=True)
    assert f'"page": "/termine/{meeting.id}/check-in"' in script and "/static/checkin.js" in script
    make_person(first_name="Anna", last_name="Heß")  # a namesake of the first member
    found = client.get(f"/termine/{meeting.id}/check-in/personen?vorname=anna&nachname=HESS").get_json()["matches"]
    assert len(found) == 2 and sorted(m["invited"] for m in found) == [False, True]
    assert client.get("/termine/999999999/check-in").status_code == 404


def test_viewers_neither_check_in_nor_download(lag, make_meeting, client, login):
    login("viewer")
    meeting = make_meeting()
    assert client.get(f"/termine/{meeting.id}/check-in").status_code == 403
    assert client.post(f"/termine/{meeting.id}/check-in/sync", json={"entries": []}).status_code == 403
    assert client.get(f"/termine/{meeting.id}/anwesenheitsliste.docx").status_code == 403


def test_organisation_named_at_the_door_is_found_or_made_once(lag, make_meeting, make_user):
    user = make_user(role="staff")
    meeting = make_meeting()
    entries = [{"client_id": f"w{n}", "checked_in_at": _at(n),
                "walk_in": {"first_name": f"Gast{n}", "last_name": "Neu", "organisation": "Imkerverein Mömlingen"}}
               for n in range(2)]
    attendance.sync(meeting, entries[:1], user)
    attendance.sync(meeting, entries[1:], user)
    db.session.commit()
    orgs = db.session.scalars(select(Organisation).where(Organisation.name == "Imkerverein Mömlingen")).all()
    assert len(orgs) == 1


def test_the_panel_for_the_meeting_page_shows_counts_and_links(lag, make_meeting, make_user, app):
    from flask import render_template

    meeting = make_meeting()
    invitees = services.invitees_of(meeting)
    attendance.sync(meeting, [_entry(i) for i in invitees[:3]], make_user(role="staff"))
    db.session.commit()
    with app.test_request_context():
        from flask_login import login_user

        login_user(make_user(role="staff"))
        html = render_template("meetings/_attendance_panel.html", meeting=meeting,
                               invitees=services.invitees_of(meeting))
    assert "3 von 30 anwesend, davon 3 stimmberechtigt" in html
    assert f"/termine/{meeting.id}/check-in" in html and f"/termine/{meeting.id}/anwesenheitsliste.docx" in html
