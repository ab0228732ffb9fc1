"""The unsubscribe link without login: the GET page with a button (a mail scanner following the link
changes nothing), the POST from that page (CSRF), the RFC 8058 one-click POST of a mail program (no CSRF),
a repeated and a wrong link, the objection; what it records; the link and headers for the campaigns."""
import re

import pytest

from crm.campaigns import consent
from crm.campaigns.models import Consent, Unsubscribe
from crm.core.formatting import local_date
from crm.extensions import db
from tests.meetings.test_mailing import as_utc

BASE = "https://crm.lag-spessart.de"


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def subscriber(make_person):
    from datetime import datetime, timezone

    person = make_person("Abmelder", "Anton", gender="male", email="anton@example.org")
    db.session.add(Consent(person=person, purpose="newsletter", status="confirmed", requested_via="signup",
                           wording_version="2026-12", confirmed_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
                           confirmed_ip="192.0.2.1"))
    db.session.commit()
    return person


@pytest.fixture
def request_ctx(app):
    with app.test_request_context(base_url=BASE):
        yield


def test_without_request_and_public_base_url_the_link_cannot_be_built(app, subscriber):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        consent.unsubscribe_url(subscriber.id, "newsletter")


def path_of(url: str) -> str:
    return url[url.index("/abmelden/"):]


def state(person) -> Consent:
    db.session.expire_all()
    return db.session.scalar(db.select(Consent).where(Consent.person_id == person.id, Consent.purpose == "newsletter"))


