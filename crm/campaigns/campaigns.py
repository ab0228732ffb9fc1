"""Campaigns (issue 14): a newsletter, a call for project ideas, a press release to a target group.

A campaign is written as a draft: target group (a saved Verteiler), who in it is written to (the
rules of crm/segments), channel (e-mail; letter; both: e-mail where allowed and known, else a letter),
purpose (the consent purpose of crm/campaigns/consent.py), subject and text with the merge fields of
letters ({Briefanrede} ...), attachments, sender. Before sending, :func:`plan` says who gets an
e-mail, who a letter and who nothing and why (the Verteiler's own exclusions, then the consent API's
email_blocks / letter_blocks); a test e-mail goes to the user.

Sending (:func:`start_sending`) freezes that plan into one CampaignRecipient row per contact, makes
the letters of the letter part with the letter engine (a LetterRun, its .docx on the campaign page),
and starts the background job of crm/campaigns/sending.py for the e-mails. A stopped or crashed send
goes on with :func:`send_remaining` without sending anyone twice (see sending.py).
Campaigns go to persons: an organisation on a fixed list is left out (every e-mail needs a personal
unsubscribe link, and consent is a person's).
Services flush; the views commit (starting a job commits, see crm/jobs/services.enqueue).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import func, insert, select, update

from crm.campaigns import consent
from crm.campaigns.campaign_models import (
    CAMPAIGN_CHANNELS,
    Campaign,
    CampaignAttachment,
    CampaignRecipient,
)
from crm.contacts.salutation import Addressee
from crm.core import time as clock
from crm.core.errors import DomainError
from crm.core.mail import MailConnection, named_address
from crm.core.models import utcnow
from crm.core.uploads import check_document, megabytes
from crm.extensions import db
from crm.interop import letters as engine
from crm.jobs import services as jobs
from crm.segments import services as segments
from crm.segments.models import RULES, Segment

CAMPAIGN_RULES = ("at_organisation", "person")  # campaigns go to persons (see the module docstring)
SEND_JOB = "crm.campaigns.sending.send_job"
PRESS_PURPOSE = "press" if "press" in consent.PURPOSES else "invitations"


def purposes() -> dict:
    return consent.PURPOSES


# ------------------------------------------------------------------ drafts


def _check_text(subject: str, body: str) -> None:
    try:
        engine.check_text(engine.LetterText(subject=subject, body=body))
    except engine.LetterError as error:
        raise DomainError(_(error.msgid, **error.params), field="body") from error


def save_campaign(campaign: Campaign | None, data: dict, user=None) -> Campaign:
    """Create or change a draft. Flushes."""
    if campaign is not None and not campaign.is_draft:
        raise DomainError(_("The campaign has been sent; it can no longer be changed."))
    segment = db.session.get(Segment, data.get("segment_id") or 0)
    if segment is None or segment.is_archived:
        raise DomainError(_("Please choose a mailing list."), field="segment_id")
    if data.get("rule") not in CAMPAIGN_RULES:
        raise DomainError(_("Unknown recipient rule “%(rule)s”.", rule=str(data.get("rule"))[:40]), field="rule")
    if data.get("channel") not in CAMPAIGN_CHANNELS:
        raise DomainError(_("Unknown channel “%(channel)s”.", channel=str(data.get("channel"))[:40]), field="channel")
    if data.get("purpose") not in consent.PURPOSES:
        raise DomainError(_("Unknown purpose."), field="purpose")
    subject = (data.get("subject") or "").strip()
    body = (data.get("body") or "").strip()
    if not subject:
        raise DomainError(_("Please enter a subject."), field="subject")
    if not body:
        raise DomainError(_("Please write the text of the campaign."), field="body")
    _check_text(subject, body)
    if campaign is None:
        campaign = Campaign(created_by_id=getattr(user, "id", None), status="draft")
        db.session.add(campaign)
    campaign.segment_id, campaign.segment_name = segment.id, segment.name
    campaign.rule, campaign.channel, campaign.purpose = data["rule"], data["channel"], data["purpose"]
    campaign.subject, campaign.body = subject[:200], body
    campaign.sender_name = (data.get("sender_name") or "").strip()[:200]
    campaign.sender_email = (data.get("sender_email") or "").strip()[:254]
    db.session.flush()
    return campaign


def delete_draft(campaign: Campaign) -> None:
    if not campaign.is_draft:
        raise DomainError(_("A sent campaign stays (its deliveries are on the recipients' timelines)."))
    db.session.delete(campaign)
    db.session.flush()


def attachments_limit() -> int:
    return int(current_app.config.get("CAMPAIGN_ATTACHMENTS_MAX_BYTES", 5 * 1024 * 1024))


def add_attachment(campaign: Campaign, filename: str, data: bytes) -> CampaignAttachment:
    """A document for every e-mail of the campaign; all attachments together at most the limit
    (every recipient's mailbox gets them). Flushes."""
    if not campaign.is_draft:
        raise DomainError(_("The campaign has been sent; it can no longer be changed."))
    limit = attachments_limit()
    name, content_type = check_document(filename, data, limit)
    already = db.session.scalar(select(func.coalesce(func.sum(CampaignAttachment.size), 0))
                                .where(CampaignAttachment.campaign_id == campaign.id)) or 0
    if already + len(data) > limit:
        raise DomainError(_("All attachments of a campaign together may have at most %(limit)s MB (every recipient "
                            "gets them): “%(name)s” has %(size)s MB, the attachments so far %(already)s MB. "
                            "The file was not attached.", limit=megabytes(limit), name=name,
                            size=megabytes(len(data)), already=megabytes(already)), field="file")
    attachment = CampaignAttachment(campaign=campaign, filename=name, content_type=content_type, size=len(data),
                                    content=data)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_attachment(attachment: CampaignAttachment) -> None:
    if not attachment.campaign.is_draft:
        raise DomainError(_("The campaign has been sent; it can no longer be changed."))
    db.session.delete(attachment)
    db.session.flush()


# ------------------------------------------------------------------ who gets what


@dataclass
class Planned:
    person_id: int | None
    organisation_id: int | None
    affiliation_id: int | None
    name: str
    detail: str
    email: str = ""
    addressee: Addressee | None = None
    reason: str = ""  # why left out; for a letter in a "both" campaign: why not by e-mail


@dataclass
class Plan:
    email: list[Planned] = field(default_factory=list)
    letter: list[Planned] = field(default_factory=list)
    excluded: list[Planned] = field(default_factory=list)
    resolution: object = None

    @property
    def total(self) -> int:
        return len(self.email) + len(self.letter) + len(self.excluded)


def _segment_of(campaign: Campaign) -> Segment:
    segment = db.session.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if segment is None:
        raise DomainError(_("The campaign's mailing list no longer exists; please choose another one."),
                          field="segment_id")
    return segment


def _cap(reason: str) -> str:
    """"keine Postanschrift" -> "Keine Postanschrift": reasons from different places read alike in a list."""
    return reason[:1].upper() + reason[1:]


def plan(campaign: Campaign) -> Plan:
    """Who gets an e-mail, who a letter, who nothing and why, as things stand now."""
    resolution = segments.resolve(_segment_of(campaign), campaign.rule, None)
    result = Plan(resolution=resolution)
    for excluded in resolution.excluded:
        result.excluded.append(Planned(excluded.person_id, excluded.organisation_id, None, excluded.name, "",
                                       reason=_cap(excluded.reason)))
    persons = [r for r in resolution.recipients if r.person_id is not None]
    for r in resolution.recipients:
        if r.person_id is None:
            result.excluded.append(Planned(None, r.organisation_id, None, r.name, r.detail,
                                           reason=_("Organisation: campaigns go to persons")))
    ids = [r.person_id for r in persons]
    wants_email = campaign.channel in ("email", "both")
    wants_letter = campaign.channel in ("letter", "both")
    email_blocked = consent.email_blocks(ids, campaign.purpose) if wants_email else {}
    letter_blocked = consent.letter_blocks(ids, campaign.purpose) if wants_letter else {}
    for r in persons:
        planned = Planned(r.person_id, r.organisation_id, r.affiliation_id, r.name, r.detail, r.email.strip(),
                          r.addressee)
        email_reason = letter_reason = ""
        if wants_email:
            email_reason = email_blocked.get(r.person_id) or ("" if planned.email else _("No e-mail address"))
            if not email_reason:
                result.email.append(planned)
                continue
        if wants_letter:
            letter_reason = letter_blocked.get(r.person_id) or \
                ("" if engine.has_postal_address(r.addressee) else _("No postal address"))
            if not letter_reason:
                planned.reason = _cap(email_reason)
                result.letter.append(planned)
                continue
        reasons = [email_reason] + ([letter_reason] if letter_reason and letter_reason != email_reason else [])
        planned.reason = "; ".join(_cap(x) for x in reasons if x)
        result.excluded.append(planned)
    return result


def check_sendable(result: Plan) -> None:
    if not result.email and not result.letter:
        raise DomainError(_("Nobody in this target group may get this campaign (see the contacts left out and "
                            "why). Nothing was sent."))


# ------------------------------------------------------------------ the message


def merge_row(campaign: Campaign, addressee: Addressee, email: str) -> dict:
    return engine.merge_values(addressee, email=email, letter_date=clock.today(), subject=campaign.subject)


class Texts:
    """The campaign's subject and text compiled once, filled per recipient."""

    def __init__(self, campaign: Campaign):
        self.subject = engine.LetterText(subject="", body=campaign.subject)
        self.body = engine.LetterText(subject="", body=campaign.body)
        _check_text(campaign.subject, campaign.body)

    def fill(self, row: dict) -> tuple[str, str]:
        subject = " ".join(engine.fill_text(self.subject, row).split())[:300]
        return subject, engine.fill_text(self.body, row)


def mail_body(campaign: Campaign, text: str, unsubscribe: str) -> str:
    """The personal text, the sender, and the unsubscribe link (German: it goes to the region's contacts)."""
    with force_locale("de"):
        purpose = str(consent.PURPOSES.get(campaign.purpose, campaign.purpose))
        footer = _("You receive this e-mail from %(sender)s (%(purpose)s). To receive no more such e-mails, "
                   "unsubscribe here:", sender=campaign.sender_name or _("the regional management"), purpose=purpose)
    return f"{text.rstrip()}\n\n-- \n{footer}\n{unsubscribe}\n"


def sender_address(campaign: Campaign) -> str:
    address = campaign.sender_email or current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    return named_address(campaign.sender_name, address) if campaign.sender_name else address


def build_message(campaign: Campaign, name: str, address: str, subject: str, body: str, attachments: list,
                  unsubscribe: str | None) -> EmailMessage:
    """One e-mail; with `unsubscribe` the List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058)."""
    headers = consent.list_unsubscribe_headers(unsubscribe) if unsubscribe else {}
    reply_to = [campaign.sender_email] if campaign.sender_email else None
    message = EmailMessage(subject=subject, body=body, from_email=sender_address(campaign),
                           to=[named_address(name, address)], headers=headers, reply_to=reply_to)
    for filename, content, content_type in attachments:
        message.attach(filename, content, content_type)
    return message


def attachment_files(campaign: Campaign) -> list[tuple[str, bytes, str]]:
    return [(a.filename, a.content, a.content_type) for a in campaign.attachments]


def sample(campaign: Campaign, result: Plan | None = None) -> dict | None:
    """The first e-mail as it will read (for the page): recipient, subject, text."""
    result = result or plan(campaign)
    if not result.email:
        return None
    first = result.email[0]
    subject, text = Texts(campaign).fill(merge_row(campaign, first.addressee, first.email))
    return {"name": first.name, "email": first.email, "subject": subject,
            "body": mail_body(campaign, text, _("[personal unsubscribe link]"))}


def send_test(campaign: Campaign, user) -> str:
    """The first recipient's e-mail to the user's own address, marked as a test; its unsubscribe link is a
    placeholder (a test must not unsubscribe the person whose merge fields it shows). Returns the
    address; DomainError with the mail server's reason. Flushes."""
    address = (getattr(user, "email", "") or "").strip()
    if not address:
        raise DomainError(_("Your user account has no e-mail address for the test; please add one in your "
                            "profile or ask the administrator."))
    result = plan(campaign)
    if result.email:
        first = result.email[0]
        addressee, email = first.addressee, first.email
    else:
        addressee, email = Addressee(first_name=user.full_name or user.username), address
    subject, text = Texts(campaign).fill(merge_row(campaign, addressee, email))
    with force_locale("de"):
        subject = _("[Test] %(subject)s", subject=subject)
        body = mail_body(campaign, text, _("[personal unsubscribe link: it is not in a test e-mail]"))
    message = build_message(campaign, user.full_name or user.username, address, subject, body,
                            attachment_files(campaign), None)
    with MailConnection() as connection:
        reason = connection.send(message, address)
    if reason:
        raise DomainError(_("The test e-mail to %(address)s was not sent: %(reason)s", address=address,
                            reason=reason))
    campaign.test_sent_at, campaign.test_sent_to = utcnow(), address
    db.session.flush()
    return address


# ------------------------------------------------------------------ sending


def start_sending(campaign: Campaign, user) -> Campaign:
    """Freeze the plan (one row per contact), make the letters, start the e-mail job. COMMITS when there
    are e-mails (the job must see its rows); DomainError before anything changed otherwise."""
    if not campaign.is_draft:
        raise DomainError(_("The campaign has already been sent."))
    result = plan(campaign)
    check_sendable(result)
    campaign.segment_use_id = segments.record_use(_segment_of(campaign), "campaign", campaign.rule,
                                                  result.resolution).id
    rows, position = [], 0
    for status, group in (("queued", result.email), ("letter", result.letter), ("excluded", result.excluded)):
        for planned in group:
            rows.append({"campaign_id": campaign.id, "position": position, "person_id": planned.person_id,
                         "organisation_id": planned.organisation_id, "affiliation_id": planned.affiliation_id,
                         "name": planned.name[:200], "email": planned.email[:254] if status == "queued" else "",
                         "status": status, "reason": planned.reason, "attempts": 0, "updated_at": utcnow()})
            position += 1
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(CampaignRecipient), rows[start:start + 5000])
    if result.letter:
        campaign.letter_run_id = _letters(campaign, result.letter, user).id
    campaign.sent_at = utcnow()
    if result.email:
        campaign.status = "sending"
        db.session.flush()
        job_id = jobs.enqueue(SEND_JOB, campaign.id, kind="campaign_send", total=len(result.email), user=user)
        _attach_job(campaign.id, job_id)
    else:
        campaign.status, campaign.finished_at = "sent", utcnow()
        db.session.flush()
    return campaign


