"""A campaign sent through a real SMTP server (aiosmtpd on loopback): what arrives (merge fields, the
unsubscribe link in the text and in the List-Unsubscribe headers, the attachment), the letters of the
letter part, the timeline, the counts, an unsubscribe through the link; a server that refuses some
recipients and sending again; stop and resume; a worker that died mid-send; the test e-mail; throttling."""
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.campaigns import campaigns, sending
from crm.campaigns.campaign_models import Campaign, CampaignRecipient
from crm.core.errors import DomainError
from crm.core.models import utcnow
from crm.extensions import db
from crm.jobs import services as jobs
from crm.jobs.models import Job
from crm.letters.models import LetterRun
from tests.campaigns.campaign_fixtures import *  # noqa: F403 (fixtures)
from tests.campaigns.campaign_fixtures import BASE, make_campaign
from tests.meetings.test_mailing import by_recipient, smtp, text_of  # noqa: F401 (the aiosmtpd fixture)

PDF = b"%PDF-1.4\n%Pressemitteilung\n"


def _statuses(campaign) -> dict:
    return {r.name.split()[-1]: r.status for r in db.session.scalars(
        select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id))}


def _envelopes(inbox) -> Counter:
    return Counter(r for rcpts, _m, _peer in inbox.messages for r in rcpts)


def test_campaign_walk_email_and_letter(people, request_ctx, smtp, make_user, client, app):  # noqa: F811
    user = make_user(role="staff", email="keller@lag-spessart.de", full_name="Anna Keller")
    campaign = make_campaign(people.segment, channel="both")
    campaigns.add_attachment(campaign, "Programm.pdf", PDF)
    db.session.commit()

    campaigns.start_sending(campaign, user)
    campaign = db.session.get(Campaign, campaign.id)
    inbox = smtp.wait_for(3)
    assert sorted(_envelopes(smtp)) == ["anna.auer@heimatverein-moenchberg.de", "groß@example.org",
                                        "huber@example.org"]
    assert campaign.status == "sent" and campaign.finished_at is not None
    job = db.session.get(Job, campaign.job_id)
    assert (job.status, job.done, job.total, job.kind) == ("done", 3, 3, "campaign_send")
    assert len({peer for _r, _m, peer in inbox}) == 1, "one SMTP connection for the whole run"

    auer = by_recipient(smtp, "anna.auer@heimatverein-moenchberg.de")
    assert auer["Subject"] == "Regionalforum für Anna Auer"
    body = text_of(auer)
    assert body.startswith("Sehr geehrte Frau Auer,\n\nwir laden Sie zum Regionalforum ein. Sie sind bei uns als "
                           "Anna Auer (anna.auer@heimatverein-moenchberg.de) gespeichert.")
    assert "Regionalmanagement Spessart (Newsletter)" in body
    link = body.rstrip().splitlines()[-1]
    assert link.startswith(BASE + "/abmelden/")
    assert auer["List-Unsubscribe"].strip() == f"<{link}>"  # folded onto its own line (RFC 5322)
    assert auer["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Regionalmanagement Spessart" in auer["From"] and "info@lag-spessart.de" in auer["From"]
    assert auer["Reply-To"] == "info@lag-spessart.de"
    attachments = [part for part in auer.iter_attachments()]
    assert [(a.get_filename(), a.get_content()) for a in attachments] == [("Programm.pdf", PDF)]
    gross = by_recipient(smtp, "groß@example.org")
    assert text_of(gross).startswith("Sehr geehrte Frau Groß,")
    assert text_of(gross).rstrip().splitlines()[-1] != link  # a link of her own

    # the letter part: a letter run of the built-in letter for Beck and Ernst
    run = db.session.get(LetterRun, campaign.letter_run_id)
    assert run.recipient_count == 2 and run.subject == campaign.subject
    assert _statuses(campaign) == {"Auer": "sent", "Groß": "sent", "Huber": "sent", "Beck": "letter",
                                   "Ernst": "letter", "Christ": "excluded", "Dorn": "excluded", "Fink": "excluded",
                                   "Jäger": "excluded", "Mönchberg": "excluded"}
    counts = campaigns.counts(campaign)
    assert (counts["sent"], counts["failed"], counts["letter"], counts["excluded"], counts["unsubscribed"]) == \
        (3, 0, 2, 5, 0)

    # the delivery on the recipient's timeline
    from crm.core.timeline import timeline_for

    entries = [e for e in timeline_for("person", people.by_name["Auer"]) if e.kind == "campaign"]
    assert [(e.label, e.title, e.detail) for e in entries] == [
        ("Kampagnen-E-Mail", campaign.subject, "anna.auer@heimatverein-moenchberg.de")]
    # Beck's letter: once, as the letter run's interaction
    beck = [(e.kind, e.title) for e in timeline_for("person", people.by_name["Beck"])
            if campaign.subject in e.title]
    assert beck == [("interaction", f"Brief: {campaign.subject}")]

    # one click in the mail program: RFC 8058 POST to the link, no login, no CSRF
    path = link[len(BASE):]
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    assert campaigns.counts(campaign)["unsubscribed"] == 1
    again = campaigns.plan(make_campaign(people.segment, channel="email"))
    assert "Auer" not in {p.name.split()[-1] for p in again.email}


def test_refused_recipients_fail_with_the_reason_and_are_sent_again(people, request_ctx, smtp, make_user):  # noqa: F811
    user = make_user(role="staff")
    smtp.refuse = {"huber@example.org"}
    campaign = make_campaign(people.segment, channel="email")
    campaigns.start_sending(campaign, user)
    smtp.wait_for(2)
    row = db.session.scalar(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id,
                                                            CampaignRecipient.status == "failed"))
    assert row.name == "Hans Huber" and row.attempts == 1
    assert row.reason.startswith("550 5.1.1 <huber@example.org>: Recipient address rejected")
    assert campaigns.counts(campaign)["failed"] == 1
    with pytest.raises(DomainError):  # resuming alone finds nobody waiting
        campaigns.send_remaining(campaign, user)
    db.session.rollback()

    smtp.refuse = set()
    assert campaigns.send_remaining(campaign, user, failed=True) == 1
    smtp.wait_for(3)
    assert _envelopes(smtp) == Counter({"anna.auer@heimatverein-moenchberg.de": 1, "groß@example.org": 1,
                                        "huber@example.org": 1})
    db.session.refresh(row)
    assert (row.status, row.reason, row.attempts) == ("sent", "", 2)
    assert db.session.get(Campaign, campaign.id).status == "sent"


