"""The public newsletter sign-up walked to the end: the form (CSRF on), the double opt-in mail received by
a real SMTP server on loopback, the link taken from it, the confirmation page and its button, the person
created (or found by the address), the proof on the person page; used, wrong and expired links."""
import re
from datetime import timedelta

import pytest

from crm.campaigns import consent
from crm.campaigns.models import Consent, ConsentRequest, ConsentWording
from crm.contacts.models import Affiliation, Person
from crm.core import time as clock
from crm.extensions import db
from tests.meetings.test_mailing import as_utc, text_of

LINK = re.compile(r"https?://\S+/newsletter/bestaetigen/(\S+)")


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_up(client, smtp, email="Lena.Brückner@example.org", first="Lena", last="Brückner"):
    page = client.get("/newsletter")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    before = len(smtp.messages)
    response = client.post("/newsletter", data={"csrf_token": csrf_of(html), "first_name": first,
                                                "last_name": last, "email": email, "consent": "y"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "Fast geschafft" in response.get_data(as_text=True)
    message = smtp.wait_for(before + 1)[before][1]
    return html, message


def confirmation_path(message) -> tuple[str, str]:
    token = LINK.search(text_of(message)).group(1)
    return f"/newsletter/bestaetigen/{token}", token


def test_double_opt_in_walk_creates_the_person_with_the_proof(app, client, smtp, csrf_on, login, monkeypatch):
    db.session.add(ConsentWording(purpose="newsletter", version="2027-01",
                                  text="Ja, ich möchte den Newsletter der LAG Main4Eck erhalten."))
    db.session.commit()
    html, message = sign_up(client, smtp)
    # the form: accessible labels, the current wording and its version next to the checkbox
    for field in ("first_name", "last_name", "email", "consent"):
        assert re.search(rf'<label[^>]*for="{field}"', html), field
    assert "Ja, ich möchte den Newsletter der LAG Main4Eck erhalten." in html and "2027-01" in html
    assert db.session.scalar(db.select(db.func.count(Person.id)).where(Person.last_name == "Brückner")) == 0

    # the mail, as the server received it
    rcpts, _msg, _peer = smtp.messages[-1]
    assert rcpts == ["Lena.Brückner@example.org"], "the real address in the envelope (SMTPUTF8)"
    assert message["Subject"] == "Bitte bestätigen: Newsletter"
    body = text_of(message)
    assert "Guten Tag Lena Brückner," in body and "Version 2027-01" in body and "7 Tage" in body
    path, token = confirmation_path(message)
    stored = db.session.scalar(db.select(ConsentRequest))
    assert stored.token_hash != token and token not in stored.token_hash, "only the hash is stored"

    # a GET (a mail scanner following the link) confirms nothing
    page = client.get(path)
    assert page.status_code == 200 and "Ja, ich bestätige" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(ConsentRequest.confirmed_at)) is None
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"

    done = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert done.status_code == 200 and "Vielen Dank!" in done.get_data(as_text=True)
    person = db.session.scalar(db.select(Person).where(Person.last_name == "Brückner"))
    assert (person.first_name, person.email, person.data_source, person.legal_basis) == (
        "Lena", "Lena.Brückner@example.org", "Newsletter-Anmeldung", "art6_1a")
    assert person.data_collected_on == clock.today()
    row = db.session.scalar(db.select(Consent).where(Consent.person_id == person.id))
    assert (row.purpose, row.status, row.requested_via, row.wording_version, row.confirmed_ip) == (
        "newsletter", "confirmed", "signup", "2027-01", "203.0.113.7")
    assert row.wording_text == "Ja, ich möchte den Newsletter der LAG Main4Eck erhalten."
    assert as_utc(row.requested_at) <= as_utc(row.confirmed_at)
    assert consent.email_blocks([person.id], "newsletter") == {}

    # the same link again: says so, changes nothing
    again = client.get(path)
    assert again.status_code == 409 and "bereits am" in again.get_data(as_text=True)
    again = client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))},
                        environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert again.status_code == 409
    db.session.refresh(row)
    assert row.confirmed_ip == "203.0.113.7"
    assert db.session.scalar(db.select(db.func.count(Person.id)).where(Person.last_name == "Brückner")) == 1

    # the proof on the person page
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    login("viewer")
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    section = html[html.index('id="consents"'):]
    section = section[:section.index("</section>")]
    for text in ("Einwilligungen", "Newsletter", "bestätigt", "Anmeldeformular auf der Website (Double-Opt-in)",
                 "Version 2027-01", "IP-Adresse 203.0.113.7", "Ja, ich möchte den Newsletter der LAG Main4Eck"):
        assert text in section, text
    assert "Widerruf erfassen" not in section, "a viewer changes nothing"