def _attach_job(campaign_id: int, job_id: int) -> None:
    """The job of the latest send (a job run inline has finished already and left its status)."""
    db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(job_id=job_id))
    db.session.commit()


def _letters(campaign: Campaign, letter_part: list[Planned], user):
    """The letter part through the letter engine: a LetterRun of the built-in DIN 5008 letter."""
    from crm.letters import services as letters

    source = letters.Source(person_ids=[p.person_id for p in letter_part])
    text = engine.LetterText(subject=campaign.subject, body=campaign.body, closing="", signature="")
    return letters.create_run(source, rule=campaign.rule, template=None, letter_date=clock.today(), text=text,
                              user=user)


def current_job(campaign: Campaign):
    from crm.jobs.models import Job

    return db.session.get(Job, campaign.job_id) if campaign.job_id else None


def is_running(campaign: Campaign) -> bool:
    job = current_job(campaign)
    return job is not None and not job.finished and not jobs.is_interrupted(job)


def can_resume(campaign: Campaign) -> bool:
    """Sent partly: stopped, failed, or its worker has gone (no heartbeat) with contacts still waiting."""
    return campaign.status in ("sending", "stopped") and not is_running(campaign) and counts(campaign)["queued"] > 0


def stop(campaign: Campaign) -> None:
    job = current_job(campaign)
    if job is None or job.finished:
        raise DomainError(_("The campaign is not being sent."))
    jobs.request_stop(job)
    if job.status == "stopped":  # had not started yet
        campaign.status = "stopped"
    db.session.flush()


