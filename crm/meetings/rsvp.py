"""RSVP: the invitee's answer to the invitation (through the personal link, or set by the office after
a phone call), and the counts the organiser reads.

The answer is the invitee's `rsvp` (iCalendar PARTSTAT), so the next calendar update carries it.
Services only flush; the view commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import RSVP_STATES, Invitee, Meeting
from crm.network.models import Seat

COMMENT_MAX = 2000
# what an invitee can answer through the link; "no answer yet" only the office sets back
PUBLIC_STATES = ("accepted", "tentative", "declined", "delegated")
SUMMARY_ORDER = ("accepted", "tentative", "declined", "delegated", "needs_action")
# how the organiser's pages name the answers ("abgesagt": the invitee declined; the model's "declined"
# label is shared with other parts)
ANSWER_LABELS = {"accepted": _l("accepted"), "tentative": _l("tentative"), "declined": _l("sent regrets"),
                 "delegated": _l("deputy comes"), "needs_action": _l("no answer yet")}


def may_delegate(invitee: Invitee) -> bool:
    """"My deputy comes" only makes sense where there is one: a deputy invited for this person, or a
    member whose seat on the meeting's day names a deputy."""
    meeting = invitee.meeting
    invited_deputy = db.session.scalar(select(Invitee.id).where(
        Invitee.meeting_id == meeting.id, Invitee.deputy_for_id == invitee.person_id).limit(1))
    if invited_deputy is not None:
        return True
    if invitee.role != "member" or meeting.body_id is None:
        return False
    day = services.meeting_day(meeting)
    seat_deputy = db.session.scalar(select(Seat.id).where(
        Seat.body_id == meeting.body_id, Seat.person_id == invitee.person_id, Seat.deputy_id.is_not(None),
        Seat.valid_from <= day, or_(Seat.valid_to.is_(None), Seat.valid_to >= day)).limit(1))
    return seat_deputy is not None


def refusal(meeting: Meeting, by_user=None) -> str | None:
    """Why no answer can be given now (None: it can)."""
    if meeting.status == "cancelled":
        return _("The meeting has been cancelled.")
    if by_user is None and meeting.status == "held":
        return _("The meeting has already taken place.")
    if by_user is None and meeting.starts_at is None:
        return _("The date of the meeting is not fixed yet.")
    return None


def answer(invitee: Invitee, state: str, comment: str = "", by_user=None) -> None:
    """Sets the invitee's answer: accepted / tentative / declined / delegated (the deputy comes);
    by_user (the office, e.g. after a phone call) may also set it back to "no answer yet" and
    answer for a meeting not yet dated or already held. A cancelled meeting takes no answers."""
    reason = refusal(invitee.meeting, by_user)
    if reason:
        raise DomainError(reason)
    allowed = tuple(RSVP_STATES) if by_user is not None else PUBLIC_STATES
    if state not in allowed:
        raise DomainError(_("Please choose an answer."), field="state")
    if state == "delegated" and not may_delegate(invitee):
        raise DomainError(_("No deputy is named for %(name)s.", name=invitee.person.full_name), field="state")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("The comment is too long (at most %(count)s characters).", count=COMMENT_MAX),
                          field="comment")
    if state == invitee.rsvp and comment == invitee.rsvp_comment:
        return
    invitee.rsvp = state
    invitee.rsvp_comment = comment
    invitee.rsvp_at = clock.utcnow() if state != "needs_action" else None
    db.session.flush()


@dataclass
class Summary:
    counts: dict[str, int]  # every RSVP state, "needs_action" included
    missing: list[Invitee] = field(default_factory=list)  # no answer yet, in the given order
    total: int = 0

    @property
    def answered(self) -> int:
        return self.total - len(self.missing)

    def items(self) -> list[tuple[str, str, int]]:
        """(state, label, count) in the order the panel shows them."""
        return [(state, str(ANSWER_LABELS[state]), self.counts[state]) for state in SUMMARY_ORDER]


def summary(invitees: list[Invitee]) -> Summary:
    counts = dict.fromkeys(RSVP_STATES, 0)
    missing = []
    for invitee in invitees:
        counts[invitee.rsvp] = counts.get(invitee.rsvp, 0) + 1
        if invitee.rsvp == "needs_action":
            missing.append(invitee)
    return Summary(counts=counts, missing=missing, total=len(invitees))
