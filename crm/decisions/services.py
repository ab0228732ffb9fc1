"""Minutes and decisions of a meeting: who votes on an item, the check, saving it as it stood."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.decisions import rules
from crm.decisions.models import ConflictDeclaration, Decision, MinutesEntry
from crm.extensions import db
from crm.meetings import services as meetings
from crm.meetings.models import AgendaItem, Meeting
from crm.projects.models import PROJECT_STATUSES, Project

# what a decision about a project does to its status
STATUS_AFTER = {"passed": "selected", "rejected": "dropped"}


@dataclass
class ItemInput:
    """The form of one item: who is in the room (person ids), who declared a conflict (person ids),
    the counts as typed."""

    present: set = field(default_factory=set)
    conflicted: set = field(default_factory=set)
    yes: str | int = 0
    no: str | int = 0
    abstain: str | int = 0
    project_id: int | None = None
    text: str = ""


def thresholds(meeting: Meeting) -> rules.Thresholds:
    return body_thresholds(meeting.body)


def body_thresholds(body) -> rules.Thresholds:
    return rules.Thresholds(body.quorum_share, body.max_group_share, body.min_non_public_share)


def attended_ids(meeting: Meeting) -> set[int]:
    return {i.person_id for i in meeting.invitees if i.attended}


def members(meeting: Meeting, present: set | None = None) -> list[rules.Member]:
    """The voting seats of the meeting's body on the meeting day, with who is in the room (the
    attendance from the check-in unless `present` is given)."""
    if meeting.body is None:
        return []
    return body_members(meeting.body, meetings.meeting_day(meeting),
                        attended_ids(meeting) if present is None else present)


def body_members(body, day, present: set) -> list[rules.Member]:
    """The voting seats of `body` on `day` with who of each seat takes part (`present`: person ids),
    for a meeting (who is in the room) and a circulation ballot (who answered in time) alike."""
    seats = body.seats_on(day)
    names, groups = {}, {}
    for seat in seats:
        names[seat.person_id] = seat.person.full_name
        if seat.deputy is not None:
            names[seat.deputy_id] = seat.deputy.full_name
        if seat.interest_group is not None:
            groups[seat.interest_group_id] = seat.interest_group.name
    return rules.members_on([s.facts() for s in seats], day, present, names=names, group_names=groups)


def _count(value, label: str) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except ValueError:
        raise DomainError(_("Please enter a whole number of votes for “%(label)s”.", label=label), field=None)
    if number < 0:
        raise DomainError(_("The number of votes cannot be negative (“%(label)s”).", label=label))
    return number


def votes_of(data: ItemInput) -> rules.Votes:
    return rules.Votes(_count(data.yes, _("Yes")), _count(data.no, _("No")), _count(data.abstain, _("Abstentions")))


def check(meeting: Meeting, item: AgendaItem, data: ItemInput) -> rules.ItemCheck:
    """The check of one vote, in words; DomainError on input that cannot be right."""
    if meeting.body is None:
        raise DomainError(_("Only a meeting of a body takes decisions with a vote."))
    if not item.needs_vote:
        raise DomainError(_("This agenda item has no vote."))
    votes = votes_of(data)
    seats = members(meeting, data.present)
    try:
        return rules.check_item(seats, data.conflicted, votes, thresholds(meeting))
    except rules.VoteError:
        voting = sum(1 for m in seats if m.counts and m.id not in data.conflicted
                     and m.voter_id not in data.conflicted)
        raise DomainError(_("%(cast)s votes, but only %(voting)s members present may vote on this item "
                            "(without those with a conflict of interest). Please check the numbers.",
                            cast=votes.cast, voting=voting))


def _set_attendance(meeting: Meeting, seats: list[rules.Member], present: set) -> None:
    """The corrected attendance of the body's members and deputies goes back to the invitees."""
    concerned = {m.id for m in seats} | {m.deputy_id for m in seats if m.deputy_id is not None}
    for invitee in meeting.invitees:
        if invitee.person_id in concerned:
            attended = invitee.person_id in present
            if invitee.attended != attended:
                invitee.attended = attended
                if not attended:
                    invitee.checked_in_at = None


