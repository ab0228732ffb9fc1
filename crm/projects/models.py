"""Project pipeline: from the first idea to the finished, funded project."""
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import FieldOfAction, Organisation, Person
from crm.core.audit import Audited
from crm.core.models import ArchivableMixin, TimestampMixin
from crm.extensions import db

PROJECT_STATUSES = {
    "idea": _l("Idea"),
    "advice": _l("Advice"),
    "selected": _l("Selected by the LAG"),
    "applied": _l("Applied for"),
    "approved": _l("Approved"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}

PROGRAMMES = {
    "leader": _l("LEADER"),
    "ile_regionalbudget": _l("ILE Regionalbudget"),
    "other": _l("Other programme"),
}

COOPERATION = {
    "": _l("no cooperation project"),
    "regional": _l("regional cooperation"),
    "transnational": _l("transnational cooperation"),
}

project_field = Table(
    "project_field",
    db.metadata,
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
    Column("field_of_action_id", ForeignKey("field_of_action.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Project(Audited, TimestampMixin, ArchivableMixin, db.Model):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="idea", index=True)
    programme: Mapped[str] = mapped_column(String(30), default="leader")
    project_type: Mapped[str] = mapped_column(String(60), default="")
    cooperation: Mapped[str] = mapped_column(String(20), default="")
    sponsor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    sponsor_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    total_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    eligible_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    funding_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # percent
    funding_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    selected_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)

    sponsor_person: Mapped[Person | None] = relationship(foreign_keys=[sponsor_person_id])
    sponsor_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[sponsor_organisation_id])
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(secondary=project_field, order_by=FieldOfAction.position)
    contacts: Mapped[list["ProjectContact"]] = relationship(back_populates="project", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return str(PROJECT_STATUSES.get(self.status, self.status))

    @property
    def programme_label(self) -> str:
        return str(PROGRAMMES.get(self.programme, self.programme))

    @property
    def sponsor(self):
        return self.sponsor_organisation or self.sponsor_person

    def __str__(self) -> str:
        return self.title

    def audit_label(self) -> str:
        return self.title


class ProjectContact(Audited, db.Model):
    """A person involved in a project, with their role in it (e.g. "Ansprechpartner Gemeinde")."""

    __tablename__ = "project_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(120), default="")

    project: Mapped[Project] = relationship(back_populates="contacts")
    person: Mapped[Person] = relationship()

    def audit_label(self) -> str:
        return f"{self.person.full_name if self.person else '?'} ({self.project.title if self.project else '?'})"
