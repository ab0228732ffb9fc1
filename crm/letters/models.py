"""Letter runs, stored Word templates and the region's letterhead."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import ArchivableMixin, TimestampMixin, one_of, utcnow
from crm.extensions import db

# Who a letter goes to, per run (the rules of crm/segments).
LETTER_RULES = ("person", "at_organisation", "organisation")


class Letterhead(Audited, Versioned, db.Model):
    """The sender of every built-in letter: one row, edited by an administrator."""

    __tablename__ = "letterhead"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "logo"})

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")  # lines of the sender's address
    return_line: Mapped[str] = mapped_column(String(200), default="")  # Rücksendeangabe above the address
    contact_person: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    bank: Mapped[str] = mapped_column(Text, default="")
    footer: Mapped[str] = mapped_column(Text, default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def audit_label(self) -> str:
        return self.sender_name or "Briefkopf"


class LetterTemplate(Audited, ArchivableMixin, TimestampMixin, db.Model):
    """A Word Serienbrief template (.docx with MERGEFIELDs) uploaded once and used again."""

    __tablename__ = "letter_template"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    fields: Mapped[list] = mapped_column(JSON, default=list)  # merge fields the template uses
    size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    uploaded_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return self.name


class LetterRun(Audited, db.Model):
    """One mail merge as it was made: who, when, for whom, with what; the document is kept."""

    __tablename__ = "letter_run"
    __table_args__ = (one_of("rule", LETTER_RULES),)
    __audit_exclude__ = frozenset({"document", "pdf"})

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    letter_date: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(20), default="at_organisation")
    template_id: Mapped[int | None] = mapped_column(ForeignKey("letter_template.id", ondelete="SET NULL"))
    template_name: Mapped[str] = mapped_column(String(200), default="")
    segment_use_id: Mapped[int | None] = mapped_column(ForeignKey("segment_use.id", ondelete="SET NULL"))
    source_label: Mapped[str] = mapped_column(String(200), default="")  # the Verteiler or "Auswahl (12)"
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    excluded_count: Mapped[int] = mapped_column(Integer, default=0)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    document: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # made by a job (crm/letters/jobs.py)

    created_by: Mapped[User | None] = relationship()
    template: Mapped[LetterTemplate | None] = relationship()

    def audit_label(self) -> str:
        return self.subject