def send_remaining(campaign: Campaign, user, failed: bool = False, interrupted: bool = False) -> int:
    """Go on after a stop or a crash: the contacts still waiting, never one that was sent. With `failed`
    also those the mail server refused; with `interrupted` also those whose e-mail was with the server
    when the worker died (whether it arrived is unknown: only when the user decides so). Returns how
    many are queued. COMMITS (starts the job)."""
    if campaign.is_draft:
        raise DomainError(_("The campaign has not been sent yet."))
    if is_running(campaign):
        raise DomainError(_("The campaign is being sent right now."))
    job = current_job(campaign)
    if job is not None and not job.finished:  # its worker has gone
        jobs.mark_interrupted(job, _("The worker stopped responding; the sending was interrupted."))
    mark_interrupted_recipients(campaign.id)
    again = (["failed"] if failed else []) + (["interrupted"] if interrupted else [])
    if again:
        db.session.execute(update(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status.in_(again))
            .values(status="queued", reason="", updated_at=utcnow()))
    waiting = counts(campaign)["queued"]
    if not waiting:
        raise DomainError(_("Nobody is left to send to."))
    campaign.status, campaign.finished_at = "sending", None
    db.session.flush()
    job_id = jobs.enqueue(SEND_JOB, campaign.id, kind="campaign_send", total=waiting, user=user)
    _attach_job(campaign.id, job_id)
    return waiting


