"""Project pipeline: from the first idea to the finished, funded project."""
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Numeric, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import FieldOfAction, Organisation, Person
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import ArchivableMixin, TimestampMixin, one_of
from crm.core.text import fold
from crm.extensions import db

PROJECT_STATUSES = {
    "idea": _l("Idea"),
    "advice": _l("Advice"),
    "selected": _l("Selected by the LAG"),
    "applied": _l("Applied for"),
    "approved": _l("Approved"),
    "in_progress": _l("In progress"),
    "done": _l("Finished"),
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


class Project(Audited, Versioned, TimestampMixin, ArchivableMixin, db.Model):
    __tablename__ = "project"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "search_text", "sort_title"})
    __table_args__ = (
        CheckConstraint(
            "(total_cost IS NULL OR total_cost >= 0) AND (eligible_cost IS NULL OR eligible_cost >= 0)"
            " AND (funding_amount IS NULL OR funding_amount >= 0)",
            name="money_not_negative",
        ),
        CheckConstraint("funding_rate IS NULL OR (funding_rate >= 0 AND funding_rate <= 100)", name="rate_range"),
        one_of("status", PROJECT_STATUSES),
        one_of("programme", PROGRAMMES),
        one_of("cooperation", COOPERATION),
    )

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
    # Folded title (for sorting the way Germans read: "Kühlzelle" before "Kulturerbe") and folded
    # title, type and description (for the text filter); both kept up to date on every flush.
    sort_title: Mapped[str] = mapped_column(String(200), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")

    sponsor_person: Mapped[Person | None] = relationship(foreign_keys=[sponsor_person_id])
    sponsor_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[sponsor_organisation_id])
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(
        secondary=project_field, order_by=FieldOfAction.position
    )
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

    @property
    def cooperation_label(self) -> str:
        return str(COOPERATION.get(self.cooperation, self.cooperation))

    def update_search_text(self) -> None:
        self.sort_title = fold(self.title)[:200]
        self.search_text = fold(" ".join(p for p in (self.title, self.project_type, self.description) if p))

    def __str__(self) -> str:
        return self.title

    def audit_label(self) -> str:
        return self.title


@event.listens_for(Project, "before_insert")
@event.listens_for(Project, "before_update")
def _refresh_search_text(mapper, connection, project: Project) -> None:
    project.update_search_text()


class FundingDefault(Audited, db.Model):
    """Default funding rate (and optional cap) for a programme and project type, set by the managers.

    An empty project type is the programme's general default, used when no row names the type.
    """

    __tablename__ = "funding_default"
    __table_args__ = (
        UniqueConstraint("programme", "project_type"),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),
        CheckConstraint("max_amount IS NULL OR max_amount >= 0", name="max_amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(30))
    project_type: Mapped[str] = mapped_column(String(60), default="")
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # percent
    max_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # cap on the funding per project

    @property
    def programme_label(self) -> str:
        return str(PROGRAMMES.get(self.programme, self.programme))

    def audit_label(self) -> str:
        return f"{self.programme_label} · {self.project_type or '*'}"


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