def test_stop_and_resume_sends_nobody_twice(app, request_ctx, smtp, make_user, make_person, monkeypatch):  # noqa: F811
    from crm.segments import services as segments

    persons = [make_person(last_name=f"Leser{i:02d}", first_name="Lea", email=f"leser{i}@example.org")
               for i in range(24)]
    segment = segments.save_segment(None, {"name": "Einladungsliste", "kind": "fixed"})
    segments.add_members(segment, [p.id for p in persons])
    db.session.commit()
    user = make_user(role="staff")
    monkeypatch.setattr(sending, "STOP_CHECK_EVERY", 1)
    # "stop" pressed while the tenth e-mail is with the server
    monkeypatch.setattr(jobs.Progress, "should_stop", lambda self: len(smtp.messages) >= 10)
    campaign = make_campaign(segment, channel="email", purpose="invitations")
    campaigns.start_sending(campaign, user)
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.status == "stopped"
    assert db.session.get(Job, campaign.job_id).status == "stopped"
    assert campaigns.counts(campaign)["sent"] == 10 and campaigns.counts(campaign)["queued"] == 14
    assert campaigns.can_resume(campaign)

    monkeypatch.setattr(jobs.Progress, "should_stop", lambda self: False)
    assert campaigns.send_remaining(campaign, user) == 14
    smtp.wait_for(24)
    assert len(smtp.messages) == 24
    assert set(_envelopes(smtp).values()) == {1}
    assert db.session.get(Campaign, campaign.id).status == "sent"