def mark_interrupted_recipients(campaign_id: int) -> int:
    """Contacts left "sending" by a worker that died: "interrupted", never sent again on their own."""
    with force_locale("de"):
        reason = _("The sending was interrupted while this e-mail was with the mail server; whether it arrived "
                   "is unknown. It is not sent again unless you choose to.")
    return db.session.execute(update(CampaignRecipient).where(
        CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == "sending")
        .values(status="interrupted", reason=reason, updated_at=utcnow())).rowcount


# ------------------------------------------------------------------ for the pages


def counts(campaign: Campaign) -> dict:
    """Contacts per status, plus who unsubscribed through the campaign's links."""
    from crm.campaigns.campaign_models import RECIPIENT_STATUSES

    result = dict.fromkeys(RECIPIENT_STATUSES, 0)
    for status, n in db.session.execute(
            select(CampaignRecipient.status, func.count()).where(CampaignRecipient.campaign_id == campaign.id)
            .group_by(CampaignRecipient.status)):
        result[status] = n
    result["emails"] = sum(result[s] for s in ("queued", "sending", "sent", "failed", "interrupted"))
    result["unsubscribed"] = consent.unsubscribed_after(campaign.id) if not campaign.is_draft else 0
    return result


def counts_for(campaign_ids: list[int]) -> dict[int, dict]:
    """sent / failed / letter per campaign for the list, in one query."""
    result: dict[int, dict] = {i: {"sent": 0, "failed": 0, "letter": 0} for i in campaign_ids}
    if campaign_ids:
        for campaign_id, status, n in db.session.execute(
                select(CampaignRecipient.campaign_id, CampaignRecipient.status, func.count())
                .where(CampaignRecipient.campaign_id.in_(campaign_ids),
                       CampaignRecipient.status.in_(("sent", "failed", "letter")))
                .group_by(CampaignRecipient.campaign_id, CampaignRecipient.status)):
            result[campaign_id][status] = n
    return result


