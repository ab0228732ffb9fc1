"""The public registration walked to the end: the offers page, the form (CSRF on), the double opt-in
mail received by aiosmtpd on loopback, the link's page (a GET changes nothing), the confirmation, the
person created with the consent proof or found by the duplicate rules, the confirmation mail with the
.ics; reused, wrong and expired links; refusals; the rate limit."""
import re
from datetime import date, timedelta

import pytest

from crm.campaigns.models import ConsentRequest
from crm.contacts.models import Person
from crm.core import time as clock
from crm.extensions import db
from crm.qualification.models import PublicSignup, Registration
from tests.meetings.test_mailing import text_of

LINK = re.compile(r"https?://\S+/weiterbildung/bestaetigen/(\S+)")


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def register_publicly(client, smtp, offer, email="lena.brueckner@example.org", first="Lena", last="Brückner",
                      organisation="Heimatverein Mönchberg"):
    page = client.get(f"/weiterbildung/{offer.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    before = len(smtp.messages)
    response = client.post(f"/weiterbildung/{offer.id}", data={
        "csrf_token": csrf_of(html), "first_name": first, "last_name": last, "organisation": organisation,
        "email": email, "consent": "y"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "Fast geschafft" in response.get_data(as_text=True)
    message = smtp.wait_for(before + 1)[before][1]
    return html, message


def link_of(message) -> str:
    return "/weiterbildung/bestaetigen/" + LINK.search(text_of(message)).group(1)


def test_register_confirm_and_the_person_is_created_with_the_proof(app, client, smtp, csrf_on, make_offer):
    offer = make_offer()
    listing = client.get("/weiterbildung")
    assert listing.status_code == 200 and "Förderantrag richtig stellen" in listing.get_data(as_text=True)
    assert listing.headers["Cache-Control"] == "no-store"
    html, message = register_publicly(client, smtp, offer)
    for field in ("first_name", "last_name", "organisation", "email", "consent"):
        assert re.search(rf'<label[^>]*for="{field}"', html), field
    assert "Version dieses Texts: 2026-12" in html
    assert message["Subject"].strip() == "Bitte bestätigen Sie Ihre Anmeldung: Förderantrag richtig stellen"
    assert db.session.scalar(db.select(db.func.count(Registration.id))) == 0, "nothing before the link"
    path = link_of(message)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(db.select(ConsentRequest).where(ConsentRequest.purpose == "qualification"))
    assert stored.token_hash != token and token not in stored.token_hash

    page = client.get(path)  # a mail scanner: shows the button, confirms nothing
    assert page.status_code == 200 and "Ja, ich bestätige meine Anmeldung" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(ConsentRequest.confirmed_at).where(ConsentRequest.id == stored.id)) is None

    before = len(smtp.messages)
    done = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert done.status_code == 200 and "Vielen Dank!" in done.get_data(as_text=True)
    person = db.session.scalar(db.select(Person).where(Person.last_name == "Brückner"))
    assert (person.first_name, person.email, person.data_source, person.legal_basis) == (
        "Lena", "lena.brueckner@example.org", "Weiterbildungs-Anmeldung", "art6_1a")
    registration = db.session.scalar(db.select(Registration).where(Registration.person_id == person.id))
    assert (registration.status, registration.source, registration.organisation_name) == (
        "registered", "public", "Heimatverein Mönchberg")
    proof = registration.consent_request
    assert (proof.wording_version, proof.confirmed_ip, proof.person_id) == ("2026-12", "203.0.113.9", person.id)
    assert "Durchführung dieser Veranstaltung" in proof.wording_text and proof.confirmed_at is not None
    # the confirmation with both sessions as .ics
    rcpts, confirmation, _peer = smtp.wait_for(before + 1)[before]
    assert rcpts == ["lena.brueckner@example.org"]
    assert confirmation["Subject"].strip() == "Anmeldung bestätigt: Förderantrag richtig stellen"
    ics = next(p for p in confirmation.iter_attachments() if p.get_filename() == "termine.ics").get_content()
    assert ics.count(b"BEGIN:VEVENT") == 2 and b"Rathaus Eschau" in ics

    # the same link again: says so, changes nothing
    again = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert again.status_code == 409 and "bereits am" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Registration.id))) == 1
    # a wrong link
    wrong = client.get("/weiterbildung/bestaetigen/" + token[:-4] + "abcd")
    assert wrong.status_code == 404 and "Bestätigungslink ist ungültig" in wrong.get_data(as_text=True)


def test_a_known_address_is_matched_to_the_existing_contact(app, client, smtp, csrf_on, make_offer, make_person):
    known = make_person("Brückner", "Lena", email="lena.brueckner@example.org")
    offer = make_offer()
    _html, message = register_publicly(client, smtp, offer)
    path = link_of(message)
    page = client.get(path)
    client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert db.session.scalar(db.select(db.func.count(Person.id)).where(Person.last_name == "Brückner")) == 1
    registration = db.session.scalar(db.select(Registration))
    assert registration.person_id == known.id


