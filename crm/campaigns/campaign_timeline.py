"""What campaigns add to a person's timeline: each e-mail delivery (sent, not delivered, interrupted). The
letters of a campaign's letter part are there already: the letter run logs them as an interaction."""
from functools import cache

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from crm.campaigns.campaign_models import Campaign, CampaignRecipient
from crm.extensions import db

SHOWN = ("sent", "failed", "interrupted")


@cache
def _person_campaigns_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    return (select(CampaignRecipient, Campaign.subject, Campaign.sent_at)
            .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
            .where(CampaignRecipient.person_id == bindparam("person_id"), CampaignRecipient.status.in_(SHOWN))
            .order_by(CampaignRecipient.id.desc()).limit(50))


def person_campaigns(person) -> list:
    from crm.core.timeline import TimelineEntry

    entries = []
    rows = db.session.execute(_person_campaigns_statement(), {"person_id": person.id})
    for row, subject, sent_at in rows:
        label = _("Campaign e-mail")
        detail = row.status_label if row.status != "sent" else row.email
        if row.status in ("failed", "interrupted") and row.reason:
            detail += f" ({row.reason[:120]})"
        entries.append(TimelineEntry(row.sent_at or sent_at or row.updated_at, "campaign", label, subject,
                                     detail=detail,
                                     url=url_for("campaigns.campaign_detail", campaign_id=row.campaign_id)))
    return entries
