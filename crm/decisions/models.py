"""Minutes and decisions of a meeting: the minutes text per agenda item, the decision on an item
with a vote (counts, conflict declarations, the check as it stood on the day)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import Person
from crm.core.audit import Audited
from crm.core.models import TimestampMixin, one_of, utcnow
from crm.extensions import db
from crm.meetings.models import AgendaItem
from crm.projects.models import Project

PROCEDURES = {"meeting": _l("Vote in the meeting")}
RESULTS = {"passed": _l("passed"), "rejected": _l("rejected"), "invalid": _l("no valid decision")}


class MinutesEntry(Audited, TimestampMixin, db.Model):
    """What the minutes say about one agenda item."""

    __tablename__ = "minutes_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")

    agenda_item: Mapped[AgendaItem] = relationship()

    def audit_label(self) -> str:
        return self.agenda_item.title if self.agenda_item else str(self.agenda_item_id)


class Decision(Audited, TimestampMixin, db.Model):
    """The decision on an agenda item. `check` keeps the figures and reasons as they stood when it
    was saved: a later change of seats or thresholds never changes it."""

    __tablename__ = "decision"
    __table_args__ = (one_of("procedure", PROCEDURES), one_of("result", RESULTS))
    __audit_exclude__ = frozenset({"created_at", "updated_at", "check_result"})

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), unique=True)
    procedure: Mapped[str] = mapped_column(String(20), default="meeting")
    votes_yes: Mapped[int] = mapped_column(Integer, default=0)
    votes_no: Mapped[int] = mapped_column(Integer, default=0)
    votes_abstain: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str] = mapped_column(String(20))
    check_result: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)

    agenda_item: Mapped[AgendaItem] = relationship()
    project: Mapped[Project | None] = relationship()
    conflicts: Mapped[list["ConflictDeclaration"]] = relationship(
        back_populates="decision", order_by="ConflictDeclaration.id", cascade="all, delete-orphan")

    @property
    def result_label(self) -> str:
        return str(RESULTS.get(self.result, self.result))

    def audit_label(self) -> str:
        return self.agenda_item.title if self.agenda_item else str(self.agenda_item_id)


class ConflictDeclaration(Audited, db.Model):
    """A member's declaration on an item: conflicted (excluded from the vote) or not."""

    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("decision_id", "person_id", name="uq_conflict_decision_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    conflicted: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="conflicts")
    person: Mapped[Person] = relationship()

    def audit_label(self) -> str:
        return self.person.full_name if self.person else str(self.person_id)
