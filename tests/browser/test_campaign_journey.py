"""A campaign in a real browser: the office writes an invitation campaign to a Verteiler of 30 contacts,
checks who gets it, sends a test e-mail to itself, sends, and watches the progress bar fill without a
reload (the job runs in a thread of the app, throttled to 10 e-mails a second) until the page shows the
campaign sent; the e-mails arrive at a real SMTP server (aiosmtpd on loopback)."""
import re
from collections import Counter

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAME = "Einladungsliste Regionalforum (Kampagne)"
RECIPIENTS = 30


def _verteiler(live_server) -> int:
    """A fixed Verteiler of 30 persons who can be e-mailed at their organisation (made once)."""
    from sqlalchemy import select

    from crm.auth.models import User
    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.segments import services as segments
    from crm.segments.models import Segment

    with live_server.app.app_context():
        try:
            db.session.scalar(select(User).where(User.username == "staff")).email = "schreiber@lag-spessart.de"
            segment = db.session.scalar(select(Segment).where(Segment.name == NAME))
            if segment is None:
                ids = list(db.session.scalars(select(Person.id).where(Person.contact_objection.is_(False),
                                                                      Person.archived_at.is_(None))))
                resolution = segments.resolve(segments.Selection.of(ids), "at_organisation", "email")
                chosen = [r.person_id for r in resolution.recipients][:RECIPIENTS]
                assert len(chosen) == RECIPIENTS
                segment = segments.save_segment(None, {"name": NAME, "kind": "fixed"})
                segments.add_members(segment, chosen)
            db.session.commit()
            return segment.id
        finally:
            db.session.remove()


@pytest.fixture
def mail_and_jobs(live_server):
    """The live server sends to aiosmtpd and runs jobs in a thread (as `make run` does), 600 per minute."""
    from aiosmtpd.controller import Controller
    from flask_mailman import Mail

    from tests.meetings.test_mailing import Inbox, _free_port

    app = live_server.app
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=True)
    controller.start()
    saved = {key: app.config.get(key) for key in ("JOBS_MODE", "CAMPAIGN_RATE_PER_MINUTE", "MAIL_BACKEND")}
    saved_mail = app.extensions["mailman"]
    app.config.update(JOBS_MODE="thread", CAMPAIGN_RATE_PER_MINUTE=600, MAIL_BACKEND="smtp")
    app.extensions["mailman"] = Mail.init_mail({**app.config, "MAIL_SERVER": "127.0.0.1",
                                                "MAIL_PORT": controller.port, "MAIL_TIMEOUT": 5})
    try:
        yield inbox
    finally:
        app.config.update(saved)
        app.extensions["mailman"] = saved_mail
        controller.stop()


def test_office_sends_a_campaign_and_watches_the_progress(page, live_server, log_in, shot, mail_and_jobs):
    inbox = mail_and_jobs
    segment_id = _verteiler(live_server)
    log_in("staff")

    page.goto("/kampagnen")
    page.click("text=Neue Kampagne")
    page.select_option("#segment_id", str(segment_id))
    page.select_option("#purpose", "invitations")
    page.check("input[name=channel][value=email]")
    page.fill("#subject", "Einladung zum Regionalforum, {Nachname}")
    page.fill("#body", "{Briefanrede}\n\nwir laden Sie herzlich zum Regionalforum am 14. Januar ein.\n\n"
                       "Mit freundlichen Grüßen\nSabine Schreiber")
    page.click("main form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("als Entwurf gespeichert")
    expect(page.locator("button[name=send]")).to_contain_text(f"Jetzt senden: {RECIPIENTS} E-Mails, 0 Briefe")
    expect(page.locator(".sample-mail")).to_contain_text("Sehr geehrte")
    shot("draft")

    page.click("button[name=test]")
    expect(page.locator(".alert-success")).to_contain_text("Test-E-Mail an schreiber@lag-spessart.de gesendet")
    assert [r for rcpts, _m, _p in inbox.wait_for(1) for r in rcpts] == ["schreiber@lag-spessart.de"]

    page.click("button[name=send]")
    bar = page.locator(".campaign-progress .progress-bar")
    expect(bar).to_be_visible()
    # it moves without a reload: a value between the ends is seen on the way
    seen = set()
    for _ in range(200):
        text = bar.inner_text().strip()
        if text not in ("0 %", "100 %") and not any(t not in ("0 %", "100 %") for t in seen):
            shot("progress")
            sent_so_far = int(page.locator(".campaign-counts [data-count=sent]").inner_text())
            assert 0 < sent_so_far < RECIPIENTS  # the counts move with the bar
        seen.add(text)
        if text == "100 %":
            break
        page.wait_for_timeout(50)
    assert any(t not in ("0 %", "100 %") for t in seen), seen
    # at the end the page reloads itself with the final counts
    expect(page.locator(".campaign-status")).to_have_text("Versendet", timeout=20_000)
    expect(page.locator("[data-count=sent]")).to_have_text(str(RECIPIENTS))
    expect(bar).to_have_text("100 %")
    shot("sent")
    page.reload()  # the progress survives a reload: it is the job's, kept in the database
    expect(bar).to_have_text("100 %")
    expect(page.locator(".recipient-table tbody tr")).to_have_count(RECIPIENTS)

    received = Counter(r for rcpts, _m, _p in inbox.wait_for(RECIPIENTS + 1) for r in rcpts)
    assert len(received) == RECIPIENTS + 1 and set(received.values()) == {1}
    first = inbox.messages[1][1]
    assert re.match(r"Einladung zum Regionalforum, \S", first["Subject"])
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page.set_viewport_size({"width": 1024, "height": 768})
    shot("sent-1024")
    assert page.js_errors == []
