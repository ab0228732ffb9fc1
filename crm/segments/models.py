"""Saved target groups ("Verteiler"): a dynamic filter or a fixed list, and every use of one.

A use (an export, a letter run, later invitations and campaigns) stores the recipients it
resolved, one row each, with the excluded ones and why; so a run can be repeated with exactly
the same recipients whatever changed in the data since (see services.resolve / record_use).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.contacts.models import Organisation, Person
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import ArchivableMixin, TimestampMixin, one_of, utcnow
from crm.extensions import db

SEGMENT_KINDS = {
    "dynamic": _l("Dynamic filter"),
    "fixed": _l("Fixed list"),
}

# Who a use writes to (see services.resolve).
RULES = {
    "person": _l("The person (private address)"),
    "at_organisation": _l("The person at the organisation (business address)"),
    "organisation": _l("The organisation (Dear Sir or Madam)"),
}

CHANNELS = {
    "": _l("no requirement"),
    "letter": _l("Letter (postal address needed)"),
    "email": _l("E-mail (address needed)"),
}

# What a use was for; later parts add theirs ("invitation", "campaign") by using the key.
PURPOSES = {
    "export": _l("Export"),
    "letter": _l("Letter"),
    "labels": _l("Address labels"),
    "invitation": _l("Invitation"),
    "campaign": _l("Campaign"),
}

# Why a contact of a use is not written to (stored as the key, shown in the reader's language).
EXCLUSION_REASONS = {
    "objection": _l("Objection to being contacted"),
    "no_address": _l("No postal address"),
    "no_email": _l("No e-mail address"),
    "no_organisation": _l("No current function at an organisation"),
    "archived": _l("Archived"),
}


class Segment(Audited, Versioned, TimestampMixin, ArchivableMixin, db.Model):
    """A Verteiler: dynamic (`filter`, a tree of conditions, see facets.py) or fixed (its members)."""

    __tablename__ = "segment"
    # The filter itself is JSON; the history shows `filter_summary`, the conditions in words as saved.
    __audit_exclude__ = frozenset({"created_at", "updated_at", "filter"})
    __table_args__ = (one_of("kind", SEGMENT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="dynamic")
    filter: Mapped[dict] = mapped_column(JSON, default=dict)
    filter_summary: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)

    owner: Mapped[User | None] = relationship()
    members: Mapped[list["SegmentMember"]] = relationship(back_populates="segment", cascade="all, delete-orphan",
                                                          passive_deletes=True)

    @property
    def is_dynamic(self) -> bool:
        return self.kind == "dynamic"

    @property
    def kind_label(self) -> str:
        return str(SEGMENT_KINDS.get(self.kind, self.kind))

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class SegmentMember(db.Model):
    """A person or an organisation on a fixed list (changes are audited on the segment, in bulk)."""

    __tablename__ = "segment_member"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (organisation_id IS NULL)", name="person_or_organisation"),
        UniqueConstraint("segment_id", "person_id", name="uq_segment_member_person"),
        UniqueConstraint("segment_id", "organisation_id", name="uq_segment_member_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    segment: Mapped[Segment] = relationship(back_populates="members")
    person: Mapped[Person | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class SegmentUse(db.Model):
    """One use of a Verteiler (or of an ad-hoc selection): who, when, what for, which rule, whom."""

    __tablename__ = "segment_use"
    __table_args__ = (
        Index("ix_segment_use_segment_at", "segment_id", "at"),
        one_of("rule", RULES),
        one_of("channel", CHANNELS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id", ondelete="SET NULL"))
    segment_name: Mapped[str] = mapped_column(String(200), default="")  # as it was called then
    purpose: Mapped[str] = mapped_column(String(30))
    rule: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10), default="")
    filter: Mapped[dict] = mapped_column(JSON, default=dict)  # the conditions as they stood
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    excluded_count: Mapped[int] = mapped_column(Integer, default=0)

    segment: Mapped[Segment | None] = relationship()

    @property
    def purpose_label(self) -> str:
        return str(PURPOSES.get(self.purpose, self.purpose))

    @property
    def rule_label(self) -> str:
        return str(RULES.get(self.rule, self.rule))

    @property
    def channel_label(self) -> str:
        return str(CHANNELS.get(self.channel, self.channel))


class SegmentUseEntry(db.Model):
    """A recipient (excluded=False) or an excluded contact (with its reason) of a use, in order."""

    __tablename__ = "segment_use_entry"
    __table_args__ = (
        Index("ix_segment_use_entry_use", "use_id", "excluded", "position"),
        one_of("reason", {"": "", **EXCLUSION_REASONS}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(ForeignKey("segment_use.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(20), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        index=True)
    affiliation_id: Mapped[int | None] = mapped_column(ForeignKey("affiliation.id", ondelete="SET NULL"),
                                                       index=True)
