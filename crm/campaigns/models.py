"""Consents (DSGVO) per person and purpose, the double opt-in requests behind them, the wordings
shown when consent is asked for, and every unsubscribe made through a link.

One Consent row per (person, purpose) holds the current state with its proof: requested (when, how,
which wording), confirmed (when, from which IP address), withdrawn (when, how, through which
campaign). Earlier states are in the audit trail (Consent is audited). Campaigns (the other half of
issue 14) live next to these models.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import Person
from crm.core.audit import Audited
from crm.core.models import TimestampMixin, one_of, utcnow
from crm.extensions import db

PURPOSES = {
    "newsletter": _l("Newsletter"),
    "invitations": _l("Invitations to events"),
    "photos": _l("Photos"),
    "data_transfer": _l("Passing on data"),
}

CONSENT_STATUSES = {
    "requested": _l("requested, not yet confirmed"),
    "confirmed": _l("confirmed"),
    "withdrawn": _l("withdrawn"),
}

# How consent was asked for / given.
REQUEST_CHANNELS = {
    "signup": _l("sign-up form on the website (double opt-in)"),
    "email": _l("by e-mail"),
    "paper": _l("on paper"),
    "phone": _l("by phone"),
    "in_person": _l("in person"),
    "import": _l("import"),
}

# How it was withdrawn.
WITHDRAWAL_CHANNELS = {
    "link": _l("unsubscribe link"),
    "one-click": _l("one-click unsubscribe (e-mail program)"),
    "staff": _l("recorded by the office"),
    "objection": _l("objection through the unsubscribe link"),
}

# The channels the office records by hand (the person page's form).
STAFF_CHANNELS = ("paper", "phone", "email", "in_person")


class Consent(Audited, TimestampMixin, db.Model):
    """A person's consent for one purpose, with its proof."""

    __tablename__ = "consent"
    __table_args__ = (
        UniqueConstraint("person_id", "purpose", name="uq_consent_person_purpose"),
        Index("ix_consent_purpose_status", "purpose", "status", "person_id"),
        one_of("purpose", PURPOSES),
        one_of("status", CONSENT_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_via: Mapped[str] = mapped_column(String(20), default="")
    wording_version: Mapped[str] = mapped_column(String(40), default="")
    wording_text: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_ip: Mapped[str] = mapped_column(String(45), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_via: Mapped[str] = mapped_column(String(20), default="")
    # the campaign whose link was used (no foreign key: campaigns may be deleted, the proof stays)
    withdrawn_campaign_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(120), default="")  # the user who entered it by hand
    note: Mapped[str] = mapped_column(String(500), default="")

    person: Mapped[Person] = relationship()

    @property
    def purpose_label(self) -> str:
        return str(PURPOSES.get(self.purpose, self.purpose))

    @property
    def status_label(self) -> str:
        return str(CONSENT_STATUSES.get(self.status, self.status))

    @property
    def requested_via_label(self) -> str:
        return str(REQUEST_CHANNELS.get(self.requested_via, self.requested_via))

    @property
    def withdrawn_via_label(self) -> str:
        return str(WITHDRAWAL_CHANNELS.get(self.withdrawn_via, self.withdrawn_via))

    def audit_label(self) -> str:
        name = self.person.full_name if self.person is not None else "?"
        return f"{name}: {self.purpose_label}"


class ConsentWording(Audited, db.Model):
    """A version of the text shown when consent for a purpose is asked for. Versions are never changed:
    a new text is a new version (the proof names the version and keeps the text shown)."""

    __tablename__ = "consent_wording"
    __table_args__ = (
        UniqueConstraint("purpose", "version", name="uq_consent_wording_version"),
        one_of("purpose", PURPOSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")

    def audit_label(self) -> str:
        return f"{PURPOSES.get(self.purpose, self.purpose)} {self.version}"


class ConsentRequest(db.Model):
    """A double opt-in waiting for its link: who signed up (or was asked), with the wording shown.

    The link's token is stored only as its SHA-256; a used request keeps `confirmed_at` so the same
    link says "already used" instead of confirming again.
    """

    __tablename__ = "consent_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254))
    wording_version: Mapped[str] = mapped_column(String(40), default="")
    wording_text: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    requested_ip: Mapped[str] = mapped_column(String(45), default="")
    requested_via: Mapped[str] = mapped_column(String(20), default="signup")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_ip: Mapped[str] = mapped_column(String(45), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)


class Unsubscribe(db.Model):
    """Every unsubscribe through a link (also a repeated one): when, how, which campaign."""

    __tablename__ = "unsubscribe"
    __table_args__ = (Index("ix_unsubscribe_campaign", "campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    via: Mapped[str] = mapped_column(String(20))
    changed: Mapped[bool] = mapped_column(default=True)  # False: was already unsubscribed


# The campaigns themselves (crm/campaigns/campaign_models.py), so that metadata knows their tables.
from crm.campaigns.campaign_models import Campaign, CampaignAttachment, CampaignRecipient  # noqa: E402,F401
