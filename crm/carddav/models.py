"""App passwords (CardDAV logins) and the sync states a phone's sync token points to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core.audit import Audited
from crm.core.models import utcnow
from crm.extensions import db


class AppPassword(Audited, db.Model):
    """A generated password for one device or program (never the login password): shown once,
    stored as a SHA-256 hash (it is random and long, so no slow hash is needed), revocable."""

    __tablename__ = "app_password"
    __audit_exclude__ = frozenset({"secret_hash", "last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class SyncState(db.Model):
    """What one address book held for one user when a sync token was handed out: {card name: ETag},
    JSON compressed. The next sync-collection with that token gets the difference.

    The newest state of a book is also its cache: `fingerprint` is the change marker of the data the
    cards were made from (crm/carddav/books.py), `ctag` the book's CTag, `checked_at` when the cards
    were last rendered and compared. While the marker is unchanged, a poll reads these instead of
    rendering every card."""

    __tablename__ = "carddav_sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    book: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cards: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(400), default="", server_default="")
    ctag: Mapped[str] = mapped_column(String(32), default="", server_default="")
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
