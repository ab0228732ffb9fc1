"""The background job that sends a campaign's e-mails (started by crm/campaigns/campaigns.py).

Nobody gets an e-mail twice, whatever happens to the worker:

1. the message is built first (merge fields, unsubscribe link, attachments);
2. the contact is claimed: UPDATE ... SET status='sending' WHERE id=? AND status='queued', committed
   before the message goes to the mail server; a contact another run claimed already is skipped;
3. the server's answer is written: 'sent', or 'failed' with the server's words; committed together
   with the next contact's claim (one commit per message), or at once when the sending is throttled.

A worker killed between 2 and 3 leaves that one contact in 'sending': the mail server may or may not
have taken the message. A resumed send (campaigns.send_remaining) marks it 'interrupted' and does not
send it again on its own; the page lists it, and the user may decide to send it again. Everyone
'sent' is skipped; everyone still 'queued' is sent.

Throttled to CAMPAIGN_RATE_PER_MINUTE messages (0: as fast as the server takes them); "stop" is
honoured after the message being sent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from crm.campaigns import consent
from crm.campaigns.campaign_models import Campaign, CampaignRecipient
from crm.campaigns.campaigns import Texts, attachment_files, build_message, mail_body, merge_row
from crm.contacts.salutation import Addressee
from crm.core.mail import MailConnection
from crm.core.models import utcnow
from crm.extensions import db
from crm.segments.services import load_persons

CHUNK = 200  # contacts loaded at a time
STOP_CHECK_EVERY = 10  # messages between two looks at "stop"
REPORT_EVERY = 5  # messages between two progress reports (and heartbeats) when sending fast


@dataclass(frozen=True)
class _Snapshot:
    """What the messages need of the campaign, as plain values: the job commits once per message, and
    ORM objects would be loaded again after every commit."""

    id: int
    subject: str
    body: str
    purpose: str
    sender_name: str
    sender_email: str


@dataclass(frozen=True)
class _Row:
    id: int
    person_id: int | None
    name: str
    email: str
    addressee: Addressee


def _rows(ids: list[int]) -> list[_Row]:
    """The contacts with their addressee (the function they were planned with), as plain values."""
    rows = db.session.execute(
        select(CampaignRecipient.id, CampaignRecipient.person_id, CampaignRecipient.affiliation_id,
               CampaignRecipient.name, CampaignRecipient.email)
        .where(CampaignRecipient.id.in_(ids)).order_by(CampaignRecipient.position)).all()
    persons = load_persons(sorted({r.person_id for r in rows if r.person_id}))
    result = []
    for row in rows:
        person = persons.get(row.person_id)
        if person is None:  # deleted since the plan was made: the name as it was
            addressee = Addressee(last_name=row.name)
        else:
            affiliation = next((a for a in person.affiliations if a.id == row.affiliation_id), None)
            addressee = person.addressee(affiliation)
        result.append(_Row(row.id, row.person_id, row.name, row.email, addressee))
    return result


def _claim(row_id: int) -> bool:
    return db.session.execute(
        update(CampaignRecipient).where(CampaignRecipient.id == row_id, CampaignRecipient.status == "queued")
        .values(status="sending", attempts=CampaignRecipient.attempts + 1, updated_at=utcnow())).rowcount == 1


def _settle(row_id: int, reason: str) -> None:
    now = utcnow()
    values = {"status": "failed", "reason": reason[:2000], "updated_at": now} if reason else \
        {"status": "sent", "reason": "", "sent_at": now, "updated_at": now}
    db.session.execute(update(CampaignRecipient)
                       .where(CampaignRecipient.id == row_id, CampaignRecipient.status == "sending").values(**values))


def _waiting_ids(campaign_id: int) -> list[int]:
    return list(db.session.scalars(
        select(CampaignRecipient.id).where(CampaignRecipient.campaign_id == campaign_id,
                                           CampaignRecipient.status == "queued")
        .order_by(CampaignRecipient.position)))


def send_job(progress, campaign_id: int) -> str:
    campaign = db.session.get(Campaign, campaign_id)
    campaign.job_id = progress.job_id
    snapshot = _Snapshot(campaign.id, campaign.subject, campaign.body, campaign.purpose, campaign.sender_name,
                         campaign.sender_email)
    texts = Texts(snapshot)
    files = attachment_files(campaign)
    ids = _waiting_ids(campaign_id)
    tally = _campaign_counts(campaign_id)  # the campaign's, as the page shows them
    progress.report(0, total=len(ids), details=tally)
    db.session.commit()
    rate = int(current_app.config.get("CAMPAIGN_RATE_PER_MINUTE") or 0)
    interval = 60.0 / rate if rate > 0 else 0.0
    done = 0
    started = time.monotonic()
    with MailConnection() as connection:
        for start in range(0, len(ids), CHUNK):
            rows = _rows(ids[start:start + CHUNK])
            for row in rows:
                if done % STOP_CHECK_EVERY == 0 and progress.should_stop():
                    return _stopped(progress, campaign_id, done, tally)
                if interval:
                    _wait_until(started + done * interval, progress)
                    if progress.stopped:
                        return _stopped(progress, campaign_id, done, tally)
                subject, text = texts.fill(merge_row(snapshot, row.addressee, row.email))
                unsubscribe = consent.unsubscribe_url(row.person_id, snapshot.purpose, snapshot.id)
                message = build_message(snapshot, row.name, row.email, subject, mail_body(snapshot, text, unsubscribe),
                                        files, unsubscribe)
                claimed = _claim(row.id)
                if done % REPORT_EVERY == 0 or interval >= 1:
                    progress.report(done, details=tally)
                db.session.commit()  # the claim (and the previous contact's answer) is on disk before sending
                if not claimed:
                    continue
                reason = connection.send(message, row.email)
                _settle(row.id, reason)
                tally["failed" if reason else "sent"] += 1
                tally["queued"] -= 1
                done += 1
                if interval:
                    db.session.commit()
    progress.report(done, details=tally)
    left = db.session.scalar(select(func.count()).select_from(CampaignRecipient).where(
        CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status.in_(("queued", "sending"))))
    if not left:
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id)
                           .values(status="sent", finished_at=utcnow()))
    db.session.commit()
    return ""


def _campaign_counts(campaign_id: int) -> dict:
    counts = dict(db.session.execute(
        select(CampaignRecipient.status, func.count()).where(CampaignRecipient.campaign_id == campaign_id,
                                                             CampaignRecipient.status.in_(("sent", "failed", "queued")))
        .group_by(CampaignRecipient.status)).all())
    return {key: counts.get(key, 0) for key in ("sent", "failed", "queued")}


def _wait_until(moment: float, progress) -> None:
    """Sleep until `moment` (throttling), looking at "stop" every second."""
    while True:
        rest = moment - time.monotonic()
        if rest <= 0:
            return
        time.sleep(min(rest, 1.0))
        if rest > 1.0 and progress.should_stop():
            progress.stopped = True
            return


def _stopped(progress, campaign_id: int, done: int, tally: dict) -> str:
    progress.report(done, details=tally)
    db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(status="stopped"))
    progress.stop()
    db.session.commit()
    return ""
