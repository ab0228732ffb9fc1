"""The campaign pages as the office uses them: write a draft through the form, see who gets what and why,
attach, test, send, follow the progress (JSON of the job), resume; bad input on the way; Redis that
cannot be reached when REDIS_URL is set."""
import io
import re
import time

from sqlalchemy import func, select

from crm.campaigns.campaign_models import Campaign, CampaignAttachment, CampaignRecipient
from crm.extensions import db
from tests.campaigns.campaign_fixtures import *  # noqa: F403 (fixtures)
from tests.campaigns.campaign_fixtures import TEXT
from tests.meetings.test_mailing import smtp  # noqa: F401 (the aiosmtpd fixture)


def _form(people, **overrides):
    data = {"segment_id": people.segment.id, "rule": "at_organisation", "channel": "both", "purpose": "newsletter",
            "subject": "Regionalforum für {Vorname} {Nachname}", "body": TEXT,
            "sender_name": "Regionalmanagement Spessart", "sender_email": "info@lag-spessart.de"}
    data.update(overrides)
    return data


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_office_writes_checks_tests_and_sends_a_campaign(app, client, login, people, smtp):  # noqa: F811
    user = login("staff", email="keller@lag-spessart.de", full_name="Anna Keller")
    form = client.get(f"/kampagnen/neu?segment={people.segment.id}").get_data(as_text=True)
    assert "{Briefanrede}" in form and "Newsletter-Test" in form

    response = client.post("/kampagnen/neu", data=_form(people))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    detail = client.get(response.headers["Location"])
    page = _text(detail)
    assert "Jetzt senden: 3 E-Mails, 2 Briefe" in page
    assert "Christ nichts Einwilligung widerrufen am 20.11.2026" in page
    assert "Fink nichts Keine bestätigte Einwilligung (Newsletter); Keine Postanschrift" in page
    assert "Die erste E-Mail, an Anna Auer" in page and "Sehr geehrte Frau Auer," in page

    # an attachment, one too large (the limit is said), the test e-mail
    response = client.post(f"/kampagnen/{campaign.id}/anhaenge",
                           data={"file": (io.BytesIO(b"%PDF-1.4\n" + b"x" * 1000), "Programm.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "„Programm.pdf“ angehängt." in _text(response)
    app.config["CAMPAIGN_ATTACHMENTS_MAX_BYTES"], limit = 2000, app.config["CAMPAIGN_ATTACHMENTS_MAX_BYTES"]
    try:
        response = client.post(f"/kampagnen/{campaign.id}/anhaenge",
                               data={"file": (io.BytesIO(b"%PDF-1.4\n" + b"y" * 1500), "Anfahrt.pdf")},
                               content_type="multipart/form-data", follow_redirects=True)
    finally:
        app.config["CAMPAIGN_ATTACHMENTS_MAX_BYTES"] = limit
    assert "„Anfahrt.pdf“ hat" in _text(response) and "nicht angehängt" in _text(response)
    assert db.session.scalar(select(func.count()).select_from(CampaignAttachment)) == 1
    response = client.post(f"/kampagnen/{campaign.id}/test", follow_redirects=True)
    assert "Test-E-Mail an keller@lag-spessart.de gesendet." in _text(response)
    assert [r for rcpts, _m, _p in smtp.wait_for(1) for r in rcpts] == ["keller@lag-spessart.de"]

    # send: the e-mails go out (inline in tests), the page shows the counts and the per-contact status
    response = client.post(f"/kampagnen/{campaign.id}/senden", follow_redirects=True)
    page = _text(response)
    assert "Die Kampagne wird versendet" in page
    smtp.wait_for(4)
    assert len(smtp.messages) == 4  # the test and three campaign e-mails
    db.session.refresh(campaign)
    assert campaign.status == "sent"
    page = _text(client.get(f"/kampagnen/{campaign.id}"))
    assert "Versendet" in page and "Per Brief (2)" in page and "Word-Datei der Briefe" in page
    html = client.get(f"/kampagnen/{campaign.id}").get_data(as_text=True)
    assert f'data-job-url="/auftraege/{campaign.job_id}"' in html and "jobs.js" in html
    progress = client.get(f"/auftraege/{campaign.job_id}").get_json()
    assert (progress["status"], progress["done"], progress["total"], progress["percent"]) == ("done", 3, 3, 100)
    assert client.get(f"/kampagnen/{campaign.id}?status=letter").status_code == 200

    # a sent campaign can no longer be changed, sent again or deleted
    response = client.post(f"/kampagnen/{campaign.id}/senden", follow_redirects=True)
    assert "Die Kampagne wurde bereits versendet." in _text(response)
    response = client.post(f"/kampagnen/{campaign.id}/loeschen", follow_redirects=True)
    assert "Eine versendete Kampagne bleibt" in _text(response)
    assert len(smtp.messages) == 4
    assert user.id == campaign.created_by_id

    listing = _text(client.get("/kampagnen"))
    assert "Regionalforum für {Vorname} {Nachname}" in listing and "Newsletter-Test" in listing


def test_form_errors_change_nothing(client, login, people):
    login("staff")
    response = client.post("/kampagnen/neu", data=_form(people, body="Hallo {Spitzname}", subject=""))
    page = _text(response)
    assert response.status_code == 200
    assert "Bitte einen Betreff eingeben." in page or "Bitte geben Sie einen Betreff ein." in page
    response = client.post("/kampagnen/neu", data=_form(people, body="Hallo {Spitzname}"))
    assert "{Spitzname}" in _text(response)
    response = client.post("/kampagnen/neu", data=_form(people, segment_id=0))
    assert "Bitte einen Verteiler wählen." in _text(response) or "Verteiler" in _text(response)
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_nobody_allowed_is_said_on_the_page_and_refused(client, login, people):
    from crm.segments import services as segments

    login("staff")
    segment = segments.save_segment(None, {"name": "Nur Widersprüche", "kind": "fixed"})
    segments.add_members(segment, [people.id("Dorn"), people.id("Christ")])
    db.session.commit()
    response = client.post("/kampagnen/neu", data=_form(people, segment_id=segment.id, channel="email"))
    campaign_url = response.headers["Location"]
    page = _text(client.get(campaign_url))
    assert "Niemand in dieser Zielgruppe darf diese Kampagne bekommen." in page
    response = client.post(campaign_url + "/senden", follow_redirects=True)
    assert "Es wurde nichts versendet." in _text(response)
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)) == 0


def test_redis_unreachable_is_said_promptly_and_nothing_is_sent(app, client, login, people, monkeypatch):
    login("staff")
    response = client.post("/kampagnen/neu", data=_form(people, channel="email"))
    campaign_url = response.headers["Location"]
    monkeypatch.setitem(app.config, "JOBS_MODE", "")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    start = time.monotonic()
    page = _text(client.get(campaign_url))
    assert "Redis unter redis://127.0.0.1:1/0" in page and "nicht erreichbar" in page
    response = client.post(campaign_url + "/senden", follow_redirects=True)
    assert time.monotonic() - start < 5
    assert "Es wurde nichts gestartet" in _text(response)
    campaign = db.session.scalar(select(Campaign))
    assert campaign.status == "draft" and campaign.job_id is None
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)) == 0


def test_viewer_reads_but_cannot_send_or_watch_someone_elses_job(app, client, login, people, make_user, smtp):  # noqa: F811
    from crm.campaigns import campaigns
    from tests.campaigns.campaign_fixtures import make_campaign

    owner = make_user(role="staff")
    with app.test_request_context():
        campaign = make_campaign(people.segment, channel="email")
        campaigns.start_sending(campaign, owner)
    login("viewer")
    html = client.get(f"/kampagnen/{campaign.id}").get_data(as_text=True)
    assert "data-job-url" not in html and "/senden" not in html and "/fortsetzen" not in html
    assert client.get(f"/auftraege/{campaign.job_id}").status_code == 403
    assert client.post(f"/kampagnen/{campaign.id}/senden").status_code == 403
