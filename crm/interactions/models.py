"""Interaction log (results of talks, calls, visits ...) and follow-up tasks."""
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.contacts.models import FieldOfAction, Organisation, Person
from crm.core import time as clock
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import TimestampMixin, one_of, utcnow
from crm.extensions import db
from crm.projects.models import Project

if TYPE_CHECKING:
    from crm.meetings.models import Meeting

INTERACTION_KINDS = {
    "talk": _l("Conversation"),
    "phone": _l("Phone call"),
    "email": _l("E-mail"),
    "visit": _l("On-site visit"),
    "advice": _l("Project advice"),
    "event": _l("Event"),
    "letter": _l("Letter"),
    "note": _l("Note"),
}

TASK_STATUSES = {"open": _l("open"), "done": _l("done")}

interaction_person = Table(
    "interaction_person",
    db.metadata,
    Column("interaction_id", ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)
interaction_organisation = Table(
    "interaction_organisation",
    db.metadata,
    Column("interaction_id", ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True),
)
interaction_field = Table(
    "interaction_field",
    db.metadata,
    Column("interaction_id", ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True),
    Column("field_of_action_id", ForeignKey("field_of_action.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Interaction(Audited, Versioned, TimestampMixin, db.Model):
    __tablename__ = "interaction"
    __table_args__ = (one_of("kind", INTERACTION_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="talk", index=True)
    subject: Mapped[str] = mapped_column(String(200))
    results: Mapped[str] = mapped_column(Text, default="")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    persons: Mapped[list[Person]] = relationship(secondary=interaction_person, order_by=Person.sort_name)
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=interaction_organisation, order_by=Organisation.sort_name
    )
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(
        secondary=interaction_field, order_by=FieldOfAction.position
    )
    project: Mapped[Project | None] = relationship()
    meeting: Mapped["Meeting | None"] = relationship()
    created_by: Mapped[User | None] = relationship()
    tasks: Mapped[list["Task"]] = relationship(back_populates="interaction", order_by="Task.due_on")

    @property
    def kind_label(self) -> str:
        return str(INTERACTION_KINDS.get(self.kind, self.kind))

    def audit_label(self) -> str:
        return f"{self.kind_label}: {self.subject}"


class Task(Audited, TimestampMixin, db.Model):
    """A follow-up: due date, assignee, status; linked to an interaction, contact or project."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_assignee_status_due", "assignee_id", "status", "due_on"),
        one_of("status", TASK_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    interaction: Mapped[Interaction | None] = relationship(back_populates="tasks")
    person: Mapped[Person | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    project: Mapped[Project | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < clock.today()

    @property
    def is_due_today(self) -> bool:
        return self.is_open and self.due_on == clock.today()

    def audit_label(self) -> str:
        return self.title