def test_link_and_headers_for_the_campaigns(app, subscriber, monkeypatch):
    with app.test_request_context(base_url=BASE):
        url = consent.unsubscribe_url(subscriber.id, "newsletter", campaign_id=17)
    assert url.startswith(BASE + "/abmelden/") and len(url) > len(BASE) + 40
    assert consent.list_unsubscribe_headers(url) == {"List-Unsubscribe": f"<{url}>",
                                                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    # a background job has no request: PUBLIC_BASE_URL
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://crm.example.de/")
    assert consent.unsubscribe_url(subscriber.id, "newsletter", 17) == \
        "https://crm.example.de" + path_of(url)
    link = consent.read_unsubscribe_token(path_of(url).rsplit("/", 1)[1])
    assert (link.person.id, link.purpose, link.campaign_id) == (subscriber.id, "newsletter", 17)


def test_get_shows_a_button_and_the_post_from_the_page_unsubscribes(app, client, subscriber, csrf_on):
    with app.test_request_context(base_url=BASE):
        url = consent.unsubscribe_url(subscriber.id, "newsletter", campaign_id=17)
    page = client.get(path_of(url))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Jetzt abmelden" in html and "Newsletter" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert state(subscriber).status == "confirmed", "a GET never unsubscribes"

    # the page's form without its CSRF token is refused (only the exact one-click body goes without)
    assert client.post(path_of(url), data={}).status_code == 400
    assert state(subscriber).status == "confirmed"

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = client.post(path_of(url), data={"csrf_token": token})
    assert done.status_code == 200 and "Sie erhalten keine E-Mails mehr für: Newsletter." in done.get_data(as_text=True)
    row = state(subscriber)
    assert (row.status, row.withdrawn_via, row.withdrawn_campaign_id) == ("withdrawn", "link", 17)
    assert row.confirmed_ip == "192.0.2.1", "the proof of the consent stays"
    assert consent.email_blocks([subscriber.id], "newsletter") == {
        subscriber.id: f"Einwilligung widerrufen am {local_date(as_utc(row.withdrawn_at))}"}
    assert consent.unsubscribed_after(17) == 1 and subscriber.contact_objection is False

    # the same link again: says so, nothing else changes, counted once
    again = client.post(path_of(url), data={"csrf_token": token})
    assert "bereits abgemeldet" in again.get_data(as_text=True)
    assert as_utc(state(subscriber).withdrawn_at) == as_utc(row.withdrawn_at)
    assert consent.unsubscribed_after(17) == 1
    assert db.session.scalar(db.select(db.func.count(Unsubscribe.id))) == 2, "both clicks are recorded"
    assert "bereits abgemeldet" in client.get(path_of(url)).get_data(as_text=True)


def test_one_click_post_of_a_mail_program(app, client, subscriber, csrf_on):
    with app.test_request_context(base_url=BASE):
        url = consent.unsubscribe_url(subscriber.id, "newsletter", campaign_id=23)
    # exactly what RFC 8058 says a mail program sends: no cookie, no CSRF token, no login
    response = client.post(path_of(url), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    row = state(subscriber)
    assert (row.status, row.withdrawn_via, row.withdrawn_campaign_id) == ("withdrawn", "one-click", 23)
    assert consent.unsubscribed_after(23) == 1 and consent.unsubscribed_after(17) == 0
    # multipart, as some programs send it
    assert client.post(path_of(url), data={"List-Unsubscribe": "One-Click"},
                       content_type="multipart/form-data").status_code == 204
    assert consent.unsubscribed_after(23) == 1


def test_objection_through_the_link(client, subscriber, request_ctx):
    url = consent.unsubscribe_url(subscriber.id, "newsletter")
    done = client.post(path_of(url), data={"objection": "1"})
    assert "Widerspruch gegen jede weitere Kontaktaufnahme ist erfasst" in done.get_data(as_text=True)
    db.session.expire_all()
    assert subscriber.contact_objection is True and state(subscriber).withdrawn_via == "objection"
    assert consent.letter_blocks([subscriber.id], "invitations") == {subscriber.id: "Widerspruch gegen Kontaktaufnahme"}


def test_a_purpose_without_consent_row_is_unsubscribed_too(client, make_person, request_ctx):
    person = make_person("Einlader", "Ina", email="ina@example.org")
    assert consent.email_blocks([person.id], "invitations") == {}
    url = consent.unsubscribe_url(person.id, "invitations", campaign_id=5)
    client.post(path_of(url), data={})
    row = db.session.scalar(db.select(Consent).where(Consent.person_id == person.id))
    assert (row.purpose, row.status, row.withdrawn_via, row.requested_at) == ("invitations", "withdrawn", "link", None)
    assert consent.email_blocks([person.id], "invitations")[person.id].startswith("Einwilligung widerrufen am ")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_wrong_or_altered_link_changes_nothing(app, client, subscriber, method, request_ctx):
    url = consent.unsubscribe_url(subscriber.id, "newsletter", 17)
    token = path_of(url).rsplit("/", 1)[1]
    other = consent.unsubscribe_token(subscriber.id + 1, "newsletter", 17)
    payload, _sep, signature = token.partition(".")
    forged = other.partition(".")[0] + "." + signature  # another person's id with this signature
    for bad in (token[:-3] + "abc", forged, "kaputt", "x" * 400):
        response = client.open(f"/abmelden/{bad}", method=method, data="List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and "Dieser Abmeldelink ist ungültig" in html, bad
    assert state(subscriber).status == "confirmed"
    assert db.session.scalar(db.select(db.func.count(Unsubscribe.id))) == 0


def test_the_public_consent_pages_are_rate_limited(monkeypatch):
    from crm import create_app
    from crm.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app("testing", RATELIMIT_ENABLED=True, PUBLIC_ANSWER_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    for path in ("/abmelden/kaputt", "/newsletter/bestaetigen/kaputt"):
        codes = [client.post(path, data={}).status_code for _ in range(5)]
        assert codes == [404, 404, 404, 429, 429], path
        assert client.get(path).status_code == 404  # reading is not counted
    codes = [client.post("/newsletter", data={}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]


def test_a_link_of_a_person_merged_away_since_unsubscribes_the_survivor(client, make_person, request_ctx):
    from crm.duplicates.merge import merge_records

    keep = make_person("Zusammen", "Zoe", email="zoe@example.org")
    gone = make_person("Zusammen", "Zoe", email="zoe.z@example.org")
    url = consent.unsubscribe_url(gone.id, "newsletter", 9)
    merge_records("person", keep.id, gone.id, {})
    db.session.commit()
    response = client.post(path_of(url), data={})
    assert response.status_code == 200 and "Sie erhalten keine E-Mails mehr" in response.get_data(as_text=True)
    assert state(keep).status == "withdrawn" and consent.unsubscribed_after(9) == 1
