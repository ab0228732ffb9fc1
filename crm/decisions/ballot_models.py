"""The circulation ballot (Umlaufverfahren): a body decides in writing, without a meeting.

A ballot has one or more items (each may decide a project), a deadline and the voters: the voting
members of the body's seats on the day it was started, and their deputies (a deputy's ballot counts
only for a member who did not vote, as in a meeting). Each voter answers once through a personal
link; per item a vote (yes / no / abstain) or the declaration of a conflict of interest. When the
ballot is closed every item gets the same check as a vote in a meeting, stored as it stood.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.contacts.models import Organisation, Person
from crm.core.audit import Audited
from crm.core.models import TimestampMixin, one_of
from crm.extensions import db
from crm.network.models import Body
from crm.projects.models import Project

BALLOT_STATUSES = {"draft": _l("draft"), "open": _l("open"), "closed": _l("closed")}
VOTER_ROLES = {"member": _l("Member"), "deputy": _l("Deputy")}
VOTES = {"yes": _l("Yes"), "no": _l("No"), "abstain": _l("Abstention")}
BALLOT_CHANNELS = {"email": _l("E-mail"), "letter": _l("Letter")}


class Ballot(Audited, TimestampMixin, db.Model):
    __tablename__ = "ballot"
    __table_args__ = (one_of("status", BALLOT_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")  # the personal text of the e-mail and the letter
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    body: Mapped[Body] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    items: Mapped[list["BallotItem"]] = relationship(
        back_populates="ballot", order_by="BallotItem.position", cascade="all, delete-orphan")
    voters: Mapped[list["BallotVoter"]] = relationship(
        back_populates="ballot", order_by="BallotVoter.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return str(BALLOT_STATUSES.get(self.status, self.status))

    def audit_label(self) -> str:
        return self.title


class BallotItem(Audited, TimestampMixin, db.Model):
    """One question of the ballot; after closing: the counts, the result and the check as it stood."""

    __tablename__ = "ballot_item"
    __audit_exclude__ = frozenset({"created_at", "updated_at", "check_result"})

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    votes_yes: Mapped[int | None] = mapped_column(Integer)
    votes_no: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str | None] = mapped_column(String(20))
    check_result: Mapped[dict] = mapped_column(JSON, default=dict)

    ballot: Mapped[Ballot] = relationship(back_populates="items")
    project: Mapped[Project | None] = relationship()

    @property
    def result_label(self) -> str:
        from crm.decisions.models import RESULTS

        return str(RESULTS.get(self.result, self.result or ""))

    def audit_label(self) -> str:
        return self.title


class BallotVoter(Audited, db.Model):
    """Who gets a personal ballot: a member of a voting seat, or the deputy of one (`deputy_for`)."""

    __tablename__ = "ballot_voter"
    __table_args__ = (
        UniqueConstraint("ballot_id", "person_id", name="uq_ballot_voter_person"),
        one_of("role", VOTER_ROLES),
        one_of("channel", BALLOT_CHANNELS),
        CheckConstraint("late_attempts >= 0", name="late_attempts_not_negative"),
    )
    __audit_exclude__ = frozenset({"token"})

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(20), default="member")
    deputy_for_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # 80 random bits, also printed on a letter as a short code (crm/decisions/ballots.py)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    email: Mapped[str] = mapped_column(String(320), default="")  # where the link went
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    send_error: Mapped[str] = mapped_column(Text, default="")
    letter_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    late_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_late_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    ballot: Mapped[Ballot] = relationship(back_populates="voters")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    organisation: Mapped[Organisation | None] = relationship()
    deputy_for: Mapped[Person | None] = relationship(foreign_keys=[deputy_for_id])
    votes: Mapped[list["BallotVote"]] = relationship(
        back_populates="voter", order_by="BallotVote.item_id", cascade="all, delete-orphan")

    def audit_label(self) -> str:
        return self.person.full_name if self.person else str(self.person_id)


class BallotVote(Audited, db.Model):
    """A voter's answer on one item: a vote, or a declared conflict of interest (then no vote)."""

    __tablename__ = "ballot_vote"
    __table_args__ = (
        UniqueConstraint("voter_id", "item_id", name="uq_ballot_vote_voter_item"),
        CheckConstraint("vote IS NULL OR vote IN ('yes', 'no', 'abstain')", name="vote_valid"),
        CheckConstraint("(conflicted AND vote IS NULL) OR (NOT conflicted AND vote IS NOT NULL)",
                        name="vote_or_conflict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("ballot_voter.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ballot_item.id", ondelete="CASCADE"), index=True)
    vote: Mapped[str | None] = mapped_column(String(10))
    conflicted: Mapped[bool] = mapped_column(Boolean, default=False)

    voter: Mapped[BallotVoter] = relationship(back_populates="votes")
    item: Mapped[BallotItem] = relationship()

    def audit_label(self) -> str:
        return self.item.title if self.item else str(self.item_id)
