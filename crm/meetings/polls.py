"""The date poll (Terminumfrage): candidate slots, answers through the personal link, the matrix the
organiser reads, and closing the poll on one slot, which fixes the meeting's date.

Services only flush; the view commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.core import time as clock
from crm.core.audit import record_audit
from crm.core.errors import DomainError
from crm.core.formatting import to_berlin
from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import POLL_ANSWERS, InvitationMessage, Invitee, Meeting, PollAnswer, PollSlot

MIN_SLOTS = 2
MAX_SLOTS = 12  # beyond this nobody answers honestly, and the matrix no longer fits the screen
COMMENT_MAX = 2000


# ------------------------------------------------------------------ how a slot reads


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC: make it aware to compare with what a form gave."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def slot_text(starts_at: datetime, ends_at: datetime | None = None) -> str:
    """'Donnerstag, 14. Januar 2027, 18:00–20:00 Uhr' (German dates like the rest of the app)."""
    start = to_berlin(starts_at)
    day = format_date(start.date(), "EEEE, d. MMMM y", locale="de")
    if ends_at is None:
        return _("%(day)s, %(start)s h", day=day, start=start.strftime("%H:%M"))
    end = to_berlin(ends_at)
    if end.date() != start.date():
        return _("%(day)s, %(start)s h to %(end_day)s, %(end)s h", day=day, start=start.strftime("%H:%M"),
                 end_day=format_date(end.date(), "EEEE, d. MMMM y", locale="de"), end=end.strftime("%H:%M"))
    return _("%(day)s, %(start)s–%(end)s h", day=day, start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))


def slot_head(slot: PollSlot) -> tuple[str, str]:
    """The compact column head of the matrix: ('Do 14.01.', '18:00–20:00')."""
    start = to_berlin(slot.starts_at)
    day = format_date(start.date(), "EEE dd.MM.", locale="de").replace(".,", "")
    hours = start.strftime("%H:%M") + ("–" + to_berlin(slot.ends_at).strftime("%H:%M") if slot.ends_at else "")
    return day, hours


def _slots_audit(meeting: Meeting) -> list[str]:
    return [slot_text(s.starts_at, s.ends_at) for s in sorted(meeting.slots, key=lambda s: _utc(s.starts_at))]


# ------------------------------------------------------------------ slots


def _not_over(meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise DomainError(_("The meeting has been cancelled."))
    if meeting.status == "held":
        raise DomainError(_("The meeting has already taken place."))


def _editable(meeting: Meeting) -> None:
    if meeting.poll_status == "closed":
        raise DomainError(_("The date poll is closed; the date is fixed."))
    _not_over(meeting)


def add_slot(meeting: Meeting, starts_at: datetime | None, ends_at: datetime | None = None) -> PollSlot:
    """A candidate date (aware datetimes). Refused: no start, an end not after the start, a start in
    the past, the same start twice, more than MAX_SLOTS."""
    _editable(meeting)
    if starts_at is None:
        raise DomainError(_("Please give the day and the start time."), field="day")
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ValueError("slot times must be aware datetimes")
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_("The end must lie after the start."), field="end")
    if starts_at < clock.utcnow():
        raise DomainError(_("This date lies in the past."), field="day")
    if any(_utc(s.starts_at) == starts_at for s in meeting.slots):
        raise DomainError(_("This date is already a candidate."), field="day")
    if len(meeting.slots) >= MAX_SLOTS:
        raise DomainError(_("At most %(count)s candidate dates.", count=MAX_SLOTS))
    before = _slots_audit(meeting)
    slot = PollSlot(meeting=meeting, starts_at=starts_at, ends_at=ends_at)
    db.session.add(slot)
    db.session.flush()
    record_audit("meeting", meeting.id, "update", {"poll_slots": [before, _slots_audit(meeting)]},
                 label=meeting.audit_label())
    return slot


def slot_of(meeting: Meeting, slot_id) -> PollSlot:
    """The meeting's slot of that id; another meeting's slot or an unknown id is refused."""
    slot = next((s for s in meeting.slots if s.id == slot_id), None) if slot_id else None
    if slot is None:
        raise DomainError(_("This date is not a candidate of this meeting."), field="slot_id")
    return slot


def remove_slot(meeting: Meeting, slot: PollSlot) -> None:
    """Its answers go with it. While the poll is open at least two candidates stay."""
    _editable(meeting)
    slot = slot_of(meeting, slot.id)
    if meeting.poll_status == "open" and len(meeting.slots) <= MIN_SLOTS:
        raise DomainError(_("An open date poll needs at least two candidate dates."))
    before = _slots_audit(meeting)
    meeting.slots.remove(slot)  # delete-orphan: the slot and its answers go
    db.session.flush()
    record_audit("meeting", meeting.id, "update", {"poll_slots": [before, _slots_audit(meeting)]},
                 label=meeting.audit_label())


def open_poll(meeting: Meeting, deadline: datetime | None = None) -> None:
    """Opens the poll (at least two slots). A date set earlier is taken back while nothing was sent
    with it; the meeting stays (or becomes again) "planned" until the poll is closed."""
    if meeting.poll_status == "open":
        raise DomainError(_("The date poll is already open."))
    _editable(meeting)
    if len(meeting.slots) < MIN_SLOTS:
        raise DomainError(_("A date poll needs at least two candidate dates (now: %(count)s).",
                            count=len(meeting.slots)))
    if deadline is not None and deadline < clock.utcnow():
        raise DomainError(_("The answer deadline lies in the past."), field="deadline")
    if meeting.starts_at is not None:
        sent = db.session.scalar(select(InvitationMessage.id).join(Invitee).where(
            Invitee.meeting_id == meeting.id, InvitationMessage.kind == "invitation").limit(1))
        if sent is not None:
            raise DomainError(_("Invitations with a fixed date have already gone out; change the date "
                                "of the meeting instead of polling it."))
        meeting.starts_at = meeting.ends_at = None
    meeting.status = "planned"
    meeting.poll_status = "open"
    meeting.poll_deadline = deadline
    db.session.flush()


def set_deadline(meeting: Meeting, deadline: datetime | None) -> None:
    if meeting.poll_status != "open":
        raise DomainError(_("The date poll is not open."))
    if deadline is not None and deadline < clock.utcnow():
        raise DomainError(_("The answer deadline lies in the past."), field="deadline")
    meeting.poll_deadline = deadline
    db.session.flush()


def closed_message(meeting: Meeting) -> str:
    if meeting.starts_at is not None:
        return _("The date poll is closed; the date is fixed: %(date)s.",
                 date=slot_text(meeting.starts_at, meeting.ends_at))
    return _("The date poll is closed.")


def deadline_passed(meeting: Meeting) -> bool:
    """The answer deadline (the end of the day the organiser set) lies behind us."""
    return meeting.poll_deadline is not None and _utc(meeting.poll_deadline) < clock.utcnow()


def deadline_message(meeting: Meeting) -> str:
    local = to_berlin(meeting.poll_deadline)
    return _("The answer deadline passed on %(date)s at %(time)s; answers are no longer taken. Please contact "
             "the organiser.", date=format_date(local.date(), "d. MMMM y", locale="de"), time=local.strftime("%H:%M"))


def close_poll(meeting: Meeting, slot: PollSlot) -> None:
    """Fixes the meeting on the slot: starts_at/ends_at, status "fixed", poll "closed". Members of
    the body who hold a seat on the fixed day and were not yet invited are added."""
    if meeting.poll_status != "open":
        raise DomainError(closed_message(meeting) if meeting.poll_status == "closed"
                          else _("The date poll is not open."))
    _not_over(meeting)
    slot = slot_of(meeting, getattr(slot, "id", None))
    meeting.starts_at, meeting.ends_at = _utc(slot.starts_at), _utc(slot.ends_at)
    meeting.status = "fixed"
    meeting.poll_status = "closed"
    db.session.flush()
    services.invite_body_members(meeting)


# ------------------------------------------------------------------ answers


def answer(invitee: Invitee, answers: dict, comment: str = "") -> None:
    """The invitee's answer to every candidate: {slot_id: "yes" | "maybe" | "no"}; may be changed
    while the poll is open. Slots of another meeting, unknown answers or a missing slot: refused,
    nothing changed."""
    meeting = invitee.meeting
    if meeting.poll_status == "closed":
        raise DomainError(closed_message(meeting))
    if meeting.poll_status != "open":
        raise DomainError(_("There is no open date poll for this meeting."))
    if meeting.status == "cancelled":
        raise DomainError(_("The meeting has been cancelled."))
    if deadline_passed(meeting):
        raise DomainError(deadline_message(meeting))
    slots = {s.id: s for s in meeting.slots}
    chosen: dict[int, str] = {}
    for slot_id, value in (answers or {}).items():
        if slot_id not in slots:
            raise DomainError(_("This date is not a candidate of this meeting."))
        if value not in POLL_ANSWERS:
            raise DomainError(_("Please answer yes, if need be or no."), field=f"slot-{slot_id}")
        chosen[slot_id] = value
    missing = [s for s in meeting.slots if s.id not in chosen]
    if missing:
        raise DomainError(_("Please answer for every date (missing: %(dates)s).",
                            dates="; ".join(slot_text(s.starts_at, s.ends_at) for s in missing)),
                          field=f"slot-{missing[0].id}")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("The comment is too long (at most %(count)s characters).", count=COMMENT_MAX),
                          field="comment")
    existing = {a.slot_id: a for a in invitee.answers}
    before = {sid: a.answer for sid, a in existing.items()}
    for slot_id, value in chosen.items():
        row = existing.get(slot_id)
        if row is None:
            db.session.add(PollAnswer(invitee=invitee, slot_id=slot_id, answer=value))
        elif row.answer != value:
            row.answer = value
    invitee.poll_comment = comment
    invitee.poll_answered_at = clock.utcnow()
    db.session.flush()
    if before != chosen:
        def readable(values):
            return [f"{slot_text(slots[sid].starts_at, slots[sid].ends_at)}: {POLL_ANSWERS[v]}"
                    for sid, v in sorted(values.items(), key=lambda kv: _utc(slots[kv[0]].starts_at)) if sid in slots]
        record_audit("invitee", invitee.id, "update", {"poll_answers": [readable(before) or None, readable(chosen)]},
                     label=invitee.audit_label())


# ------------------------------------------------------------------ the matrix


@dataclass
class MatrixRow:
    invitee: Invitee
    answers: dict[int, str]  # slot id -> yes / maybe / no (absent: not answered for that slot)
    comment: str
    answered_at: datetime | None


@dataclass
class SlotSum:
    slot: PollSlot
    yes: int = 0
    maybe: int = 0
    no: int = 0

    @property
    def yes_or_maybe(self) -> int:
        return self.yes + self.maybe


@dataclass
class Matrix:
    slots: list[PollSlot]
    rows: list[MatrixRow]
    sums: dict[int, SlotSum]
    best: PollSlot | None  # None while nobody has answered
    missing: list[Invitee] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return len(self.rows) - len(self.missing)


def best_slot(slots: list[PollSlot], sums: dict[int, SlotSum]) -> PollSlot | None:
    """Most yes, then most yes + if need be, then the earliest; None while no answer is in."""
    if not slots or not any(s.yes or s.maybe or s.no for s in sums.values()):
        return None
    return min(slots, key=lambda s: (-sums[s.id].yes, -sums[s.id].yes_or_maybe, _utc(s.starts_at), s.id))


def matrix(meeting: Meeting) -> Matrix:
    """Rows in the invitee order (members, deputies, guests; by name), one column per slot."""
    invitees = services.invitees_of(meeting)
    slots = sorted(meeting.slots, key=lambda s: (_utc(s.starts_at), s.id))
    answers = db.session.execute(
        select(PollAnswer.invitee_id, PollAnswer.slot_id, PollAnswer.answer)
        .join(PollSlot, PollSlot.id == PollAnswer.slot_id).where(PollSlot.meeting_id == meeting.id)).all()
    by_invitee: dict[int, dict[int, str]] = {}
    for invitee_id, slot_id, value in answers:
        by_invitee.setdefault(invitee_id, {})[slot_id] = value
    sums = {s.id: SlotSum(slot=s) for s in slots}
    rows, missing = [], []
    for invitee in invitees:
        own = by_invitee.get(invitee.id, {})
        rows.append(MatrixRow(invitee=invitee, answers=own, comment=invitee.poll_comment,
                              answered_at=invitee.poll_answered_at))
        if invitee.poll_answered_at is None:
            missing.append(invitee)
        for slot_id, value in own.items():
            if slot_id in sums:
                setattr(sums[slot_id], value, getattr(sums[slot_id], value) + 1)
    return Matrix(slots=slots, rows=rows, sums=sums, best=best_slot(slots, sums), missing=missing)


def load_for_answer(token: str) -> Invitee | None:
    """The invitee of a personal link with the meeting, its slots and the invitee's answers."""
    invitee = services.invitee_by_token(token)
    if invitee is None:
        return None
    return db.session.scalar(
        select(Invitee).where(Invitee.id == invitee.id)
        .options(selectinload(Invitee.meeting).selectinload(Meeting.slots), selectinload(Invitee.answers),
                 selectinload(Invitee.person)))
