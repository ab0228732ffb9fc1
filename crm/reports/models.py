"""A saved activity report (Tätigkeitsbericht): its period, title and the text blocks written for it.
The figures are never stored: the .docx computes them from the data when it is downloaded."""
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.contacts.models import FieldOfAction
from crm.core.audit import Audited
from crm.core.models import TimestampMixin
from crm.extensions import db
from crm.reports.map_models import MunicipalityMap  # noqa: F401


class Report(Audited, TimestampMixin, db.Model):
    __tablename__ = "activity_report"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="end_not_before_start"),)
    __audit_exclude__ = frozenset({"created_at", "updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    field_of_action_id: Mapped[int | None] = mapped_column(ForeignKey("field_of_action.id", ondelete="SET NULL"))
    introduction: Mapped[str] = mapped_column(Text, default="")
    outlook: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    field_of_action: Mapped[FieldOfAction | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return self.title

