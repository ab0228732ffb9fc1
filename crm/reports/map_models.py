"""The municipality shapes of the map on the network picture: the last GeoJSON an admin uploaded."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.audit import Audited
from crm.core.models import utcnow
from crm.extensions import db


class MunicipalityMap(Audited, db.Model):
    """One upload of municipality shapes; the newest row is the map shown.

    `shapes` holds only the features that matched a municipality, as JSON
    ``[{"ags": "09676111", "geometry": {...}}, ...]``: the rest of a state's file is not kept.
    """

    __tablename__ = "municipality_map"
    # The shapes are large and say nothing in the history; the counts do.
    __audit_exclude__ = frozenset({"shapes", "uploaded_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    shapes: Mapped[str] = mapped_column(Text, default="[]")
    feature_count: Mapped[int] = mapped_column(Integer, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    def audit_label(self) -> str:
        return self.filename