def recipients_page(campaign: Campaign, status: str | None, page: int, per_page: int = 100):
    stmt = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    if status:
        stmt = stmt.where(CampaignRecipient.status == status)
    return db.paginate(stmt.order_by(CampaignRecipient.position), page=page, per_page=per_page, error_out=False)


def campaigns(limit: int = 100) -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
                                   .limit(limit)))


def rule_choices() -> list[tuple[str, str]]:
    return [(key, RULES[key]) for key in CAMPAIGN_RULES]


# ------------------------------------------------------------------ plugging in


def register_campaigns(registry) -> None:
    """The campaign pages, navigation, timeline and demo (called from crm/campaigns/__init__.register)."""
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from crm.campaigns import campaign_demo, campaign_timeline, campaign_views  # noqa: F401 (routes)
    from crm.campaigns.campaign_models import CAMPAIGN_STATUSES

    registry.nav("campaigns.campaign_list", _l("Campaigns"), order=56, prefix="campaigns.campaign", menu="more")
    registry.timeline_source("person", campaign_timeline.person_campaigns)
    registry.demo_data(campaign_demo.generate_campaigns, order=95)
    registry.labels(
        entities={"campaign": _l("Campaign")},
        fields={"campaign.segment_id": _l("Target group"), "campaign.segment_name": _l("Target group"),
                "campaign.channel": _l("Channel"), "campaign.purpose": _l("Purpose (consent)"),
                "campaign.sender_name": _l("Sender name"), "campaign.sender_email": _l("Sender e-mail"),
                "campaign.letter_run_id": _l("Letters"), "campaign.segment_use_id": _l("Recipients"),
                "campaign.test_sent_at": _l("Test e-mail"), "campaign.test_sent_to": _l("Test e-mail to"),
                "campaign.sent_at": _l("Sent on"), "campaign.finished_at": _l("Finished")},
        values={"campaign.channel": CAMPAIGN_CHANNELS, "campaign.status": CAMPAIGN_STATUSES,
                "campaign.purpose": consent.PURPOSES},
        record_urls={"campaign": lambda i: url_for("campaigns.campaign_detail", campaign_id=i)},
    )