def test_confirming_when_full_without_waitlist_is_refused_and_the_link_stays(app, client, smtp, csrf_on, make_offer,
                                                                              people):
    from crm.qualification import services

    offer = make_offer(capacity=20, waitlist=False)
    for person in people[:19]:
        services.register(offer, person)
    db.session.commit()
    _html, message = register_publicly(client, smtp, offer)
    services.register(offer, people[19])  # the last seat goes by phone meanwhile
    db.session.commit()
    path = link_of(message)
    page = client.get(path)
    refused = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "ausgebucht und hat keine Warteliste" in html
    assert db.session.scalar(db.select(db.func.count(Person.id)).where(Person.last_name == "Brückner")) == 0
    assert db.session.scalar(db.select(ConsentRequest.confirmed_at).where(ConsentRequest.purpose == "qualification")) \
        is None


def test_a_full_offer_with_waitlist_puts_the_confirmed_on_it(app, client, smtp, csrf_on, make_offer, people):
    from crm.qualification import services

    offer = make_offer(capacity=20)
    for person in people[:20]:
        services.register(offer, person)
    db.session.commit()
    html = client.get(f"/weiterbildung/{offer.id}").get_data(as_text=True)
    assert "ausgebucht: Sie kommen auf die Warteliste" in html
    _html, message = register_publicly(client, smtp, offer)
    path = link_of(message)
    page = client.get(path)
    done = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert "Platz 1 der Warteliste" in done.get_data(as_text=True)
    mail = smtp.messages[-1][1]
    assert mail["Subject"].strip() == "Auf der Warteliste: Förderantrag richtig stellen"


@pytest.mark.parametrize("case", ["late", "cancelled", "full"])
def test_the_form_refuses_late_cancelled_and_full_offers(app, client, make_offer, people, case):
    from crm.qualification import services

    if case == "late":
        offer = make_offer(deadline=date.today() - timedelta(days=1))
        expected = "Der Anmeldeschluss"
    elif case == "cancelled":
        offer = make_offer(status="cancelled")
        expected = "abgesagt"
    else:
        offer = make_offer(capacity=1, waitlist=False)
        services.register(offer, people[0])
        db.session.commit()
        expected = "ausgebucht und hat keine Warteliste"
    response = client.post(f"/weiterbildung/{offer.id}", data={"last_name": "Spät", "email": "s@example.org",
                                                                "consent": "y"})
    assert response.status_code == 409 and expected in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(PublicSignup.id))) == 0
    assert f"/weiterbildung/{offer.id}" not in client.get("/weiterbildung").get_data(as_text=True)


def test_missing_consent_and_bad_address_are_refused(app, client, smtp, make_offer):
    offer = make_offer()
    response = client.post(f"/weiterbildung/{offer.id}", data={"last_name": "Ohne", "email": "kein-at-zeichen"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ohne Ihre Einwilligung können wir Ihre Anmeldung nicht speichern." in html
    assert db.session.scalar(db.select(db.func.count(PublicSignup.id))) == 0 and smtp.messages == []


def test_an_expired_link_says_so(app, client, smtp, make_offer):
    offer = make_offer()
    _html, message = register_publicly(client, smtp, offer)
    request_row = db.session.scalar(db.select(ConsentRequest).where(ConsentRequest.purpose == "qualification"))
    request_row.expires_at = clock.utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(link_of(message))
    assert response.status_code == 410 and "abgelaufen" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Registration.id))) == 0


def test_a_bot_is_rate_limited(monkeypatch):
    from crm import create_app
    from crm.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app("testing", RATELIMIT_ENABLED=True)  # the default: 20 per minute
    client = limited.test_client()
    codes = [client.post("/weiterbildung/999999", data={"last_name": "Bot", "email": "b@example.org"}).status_code
             for _ in range(50)]
    assert codes[:20] == [404] * 20 and codes[20:] == [429] * 30
    codes = [client.post("/weiterbildung/bestaetigen/kaputt", data={}).status_code for _ in range(25)]
    assert 429 in codes


def test_purge_signups_deletes_expired_course_sign_ups_with_their_offer_link(app, client, smtp, make_offer):
    offer = make_offer()
    register_publicly(client, smtp, offer)
    request_row = db.session.scalar(db.select(ConsentRequest).where(ConsentRequest.purpose == "qualification"))
    request_row.expires_at = clock.utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["crm", "purge-signups"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(ConsentRequest.id))) == 0
    assert db.session.scalar(db.select(db.func.count(PublicSignup.id))) == 0


def test_a_course_link_pasted_into_the_newsletter_address_is_unknown_there(app, client, smtp, csrf_on, make_offer):
    offer = make_offer()
    _html, message = register_publicly(client, smtp, offer)
    token = link_of(message).rsplit("/", 1)[1]
    wrong_place = client.get(f"/newsletter/bestaetigen/{token}")
    assert wrong_place.status_code == 404
    refused = client.post(f"/newsletter/bestaetigen/{token}", data={"csrf_token": csrf_of(
        client.get(f"/weiterbildung/{offer.id}").get_data(as_text=True))})
    assert refused.status_code == 404
    assert db.session.scalar(db.select(db.func.count(Registration.id))) == 0  # nothing confirmed
    assert client.get(link_of(message)).status_code == 200  # the course's own link still works
