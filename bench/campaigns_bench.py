"""Campaign sending at scale: `campaign_1000_s` (issue 14).

    .venv/bin/python bench/run.py --only campaigns --scale 5000 [--backend sqlite|postgresql|all]

On the database seeded by run.py: a fixed Verteiler of 1,000 persons with an e-mail address at their
organisation (made before the timing), a campaign to them with merge fields in subject and text (no
attachment: a newsletter), sent to an aiosmtpd server on loopback running in a process of its own. Timed from "send" (plan with the consent checks,
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
import time

MAILS = 1000


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


class CountingSink:
    """The handler of the bench's SMTP server process (`python -m aiosmtpd -c bench.campaigns_bench.CountingSink`):
    counts the recipients it accepted and keeps the last message, in BENCH_SMTP_DIR."""

    def __init__(self):
        import os

        self.dir = os.environ["BENCH_SMTP_DIR"]
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        import os

        self.count += len(envelope.rcpt_tos)
        if self.count % 100 == 0:
            with open(os.path.join(self.dir, "last.eml"), "wb") as handle:
                handle.write(envelope.content)
        with open(os.path.join(self.dir, "count.tmp"), "w") as handle:
            handle.write(str(self.count))
        os.replace(os.path.join(self.dir, "count.tmp"), os.path.join(self.dir, "count"))
        return "250 OK"


class _SmtpServer:
    """aiosmtpd on loopback in a process of its own (it must not share this process's CPU with the worker)."""

    def __init__(self):
        import os
        import subprocess
        import tempfile
        from pathlib import Path

        self.dir = tempfile.mkdtemp(prefix="regionetz-bench-smtp-")
        self.port = _free_port()
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-u", "-l", f"127.0.0.1:{self.port}", "-c",
             "bench.campaigns_bench.CountingSink"],
            cwd=root, env={**os.environ, "BENCH_SMTP_DIR": self.dir, "PYTHONPATH": str(root)})
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the bench's SMTP server did not start")
                time.sleep(0.1)

    @property
    def count(self) -> int:
        import os

        try:
            with open(os.path.join(self.dir, "count")) as handle:
                return int(handle.read() or 0)
        except FileNotFoundError:
            return 0

    @property
    def last(self) -> bytes:
        import os

        with open(os.path.join(self.dir, "last.eml"), "rb") as handle:
            return handle.read()

    def stop(self) -> None:
        import shutil

        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(condition, seconds: float) -> None:
    """The server writes its count after it has answered; give its last write a moment."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


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
    from flask_mailman import Mail

    from crm.campaigns import campaigns
    from crm.campaigns.campaign_models import Campaign
    from crm.extensions import db
    from crm.jobs.models import Job

    inbox = _SmtpServer()
    times, cpus = [], []
    try:
        app.config.update(JOBS_MODE="inline", CAMPAIGN_RATE_PER_MINUTE=0, MAIL_BACKEND="smtp")
        app.extensions["mailman"] = Mail.init_mail({**app.config, "MAIL_SERVER": "127.0.0.1",
                                                    "MAIL_PORT": inbox.port, "MAIL_BACKEND": "smtp",
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
                    db.session.commit()
                    before = inbox.count
                    start, cpu_start = time.perf_counter(), time.process_time()
                    campaigns.start_sending(campaign, None)
                    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
                    _wait_for(lambda before=before: inbox.count - before >= MAILS, 10)
                    received = inbox.count - before
                    campaign = db.session.get(Campaign, campaign.id)
                    job = db.session.get(Job, campaign.job_id)
                    counts = campaigns.counts(campaign)
                    log(f"  campaign round {round_}: {received} e-mails in {elapsed:.2f} s "
                        f"(worker CPU {cpu:.2f} s; job {job.status}, sent {counts['sent']}, failed {counts['failed']})")
                    assert received == MAILS and counts["sent"] == MAILS, (received, counts)
                    if round_:
                        times.append(elapsed)
                        cpus.append(cpu)
                db.session.remove()
            assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in inbox.last
    finally:
        inbox.stop()
    return {"campaign_1000_s": round(statistics.median(times), 2),
            "campaign_1000_cpu_s": round(statistics.median(cpus), 2)}
