"""Qualification offers (issue 15): seminars, workshops, excursions, talks and online events the
regional management brokers for regional actors, with their sessions, registrations (with the
waitlist) and the attendance per session.

Seats: `seats_taken` on the offer counts the registrations holding a seat (registered, attended,
no-show). It is only ever changed by a conditional UPDATE (crm.qualification.services.take_seat):
two registrations racing for the last seat cannot both get it, on SQLite and PostgreSQL alike.
"""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import FieldOfAction, Organisation, Person, TargetGroup
from crm.core.audit import Audited
from crm.core.models import TimestampMixin, one_of, utcnow
from crm.extensions import db

OFFER_KINDS = {
    "seminar": _l("Seminar"),
    "workshop": _l("Workshop"),
    "excursion": _l("Excursion"),
    "talk": _l("Talk"),
    "online": _l("Online event"),
}

OFFER_STATUSES = {
    "draft": _l("draft"),
    "open": _l("open for registration"),
    "full": _l("fully booked"),
    "closed": _l("registration closed"),
    "held": _l("held"),
    "cancelled": _l("cancelled"),
}

REGISTRATION_STATUSES = {
    "registered": _l("registered"),
    "waitlisted": _l("on the waitlist"),
    "cancelled": _l("cancelled"),
    "attended": _l("attended"),
    "no_show": _l("did not come"),
}
# the statuses that hold a seat
SEAT_STATUSES = ("registered", "attended", "no_show")

REGISTRATION_SOURCES = {
    "public": _l("public registration (double opt-in)"),
    "staff": _l("registered by the office"),
}


def _assoc(name: str, right: str) -> Table:
    return Table(
        name,
        db.metadata,
        Column("offer_id", ForeignKey("qualification_offer.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{right}_id", ForeignKey(f"{right}.id", ondelete="CASCADE"), primary_key=True, index=True),
    )


offer_trainer = _assoc("qualification_offer_trainer", "person")
offer_target_group = _assoc("qualification_offer_target_group", "target_group")
offer_field = _assoc("qualification_offer_field", "field_of_action")


class Offer(Audited, TimestampMixin, db.Model):
    """A qualification offer (Weiterbildungsangebot)."""

    __tablename__ = "qualification_offer"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "seats_taken"})
    __table_args__ = (
        one_of("kind", OFFER_KINDS),
        one_of("status", OFFER_STATUSES),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("seats_taken >= 0", name="seats_taken_not_negative"),
        Index("ix_qualification_offer_status", "status", "registration_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12), default="seminar")
    description: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    waitlist: Mapped[bool] = mapped_column(Boolean, default=True)
    fee: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    registration_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="draft")

    provider: Mapped[Organisation | None] = relationship()
    trainers: Mapped[list[Person]] = relationship(secondary=offer_trainer, order_by=Person.sort_name)
    target_groups: Mapped[list[TargetGroup]] = relationship(secondary=offer_target_group, order_by=TargetGroup.name)
    fields_of_action: Mapped[list[FieldOfAction]] = relationship(secondary=offer_field,
                                                                 order_by=FieldOfAction.position)
    sessions: Mapped[list["OfferSession"]] = relationship(back_populates="offer", cascade="all, delete-orphan",
                                                          order_by="OfferSession.starts_at")
    registrations: Mapped[list["Registration"]] = relationship(back_populates="offer",
                                                               cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return str(OFFER_KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(OFFER_STATUSES.get(self.status, self.status))

    @property
    def free_seats(self) -> int:
        return max(0, (self.capacity or 0) - (self.seats_taken or 0))

    @property
    def first_start(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    def audit_label(self) -> str:
        return self.title


class OfferSession(Audited, db.Model):
    """One date of an offer (a seminar may run on several days)."""

    __tablename__ = "qualification_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("qualification_offer.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    topic: Mapped[str] = mapped_column(String(200), default="")

    offer: Mapped[Offer] = relationship(back_populates="sessions")

    def audit_label(self) -> str:
        return f"{self.offer.title if self.offer else '?'} {self.starts_at:%d.%m.%Y}"


class Registration(Audited, db.Model):
    """A person's registration for an offer; on the waitlist with its position."""

    __tablename__ = "qualification_registration"
    __table_args__ = (
        UniqueConstraint("offer_id", "person_id", name="uq_qualification_registration_person"),
        Index("ix_qualification_registration_offer_status", "offer_id", "status", "waitlist_position"),
        one_of("status", REGISTRATION_STATUSES),
        one_of("source", REGISTRATION_SOURCES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("qualification_offer.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="registered")
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10), default="staff")
    organisation_name: Mapped[str] = mapped_column(String(200), default="")  # as given on the public form
    # the double opt-in with the consent proof (wording, version, times, IP addresses)
    consent_request_id: Mapped[int | None] = mapped_column(ForeignKey("consent_request.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moved_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    offer: Mapped[Offer] = relationship(back_populates="registrations")
    person: Mapped[Person] = relationship()
    consent_request = relationship("ConsentRequest")
    attendance: Mapped[list["Attendance"]] = relationship(back_populates="registration",
                                                          cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return str(REGISTRATION_STATUSES.get(self.status, self.status))

    @property
    def source_label(self) -> str:
        return str(REGISTRATION_SOURCES.get(self.source, self.source))

    def audit_label(self) -> str:
        return f"{self.person.full_name if self.person else '?'}: {self.offer.title if self.offer else '?'}"


class Attendance(db.Model):
    """Present or not at one session."""

    __tablename__ = "qualification_attendance"
    __table_args__ = (UniqueConstraint("registration_id", "session_id", name="uq_qualification_attendance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("qualification_registration.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("qualification_session.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="attendance")
    session: Mapped[OfferSession] = relationship()


class PublicSignup(db.Model):
    """A public registration waiting for its double opt-in link: the offer and the organisation
    given; name, e-mail, wording and the hashed token are on the ConsentRequest (crm.campaigns), which
    `flask crm purge-signups` deletes with this row once its link has expired unconfirmed."""

    __tablename__ = "qualification_signup"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("qualification_offer.id", ondelete="CASCADE"), index=True)
    consent_request_id: Mapped[int] = mapped_column(ForeignKey("consent_request.id", ondelete="CASCADE"),
                                                    unique=True)
    organisation_name: Mapped[str] = mapped_column(String(200), default="")

    offer: Mapped[Offer] = relationship()
    consent_request = relationship("ConsentRequest")
