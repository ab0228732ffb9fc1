"""What campaigns add to a person's timeline: each e-mail delivery (sent, not delivered, interrupted). The
letters of a campaign's letter part are there already: the letter run logs them as an interaction."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from crm.campaigns.campaign_models import Campaign, CampaignRecipient
from crm.extensions import db

SHOWN = ("sent", "failed", "interrupted")


def person_campaigns(person) -> list:
    from crm.core.timeline import TimelineEntry

    entries = []
    rows = db.session.execute(
        select(CampaignRecipient, Campaign.subject, Campaign.sent_at)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(CampaignRecipient.person_id == person.id, CampaignRecipient.status.in_(SHOWN))
        .order_by(CampaignRecipient.id.desc()).limit(50))
    for row, subject, sent_at in rows:
        label = _("Campaign e-mail")
        detail = row.status_label if row.status != "sent" else row.email
        if row.status in ("failed", "interrupted") and row.reason:
            detail += f" ({row.reason[:120]})"
        entries.append(TimelineEntry(row.sent_at or sent_at or row.updated_at, "campaign", label, subject,
                                     detail=detail,
                                     url=url_for("campaigns.campaign_detail", campaign_id=row.campaign_id)))
    return entries