def test_a_worker_that_died_mid_send(app, people, request_ctx, smtp, make_user):  # noqa: F811
    """As a killed worker leaves it: Auer sent, Groß claimed ("sending": with the server or not), Huber
    waiting, the job "running" without heartbeat. Resuming sends Huber only; Groß is "interrupted"
    and goes out only when the user asks for it."""
    user = make_user(role="staff")
    campaign = make_campaign(people.segment, channel="email")
    result = campaigns.plan(campaign)
    # the first part of start_sending without the job: freeze the plan
    for position, planned in enumerate(result.email):
        status = {"Auer": "sent", "Groß": "sending"}.get(planned.name.split()[-1], "queued")
        db.session.add(CampaignRecipient(campaign_id=campaign.id, position=position, person_id=planned.person_id,
                                         affiliation_id=planned.affiliation_id, name=planned.name,
                                         email=planned.email, status=status, attempts=int(status != "queued")))
    job = Job(kind="campaign_send", func_path=campaigns.SEND_JOB, args=[campaign.id], backend="rq",
              status="running", total=3, done=1, heartbeat_at=utcnow() - timedelta(minutes=10))
    db.session.add(job)
    db.session.flush()
    campaign.status, campaign.job_id, campaign.sent_at = "sending", job.id, utcnow()
    db.session.commit()
    assert jobs.is_interrupted(job) and campaigns.can_resume(campaign)

    assert campaigns.send_remaining(campaign, user) == 1
    smtp.wait_for(1)
    assert list(_envelopes(smtp)) == ["huber@example.org"]
    db.session.refresh(job)
    assert job.status == "failed" and "antwortete nicht mehr" in job.message
    statuses = _statuses(campaign)
    assert {k: statuses[k] for k in ("Auer", "Groß", "Huber")} == {"Auer": "sent", "Groß": "interrupted",
                                                                   "Huber": "sent"}
    gross = db.session.scalar(select(CampaignRecipient).where(CampaignRecipient.name == "Gerda Groß"))
    assert "ob sie angekommen ist, ist unklar" in gross.reason
    assert db.session.get(Campaign, campaign.id).status == "sent"

    # the user decides to send the interrupted one after all
    assert campaigns.send_remaining(campaign, user, interrupted=True) == 1
    smtp.wait_for(2)
    assert _envelopes(smtp) == Counter({"huber@example.org": 1, "groß@example.org": 1})


def test_test_email_goes_to_the_user_only(people, request_ctx, smtp, make_user):  # noqa: F811
    user = make_user(role="staff", email="keller@lag-spessart.de", full_name="Anna Keller")
    campaign = make_campaign(people.segment, channel="email")
    assert campaigns.send_test(campaign, user) == "keller@lag-spessart.de"
    db.session.commit()
    smtp.wait_for(1)
    assert list(_envelopes(smtp)) == ["keller@lag-spessart.de"]
    message = smtp.messages[0][1]
    assert message["Subject"] == "[Test] Regionalforum für Anna Auer"  # the first recipient's merge fields
    assert "[persönlicher Abmeldelink: in einer Test-E-Mail nicht enthalten]" in text_of(message)
    assert message["List-Unsubscribe"] is None
    assert campaign.test_sent_to == "keller@lag-spessart.de" and campaign.is_draft
    nobody = make_user(role="staff", email="")
    with pytest.raises(DomainError) as raised:
        campaigns.send_test(campaign, nobody)
    assert "keine E-Mail-Adresse" in raised.value.message


def test_sending_is_throttled(app, people, request_ctx, smtp, make_user, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "CAMPAIGN_RATE_PER_MINUTE", 300)  # one every 0.2 s
    campaign = make_campaign(people.segment, channel="email")
    start = time.monotonic()
    campaigns.start_sending(campaign, make_user())
    elapsed = time.monotonic() - start
    assert len(smtp.wait_for(3)) == 3
    assert elapsed >= 0.4  # three messages: two waits of 0.2 s


def test_a_mail_server_that_is_down(app, people, request_ctx, make_user, monkeypatch):
    from flask_mailman import Mail

    from tests.meetings.test_mailing import _free_port

    port = _free_port()  # nothing listens there
    monkeypatch.setitem(app.extensions, "mailman", Mail.init_mail({**app.config, "MAIL_SERVER": "127.0.0.1",
                                                                   "MAIL_PORT": port, "MAIL_BACKEND": "smtp",
                                                                   "MAIL_TIMEOUT": 2}))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    campaign = make_campaign(people.segment, channel="email")
    campaigns.start_sending(campaign, make_user())
    rows = db.session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id,
                                                              CampaignRecipient.status == "failed")).all()
    assert len(rows) == 3
    assert all(r.reason.startswith("Der Mailserver ist nicht erreichbar") for r in rows)
