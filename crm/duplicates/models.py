"""The duplicate list (pairs found by the last scan, and when each kind was scanned) and the merge log."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.models import utcnow
from crm.extensions import db


class DuplicatePair(db.Model):
    """A pair found by the duplicate scan; "ignored" pairs stay ignored in later scans."""

    __tablename__ = "duplicate_pair"
    __table_args__ = (
        UniqueConstraint("kind", "a_id", "b_id"),
        Index("ix_duplicate_pair_kind_status_score", "kind", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # person or organisation
    a_id: Mapped[int] = mapped_column(Integer)  # plain ids: pairs go when a record is merged away
    b_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, ignored
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DuplicateScan(db.Model):
    """When the duplicate search last ran per kind (also when it found nothing)."""

    __tablename__ = "duplicate_scan"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # person or organisation
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class MergeLog(db.Model):
    """What a merge did: which record survived, the merged-away record as it was, what moved."""

    __tablename__ = "merge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(12))
    winner_id: Mapped[int] = mapped_column(Integer, index=True)
    loser_id: Mapped[int] = mapped_column(Integer)
    winner_label: Mapped[str] = mapped_column(String(300), default="")
    loser_label: Mapped[str] = mapped_column(String(300), default="")
    fields: Mapped[dict] = mapped_column(JSON, default=dict)  # field -> [kept value, value taken over]
    moved: Mapped[dict] = mapped_column(JSON, default=dict)  # "table.column" -> rows moved
    # the merged-away record, dropped rows, which rows moved: all an undo needs
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_name: Mapped[str] = mapped_column(String(120), default="")
