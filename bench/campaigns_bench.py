"""Campaign sending at scale: `campaign_1000_s` (issue 14).

    .venv/bin/python bench/run.py --only campaigns --scale 5000 [--backend sqlite|postgresql|all]

On the database seeded by run.py: a fixed Verteiler of 1,000 persons with an e-mail address at their
organisation (made before the timing), a campaign to them with merge fields in subject and text and a
PDF attachment, sent to an aiosmtpd server on loopback. Timed from "send" (plan with the consent checks,
one row per recipient, the job queued) until the job has ended: 1,000 personalised e-mails rendered
(merge fields, unsubscribe link, List-Unsubscribe headers) and delivered over one SMTP connection by
one worker: the job runs in this process, as `flask crm worker` runs it (rq's SimpleWorker calls the
same crm.jobs.services.execute), unthrottled (CAMPAIGN_RATE_PER_MINUTE=0), one commit per message.
The figure is the median of `rounds` rounds (each a new campaign); the server must have received
1,000 messages each round.
"""
from __future__ import annotations

import socket
import statistics
import sys
import threading
import time

MAILS = 1000


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


class _Inbox:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.last = b""

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += len(envelope.rcpt_tos)
            self.last = envelope.content
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def email_segment(limit: int = MAILS) -> int:
    """A fixed Verteiler of `limit` persons with a business e-mail, no objection (made once)."""
    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.segments import services as segments

    persons = db.session.scalars(
        select(Person.id).where(Person.archived_at.is_(None), Person.contact_objection.is_(False))
        .order_by(Person.sort_name, Person.id).limit(limit * 3)).all()
    resolution = segments.resolve(segments.Selection.of(persons), "at_organisation", "email")
    chosen = [r.person_id for r in resolution.recipients][:limit]
    segment = segments.save_segment(None, {"name": "Bench: 1.000 E-Mails", "kind": "fixed"})
    segments.add_members(segment, chosen)
    db.session.commit()
    return segment.id


SUBJECT = "Projektaufruf 2027 für {Organisation}"
BODY = ("{Briefanrede}\n\n"
        "der neue LEADER-Projektaufruf ist offen: Ideen für Dorfgemeinschaft, Tourismus und Klimaschutz können bis "
        "30. April 2027 eingereicht werden. Bitte geben Sie den Aufruf auch an Ihre Kolleginnen und Kollegen bei "
        "{Organisation} weiter.\n\nRückfragen gern an uns; Ihre Adresse bei uns: {E-Mail}.\n\n"
        "Mit freundlichen Grüßen\nMaria Muster\nRegionalmanagerin")


def bench_campaigns(app, rounds: int = 3) -> dict:
    from aiosmtpd.controller import Controller
    from flask_mailman import Mail

    from crm.campaigns import campaigns
    from crm.campaigns.campaign_demo import TINY_PDF
    from crm.campaigns.campaign_models import Campaign
    from crm.extensions import db
    from crm.jobs.models import Job

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=True)
    controller.start()
    times = []
    try:
        app.config.update(JOBS_MODE="inline", CAMPAIGN_RATE_PER_MINUTE=0, MAIL_BACKEND="smtp")
        app.extensions["mailman"] = Mail.init_mail({**app.config, "MAIL_SERVER": "127.0.0.1",
                                                    "MAIL_PORT": controller.port, "MAIL_BACKEND": "smtp",
                                                    "MAIL_TIMEOUT": 10})
        with app.app_context():
            segment_id = email_segment()
            purpose = "invitations"  # no consent needed: objections and withdrawals are still checked
            for round_ in range(rounds + 1):  # round 0 warms up
                with app.test_request_context(base_url="https://crm.untermain.example"):
                    campaign = campaigns.save_campaign(None, {
                        "segment_id": segment_id, "rule": "at_organisation", "channel": "email", "purpose": purpose,
                        "subject": SUBJECT, "body": BODY, "sender_name": "Regionalmanagement Untermain",
                        "sender_email": "info@untermain.example"})
                    campaigns.add_attachment(campaign, "Projektaufruf.pdf", TINY_PDF + b"%" + b"x" * 60_000 + b"\n")
                    db.session.commit()
                    before = inbox.count
                    start = time.perf_counter()
                    campaigns.start_sending(campaign, None)
                    elapsed = time.perf_counter() - start
                    received = inbox.count - before
                    campaign = db.session.get(Campaign, campaign.id)
                    job = db.session.get(Job, campaign.job_id)
                    counts = campaigns.counts(campaign)
                    log(f"  campaign round {round_}: {received} e-mails in {elapsed:.2f} s "
                        f"(job {job.status}, sent {counts['sent']}, failed {counts['failed']})")
                    assert received == MAILS and counts["sent"] == MAILS, (received, counts)
                    if round_:
                        times.append(elapsed)
                db.session.remove()
            assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in inbox.last
    finally:
        controller.stop()
    return {"campaign_1000_s": round(statistics.median(times), 2)}