def save_minutes_text(item: AgendaItem, text: str) -> MinutesEntry:
    entry = db.session.scalar(select(MinutesEntry).where(MinutesEntry.agenda_item_id == item.id))
    if entry is None:
        entry = MinutesEntry(agenda_item=item, text="")
        db.session.add(entry)
    entry.text = (text or "").strip()
    db.session.flush()
    return entry


def _project(project_id) -> Project | None:
    if not project_id:
        return None
    project = db.session.get(Project, int(project_id))
    if project is None:
        raise DomainError(_("The project was not found."), field="project_id")
    return project


def save_decision(meeting: Meeting, item: AgendaItem, data: ItemInput) -> Decision:
    """Store the decision with its check as it stands now (a later change of seats never changes it),
    the conflict declarations and the corrected attendance; a decision about a project moves the
    project on (selected / dropped)."""
    result = check(meeting, item, data)
    project = _project(data.project_id)
    seats = members(meeting, data.present)
    _set_attendance(meeting, seats, data.present)
    decision = decision_of(item)
    if decision is None:
        decision = Decision(agenda_item=item)
        db.session.add(decision)
    votes = votes_of(data)
    decision.procedure = "meeting"
    decision.votes_yes, decision.votes_no, decision.votes_abstain = votes.yes, votes.no, votes.abstain
    decision.result = result.result
    decision.check_result = {**result.as_json(), "present_ids": sorted(data.present),
                      "conflicted_ids": sorted(data.conflicted)}
    decision.decided_at = meeting.starts_at or clock.utcnow()
    decision.project = project
    in_room = {m.voter_id for m in seats if m.counts}
    declared = {}
    for m in seats:
        if m.counts:
            declared[m.voter_id] = m.id in data.conflicted or m.voter_id in data.conflicted
    existing = {c.person_id: c for c in decision.conflicts}
    for person_id, conflicted in declared.items():
        row = existing.get(person_id)
        if row is None:
            decision.conflicts.append(ConflictDeclaration(person_id=person_id, conflicted=conflicted))
        else:
            row.conflicted = conflicted
    for person_id, row in existing.items():
        if person_id not in in_room:
            decision.conflicts.remove(row)
    if project is not None:
        move_project_on(project, result.result, meetings.meeting_day(meeting))
    db.session.flush()
    return decision


def move_project_on(project: Project, result: str, day) -> None:
    """A decision about a project sets its status (selected / dropped); selected on `day`."""
    status = STATUS_AFTER.get(result)
    if status in PROJECT_STATUSES and project.status != status:
        project.status = status
    if status == "selected" and project.selected_on is None:
        project.selected_on = day


def decision_of(item: AgendaItem) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.agenda_item_id == item.id))


def minutes_of(meeting: Meeting) -> dict:
    """Per agenda item id: its minutes entry and decision."""
    ids = [i.id for i in meeting.agenda_items]
    entries = {e.agenda_item_id: e for e in db.session.scalars(
        select(MinutesEntry).where(MinutesEntry.agenda_item_id.in_(ids)))} if ids else {}
    decisions = {d.agenda_item_id: d for d in db.session.scalars(
        select(Decision).where(Decision.agenda_item_id.in_(ids)))} if ids else {}
    return {"entries": entries, "decisions": decisions}


def project_choices() -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.archived_at.is_(None)).order_by(Project.title)))


def project_decisions(project: Project) -> list[Decision]:
    return list(db.session.scalars(select(Decision).where(Decision.project_id == project.id)
                                   .order_by(Decision.decided_at)))


def invitee_lists(meeting: Meeting) -> dict:
    """Attendance for the minutes: present members, deputies (for whom), guests."""
    present = [i for i in meetings.invitees_of(meeting) if i.attended]
    return {
        "members": [i for i in present if i.role == "member"],
        "deputies": [i for i in present if i.role == "deputy"],
        "guests": [i for i in present if i.role not in ("member", "deputy")],
    }
