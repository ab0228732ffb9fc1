"""Minutes of a LAG session on the 24-seat body: attendance, conflicts of interest, votes, the check
in words before saving, the stored check, bad input refused, the minutes as Word."""
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import func, select

from crm.decisions.models import ConflictDeclaration, Decision, MinutesEntry
from crm.extensions import db
from crm.meetings.models import AgendaItem, Invitee


@pytest.fixture
def session(lag, make_meeting):
    """A LAG session: members 6-17 (12) there, and the deputy of member 1 for her; public partners
    are members 1-9. Two items: a greeting, and the vote on a project."""
    from crm.projects.models import Project

    meeting = make_meeting()
    greeting = AgendaItem(meeting=meeting, position=1, title="Begrüßung")
    vote = AgendaItem(meeting=meeting, position=2, title="Projektauswahl Dorfladen Eichenbühl", needs_vote=True)
    project = Project(title="Dorfladen Eichenbühl")
    db.session.add_all([greeting, vote, project])
    present = {p.id for p in lag.members[5:17]} | {lag.deputies[0].id}
    for invitee in meeting.invitees:
        invitee.attended = invitee.person_id in present
    db.session.commit()
    return meeting, greeting, vote, project, present


def form(present, conflicted=(), yes="", no="", abstain="", action="check", project_id="", text=""):
    return {"present": [str(i) for i in present], "conflicted": [str(i) for i in conflicted], "yes": yes, "no": no,
            "abstain": abstain, "action": action, "project_id": str(project_id), "text": text}


def decisions():
    return db.session.scalar(select(func.count()).select_from(Decision))


def test_minutes_page_is_prefilled_from_the_attendance(client, login, lag, session):
    meeting, greeting, vote, project, present = session
    login("staff")
    html = client.get(f"/termine/{meeting.id}/protokoll").get_data(as_text=True)
    assert "Projektauswahl Dorfladen Eichenbühl" in html and "Begrüßung" in html
    for person in lag.members:
        assert person.full_name in html
    assert html.count('name="present" value=') == 24 + 6
    assert html.count("checked") == len(present)
    assert f'value="{lag.deputies[0].id}" id="d-{vote.id}-{lag.deputies[0].id}" checked' in html
    detail = client.get(f"/termine/{meeting.id}").get_data(as_text=True)
    assert f"/termine/{meeting.id}/protokoll" in detail


def test_check_shows_the_reasons_and_stores_nothing_then_save_stores_the_check(client, login, lag, session):
    meeting, greeting, vote, project, present = session
    login("staff")
    conflicted = [lag.members[9].id, lag.members[10].id]
    response = client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                           data=form(present, conflicted, yes="7", no="3", abstain="1", project_id=project.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Beschlussfähig: 13 von 24 stimmberechtigten Mitgliedern anwesend (54,2 %)." in html
    assert "Wegen persönlicher Beteiligung ausgeschlossen: 2 Mitglieder" in html
    assert "nicht-öffentliche Partner 6 von 11 abstimmenden Mitgliedern (54,5 %)" in html
    assert "Ergebnis: angenommen mit 7 Ja, 3 Nein, 1 Enthaltung." in html
    assert decisions() == 0

    response = client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                           data=form(present, conflicted, yes="7", no="3", abstain="1", project_id=project.id,
                                     action="save", text="Frau Weiß stellt das Projekt vor."))
    assert response.status_code == 302
    decision = db.session.scalar(select(Decision))
    assert (decision.votes_yes, decision.votes_no, decision.votes_abstain, decision.result) == (7, 3, 1, "passed")
    check = decision.check_result
    assert (check["members"], check["present"], check["excluded"], check["voting"]) == (24, 13, 2, 11)
    assert check["excluded_names"] == [lag.members[9].full_name, lag.members[10].full_name]
    assert f"{lag.deputies[0].full_name} (in Vertretung für {lag.members[0].full_name})" in check["present_names"]
    rows = db.session.scalars(select(ConflictDeclaration)).all()
    assert len(rows) == 13 and {r.person_id for r in rows if r.conflicted} == set(conflicted)
    assert lag.deputies[0].id in {r.person_id for r in rows}  # the deputy votes, and declares
    assert db.session.scalar(select(MinutesEntry.text)) == "Frau Weiß stellt das Projekt vor."
    db.session.refresh(project)
    assert project.status == "selected" and project.selected_on == date(2027, 3, 18)

    html = client.get(f"/termine/{meeting.id}/protokoll").get_data(as_text=True)
    assert "Ergebnis: angenommen mit 7 Ja, 3 Nein, 1 Enthaltung." in html and "angenommen" in html
    timeline = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    assert "Projektauswahl Dorfladen Eichenbühl" in timeline


