"""Bodies (Gremien) of the process structure, seats in them, and the region's interest groups."""
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import SECTORS, FieldOfAction, Organisation, Person
from crm.core import time as clock
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import ArchivableMixin, TimestampMixin, one_of
from crm.extensions import db
from crm.network.composition import (
    DEFAULT_MAX_GROUP_SHARE,
    DEFAULT_MIN_NON_PUBLIC_SHARE,
    DEFAULT_QUORUM_SHARE,
    Rules,
    SeatFacts,
)

BODY_KINDS = {
    "lag_decision": _l("LAG decision body"),
    "lag_assembly": _l("LAG assembly"),
    "steering_group": _l("Steering group (Lenkungsgruppe)"),
    "working_group": _l("Working group"),
    "project_group": _l("Project group"),
    "erfa_group": _l("ErFa group"),
    "network": _l("Network"),
}

KIND_ORDER = {key: i for i, key in enumerate(BODY_KINDS)}

# In the order they are listed on the body page.
SEAT_ROLES = {
    "chair": _l("Chair"),
    "vice_chair": _l("Vice chair"),
    "member": _l("Member"),
    "advisory": _l("Advisory member"),
    "office": _l("Office"),
}
ROLE_ORDER = {key: i for i, key in enumerate(SEAT_ROLES)}

body_field = Table(
    "body_field",
    db.metadata,
    Column("body_id", ForeignKey("body.id", ondelete="CASCADE"), primary_key=True),
    Column("field_of_action_id", ForeignKey("field_of_action.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def _share_range(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} >= 0 AND {column} <= 100", name=f"{column}_range")


class InterestGroup(Audited, TimestampMixin, ArchivableMixin, db.Model):
    """An interest group of the region (e.g. Kommunen, Wirtschaft, Jugend), each in one sector."""

    __tablename__ = "interest_group"
    __table_args__ = (one_of("sector", SECTORS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    sector: Mapped[str] = mapped_column(String(20), default="civil_society")
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def sector_label(self) -> str:
        return str(SECTORS.get(self.sector, self.sector))

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class Body(Audited, Versioned, TimestampMixin, ArchivableMixin, db.Model):
    """A body of the process structure; shares are percentages (0-100)."""

    __tablename__ = "body"
    __table_args__ = (
        _share_range("quorum_share"),
        _share_range("max_group_share"),
        _share_range("min_non_public_share"),
        one_of("kind", BODY_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(30), default="working_group")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("body.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quorum_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=DEFAULT_QUORUM_SHARE)
    max_group_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=DEFAULT_MAX_GROUP_SHARE)
    min_non_public_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=DEFAULT_MIN_NON_PUBLIC_SHARE)
    # Ladungsfrist: invitations go out at least this many days before a meeting (None: no rule)
    invitation_period_days: Mapped[int | None] = mapped_column(Integer, default=7, server_default="7")

    parent: Mapped["Body | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Body"]] = relationship(back_populates="parent", order_by="Body.name")
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(secondary=body_field, order_by=FieldOfAction.position)
    seats: Mapped[list["Seat"]] = relationship(
        back_populates="body", order_by="Seat.valid_from", foreign_keys="Seat.body_id"
    )

    @property
    def kind_label(self) -> str:
        return str(BODY_KINDS.get(self.kind, self.kind))

    @property
    def rules(self) -> Rules:
        return Rules(self.quorum_share, self.max_group_share, self.min_non_public_share)

    def seats_on(self, on: date | None = None) -> list["Seat"]:
        """Seats held on that day (today by default), chair first, then by role and name."""
        on = on or clock.today()
        return sorted((s for s in self.seats if s.active_on(on)), key=Seat.sort_key)

    @staticmethod
    def sort_key(body: "Body"):
        """Siblings in the structure: decision body before assembly before working groups, then by name."""
        return (KIND_ORDER.get(body.kind, 99), body.name.casefold(), body.id or 0)

    def ancestors(self) -> list["Body"]:
        chain, cursor, seen = [], self.parent, {self.id}
        while cursor is not None and cursor.id not in seen:
            chain.append(cursor)
            seen.add(cursor.id)
            cursor = cursor.parent
        return list(reversed(chain))

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class Seat(Audited, Versioned, TimestampMixin, db.Model):
    """A person's seat in a body for a period (both days included).

    A change (another role, group or deputy) ends the seat and starts a new one, so the
    composition on any past day can be shown as it was.
    """

    __tablename__ = "seat"
    __table_args__ = (
        Index("ix_seat_body_period", "body_id", "valid_from", "valid_to"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
        CheckConstraint("deputy_id IS NULL OR deputy_id <> person_id", name="not_own_deputy"),
        one_of("role", SEAT_ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="member")
    voting: Mapped[bool] = mapped_column(Boolean, default=True)
    interest_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_group.id", ondelete="SET NULL"), index=True
    )
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str] = mapped_column(String(200), default="")  # e.g. "LAG-Beschluss 2026/03"
    end_resolution: Mapped[str] = mapped_column(String(200), default="")

    body: Mapped[Body] = relationship(back_populates="seats", foreign_keys=[body_id])
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    organisation: Mapped[Organisation | None] = relationship()
    interest_group: Mapped[InterestGroup | None] = relationship()
    deputy: Mapped[Person | None] = relationship(foreign_keys=[deputy_id])

    def active_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)

    @property
    def is_current(self) -> bool:
        return self.active_on(clock.today())

    @property
    def is_past(self) -> bool:
        return self.valid_to is not None and self.valid_to < clock.today()

    @property
    def role_label(self) -> str:
        return str(SEAT_ROLES.get(self.role, self.role))

    @property
    def sector(self) -> str | None:
        """The interest group's sector; without a group, the sector of the organisation represented."""
        if self.interest_group is not None:
            return self.interest_group.sector
        if self.organisation is not None:
            return self.organisation.sector
        return None

    @property
    def represents(self) -> str:
        """"Function · Organisation" for lists: the organisation represented, else the primary function."""
        person = self.person
        if self.organisation is not None:
            function = next(
                (a.function_name for a in person.current_affiliations if a.organisation_id == self.organisation_id),
                "",
            )
            return " · ".join(x for x in (function, self.organisation.name) if x)
        aff = person.primary_affiliation
        if aff is None:
            return ""
        return " · ".join(x for x in (aff.function_name, aff.organisation.name) if x)

    def facts(self) -> SeatFacts:
        return SeatFacts(
            person_id=self.person_id, voting=self.voting, group=self.interest_group_id, sector=self.sector,
            valid_from=self.valid_from, valid_to=self.valid_to, deputy_id=self.deputy_id,
        )

    @staticmethod
    def sort_key(seat: "Seat"):
        return (ROLE_ORDER.get(seat.role, 99), not seat.voting, seat.person.sort_name, seat.id or 0)

    def audit_label(self) -> str:
        person = self.person.full_name if self.person else "?"
        body = self.body.name if self.body else "?"
        return f"{person}: {self.role_label} ({body})"

