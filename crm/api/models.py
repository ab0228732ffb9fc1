"""API tokens: per user, scoped read or write, shown once, stored as a hash, revocable."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core.audit import Audited
from crm.core.models import one_of, utcnow
from crm.extensions import db

SCOPES = ("read", "write")


class ApiToken(Audited, db.Model):
    __tablename__ = "api_token"
    __table_args__ = (one_of("scope", SCOPES),)
    __audit_exclude__ = frozenset({"secret_hash", "last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(10), default="read")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
