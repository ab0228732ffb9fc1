"""Project selection (Projektauswahl): the selection criteria of a body's LES, the minimum total, and a
score sheet per project with the points and a short reason per criterion.

A score sheet keeps its total and result as computed when it was saved: the decision was taken on
those figures, even if the criteria are changed later.
"""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import ArchivableMixin, TimestampMixin, utcnow
from crm.extensions import db
from crm.meetings.models import AgendaItem, Meeting
from crm.network.models import Body
from crm.projects.models import Project


class SelectionCriterion(Audited, Versioned, TimestampMixin, ArchivableMixin, db.Model):
    """One criterion of a body's selection: 0 to max_points points, at least min_points where required."""

    __tablename__ = "selection_criterion"
    __table_args__ = (
        CheckConstraint("max_points >= 1 AND max_points <= 100", name="max_points_range"),
        CheckConstraint("min_points IS NULL OR (min_points >= 0 AND min_points <= max_points)",
                        name="min_points_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[int] = mapped_column(Integer, default=3)
    min_points: Mapped[int | None] = mapped_column(Integer)

    body: Mapped[Body] = relationship()

    def __str__(self) -> str:
        return self.title

    def audit_label(self) -> str:
        return self.title


class SelectionSettings(Audited, db.Model):
    """The selection rules of a body as a whole: the minimum total a project needs."""

    __tablename__ = "selection_settings"
    __table_args__ = (CheckConstraint("min_total IS NULL OR min_total >= 0", name="min_total_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), unique=True)
    min_total: Mapped[int | None] = mapped_column(Integer)

    body: Mapped[Body] = relationship()

    def audit_label(self) -> str:
        return self.body.name if self.body else "?"


class ScoreSheet(Audited, Versioned, TimestampMixin, db.Model):
    """The scoring of one project by one body (Bewertungsbogen), possibly for a meeting's agenda item."""

    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("project_id", "body_id", name="uq_score_sheet_project_body"),)
    __audit_exclude__ = frozenset({"created_at", "updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True)
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    total: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship()
    body: Mapped[Body] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    scored_by: Mapped[User | None] = relationship()
    scores: Mapped[list["Score"]] = relationship(back_populates="sheet", cascade="all, delete-orphan")

    def audit_label(self) -> str:
        return f"{self.project.title if self.project else '?'} · {self.body.name if self.body else '?'}"


class Score(Audited, db.Model):
    """The points of one criterion on a score sheet, with the short reason."""

    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id", name="uq_score_sheet_criterion"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("selection_criterion.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[SelectionCriterion] = relationship()

    def audit_label(self) -> str:
        return self.criterion.title if self.criterion else "?"
