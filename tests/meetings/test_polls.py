"""The date poll at real size: the LAG body's 24 members and 6 deputies get four candidate dates, twenty
of them answer through their personal links (no login), the organiser reads the matrix and fixes the date."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from crm.core.audit import AuditLog
from crm.core.errors import DomainError
from crm.extensions import db
from crm.meetings import polls, services
from crm.meetings.models import PollAnswer

from .conftest import DEPUTIES, SEATS

TITLE = "Sitzung des LAG-Entscheidungsgremiums (Frühjahr)"


def berlin(day: date, hour_minute: str) -> datetime:
    return services.local_datetime_of(day, hour_minute)


# Thursday 14 January 2027 etc.; A is the earliest
A = (date(2027, 1, 14), "18:00", "20:00")
B = (date(2027, 1, 19), "17:00", "19:00")
C = (date(2027, 1, 21), "09:00", "12:00")
D = (date(2027, 1, 26), "18:30", "20:30")

# How the twenty answer (count, answers to A, B, C, D); sums worked out by hand below.
PATTERNS = [
    (8, "yes", "yes", "no", "maybe"),
    (4, "no", "yes", "yes", "maybe"),
    (4, "yes", "no", "yes", "yes"),
    (2, "maybe", "maybe", "no", "no"),
    (2, "no", "maybe", "maybe", "no"),
]
#        yes  maybe  no
SUMS = {"A": (12, 2, 6),   # 8+4 yes, 2 maybe, 4+2 no
        "B": (12, 4, 4),   # 8+4 yes, 2+2 maybe, 4 no: ties A on yes, wins on yes + if need be
        "C": (8, 2, 10),
        "D": (4, 12, 4)}


@pytest.fixture
def poll_meeting(lag):
    meeting = services.save_meeting(None, {"title": TITLE, "kind": "session", "body_id": lag.body.id,
                                           "location_organisation_id": lag.venue.id, "location": "Sitzungssaal",
                                           "description": "Projektauswahl und Haushalt 2027."})
    slots = {}
    for name, (day, start, end) in zip("ABCD", (A, B, C, D)):
        slots[name] = polls.add_slot(meeting, berlin(day, start), berlin(day, end))
    polls.open_poll(meeting, deadline=berlin(date(2027, 1, 8), "23:59"))
    db.session.commit()
    meeting.test_slots = slots
    return meeting


def _answer_through_links(client, meeting, invitees):
    slots = meeting.test_slots
    i = 0
    for count, *values in PATTERNS:
        for invitee in invitees[i:i + count]:
            data = {f"slot-{slots[name].id}": value for name, value in zip("ABCD", values)}
            data["comment"] = f"Gruß von {invitee.person.last_name}" if count == 2 else ""
            response = client.post(f"/umfrage/{invitee.token}", data=data)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        i += count
    return invitees[:i]


def test_twenty_of_thirty_answer_and_the_matrix_adds_up(client, poll_meeting):
    meeting = poll_meeting
    assert meeting.status == "planned" and meeting.poll_status == "open" and meeting.starts_at is None
    invitees = services.invitees_of(meeting)
    assert len(invitees) == SEATS + DEPUTIES == 30
    answered = _answer_through_links(client, meeting, invitees)
    assert len(answered) == 20

    db.session.expire_all()
    matrix = polls.matrix(meeting)
    slots = meeting.test_slots
    assert [s.id for s in matrix.slots] == [slots[n].id for n in "ABCD"]
    for name, (yes, maybe, no) in SUMS.items():
        got = matrix.sums[slots[name].id]
        assert (got.yes, got.maybe, got.no) == (yes, maybe, no), name
    assert matrix.best.id == slots["B"].id
    assert {i.id for i in matrix.missing} == {i.id for i in invitees[20:]}
    assert len(matrix.missing) == 10 and matrix.answered == 20
    assert len(matrix.rows) == 30
    row = next(r for r in matrix.rows if r.invitee.id == answered[-1].id)
    assert row.answers == {slots["A"].id: "no", slots["B"].id: "maybe", slots["C"].id: "maybe", slots["D"].id: "no"}
    assert row.comment == f"Gruß von {answered[-1].person.last_name}"


def test_the_organiser_reads_the_matrix_and_fixes_the_date(client, login, poll_meeting):
    meeting = poll_meeting
    invitees = services.invitees_of(meeting)
    _answer_through_links(client, meeting, invitees)
    login("staff")
    html = client.get(f"/termine/{meeting.id}/umfrage").get_data(as_text=True)
    assert "Terminumfrage" in html and TITLE in html
    # one row per invitee, with name and organisation
    assert html.count('<tr class="') >= 30
    assert invitees[0].person.full_name in html and invitees[0].organisation.name in html
    # per slot sums: the yes row reads 12 12 8 4, the if-need-be row 2 4 2 12
    yes_row = re.search(r'<tr class="sum-yes">(.*?)</tr>', html, re.S).group(1)
    maybe_row = re.search(r'<tr class="sum-maybe">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r">(\d+)</td>", yes_row) == ["12", "12", "8", "4"]
    assert re.findall(r">(\d+)</td>", maybe_row) == ["2", "4", "2", "12"]
    # the best date marked in its column head, and preselected to close on
    best_head = re.search(r'<th scope="col" class="slot-head text-center best"[^>]*>(.*?)</th>', html, re.S).group(1)
    assert "Dienstag, 19. Januar 2027, 17:00–19:00 Uhr" in best_head and "bester" in best_head
    assert f'<option selected value="{meeting.test_slots["B"].id}">' in html
    # screen readers hear the answers in words
    assert '<span class="visually-hidden">wenn nötig</span>' in html and '<span class="visually-hidden">nein</span>' in html
    # who has not answered: ten names with their count
    missing = re.search(r'class="card shadow-sm mb-3 poll-missing">(.*?)</section>', html, re.S).group(1)
    assert ">10</span>" in missing
    assert all(i.person.full_name in missing for i in invitees[20:])
    assert not any(i.person.full_name in missing for i in invitees[:20])
    # the personal links to copy (no mailing part on this branch)
    assert f"/umfrage/{invitees[29].token}" in html

    response = client.post(f"/termine/{meeting.id}/umfrage/abschliessen",
                           data={"slot_id": meeting.test_slots["B"].id})
    assert response.status_code == 302
    # fixing the date leads straight to the invitation (the text prefilled, the counts by e-mail and letter)
    assert response.headers["Location"].endswith(f"/termine/{meeting.id}/einladen")
    db.session.expire_all()
    assert meeting.status == "fixed" and meeting.poll_status == "closed"
    assert polls._utc(meeting.starts_at) == berlin(B[0], B[1])
    assert polls._utc(meeting.ends_at) == berlin(B[0], B[2])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Termin steht fest: Dienstag, 19. Januar 2027, 17:00–19:00 Uhr." in page
    # the history says who fixed it
    row = db.session.scalar(db.select(AuditLog).where(AuditLog.entity_type == "meeting",
                                                      AuditLog.entity_id == meeting.id).order_by(AuditLog.id.desc()))
    assert row.changes["poll_status"] == ["open", "closed"] and row.user_name != "System"


def test_answering_after_closing_is_refused_and_changes_nothing(client, poll_meeting):
    meeting = poll_meeting
    slots = meeting.test_slots
    invitee = services.invitees_of(meeting)[3]
    first = {f"slot-{slots[n].id}": v for n, v in zip("ABCD", ("yes", "no", "no", "maybe"))}
    assert client.post(f"/umfrage/{invitee.token}", data={**first, "comment": "Nur Donnerstag"}).status_code == 302
    # may change the answer while the poll is open
    second = {**first, f"slot-{slots['B'].id}": "maybe"}
    assert client.post(f"/umfrage/{invitee.token}", data={**second, "comment": "Donnerstag lieber"}).status_code == 302
    polls.close_poll(meeting, slots["A"])
    db.session.commit()
    before = sorted((a.slot_id, a.answer) for a in invitee.answers)
    assert dict(before)[slots["B"].id] == "maybe"

    late = {f"slot-{slots[n].id}": "no" for n in "ABCD"}
    response = client.post(f"/umfrage/{invitee.token}", data={**late, "comment": "Doch nicht"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Die Umfrage ist abgeschlossen; der Termin steht fest: Donnerstag, 14. Januar 2027, 18:00–20:00 Uhr." in html
    db.session.expire_all()
    assert sorted((a.slot_id, a.answer) for a in invitee.answers) == before
    assert invitee.poll_comment == "Donnerstag lieber"
    # the page itself still shows the fixed date and leads on to the answer to the invitation
    page = client.get(f"/umfrage/{invitee.token}").get_data(as_text=True)
    assert "der Termin steht fest" in page and f"/antwort/{invitee.token}" in page and 'type="radio"' not in page


def test_answering_after_the_deadline_is_refused_and_changes_nothing(client, poll_meeting):
    meeting = poll_meeting
    slots = meeting.test_slots
    invitee = services.invitees_of(meeting)[5]
    first = {f"slot-{slots[n].id}": v for n, v in zip("ABCD", ("yes", "yes", "no", "no"))}
    assert client.post(f"/umfrage/{invitee.token}", data=first).status_code == 302
    # the deadline the organiser set has passed (the evening of 30 November 2026, 23:59 in Berlin)
    meeting.poll_deadline = berlin(date(2026, 11, 30), "23:59")
    db.session.commit()
    before = sorted((a.slot_id, a.answer) for a in invitee.answers)

    late = {f"slot-{slots[n].id}": "no" for n in "ABCD"}
    response = client.post(f"/umfrage/{invitee.token}", data=late)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    message = "Die Antwortfrist ist am 30. November 2026 um 23:59 Uhr abgelaufen"
    assert message in html and html.count(message) == 1
    db.session.expire_all()
    assert sorted((a.slot_id, a.answer) for a in invitee.answers) == before
    # a late newcomer sees the notice instead of the form
    newcomer = services.invitees_of(meeting)[6]
    page = client.get(f"/umfrage/{newcomer.token}").get_data(as_text=True)
    assert message in page and 'type="radio"' not in page
    with pytest.raises(DomainError):
        polls.answer(newcomer, {slots[n].id: "yes" for n in "ABCD"})


def test_the_public_poll_page_shows_the_meeting_and_nothing_of_the_app(client, poll_meeting):
    invitee = services.invitees_of(poll_meeting)[0]
    other = services.invitees_of(poll_meeting)[1]
    response = client.get(f"/umfrage/{invitee.token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TITLE in html and "Projektauswahl und Haushalt 2027." in html
    assert "Donnerstag, 14. Januar 2027, 18:00–20:00 Uhr" in html
    assert "Dienstag, 26. Januar 2027, 18:30–20:30 Uhr" in html
    assert "Bitte antworten Sie bis 08.01.2027." in html
    assert html.count('type="radio"') == 4 * 3 and "wenn nötig" in html
    assert f"Für {invitee.person.full_name}" in html
    assert other.person.full_name not in html  # no one else's name
    assert "Hauptnavigation" not in html and "/personen" not in html and "/anmelden" not in html
    assert 'name="csrf_token"' in html
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"


def test_an_incomplete_or_foreign_answer_is_refused(client, poll_meeting, lag):
    meeting = poll_meeting
    slots = meeting.test_slots
    invitee = services.invitees_of(meeting)[5]
    # a slot left out
    data = {f"slot-{slots[n].id}": "yes" for n in "ABC"}
    response = client.post(f"/umfrage/{invitee.token}", data=data)
    assert response.status_code == 422
    assert "Bitte antworten Sie zu jedem Termin (es fehlt: Dienstag, 26. Januar 2027" in response.get_data(as_text=True)
    # an answer nobody offered, and a slot of another meeting
    other = services.save_meeting(None, {"title": "Anderes Treffen", "kind": "network"})
    foreign = polls.add_slot(other, berlin(date(2027, 2, 2), "10:00"), None)
    db.session.commit()
    with pytest.raises(DomainError):
        polls.answer(invitee, {slots["A"].id: "perhaps", slots["B"].id: "yes", slots["C"].id: "yes",
                               slots["D"].id: "yes"})
    bad = {**{f"slot-{slots[n].id}": "yes" for n in "ABCD"}, f"slot-{foreign.id}": "yes"}
    response = client.post(f"/umfrage/{invitee.token}", data=bad)
    assert response.status_code == 422
    assert "kein möglicher Termin dieser Sitzung" in response.get_data(as_text=True)
    assert client.post(f"/umfrage/{invitee.token}", data={**bad, "slot-x9": "yes"}).status_code == 422
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(PollAnswer)
                             .where(PollAnswer.invitee_id == invitee.id)) == 0
    assert invitee.poll_answered_at is None


@pytest.mark.parametrize("path", ["/umfrage/", "/antwort/"])
def test_a_wrong_token_is_the_ordinary_404(client, poll_meeting, path):
    invitee = services.invitees_of(poll_meeting)[0]
    unknown = client.get("/gibt-es-nicht").get_data(as_text=True)
    for token in ("x" * 32, invitee.token[:-1] + ("A" if invitee.token[-1] != "A" else "B"), "a" * 200):
        for method in ("GET", "POST"):
            response = client.open(path + token, method=method, data={"state": "accepted", "comment": "x"})
            assert response.status_code == 404, (path, token, method)
            body = response.get_data(as_text=True)
            assert TITLE not in body and invitee.person.full_name not in body
            assert body == unknown


def test_slots_are_checked_and_a_poll_needs_two(lag):
    meeting = services.save_meeting(None, {"title": "Arbeitskreis Tourismus", "kind": "working_circle"})
    slot = polls.add_slot(meeting, berlin(*A[:2]), berlin(A[0], A[2]))
    db.session.commit()
    with pytest.raises(DomainError, match="Ende") as error:
        polls.add_slot(meeting, berlin(B[0], "19:00"), berlin(B[0], "18:00"))
    assert error.value.field == "end"
    with pytest.raises(DomainError, match="Vergangenheit"):
        polls.add_slot(meeting, datetime.now(timezone.utc) - timedelta(days=1))
    with pytest.raises(DomainError, match="bereits"):
        polls.add_slot(meeting, berlin(*A[:2]), berlin(A[0], "21:00"))
    with pytest.raises(DomainError, match="mindestens zwei"):
        polls.open_poll(meeting)
    db.session.rollback()
    db.session.expire_all()
    assert [s.id for s in meeting.slots] == [slot.id]
    assert meeting.poll_status == "none" and meeting.status == "planned"
    polls.add_slot(meeting, berlin(*B[:2]), berlin(B[0], B[2]))
    polls.open_poll(meeting)
    db.session.commit()
    # while open, at least two stay
    with pytest.raises(DomainError, match="mindestens zwei"):
        polls.remove_slot(meeting, slot)
    db.session.rollback()
    assert len(meeting.slots) == 2
    # a slot of another meeting cannot close this one
    other = services.save_meeting(None, {"title": "Anderes Treffen", "kind": "network"})
    foreign = polls.add_slot(other, berlin(date(2027, 2, 2), "10:00"), None)
    with pytest.raises(DomainError):
        polls.close_poll(meeting, foreign)
    db.session.rollback()
    assert meeting.poll_status == "open" and meeting.starts_at is None


def test_the_organiser_page_adds_removes_and_opens(client, login, lag):
    meeting = services.save_meeting(None, {"title": "Netzwerktreffen Direktvermarktung", "kind": "network"})
    db.session.commit()
    login("staff")
    url = f"/termine/{meeting.id}/umfrage"
    assert client.post(url, data={"action": "add_slot", "day": "2027-01-14", "start": "18:00",
                                  "end": "20:00"}).status_code == 302
    # an end before the start: the message next to the field, nothing added
    response = client.post(url, data={"action": "add_slot", "day": "2027-01-15", "start": "18:00", "end": "17:00"})
    assert response.status_code == 200 and "Das Ende muss nach dem Beginn liegen." in response.get_data(as_text=True)
    # opening with one date is refused
    response = client.post(url, data={"action": "open", "deadline": ""})
    assert "mindestens zwei" in response.get_data(as_text=True)
    db.session.expire_all()
    assert meeting.poll_status == "none" and len(meeting.slots) == 1
    assert client.post(url, data={"action": "add_slot", "day": "2027-01-21", "start": "09:00",
                                  "end": "12:00"}).status_code == 302
    assert client.post(url, data={"action": "add_slot", "day": "2027-01-28", "start": "09:00",
                                  "end": ""}).status_code == 302
    db.session.expire_all()
    third = meeting.slots[-1]
    assert third.ends_at is None
    assert client.post(url, data={"action": "remove_slot", "slot_id": third.id}).status_code == 302
    assert client.post(url, data={"action": "open", "deadline": "2027-01-07"}).status_code == 302
    db.session.expire_all()
    assert meeting.poll_status == "open" and len(meeting.slots) == 2
    assert polls._utc(meeting.poll_deadline) == berlin(date(2027, 1, 7), "23:59")
    audit = db.session.scalars(db.select(AuditLog).where(AuditLog.entity_type == "meeting",
                                                         AuditLog.entity_id == meeting.id)).all()
    assert any("poll_slots" in row.changes for row in audit)


def test_viewers_do_not_get_the_organiser_page(client, login, poll_meeting):
    login("viewer")
    assert client.get(f"/termine/{poll_meeting.id}/umfrage").status_code == 403
    html = client.get(f"/termine/{poll_meeting.id}/rueckmeldungen").get_data(as_text=True)
    assert f"/termine/{poll_meeting.id}/umfrage" not in html
    assert services.invitees_of(poll_meeting)[0].token not in html


def test_best_slot_prefers_yes_then_if_need_be_then_the_earliest():
    early = polls.PollSlot(id=1, starts_at=datetime(2027, 1, 14, 17, tzinfo=timezone.utc))
    late = polls.PollSlot(id=2, starts_at=datetime(2027, 1, 21, 17, tzinfo=timezone.utc))
    slots = [late, early]

    def sums(a, b):
        return {1: polls.SlotSum(early, *a), 2: polls.SlotSum(late, *b)}

    assert polls.best_slot(slots, sums((0, 0, 0), (0, 0, 0))) is None  # nobody answered
    assert polls.best_slot(slots, sums((3, 0, 1), (4, 0, 0))) is late
    assert polls.best_slot(slots, sums((4, 1, 0), (4, 2, 0))) is late
    assert polls.best_slot(slots, sums((4, 2, 0), (4, 2, 0))) is early


def test_answers_to_the_public_pages_are_rate_limited(monkeypatch):
    from crm import create_app
    from crm.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app("testing", RATELIMIT_ENABLED=True, PUBLIC_ANSWER_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/umfrage/" + "z" * 32, data={}).status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    assert client.get("/umfrage/" + "z" * 32).status_code == 404  # reading is not counted


def test_the_forms_of_the_public_pages_need_their_csrf_token(poll_meeting):
    from crm import create_app

    invitee = services.invitees_of(poll_meeting)[0]
    protected = create_app("testing", WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    assert client.post(f"/antwort/{invitee.token}", data={"state": "accepted"}).status_code == 400
