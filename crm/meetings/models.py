"""Meetings of bodies and free network meetings: agenda, date poll, invitees with their RSVP and
attendance, every message sent to them, offline check-ins, calendar feeds.

Times are stored in UTC (DateTime with time zone) and shown in Europe/Berlin (crm.core.time).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.contacts.models import Organisation, Person
from crm.core.audit import Audited
from crm.core.concurrency import Versioned
from crm.core.models import TimestampMixin, one_of, utcnow
from crm.extensions import db
from crm.network.models import Body

MEETING_KINDS = {
    "session": _l("Session"),  # Sitzung
    "working_circle": _l("Working circle"),  # Arbeitskreis
    "network": _l("Network meeting"),  # Netzwerktreffen
    "excursion": _l("Excursion"),  # Exkursion
    "online": _l("Online meeting"),  # Online
}

MEETING_STATUSES = {
    "planned": _l("planned"),
    "fixed": _l("date fixed"),
    "held": _l("held"),
    "cancelled": _l("cancelled"),
}

POLL_STATUSES = {"none": _l("no date poll"), "open": _l("date poll open"), "closed": _l("date poll closed")}

# How an invitee takes part: voting members of the body, their deputies (informed), guests.
INVITEE_ROLES = {
    "member": _l("Member"),
    "deputy": _l("Deputy, informed"),
    "guest": _l("Guest"),
}
ROLE_ORDER = {key: i for i, key in enumerate(INVITEE_ROLES)}

# RSVP as in iCalendar's PARTSTAT (RFC 5545), "delegated": the deputy comes.
RSVP_STATES = {
    "needs_action": _l("no answer yet"),
    "accepted": _l("accepted"),
    "tentative": _l("tentative"),
    "declined": _l("declined"),
    "delegated": _l("deputy comes"),
}
PARTSTAT = {"needs_action": "NEEDS-ACTION", "accepted": "ACCEPTED", "tentative": "TENTATIVE",
            "declined": "DECLINED", "delegated": "DELEGATED"}

# Where an invitee came from (shown in the list; body members are re-read from the seats).
INVITEE_SOURCES = {
    "body": _l("Body member"),
    "person": _l("Person"),
    "organisation": _l("Organisation"),
    "segment": _l("Mailing list"),
    "walk_in": _l("Walk-in"),
}

# Which way the invitation goes: e-mail with calendar invitation, or a Word letter.
CHANNELS = {"email": _l("E-mail"), "letter": _l("Letter")}

POLL_ANSWERS = {"yes": _l("yes"), "maybe": _l("if need be"), "no": _l("no")}

MESSAGE_KINDS = {
    "poll": _l("Date poll"),
    "poll_reminder": _l("Reminder of the date poll"),
    "invitation": _l("Invitation"),
    "update": _l("Change"),
    "cancellation": _l("Cancellation"),
    "rsvp_reminder": _l("Reminder to answer"),
}
DELIVERY_STATES = {"pending": _l("waiting"), "sent": _l("sent"), "failed": _l("failed"), "letter": _l("by letter")}


class Meeting(Audited, Versioned, TimestampMixin, db.Model):
    """A meeting of a body (invitees: its members on the day) or a free network meeting."""

    __tablename__ = "meeting"
    __table_args__ = (
        one_of("kind", MEETING_KINDS),
        one_of("status", MEETING_STATUSES),
        one_of("poll_status", POLL_STATUSES),
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
    )
    __audit_exclude__ = frozenset({"created_at", "updated_at", "uid"})

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="session")
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id", ondelete="SET NULL"), index=True)
    # empty while a date poll runs: the poll's slots are the candidates
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    location_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    location: Mapped[str] = mapped_column(Text, default="")  # free text: room, address
    online_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    poll_status: Mapped[str] = mapped_column(String(20), default="none")
    poll_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # iCalendar: one UID for the meeting's whole life, SEQUENCE + 1 with every change sent
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    invitation_text: Mapped[str] = mapped_column(Text, default="")  # the personal text last used
    late_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # Ladungsfrist overridden
    minutes: Mapped[str] = mapped_column(Text, default="")

    body: Mapped[Body | None] = relationship()
    location_organisation: Mapped[Organisation | None] = relationship()
    organiser: Mapped[User | None] = relationship()
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan")
    invitees: Mapped[list["Invitee"]] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    slots: Mapped[list["PollSlot"]] = relationship(
        back_populates="meeting", order_by="PollSlot.starts_at", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return str(MEETING_KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(MEETING_STATUSES.get(self.status, self.status))

    def __str__(self) -> str:
        return self.title

    def audit_label(self) -> str:
        return self.title


class AgendaItem(Audited, TimestampMixin, db.Model):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    needs_vote: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    documents: Mapped[list["AgendaDocument"]] = relationship(
        back_populates="agenda_item", order_by="AgendaDocument.id", cascade="all, delete-orphan")

    def audit_label(self) -> str:
        return self.title


class AgendaDocument(Audited, db.Model):
    """A document for an agenda item (checked for size and type on upload)."""

    __tablename__ = "agenda_document"
    __audit_exclude__ = frozenset({"content", "created_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="documents")

    def audit_label(self) -> str:
        return self.filename


class Invitee(Audited, Versioned, TimestampMixin, db.Model):
    """A person invited to a meeting (or come without invitation): role, channel, personal link,
    answer to the date poll, RSVP, attendance."""

    __tablename__ = "invitee"
    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id", name="uq_invitee_meeting_person"),
        one_of("role", INVITEE_ROLES),
        one_of("rsvp", RSVP_STATES),
        one_of("source", INVITEE_SOURCES),
        one_of("channel", CHANNELS),
    )
    __audit_exclude__ = frozenset({"created_at", "updated_at", "token"})

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        index=True)  # the organisation represented / at
    role: Mapped[str] = mapped_column(String(20), default="guest")
    voting: Mapped[bool] = mapped_column(Boolean, default=False)
    deputy_for_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20), default="person")
    channel: Mapped[str] = mapped_column(String(20), default="email")
    # the personal link (poll, RSVP) without login; unguessable, never shown in feeds
    token: Mapped[str] = mapped_column(String(64), unique=True)
    rsvp: Mapped[str] = mapped_column(String(20), default="needs_action")
    rsvp_comment: Mapped[str] = mapped_column(Text, default="")
    rsvp_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    poll_comment: Mapped[str] = mapped_column(Text, default="")
    poll_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    organisation: Mapped[Organisation | None] = relationship()
    deputy_for: Mapped[Person | None] = relationship(foreign_keys=[deputy_for_id])
    answers: Mapped[list["PollAnswer"]] = relationship(back_populates="invitee", cascade="all, delete-orphan")
    messages: Mapped[list["InvitationMessage"]] = relationship(
        back_populates="invitee", order_by="InvitationMessage.id", cascade="all, delete-orphan")

    @property
    def role_label(self) -> str:
        return str(INVITEE_ROLES.get(self.role, self.role))

    @property
    def rsvp_label(self) -> str:
        return str(RSVP_STATES.get(self.rsvp, self.rsvp))

    @property
    def partstat(self) -> str:
        return PARTSTAT.get(self.rsvp, "NEEDS-ACTION")

    def audit_label(self) -> str:
        return self.person.full_name if self.person else str(self.person_id)


class InvitationMessage(db.Model):
    """One message to one invitee (poll, invitation, update, cancellation, reminder) with its delivery state.

    An e-mail refused by the SMTP server stays "failed" with the server's reason and can be sent
    again alone; a letter is "letter" (it went into a letter run)."""

    __tablename__ = "invitation_message"
    __table_args__ = (one_of("kind", MESSAGE_KINDS), one_of("status", DELIVERY_STATES), one_of("channel", CHANNELS))

    id: Mapped[int] = mapped_column(primary_key=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # the meeting's SEQUENCE it carried
    status: Mapped[str] = mapped_column(String(20), default="pending")
    recipient: Mapped[str] = mapped_column(String(254), default="")  # the address it went to
    subject: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    invitee: Mapped[Invitee] = relationship(back_populates="messages")

    @property
    def kind_label(self) -> str:
        return str(MESSAGE_KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(DELIVERY_STATES.get(self.status, self.status))


class PollSlot(db.Model):
    """A candidate date of the date poll."""

    __tablename__ = "poll_slot"
    __table_args__ = (CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="slots")
    answers: Mapped[list["PollAnswer"]] = relationship(back_populates="slot", cascade="all, delete-orphan")


class PollAnswer(db.Model):
    __tablename__ = "poll_answer"
    __table_args__ = (UniqueConstraint("invitee_id", "slot_id", name="uq_poll_answer_invitee_slot"),
                      one_of("answer", POLL_ANSWERS))

    id: Mapped[int] = mapped_column(primary_key=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("poll_slot.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(10))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    invitee: Mapped[Invitee] = relationship(back_populates="answers")
    slot: Mapped[PollSlot] = relationship(back_populates="answers")


class CheckIn(db.Model):
    """One check-in from the tablet, keyed by the id the browser generated: a sync retried after a
    lost answer finds it and adds nothing."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("meeting_id", "client_id", name="uq_check_in_meeting_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitee.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # on the tablet's clock
    # a tap taken back: kept as a row of its own, so a retried sync cannot bring the check-in back
    undo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class CalendarFeed(db.Model):
    """A secret feed address: a user's meetings (organised or invited to as a person) or a body's."""

    __tablename__ = "calendar_feed"
    __table_args__ = (CheckConstraint("(user_id IS NULL) <> (body_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship()
    body: Mapped[Body | None] = relationship()
