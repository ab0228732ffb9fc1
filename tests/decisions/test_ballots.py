"""The circulation ballot of the 24-seat LAG body walked to the end: started by the office, the links
sent through a real SMTP server on loopback (one address refused, sent again), letters with the code
for the four without e-mail, members following the links from their mails and voting (conflicts of
interest, a deputy standing in, a deputy not counted beside the member), bad answers refused, late
attempts after the deadline, closing, the result in words and figures, the project moved on, the
result letter read back."""
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from docx import Document

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.decisions import ballots
from crm.decisions.ballot_models import Ballot, BallotVote, BallotVoter
from crm.extensions import db
from tests.meetings.test_mailing import by_recipient, smtp, text_of  # noqa: F401  (the aiosmtpd fixture)

# Tuesday 1 December 2026, 10:00 in Berlin; the deadline is Saturday 5 December, 12:00 (11:00 UTC)
START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
AFTER_DEADLINE = datetime(2026, 12, 5, 11, 0, 1, tzinfo=timezone.utc)
LATE_MESSAGE = "Die Frist ist am 05.12.2026 um 12:00 Uhr abgelaufen; Ihre Stimme kann nicht mehr gezählt werden."


class Clock:
    def __init__(self, monkeypatch, moment):
        self.moment = moment
        monkeypatch.setattr(clock, "utcnow", lambda: self.moment)


@pytest.fixture
def now(monkeypatch):
    return Clock(monkeypatch, START)


@pytest.fixture
def project(make_project):
    return make_project("Dorfladen Kleinwallstadt", status="advice")


def _create(client, lag, project, **extra):
    data = {"body_id": lag.body.id, "title": "Umlaufbeschluss Dezember 2026", "deadline_day": "2026-12-05",
            "deadline_time": "12:00", "item_title": "Förderantrag „Dorfladen Kleinwallstadt“",
            "item_text": "Das Entscheidungsgremium wählt das Projekt aus.", "project_id": project.id, **extra}
    return client.post("/umlaufverfahren/neu", data=data)


def _link_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/stimme/[A-Z0-9]+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


def _vote(client, path, ballot, values, conflicts=()):
    data = {f"vote-{item.id}": value for item, value in zip(ballot.items, values) if value}
    data.update({f"conflict-{ballot.items[i].id}": "1" for i in conflicts})
    return client.post(path, data=data)


