"""Journey: somebody registers for a seminar on the public page /weiterbildung, the double opt-in mail
reaches a real SMTP server on loopback, the link from it is opened and confirmed; the office sees the
registration in the offer's list, marks the attendance and downloads the certificates (read back with
python-docx). Looked at in 1280 and 1024 pixels wide."""
import io
import re
from datetime import datetime, timedelta, timezone

from docx import Document
from playwright.sync_api import expect

from crm.extensions import db
from tests.meetings.test_mailing import (
    smtp,  # noqa: F401  (aiosmtpd on loopback, pointed at the live app)
    text_of,
)


def _offer(live_server) -> int:
    from crm.qualification import services

    start = (datetime.now(timezone.utc) + timedelta(days=12)).replace(hour=8, minute=0, second=0, microsecond=0)
    with live_server.app.app_context():
        offer = services.save_offer(None, {
            "title": "Ehrenamt digital (Reise)", "kind": "workshop", "status": "open", "capacity": 20,
            "waitlist": True, "location": "Pfarrheim Eschau", "description": "Werkzeuge für Vereine.",
            "sessions": [(start, start + timedelta(hours=4), "Werkzeuge"),
                         (start + timedelta(days=7), start + timedelta(days=7, hours=4), "Praxis")]})
        db.session.commit()
        offer_id = offer.id
        db.session.remove()
    return offer_id


def test_public_registration_confirmation_attendance_and_certificates(page, live_server, log_in, shot,
                                                                        smtp):  # noqa: F811
    offer_id = _offer(live_server)
    page.goto("/weiterbildung")
    offer_card = page.locator("article", has_text="Ehrenamt digital (Reise)")
    expect(offer_card).to_contain_text("20 Plätze frei")
    shot("offers-1280")
    offer_card.get_by_role("link", name="Anmelden").click()
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#last_name-error")).to_have_text("Bitte geben Sie Ihren Nachnamen ein.")
    page.get_by_label("Vorname").fill("Rita")
    page.get_by_label("Nachname").fill("Reisefroh")
    page.get_by_role("textbox", name="Organisation").fill("Heimatverein Mönchberg")
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("rita.reise@example.org")
    page.locator("#consent").check()
    page.set_viewport_size({"width": 1024, "height": 768})
    shot("form-1024")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Fast geschafft")).to_be_visible()

    message = smtp.wait_for(1)[0][1]
    link = re.search(r"http://\S+/weiterbildung/bestaetigen/\S+", text_of(message)).group(0)
    page.goto(link)
    shot("confirm")
    page.get_by_role("button", name="Ja, ich bestätige meine Anmeldung").click()
    expect(page.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    confirmation = smtp.wait_for(2)[1][1]
    assert "termine.ics" in [p.get_filename() for p in confirmation.iter_attachments()]
    page.goto(link)
    expect(page.get_by_role("heading", name="Link bereits verwendet")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("staff")
    page.goto("/weiterbildungen")
    page.get_by_role("link", name="Ehrenamt digital (Reise)").click()
    row = page.locator("tr", has_text="Rita Reisefroh")
    expect(row).to_contain_text("angemeldet")
    expect(row).to_contain_text("Einwilligung Version 2026-12")
    attendance = page.locator("#attendance form").first
    attendance.get_by_label("Rita Reisefroh").check()
    attendance.get_by_role("button", name="Anwesenheit speichern").click()
    expect(page.locator(".alert")).to_contain_text("Anwesenheit gespeichert: 1 anwesend.")
    expect(page.locator("tr", has_text="Rita Reisefroh")).to_contain_text("teilgenommen")
    shot("offer-1280")
    page.set_viewport_size({"width": 1024, "height": 768})
    shot("offer-1024")
    with page.expect_download() as download:
        page.get_by_role("link", name="Teilnahmebescheinigungen (.docx)").click()
    data = open(download.value.path(), "rb").read()
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Rita Reisefroh hat an der Veranstaltung (Workshop) „Ehrenamt digital (Reise)“ teilgenommen" in text
    for path, name in (("/weiterbildungen", "list"), ("/weiterbildungen/neu", "form"),
                       ("/weiterbildungen/zahlen", "figures")):
        page.goto(path)
        for width, height in ((1280, 800), (1024, 768)):
            page.set_viewport_size({"width": width, "height": height})
            shot(f"{name}-{width}")
    assert page.js_errors == []
    with live_server.app.app_context():
        from crm.qualification.models import Registration

        row = db.session.scalar(db.select(Registration).where(Registration.offer_id == offer_id))
        assert (row.status, row.source) == ("attended", "public")
        db.session.remove()
