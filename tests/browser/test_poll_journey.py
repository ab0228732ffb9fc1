"""The meeting journey in a real browser: the office puts four dates to 31 invitees, two of them answer
through their personal links (a fresh browser without login), the office reads the matrix at 1024 px, fixes
the best date, sends the invitations (a real SMTP server on loopback receives them, with the calendar
invitation), one invitee answers through /antwort/<token>, the office checks people in at the door and
downloads the signature list."""
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


@pytest.fixture
def smtp_server(live_server, monkeypatch):
    """aiosmtpd on loopback, used by the live server's app (same process, another thread)."""
    from aiosmtpd.controller import Controller

    from tests.meetings.test_mailing import Inbox, _free_port, _use_server

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=True)
    controller.start()
    _use_server(live_server.app, monkeypatch, controller.port)
    yield inbox
    controller.stop()


def test_office_polls_a_date_invitees_answer_and_the_date_is_fixed(page, browser, live_server, log_in, shot,
                                                                   screenshot_dir, smtp_server):
    import icalendar

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
    # fixing the date leads straight to the invitation: the text is prefilled, the counts are shown
    expect(page).to_have_url(re.compile(f"/termine/{meeting_id}/einladen$"))
    expect(page.locator("body")).to_contain_text("per E-Mail")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot("compose")
    page.click("button:has-text('Einladungen senden')")
    expect(page.locator(".alert-success").first).to_contain_text("per E-Mail")
    by_mail = sum(1 for _i, _t, _n, channel in _channels(live_server, meeting_id) if channel == "email")
    received = smtp_server.wait_for(by_mail)
    assert len(received) == by_mail > 0
    calendar = next(part for part in received[0][1].walk() if part.get_content_type() == "text/calendar")
    ics = icalendar.Calendar.from_ical(calendar.get_payload(decode=True))
    assert str(ics["METHOD"]) == "REQUEST" and len(ics.walk("VEVENT")[0].get("ATTENDEE")) == by_mail
    shot("sent")

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

    # on the day: check in two people at the door
    page.goto(f"/termine/{meeting_id}/check-in")
    expect(page.locator("#checkin[data-ready=true]")).to_be_attached()
    for _id, _token, name in invitees[:2]:
        page.fill("#checkin-search", name.split()[-1])
        page.locator(".checkin-row", has=page.locator(".checkin-name", has_text=name)).first.click()
    page.fill("#checkin-search", "")
    expect(page.locator("#checkin-sync")).to_have_text("Alles übertragen")
    expect(page.locator("#checkin-counts")).to_contain_text(f"2 von {INVITEES} anwesend")
    shot("checkin")

    # the meeting page: the answers, two present, the signature list as a Word file
    page.goto(f"/termine/{meeting_id}")
    expect(page.locator(".attendance-panel")).to_contain_text(f"2 von {INVITEES} anwesend")
    with page.expect_download() as download:
        page.click("text=Unterschriftenliste (Word)")
    from docx import Document

    document = Document(download.value.path())
    names = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert all(name in names for _i, _t, name in invitees)
    assert _no_sideways_scrolling(page)
    shot("meeting-page")
    assert not page.js_errors


def _channels(live_server, meeting_id):
    from crm.extensions import db
    from crm.meetings import services
    from crm.meetings.models import Meeting

    with live_server.app.app_context():
        try:
            meeting = db.session.get(Meeting, meeting_id)
            return [(i.id, i.token, i.person.full_name, i.channel) for i in services.invitees_of(meeting)]
        finally:
            db.session.remove()


def _slot_id(tab, index) -> str:
    name = tab.locator("fieldset.poll-slot").nth(index).locator("input[type=radio]").first.get_attribute("name")
    return name.removeprefix("slot-")