def test_circulation_ballot_walk(client, login, lag, smtp, now, project):  # noqa: F811
    login("staff", email="keller@lag-spessart.de", full_name="Anna Keller")
    response = _create(client, lag, project)
    assert response.status_code == 302
    ballot = db.session.scalar(db.select(Ballot))
    assert ballot.status == "draft" and ballot.deadline.replace(tzinfo=timezone.utc) == datetime(
        2026, 12, 5, 11, 0, tzinfo=timezone.utc)
    assert client.post(f"/umlaufverfahren/{ballot.id}/punkte", data={
        "item_title": "Änderung der Geschäftsordnung", "item_text": "§ 5 wird neu gefasst."}).status_code == 302

    # the draft: 24 members and their 6 deputies; the four without e-mail go by letter
    page = client.get(f"/umlaufverfahren/{ballot.id}").get_data(as_text=True)
    assert "Entwurf: 30 Stimmberechtigte (24 stimmberechtigte Sitze und ihre Stellvertretungen)" in page
    db.session.expire_all()
    voters = {v.person_id: v for v in ballot.voters}
    assert len(voters) == 30
    assert {voters[p.id].channel for p in lag.without_email} == {"letter"}
    assert voters[lag.deputies[1].id].role == "deputy" and voters[lag.deputies[1].id].deputy_for_id == lag.members[1].id
    assert all(len(v.token) == 16 for v in voters.values()) and len({v.token for v in voters.values()}) == 30

    # start: 26 e-mails; the server refuses one address, sent again once it takes it
    refused = "döring1@example.org"
    smtp.refuse.add(refused)
    response = client.post(f"/umlaufverfahren/{ballot.id}/starten")
    assert response.status_code == 302
    messages = smtp.wait_for(25)
    assert len(messages) == 25
    db.session.expire_all()
    assert ballot.status == "open"
    failed = voters[lag.members[1].id]
    assert failed.sent_at is None and failed.send_error.startswith("550 5.1.1")
    page = client.get(f"/umlaufverfahren/{ballot.id}").get_data(as_text=True)
    assert "nicht zugestellt" in page and "550 5.1.1" in page
    assert "Abgestimmt: 0 von 24 stimmberechtigten Sitzen" in page
    smtp.refuse.clear()
    assert client.post(f"/umlaufverfahren/{ballot.id}/erneut-senden").status_code == 302
    assert len(smtp.wait_for(26)) == 26
    db.session.expire_all()
    assert failed.sent_at is not None and failed.send_error == ""

    # what a member receives: German subject, the items, the deadline, the personal link
    mail = by_recipient(smtp, "heß0@example.org")
    assert mail["Subject"] == "Umlaufverfahren: Umlaufbeschluss Dezember 2026 (Frist 05.12.2026 um 12:00 Uhr)"
    body = text_of(mail)
    assert body.startswith("Sehr geehrte Frau Bürgermeisterin,\n\ndas Gremium beschließt die folgenden Punkte im Umlaufverfahren")
    assert "1. Förderantrag „Dorfladen Kleinwallstadt“" in body and "2. Änderung der Geschäftsordnung" in body
    deputy_mail = by_recipient(smtp, "vertreter6@example.org")
    assert "Sie stimmen als Stellvertretung für Bernd Groß" in text_of(deputy_mail)

    # the letters for the four without e-mail: the link and the code to type
    response = client.post(f"/umlaufverfahren/{ballot.id}/briefe")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    letters = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    for person in lag.without_email:
        assert ballots.code_text(voters[person.id].token) in letters
    assert letters.count("/stimme/") >= 4

    paths = {p: _link_path(by_recipient(smtp, e)) for p, e in _addresses(lag).items()}
    ballot = ballots.load_ballot(ballot.id)

    # members 0-4 (public), 9-16 (civil society) vote; member 5 does not, her deputy does; member 1's
    # deputy votes too (not counted: the member voted). Members 0 and 9 are concerned by item 1.
    item1 = [None, "yes", "yes", "no", "yes", "yes", "yes", "yes", "no", "yes", "abstain", "yes", "no", "yes"]
    item2 = ["no", "yes", "no", "no", "yes", "abstain", "no", "yes", "no", "yes", "no", "abstain", "yes", "no"]
    members = [0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 15, 16]
    voting = [lag.members[i] for i in members] + [lag.deputies[5]]
    for n, person in enumerate(voting):
        conflicts = (0,) if person in (lag.members[0], lag.members[9]) else ()
        values = [item1[n] if not conflicts else None, item2[n]]
        page = client.get(paths[person.id])
        assert page.status_code == 200 and "Frist: 05.12.2026 um 12:00 Uhr" in page.get_data(as_text=True)
        response = _vote(client, paths[person.id], ballot, values, conflicts)
        assert response.status_code == 302, (person.full_name, response.get_data(as_text=True)[-800:])
    deputy = client.get(paths[lag.deputies[5].id]).get_data(as_text=True)
    assert "Sie stimmen als Stellvertretung für" in deputy and "Ihre Stimme" in deputy
    assert _vote(client, paths[lag.deputies[1].id], ballot, ["no", "no"]).status_code == 302

    # bad answers: refused with the reason, nothing stored
    person = lag.members[18]
    stored = db.session.scalar(db.select(db.func.count()).select_from(BallotVote))
    cases = [
        (_vote(client, paths[person.id], ballot, ["yes", "no"], conflicts=(0,)),
         "Bei „Förderantrag „Dorfladen Kleinwallstadt““ haben Sie persönliche Beteiligung erklärt"),
        (_vote(client, paths[person.id], ballot, ["yes", None]),
         "Bitte stimmen Sie über „Änderung der Geschäftsordnung“ ab"),
        (client.post(paths[person.id], data={f"vote-{ballot.items[0].id}": ["yes", "no"],
                                             f"vote-{ballot.items[1].id}": "no"}),
         "Nur eine Stimme je Punkt: zu „Förderantrag „Dorfladen Kleinwallstadt““ wurden 2 Stimmen abgegeben."),
        (client.post(paths[person.id], data={f"vote-{ballot.items[0].id}": "ja", f"vote-{ballot.items[1].id}": "no"}),
         "Bitte stimmen Sie mit Ja, Nein oder Enthaltung"),
        (client.post(paths[person.id], data={f"vote-{ballot.items[0].id}": "yes", f"vote-{ballot.items[1].id}": "no",
                                             "vote-99999": "yes"}),
         "nicht Teil dieses Umlaufverfahrens"),
    ]
    for response, message in cases:
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), message
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(BallotVote)) == stored
    assert db.session.scalar(db.select(BallotVoter).where(BallotVoter.person_id == person.id)).answered_at is None
    # a second answer: refused, the first stays
    again = _vote(client, paths[lag.members[2].id], ballot, ["no", "no"])
    assert again.status_code == 409 and "eine abgegebene Stimme kann nicht geändert werden" in again.get_data(
        as_text=True)

    # a wrong link: the German 404 page
    missing = client.get("/stimme/" + "Z" * 16)
    assert missing.status_code == 404 and "Nicht gefunden" in missing.get_data(as_text=True)

    # after the deadline: member 17 opens her link and sends the form anyway
    now.moment = AFTER_DEADLINE
    late = paths[lag.members[17].id]
    page = client.get(late)
    html = page.get_data(as_text=True)
    assert LATE_MESSAGE in html and 'type="radio"' not in html
    response = client.post(late, data={f"vote-{i.id}": "yes" for i in ballot.items})
    assert response.status_code == 409 and response.get_data(as_text=True).count(LATE_MESSAGE) == 1
    late_voter = db.session.scalar(db.select(BallotVoter).where(BallotVoter.person_id == lag.members[17].id))
    db.session.refresh(late_voter)
    assert late_voter.late_attempts == 2 and late_voter.answered_at is None and not late_voter.votes

    # the office closes and reads the result
    page = client.get(f"/umlaufverfahren/{ballot.id}").get_data(as_text=True)
    assert "Abgestimmt: 14 von 24 stimmberechtigten Sitzen" in page and "Nach Fristende versucht abzustimmen: 1" in page
    assert "verspätet" in page
    assert client.post(f"/umlaufverfahren/{ballot.id}/schliessen").status_code == 302
    db.session.expire_all()
    ballot = ballots.load_ballot(ballot.id)
    assert ballot.status == "closed"
    first, second = ballot.items
    assert (first.votes_yes, first.votes_no, first.votes_abstain, first.result) == (8, 3, 1, "passed")
    assert first.check_result["reasons"] == [
        "Beschlussfähig: 14 von 24 stimmberechtigten Mitgliedern haben fristgerecht abgestimmt (58,3 %).",
        "Wegen persönlicher Beteiligung ausgeschlossen: 2 Mitglieder (Anna Heß, Anna Jäger); es stimmen 12 ab.",
        "Doppelte Mehrheit erfüllt: nicht-öffentliche Partner 7 von 12 abstimmenden Mitgliedern (58,3 %), nötig "
        "sind mindestens 50 %.",
        "Interessengruppen: keinem abstimmenden Mitglied ist eine Gruppe zugeordnet.",
        "Ergebnis: angenommen mit 8 Ja, 3 Nein, 1 Enthaltung.",
    ]
    assert (second.votes_yes, second.votes_no, second.votes_abstain, second.result) == (5, 7, 2, "rejected")
    assert second.check_result["reasons"][-1] == "Ergebnis: abgelehnt mit 5 Ja, 7 Nein, 2 Enthaltungen (keine " \
                                                 "einfache Mehrheit)."
    # per member: member 5's seat counted through her deputy, member 1's deputy not beside him
    assert lag.deputies[5].id in first.check_result["counted_ids"]
    assert lag.deputies[1].id not in second.check_result["counted_ids"]
    assert lag.members[1].id in second.check_result["counted_ids"]
    assert "Carla Vertreter6 (in Vertretung für Bernd Groß)" in first.check_result["present_names"]

    page = client.get(f"/umlaufverfahren/{ballot.id}").get_data(as_text=True)
    assert "Ergebnis: angenommen mit 8 Ja, 3 Nein, 1 Enthaltung." in page
    assert "Ja: 8 · Nein: 3 · Enthaltungen: 1 · Ausgeschlossen: 2" in page
    assert "nicht gezählt: das Mitglied hat abgestimmt" in page

    # the project is selected and the ballot is on its timeline
    db.session.refresh(project)
    assert project.status == "selected" and project.selected_on == date(2026, 12, 5)
    timeline = client.get(f"/projekte/{project.id}").get_data(as_text=True)
    assert "Umlaufbeschluss Dezember 2026: Förderantrag" in timeline

    # and on the body's page
    body_page = client.get(f"/gremien/{lag.body.id}").get_data(as_text=True)
    assert "Umlaufbeschluss Dezember 2026" in body_page and f"/umlaufverfahren/neu?gremium={lag.body.id}" in body_page

    # a vote on the closed ballot: refused, nothing stored
    closed = client.post(paths[lag.members[19].id], data={f"vote-{i.id}": "yes" for i in ballot.items})
    assert closed.status_code == 409
    assert db.session.scalar(db.select(BallotVoter).where(BallotVoter.person_id == lag.members[19].id)).votes == []

    # the result letter: one per member with a postal address, the check in words
    response = client.get(f"/umlaufverfahren/{ballot.id}/ergebnis.docx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Ergebnis des Umlaufverfahrens: Umlaufbeschluss Dezember 2026" in text
    assert "Beschlussfähig: 14 von 24 stimmberechtigten Mitgliedern haben fristgerecht abgestimmt (58,3 %)." in text
    assert "Ergebnis: abgelehnt mit 5 Ja, 7 Nein, 2 Enthaltungen (keine einfache Mehrheit)." in text
    assert text.count("Ergebnis: angenommen mit 8 Ja, 3 Nein, 1 Enthaltung.") == 24
    assert len(document.sections) == 24


def _addresses(lag) -> dict[int, str]:
    from crm.meetings.services import email_of

    people = [p for p in lag.members if p not in lag.without_email] + lag.deputies
    return {p.id: email_of(p) for p in people}


def test_closing_before_the_deadline_needs_a_confirmation_and_then_refuses_votes(client, login, lag, now, project):
    login("staff")
    assert _create(client, lag, project).status_code == 302
    ballot = db.session.scalar(db.select(Ballot))
    ballot.status, ballot.started_at = "open", clock.utcnow()  # started without sending
    db.session.commit()
    response = client.post(f"/umlaufverfahren/{ballot.id}/schliessen", data={"confirm_early": ""})
    assert "Die Frist (05.12.2026 um 12:00 Uhr) ist nicht abgelaufen und 24 stimmberechtigte Sitze haben noch " \
           "nicht abgestimmt" in response.get_data(as_text=True)
    db.session.expire_all()
    assert ballot.status == "open"
    assert client.post(f"/umlaufverfahren/{ballot.id}/schliessen", data={"confirm_early": "y"}).status_code == 302
    db.session.expire_all()
    assert ballot.status == "closed" and ballot.items[0].result == "invalid"
    assert ballot.items[0].check_result["reasons"][0] == (
        "Nicht beschlussfähig: 0 von 24 stimmberechtigten Mitgliedern haben fristgerecht abgestimmt (0 %), "
        "nötig sind 50 % (12).")
    db.session.refresh(project)
    assert project.status == "advice"  # no valid decision: the project stays where it was
    voter = ballot.voters[0]
    response = client.post(f"/stimme/{voter.token}", data={f"vote-{ballot.items[0].id}": "yes"})
    assert response.status_code == 409
    assert "Das Umlaufverfahren wurde am 01.12.2026 abgeschlossen" in response.get_data(as_text=True)
    assert voter.votes == [] and voter.late_attempts == 0
    with pytest.raises(DomainError):
        ballots.close(ballot)


def test_starting_needs_a_deadline_in_the_future_and_a_body(client, login, lag, now, project):
    login("staff")
    response = _create(client, lag, project, deadline_day="2026-11-30")
    assert "Die Frist liegt in der Vergangenheit." in response.get_data(as_text=True)
    response = _create(client, lag, project, body_id=0, deadline_time="")
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie die Uhrzeit der Frist an." in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Ballot)) == 0


def test_the_code_from_the_letter_leads_to_the_ballot(client, lag, now, project):
    ballot = ballots.create_ballot(lag.body, {"title": "Umlauf", "deadline": START + timedelta(days=2),
                                              "item_title": "Punkt"})
    ballot.status = "open"
    db.session.commit()
    voter = ballot.voters[0]
    typed = " " + ballots.code_text(voter.token).lower().replace("0", "o") + " "
    response = client.post("/stimme", data={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/stimme/{voter.token}")
    wrong = client.post("/stimme", data={"code": "7KQ2-M9XD-4RTB-HV3C"})
    assert wrong.status_code == 422 and "Dieser Code ist unbekannt" in wrong.get_data(as_text=True)
    assert ballots.normalise_code("abc") == "" and ballots.voter_by_token("x" * 500) is None


def test_the_public_ballot_is_rate_limited_and_needs_its_csrf_token(monkeypatch, lag, now, project):
    from crm import create_app
    from crm.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app("testing", RATELIMIT_ENABLED=True, PUBLIC_ANSWER_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/stimme/" + "Z" * 16, data={}).status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    assert client.get("/stimme/" + "Z" * 16).status_code == 404  # reading is not counted

    ballot = ballots.create_ballot(lag.body, {"title": "Umlauf", "deadline": START + timedelta(days=2),
                                              "item_title": "Punkt"})
    ballot.status = "open"
    db.session.commit()
    protected = create_app("testing", WTF_CSRF_ENABLED=True).test_client()
    token = ballot.voters[0].token
    assert protected.post(f"/stimme/{token}", data={f"vote-{ballot.items[0].id}": "yes"}).status_code == 400
    assert protected.post("/stimme", data={"code": token}).status_code == 400


def test_ballots_past_their_deadline_are_closed_by_the_command(app, lag, now, project):
    ballot = ballots.create_ballot(lag.body, {"title": "Umlauf", "deadline": START + timedelta(days=1),
                                              "item_title": "Punkt", "project_id": project.id})
    ballot.status, ballot.started_at = "open", START
    db.session.commit()
    voters = {v.person_id: v for v in ballot.voters}
    for person in lag.members[4:17]:  # five public partners, eight from civil society
        ballots.answer(voters[person.id], ballots.Answer(votes={ballot.items[0].id: ["yes"]}))
    db.session.commit()
    runner = app.test_cli_runner()
    assert "Abgeschlossene Umlaufverfahren: 0." in runner.invoke(args=["crm", "close-ballots"]).output
    now.moment = START + timedelta(days=1, seconds=1)
    assert "Abgeschlossene Umlaufverfahren: 1." in runner.invoke(args=["crm", "close-ballots"]).output
    db.session.expire_all()
    assert ballot.status == "closed" and ballot.items[0].result == "passed"
    assert ballot.items[0].check_result["reasons"][0] == (
        "Beschlussfähig: 13 von 24 stimmberechtigten Mitgliedern haben fristgerecht abgestimmt (54,2 %).")
    db.session.refresh(project)
    assert project.status == "selected"


def test_a_body_without_voting_members_gets_no_ballot(client, login, now, project):
    from crm.network.models import Body

    login("staff")
    body = Body(name="AK Tourismus", kind="working_group")
    db.session.add(body)
    db.session.commit()
    response = client.post("/umlaufverfahren/neu", data={
        "body_id": body.id, "title": "Umlauf", "deadline_day": "2026-12-05", "deadline_time": "12:00",
        "item_title": "Punkt"})
    assert "Das Gremium hat heute keine stimmberechtigten Mitglieder; niemand könnte abstimmen." in \
        response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Ballot)) == 0


def test_a_member_chosen_for_a_letter_gets_no_mail_and_a_letter_member_switched_to_mail_is_sent_again(
        client, login, lag, smtp, now, project):  # noqa: F811
    login("staff")
    assert _create(client, lag, project).status_code == 302
    ballot = db.session.scalar(db.select(Ballot))
    voters = {v.person_id: v for v in ballot.voters}
    by_post, no_address = voters[lag.members[2].id], voters[lag.without_email[0].id]
    assert client.post(f"/umlaufverfahren/{ballot.id}/stimmberechtigte/{by_post.id}/weg",
                       data={"channel": "letter"}).status_code == 302
    assert client.post(f"/umlaufverfahren/{ballot.id}/starten").status_code == 302
    assert len(smtp.wait_for(25)) == 25  # 26 with an address, one of them by letter
    db.session.expire_all()
    assert by_post.channel == "letter" and by_post.sent_at is None
    assert [p for rcpts, _m, _peer in smtp.messages for p in rcpts if p.startswith("müller2")] == []
    # the office switches a member without an address to e-mail: sending again says why it fails
    client.post(f"/umlaufverfahren/{ballot.id}/stimmberechtigte/{no_address.id}/weg", data={"channel": "email"})
    page = client.get(f"/umlaufverfahren/{ballot.id}").get_data(as_text=True)
    assert "Nicht zugestellte E-Mails: 1" in page
    response = client.post(f"/umlaufverfahren/{ballot.id}/erneut-senden", follow_redirects=True)
    assert "Nicht zustellbar (1): Bernd Vogt." in response.get_data(as_text=True)
    db.session.expire_all()
    assert no_address.send_error == "Keine E-Mail-Adresse."
    assert len(smtp.messages) == 25
