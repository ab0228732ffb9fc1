"""A circulation ballot in a real browser: the office starts it through the form (German date and time),
the links go out through an SMTP server on loopback, a member follows the link from her mail and votes
(one conflict of interest), three more vote, the office closes it early and reads the check in words,
at 1280 and 1024 pixels."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_poll_journey import smtp_server  # noqa: F401  (aiosmtpd for the live server)

pytestmark = pytest.mark.browser
BODY = "LAG-Entscheidungsgremium (Umlauftest)"


def _body(live_server) -> dict:
    """Six voting members from the demo region with an e-mail address: three public partners, three not."""
    from sqlalchemy import select

    from crm.contacts.models import Organisation, Person
    from crm.extensions import db
    from crm.meetings.services import email_of
    from crm.network.models import Body, Seat

    with live_server.app.app_context():
        try:
            persons = [p for p in db.session.scalars(select(Person).order_by(Person.id)) if email_of(p)][:6]
            public = db.session.scalar(select(Organisation).where(Organisation.sector == "public"))
            society = db.session.scalar(select(Organisation).where(Organisation.sector == "civil_society"))
            body = Body(name=BODY, kind="lag_decision")
            db.session.add(body)
            for i, person in enumerate(persons):
                db.session.add(Seat(body=body, person=person, organisation=public if i < 3 else society,
                                    voting=True, valid_from=date(2024, 1, 1)))
            db.session.commit()
            return {"body": body.id, "people": [(p.id, p.full_name, email_of(p)) for p in persons]}
        finally:
            db.session.remove()


def _vote_directly(live_server, ballot_id: int, person_ids: list[int], vote: str) -> None:
    from crm.decisions import ballots
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            ballot = ballots.load_ballot(ballot_id)
            for voter in ballot.voters:
                if voter.person_id in person_ids:
                    ballots.answer(voter, ballots.Answer(votes={ballot.items[0].id: [vote]}))
            db.session.commit()
        finally:
            db.session.remove()


def test_office_starts_a_ballot_a_member_votes_the_office_closes_it(page, browser, live_server, log_in, shot,
                                                                    screenshot_dir, smtp_server):  # noqa: F811
    from crm.core import time as clock

    data = _body(live_server)
    log_in("staff")
    page.goto("/umlaufverfahren")
    page.get_by_role("link", name="Neues Umlaufverfahren").click()
    page.select_option("#body_id", label=BODY)
    deadline = clock.today() + timedelta(days=4)
    page.fill("#deadline_day", deadline.isoformat())
    page.fill("#deadline_time", "12:00")
    page.fill("#title", "Umlaufbeschluss Bürgerbus")
    page.fill("#item_title", "Förderantrag Bürgerbus")
    page.fill("#item_text", "Das Gremium wählt das Projekt Bürgerbus zur Förderung aus.")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot("form-1280")
    page.click("form.ballot-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("Umlaufverfahren mit 6 Stimmberechtigten angelegt")
    expect(page.locator("table.ballot-voters tbody tr")).to_have_count(6)
    ballot_id = int(re.search(r"/umlaufverfahren/(\d+)", page.url).group(1))

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Starten und Links senden").click()
    expect(page.locator(".alert-success")).to_contain_text("Persönliche Links per E-Mail gesendet: 6.")
    expect(page.locator(".ballot-progress")).to_contain_text("Abgestimmt: 0 von 6 stimmberechtigten Sitzen")
    messages = smtp_server.wait_for(6)
    assert len(messages) == 6

    # the first member follows the link in her mail, on her phone, without login
    person_id, name, address = data["people"][0]
    mail = next(m for rcpts, m, _peer in messages if rcpts == [address])
    link = re.search(r"https?://\S+/stimme/[A-Z0-9]{16}", mail.get_body(preferencelist=("plain",)).get_content())
    assert link, "no personal link in the mail"
    member = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    try:
        tab = member.new_page()
        tab.goto(link.group(0))
        expect(tab.locator("h1")).to_have_text("Umlaufbeschluss Bürgerbus")
        expect(tab.locator("header")).to_contain_text(name)
        expect(tab.locator("body")).to_contain_text(f"Frist: {deadline.strftime('%d.%m.%Y')} um 12:00 Uhr")
        # a vote together with the declaration of a conflict: refused, nothing stored
        tab.locator("label.answer-yes").click()
        tab.check("input[name^=conflict-]")
        tab.click("button[type=submit]")
        expect(tab.locator(".alert-danger")).to_contain_text("haben Sie persönliche Beteiligung erklärt")
        tab.uncheck("input[name^=conflict-]")
        tab.locator("label.answer-yes").click()
        tab.screenshot(path=str(screenshot_dir / "ballot-journey-member-votes.png"), full_page=True)
        tab.click("button[type=submit]")
        expect(tab.locator(".alert-success")).to_contain_text("Vielen Dank! Ihre Stimme wurde erfasst.")
        expect(tab.locator(".ballot-items")).to_contain_text("Ihre Stimme: Ja")
        expect(tab.locator("button[type=submit]")).to_have_count(0)
    finally:
        member.close()

    # three more: two yes, one no (straight through the service, as the link would)
    people = data["people"]
    _vote_directly(live_server, ballot_id, [people[1][0], people[3][0]], "yes")
    _vote_directly(live_server, ballot_id, [people[4][0]], "no")

    page.reload()
    expect(page.locator(".ballot-progress")).to_contain_text("Abgestimmt: 4 von 6 stimmberechtigten Sitzen")
    expect(page.locator(".interim-check")).to_contain_text("Stand jetzt (noch nicht abgeschlossen)")
    # closing before the deadline needs the confirmation
    page.get_by_role("button", name="Abschließen und auszählen").click()
    expect(page.locator(".alert-danger").first).to_contain_text("Bitte bestätigen Sie")
    page.check("#confirm_early")
    page.get_by_role("button", name="Abschließen und auszählen").click()
    expect(page.locator(".alert-success")).to_contain_text("Das Umlaufverfahren ist abgeschlossen")
    check = page.locator(".stored-check")
    expect(check).to_contain_text(
        "Beschlussfähig: 4 von 6 stimmberechtigten Mitgliedern haben fristgerecht abgestimmt (66,7 %).")
    expect(check).to_contain_text("Doppelte Mehrheit erfüllt: nicht-öffentliche Partner 2 von 4 abstimmenden "
                                  "Mitgliedern (50 %), nötig sind mindestens 50 %.")
    expect(check).to_contain_text("Ergebnis: angenommen mit 3 Ja, 1 Nein, 0 Enthaltungen.")
    expect(page.get_by_role("link", name="Ergebnisschreiben (Word)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot("closed-1280")
    page.set_viewport_size({"width": 1024, "height": 768})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot("closed-1024")
    assert not page.js_errors
