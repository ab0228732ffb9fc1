"""Mixins shared by the domain models."""
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ArchivableMixin:
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def one_of(column: str, values) -> CheckConstraint:
    """CHECK that an enum-like string column holds one of its keys (the keys of its label dict).

    The database refuses anything else, whichever path wrote it (forms, imports, SQL).
    """
    allowed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")
