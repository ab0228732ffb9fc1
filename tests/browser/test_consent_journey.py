"""Journey: a citizen subscribes to the newsletter on the public page, the confirmation mail reaches a real
SMTP server on loopback, the link from it is opened and confirmed; the office finds the person with the
proof of the consent, records a withdrawal told by phone; the unsubscribe page works in the browser too.
Looked at in 1280 and 1024 pixels wide."""
import re

from playwright.sync_api import expect

from crm.extensions import db
from tests.meetings.test_mailing import (
    smtp,  # noqa: F401  (aiosmtpd on loopback, pointed at the live app)
    text_of,
)


def test_newsletter_sign_up_confirmation_proof_and_withdrawal(page, live_server, log_in, shot, smtp):  # noqa: F811
    page.goto("/newsletter")
    expect(page.get_by_label("Nachname")).to_be_visible()
    shot("sign-up")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#last_name-error")).to_have_text("Bitte geben Sie Ihren Nachnamen ein.")
    page.get_by_label("Vorname").fill("Greta")
    page.get_by_label("Nachname").fill("Journeymann")
    page.get_by_role("textbox", name="E-Mail-Adresse").fill("greta.journey@example.org")
    page.locator("#consent").check()
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Fast geschafft: bitte sehen Sie in Ihr Postfach")).to_be_visible()
    shot("sign-up-sent")

    message = smtp.wait_for(1)[0][1]
    link = re.search(r"http://\S+/newsletter/bestaetigen/\S+", text_of(message)).group(0)
    page.goto(link)
    shot("confirm")
    page.get_by_role("button", name="Ja, ich bestätige").click()
    expect(page.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("heading", name="Link bereits verwendet")).to_be_visible()

    log_in("staff")
    page.goto("/personen?q=Journeymann")
    page.get_by_role("link", name=re.compile("Journeymann")).first.click()
    card = page.locator("#consents")
    expect(card).to_contain_text("Newsletter")
    expect(card).to_contain_text("bestätigt")
    card.locator("summary").first.click()
    expect(card).to_contain_text("IP-Adresse 127.0.0.1")
    expect(card).to_contain_text("Anmeldeformular auf der Website (Double-Opt-in)")
    page.set_viewport_size({"width": 1024, "height": 768})
    shot("person-1024")
    card.get_by_label("Notiz zum Widerruf").fill("telefonisch am 03.12.")
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Widerruf erfassen").click()
    expect(page.locator("#consents")).to_contain_text("widerrufen")
    shot("withdrawn")

    from crm.campaigns import consent
    from crm.campaigns.models import Consent

    with live_server.app.app_context():
        row = db.session.scalar(db.select(Consent).join(Consent.person).where(Consent.purpose == "newsletter")
                                .order_by(Consent.id.desc()))
        assert (row.status, row.withdrawn_via, row.note) == ("withdrawn", "staff", "telefonisch am 03.12.")
        person_id = row.person_id
        with live_server.app.test_request_context(base_url=live_server.url):
            url = consent.unsubscribe_url(person_id, "invitations", 4)
        db.session.remove()
    page.goto(url)
    shot("unsubscribe")
    page.get_by_role("button", name="Jetzt abmelden").click()
    expect(page.get_by_role("heading", name="Sie sind abgemeldet")).to_be_visible()
    assert page.js_errors == []