def test_the_address_finds_the_existing_person(client, smtp, make_org, make_person, login):
    org = make_org("Markt Eschau", kind="municipality", sector="public")
    known = make_person("Brückner", "Lena", organisation=org)
    aff = db.session.scalar(db.select(Affiliation).where(Affiliation.person_id == known.id))
    aff.email = "l.brueckner@eschau.de"
    db.session.commit()
    known.contact_objection = True
    db.session.commit()
    persons = db.session.scalar(db.select(db.func.count(Person.id)))
    _html, message = sign_up(client, smtp, email="L.Brueckner@Eschau.de")
    path, _token = confirmation_path(message)
    assert client.post(path).status_code == 200
    assert db.session.scalar(db.select(db.func.count(Person.id))) == persons, "no second person"
    row = db.session.scalar(db.select(Consent).where(Consent.person_id == known.id))
    assert row.status == "confirmed" and row.wording_version == app_version()
    db.session.refresh(known)
    assert known.data_source == "" and known.legal_basis == "", "the person's own data stay as they were"
    # the objection is not lifted by itself: the office sees both and decides
    assert known.contact_objection is True
    assert consent.email_blocks([known.id], "newsletter") == {known.id: "Widerspruch gegen Kontaktaufnahme"}
    login("staff")
    html = client.get(f"/personen/{known.id}").get_data(as_text=True)
    assert "trotz Einwilligung geht keine Post hinaus" in html


def app_version() -> str:
    from flask import current_app

    return current_app.config["CONSENT_WORDINGS"]["newsletter"][0]


def test_expired_and_wrong_links_change_nothing(client, smtp):
    _html, message = sign_up(client, smtp, email="spaet@example.org", first="", last="Spät")
    path, token = confirmation_path(message)
    signup = db.session.scalar(db.select(ConsentRequest).where(ConsentRequest.email == "spaet@example.org"))
    signup.expires_at = clock.utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 410 and "abgelaufen" in page.get_data(as_text=True)
    assert client.post(path).status_code == 410
    assert db.session.scalar(db.select(db.func.count(Person.id)).where(Person.last_name == "Spät")) == 0

    for wrong in (token[:-2] + "xx", "x", "a" * 300):
        page = client.get(f"/newsletter/bestaetigen/{wrong}")
        assert page.status_code == 404 and "Link ungültig" in page.get_data(as_text=True)
        assert client.post(f"/newsletter/bestaetigen/{wrong}").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Consent.id))) == 0


def test_bad_input_on_the_form_says_what_is_wrong(client, smtp):
    response = client.post("/newsletter", data={"first_name": "Max", "last_name": "", "email": "kein-at",
                                                "consent": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie Ihren Nachnamen ein." in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in html
    assert "Ohne Ihre Einwilligung können wir Ihnen den Newsletter nicht schicken." in html
    assert 'aria-invalid="true"' in html
    assert smtp.messages == [] and db.session.scalar(db.select(db.func.count(ConsentRequest.id))) == 0


def test_a_second_sign_up_right_away_sends_no_second_mail(client, smtp):
    sign_up(client, smtp, email="zweimal@example.org")
    response = client.post("/newsletter", data={"last_name": "Zweimal", "email": "ZWEIMAL@example.org",
                                                "consent": "y"})
    assert response.status_code == 200 and "Fast geschafft" in response.get_data(as_text=True)
    smtp.wait_for(2)
    assert len(smtp.messages) == 1


def test_the_csrf_token_is_required(client, smtp, csrf_on):
    response = client.post("/newsletter", data={"last_name": "Ohne", "email": "ohne@example.org", "consent": "y"})
    assert response.status_code == 400 and smtp.messages == []


def test_an_unreachable_mail_server_says_so_and_keeps_nothing(app, client, monkeypatch):
    from tests.meetings.test_mailing import _free_port, _use_server

    _use_server(app, monkeypatch, _free_port())
    response = client.post("/newsletter", data={"last_name": "Offline", "email": "offline@example.org",
                                                "consent": "y"})
    assert response.status_code == 503
    assert "konnte nicht verschickt werden" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ConsentRequest.id))) == 0


def test_expired_sign_ups_are_purged_by_the_daily_command(app, client, smtp):
    _html, first = sign_up(client, smtp, email="alt@example.org", last="Alt")
    _html, second = sign_up(client, smtp, email="neu@example.org", last="Neu")
    old = db.session.scalar(db.select(ConsentRequest).where(ConsentRequest.email == "alt@example.org"))
    old.expires_at = clock.utcnow() - timedelta(days=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["crm", "purge-signups"])
    assert result.exit_code == 0 and "1 abgelaufene Anmeldungen gelöscht." in result.output
    assert db.session.scalars(db.select(ConsentRequest.email)).all() == ["neu@example.org"]
    assert client.get(confirmation_path(first)[0]).status_code == 404
    assert client.get(confirmation_path(second)[0]).status_code == 200