def test_a_later_seat_change_does_not_change_the_stored_check(client, login, lag, session):
    from crm.network.models import Seat

    meeting, greeting, vote, project, present = session
    login("staff")
    client.post(f"/termine/{meeting.id}/protokoll/{vote.id}", data=form(present, yes="8", no="4", abstain="1",
                                                                        action="save"))
    before = dict(db.session.scalar(select(Decision)).check_result)
    for seat in db.session.scalars(select(Seat).where(Seat.body_id == lag.body.id)).all()[:6]:
        seat.valid_to = date(2027, 3, 1)  # six seats ended before the session, recorded afterwards
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Decision)).check_result == before
    html = client.get(f"/termine/{meeting.id}/protokoll").get_data(as_text=True)
    assert "Beschlussfähig: 13 von 24 stimmberechtigten Mitgliedern anwesend (54,2 %)." in html


def test_public_partners_over_half_make_the_vote_invalid_and_leave_the_project(client, login, lag, session):
    meeting, greeting, vote, project, _ = session
    login("staff")
    present = [p.id for p in lag.members[:13]]  # 9 public, 4 non-public
    response = client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                           data=form(present, yes="10", no="3", action="save", project_id=project.id))
    assert response.status_code == 302
    decision = db.session.scalar(select(Decision))
    assert decision.result == "invalid"
    assert any(r.startswith("Nicht gültig: öffentliche Partner 9 von 13 abstimmenden Mitgliedern (69,2 %)")
               for r in decision.check_result["reasons"])
    db.session.refresh(project)
    assert project.status == "idea"
    # the corrected attendance went back to the invitees
    attended = set(db.session.scalars(select(Invitee.person_id).where(Invitee.meeting_id == meeting.id,
                                                                      Invitee.attended)))
    assert attended == set(present)


def test_a_rejected_project_is_dropped(client, login, lag, session):
    meeting, greeting, vote, project, present = session
    login("staff")
    client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                data=form(present, yes="4", no="6", abstain="3", action="save", project_id=project.id))
    db.session.refresh(project)
    assert project.status == "dropped"


@pytest.mark.parametrize("counts, message", [
    (("12", "1", "1"), "14 Stimmen, aber nur 13"),
    (("-1", "3", "0"), "nicht negativ"),
    (("sieben", "3", "0"), "ganze Zahl"),
])
def test_bad_input_is_refused_and_nothing_stored(client, login, lag, session, counts, message):
    meeting, greeting, vote, project, present = session
    login("staff")
    yes, no, abstain = counts
    response = client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                           data=form(present, yes=yes, no=no, abstain=abstain, action="save", project_id=project.id,
                                     text="Sollte nicht gespeichert werden"))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert decisions() == 0
    assert db.session.scalar(select(func.count()).select_from(MinutesEntry)) == 0
    db.session.refresh(project)
    assert project.status == "idea"


def test_conflicted_members_cannot_vote(client, login, lag, session):
    meeting, greeting, vote, project, present = session
    login("staff")
    conflicted = [lag.members[9].id, lag.members[10].id]
    response = client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                           data=form(present, conflicted, yes="12", no="0", abstain="0", action="save"))
    assert response.status_code == 422
    assert "12 Stimmen, aber nur 11" in response.get_data(as_text=True)
    assert decisions() == 0


def test_viewer_reads_but_cannot_change(client, login, lag, session):
    meeting, greeting, vote, project, present = session
    login("viewer")
    html = client.get(f"/termine/{meeting.id}/protokoll").get_data(as_text=True)
    assert "Projektauswahl Dorfladen Eichenbühl" in html and 'name="present"' not in html
    assert client.post(f"/termine/{meeting.id}/protokoll/{vote.id}", data=form(present)).status_code == 403


def test_minutes_as_word(client, login, lag, session):
    from crm.letters.services import letterhead

    meeting, greeting, vote, project, present = session
    letterhead().sender_name = "LAG Main4Eck Miltenberg e.V."
    db.session.commit()
    login("staff")
    client.post(f"/termine/{meeting.id}/protokoll/{greeting.id}",
                data={"action": "text", "text": "Der Vorsitzende begrüßt die Anwesenden."})
    client.post(f"/termine/{meeting.id}/protokoll/{vote.id}",
                data=form(present, [lag.members[9].id], yes="8", no="3", abstain="1", action="save",
                          project_id=project.id))
    response = client.get(f"/termine/{meeting.id}/protokoll.docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.docx"')
    doc = Document(BytesIO(response.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "LAG Main4Eck Miltenberg e.V." in text
    assert "Protokoll: Sitzung des LAG-Entscheidungsgremiums" in text
    assert "18. März 2027" in text and "Markt Kleinwallstadt" in text
    assert lag.members[5].full_name in text
    assert f"{lag.deputies[0].full_name} (in Vertretung für {lag.members[0].full_name})" in text
    assert "Der Vorsitzende begrüßt die Anwesenden." in text
    assert "Beschlussfähig: 13 von 24 stimmberechtigten Mitgliedern anwesend (54,2 %)." in text
    assert "Beschluss: angenommen" in text and "Projekt: Dorfladen Eichenbühl" in text
    assert cells[cells.index("Ja") + 1] == "8" and cells[cells.index("Enthaltungen") + 1] == "1"
    assert lag.members[9].full_name in cells[cells.index("Ausgeschlossen wegen persönlicher Beteiligung") + 1]
