"""The date poll in a real browser: the office puts four dates to 31 invitees, two of them answer through
their personal links (a fresh browser without login), the office reads the matrix at 1024 px, fixes the
best date, and one invitee answers the invitation through /antwort/<token>."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TITLE = "Netzwerktreffen Regionalvermarktung (Umfrage)"
INVITEES = 31


def _meeting(live_server) -> int:
    """A network meeting without a date, 31 persons of the demo region invited."""
    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.meetings import services

    with live_server.app.app_context():
        try:
            persons = db.session.scalars(select(Person.id).where(Person.archived_at.is_(None),
                                                                 Person.contact_objection.is_(False))
                                         .order_by(Person.id).limit(INVITEES)).all()
            assert len(persons) == INVITEES
            meeting = services.save_meeting(None, {"title": TITLE, "kind": "network",
                                                   "description": "Wir sprechen über den Regionalladen."})
            services.invite(meeting, person_ids=persons)
            db.session.commit()
            return meeting.id
        finally:
            db.session.remove()


def _invitees(live_server, meeting_id):
    from crm.extensions import db
    from crm.meetings import services
    from crm.meetings.models import Meeting

    with live_server.app.app_context():
        try:
            meeting = db.session.get(Meeting, meeting_id)
            return [(i.id, i.token, i.person.full_name) for i in services.invitees_of(meeting)]
        finally:
            db.session.remove()


def _slot_texts(live_server, meeting_id):
    from crm.extensions import db
    from crm.meetings import polls
    from crm.meetings.models import Meeting

    with live_server.app.app_context():
        try:
            meeting = db.session.get(Meeting, meeting_id)
            return [polls.slot_text(s.starts_at, s.ends_at) for s in meeting.slots]
        finally:
            db.session.remove()


def _no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_office_polls_a_date_invitees_answer_and_the_date_is_fixed(page, browser, live_server, log_in, shot,
                                                                   screenshot_dir):
    from crm.core import time as clock

    meeting_id = _meeting(live_server)
    log_in("staff")
    page.goto(f"/termine/{meeting_id}/umfrage")
    expect(page.locator("h1")).to_contain_text(TITLE)

    # four candidate dates, five weeks ahead, through the form
    first = clock.today() + timedelta(days=35)
    for offset, start, end in ((0, "18:00", "20:00"), (2, "17:00", "19:00"), (7, "09:00", "12:00"),
                               (9, "18:30", "20:30")):
        page.fill("#day", (first + timedelta(days=offset)).isoformat())
        page.fill("#start", start)
        page.fill("#end", end)
        page.click("form.slot-form button[type=submit]")
        expect(page.locator(".alert-success")).to_contain_text("Terminvorschlag hinzugefügt")
    expect(page.locator("ul.poll-slots li")).to_have_count(4)
    page.fill("#deadline", (first - timedelta(days=10)).isoformat())
    page.click("text=Terminumfrage starten >> nth=-1")
    expect(page.locator(".alert-success")).to_contain_text("Die Terminumfrage ist gestartet")
    expect(page.locator(".poll-missing .badge")).to_have_text(str(INVITEES))
    # no mailing part here: the personal links are listed to copy
    page.click("summary:has-text('Persönliche Links zur Terminumfrage')")
    expect(page.locator("#poll-links li")).to_have_count(INVITEES)
    shot("poll-opened")

    invitees = _invitees(live_server, meeting_id)
    slots = _slot_texts(live_server, meeting_id)
    # two invitees answer in a browser of their own, without login
    answers = {0: ("yes", "maybe", "no", "yes"), 1: ("no", "yes", "maybe", "yes")}
    labels = {"yes": "ja", "maybe": "wenn nötig", "no": "nein"}
    guest = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="de-DE")
    try:
        tab = guest.new_page()
        for index, choice in answers.items():
            _id, token, name = invitees[index]
            tab.goto(f"/umfrage/{token}")
            expect(tab.locator("h1")).to_have_text(TITLE)
            expect(tab.locator("header")).to_contain_text(name)
            expect(tab.locator("body")).not_to_contain_text(invitees[2][2])
            expect(tab.locator("fieldset.poll-slot legend")).to_have_text(slots)
            for n, value in enumerate(choice):
                option = tab.locator("fieldset.poll-slot").nth(n).locator(f"label.answer-{value}")
                expect(option).to_contain_text(labels[value])
                option.click()
            tab.fill("#comment", "Am liebsten abends." if index == 0 else "")
            if index == 0:
                shot_path = screenshot_dir / "poll-journey-public-answer.png"
                tab.screenshot(path=str(shot_path), full_page=True)
            tab.click("button[type=submit]")
            expect(tab.locator(".alert-success")).to_contain_text("Vielen Dank! Ihre Antwort ist gespeichert.")
            expect(tab.locator(f"#slot-{_slot_id(tab, 0)}-{choice[0]}")).to_be_checked()
        # the poll page shows nothing of the application
        assert tab.locator("nav.navbar").count() == 0
    finally:
        guest.close()

    # the organiser reads the matrix at 1024 px: 31 rows, no sideways scrolling
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"/termine/{meeting_id}/umfrage")
    expect(page.locator("table.poll-matrix tbody tr")).to_have_count(INVITEES)
    expect(page.locator("tr.sum-yes td.fw-semibold")).to_have_text(["1", "1", "0", "2"])
    expect(page.locator("tr.sum-maybe td.text-center")).to_have_text(["0", "1", "1", "0"])
    expect(page.locator("thead th.best")).to_contain_text("bester")  # the fourth date: two yes
    expect(page.locator(".poll-missing .badge")).to_have_text(str(INVITEES - 2))
    assert _no_sideways_scrolling(page)
    shot("matrix-1024")

    # close on the preselected best date
    expect(page.locator("#slot_id option:checked")).to_have_text(slots[3])
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Termin festlegen und Umfrage abschließen")
    expect(page.locator(".alert-success")).to_contain_text(f"Der Termin steht fest: {slots[3]}.")
    expect(page.locator(".poll-status")).to_contain_text("abgeschlossen")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot("closed")

    # one invitee answers the invitation through the personal link
    guest = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="de-DE")
    try:
        tab = guest.new_page()
        _id, token, name = invitees[1]
        tab.goto(f"/umfrage/{token}")
        expect(tab.locator(".alert-info")).to_contain_text(
            f"Die Umfrage ist abgeschlossen; der Termin steht fest: {slots[3]}.")
        tab.click("text=Auf die Einladung antworten")
        expect(tab).to_have_url(re.compile(f"/antwort/{token}$"))
        expect(tab.locator("dl.meeting-facts")).to_contain_text(slots[3])
        tab.click("label:has-text('Ich komme, unter Vorbehalt')")
        tab.fill("#comment", "Ich komme etwas später.")
        tab.click("button[type=submit]")
        expect(tab.locator(".alert-success")).to_contain_text("Ihre Rückmeldung ist gespeichert: mit Vorbehalt")
        tab.screenshot(path=str(screenshot_dir / "poll-journey-public-rsvp.png"), full_page=True)
    finally:
        guest.close()

    page.goto(f"/termine/{meeting_id}/rueckmeldungen")
    expect(page.locator('.rsvp-count[data-state="tentative"]')).to_have_text("1")
    expect(page.locator(f"#invitee-{invitees[1][0]}")).to_contain_text("Ich komme etwas später.")
    assert _no_sideways_scrolling(page)
    shot("rsvp-list")
    assert not page.js_errors


def _slot_id(tab, index) -> str:
    name = tab.locator("fieldset.poll-slot").nth(index).locator("input[type=radio]").first.get_attribute("name")
    return name.removeprefix("slot-")
