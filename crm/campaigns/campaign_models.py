"""Campaigns: a text to a target group by e-mail and/or letter, its attachments and, once sent, one row
per contact with what happened (sent, failed and why, by letter, left out and why)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core.audit import Audited
from crm.core.models import TimestampMixin, one_of, utcnow
from crm.extensions import db

CAMPAIGN_CHANNELS = {
    "email": _l("E-mail"),
    "letter": _l("Letter"),
    "both": _l("E-mail where allowed and known, else a letter"),
}

CAMPAIGN_STATUSES = {
    "draft": _l("Draft"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "stopped": _l("Interrupted"),
}

# One contact of a sent campaign. "sending" is held only while its message is with the mail server;
# one left in "sending" by a worker that died becomes "interrupted": whether it arrived is unknown, and
# it is never sent again on its own (only when the user asks for it).
RECIPIENT_STATUSES = {
    "queued": _l("Waiting"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Not delivered"),
    "interrupted": _l("Unknown (sending was interrupted)"),
    "letter": _l("By letter"),
    "excluded": _l("Left out"),
}


class Campaign(Audited, TimestampMixin, db.Model):
    __tablename__ = "campaign"
    __table_args__ = (one_of("channel", CAMPAIGN_CHANNELS), one_of("status", CAMPAIGN_STATUSES))
    __audit_exclude__ = frozenset({"created_at", "updated_at", "job_id"})

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id", ondelete="SET NULL"), index=True)
    segment_name: Mapped[str] = mapped_column(String(200), default="")  # as it was called when sent
    rule: Mapped[str] = mapped_column(String(20), default="at_organisation")
    channel: Mapped[str] = mapped_column(String(10), default="email")
    purpose: Mapped[str] = mapped_column(String(30), default="newsletter")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sender_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    letter_run_id: Mapped[int | None] = mapped_column(ForeignKey("letter_run.id", ondelete="SET NULL"))
    segment_use_id: Mapped[int | None] = mapped_column(ForeignKey("segment_use.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    test_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    test_sent_to: Mapped[str] = mapped_column(String(254), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # "send" pressed
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship()
    attachments: Mapped[list["CampaignAttachment"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True,
        order_by="CampaignAttachment.id")

    @property
    def channel_label(self) -> str:
        return str(CAMPAIGN_CHANNELS.get(self.channel, self.channel))

    @property
    def status_label(self) -> str:
        return str(CAMPAIGN_STATUSES.get(self.status, self.status))

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def audit_label(self) -> str:
        return self.subject


class CampaignAttachment(db.Model):
    __tablename__ = "campaign_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="attachments")


class CampaignRecipient(db.Model):
    """A contact of a sent campaign: by e-mail (queued -> sending -> sent | failed), by letter, or left out."""

    __tablename__ = "campaign_recipient"
    __table_args__ = (
        one_of("status", RECIPIENT_STATUSES),
        Index("ix_campaign_recipient_campaign", "campaign_id", "status", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    affiliation_id: Mapped[int | None] = mapped_column(ForeignKey("affiliation.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(12), default="queued")
    reason: Mapped[str] = mapped_column(Text, default="")  # why left out, or the mail server's words
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    campaign: Mapped[Campaign] = relationship()

    @property
    def status_label(self) -> str:
        return str(RECIPIENT_STATUSES.get(self.status, self.status))
