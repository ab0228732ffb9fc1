"""Project selection: the criteria of a body, the scoring of a project, its result and the ranking of a
meeting's projects. Services flush, the views commit.

The arithmetic (:func:`evaluate`) is pure: points in, total and the German reasons why a project fails
out, so that the boundaries are tested without a database.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.core.converters import parse_id
from crm.core.errors import DomainError
from crm.core.models import utcnow
from crm.decisions.selection_models import Score, ScoreSheet, SelectionCriterion, SelectionSettings
from crm.extensions import db
from crm.meetings.models import AgendaItem, Meeting
from crm.network.models import Body
from crm.projects.models import Project

MAX_POINTS_LIMIT = 100
MAX_REASON = 2000


# ------------------------------------------------------------------ the arithmetic (pure)


@dataclass(frozen=True)
class Rating:
    """One criterion as scored: its title, range, minimum, and the points given."""

    title: str
    points: int
    max_points: int
    min_points: int | None = None


@dataclass
class Outcome:
    total: int
    max_total: int
    min_total: int | None
    passed: bool
    problems: list[str] = field(default_factory=list)  # German: why the project does not pass


def evaluate(ratings: list[Rating], min_total: int | None) -> Outcome:
    """Total of the points and whether the minimums are met: the minimum total and each criterion's minimum."""
    total = sum(r.points for r in ratings)
    problems = []
    if min_total is not None and total < min_total:
        problems.append(ngettext("Minimum total of %(minimum)s points not reached (%(num)s point)",
                                 "Minimum total of %(minimum)s points not reached (%(num)s points)",
                                 total, minimum=min_total))
    for rating in ratings:
        if rating.min_points is not None and rating.points < rating.min_points:
            problems.append(ngettext("Criterion “%(title)s”: at least %(num)s point needed (%(points)s)",
                                     "Criterion “%(title)s”: at least %(num)s points needed (%(points)s)",
                                     rating.min_points, title=rating.title, points=rating.points))
    return Outcome(total=total, max_total=sum(r.max_points for r in ratings), min_total=min_total,
                   passed=not problems, problems=problems)


# ------------------------------------------------------------------ criteria


def criteria_of(body: Body, include_archived: bool = False) -> list[SelectionCriterion]:
    query = select(SelectionCriterion).where(SelectionCriterion.body_id == body.id)
    if not include_archived:
        query = query.where(SelectionCriterion.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(SelectionCriterion.position, SelectionCriterion.id)))


def settings_of(body: Body) -> SelectionSettings | None:
    return db.session.scalar(select(SelectionSettings).where(SelectionSettings.body_id == body.id))


def min_total_of(body: Body) -> int | None:
    settings = settings_of(body)
    return settings.min_total if settings else None


def _whole_number(value, field_name: str, message: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise DomainError(message, field=field_name) from None
    return number


def save_criterion(criterion: SelectionCriterion | None, body: Body, data: dict) -> SelectionCriterion:
    """Create (criterion None: at the end of the list) or change a criterion; refuses a range that makes no sense."""
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_("Please enter the title of the criterion."), field="title")
    max_points = _whole_number(data.get("max_points"), "max_points", _("Please enter a whole number of points."))
    max_points = 3 if max_points is None else max_points
    if not 1 <= max_points <= MAX_POINTS_LIMIT:
        raise DomainError(_("The maximum must be between 1 and %(limit)s points.", limit=MAX_POINTS_LIMIT),
                          field="max_points")
    min_points = _whole_number(data.get("min_points"), "min_points", _("Please enter a whole number of points."))
    if min_points is not None and not 0 <= min_points <= max_points:
        raise DomainError(_("The minimum must be between 0 and the maximum (%(maximum)s points).",
                            maximum=max_points), field="min_points")
    if criterion is None:
        last = db.session.scalar(select(func.max(SelectionCriterion.position))
                                 .where(SelectionCriterion.body_id == body.id))
        criterion = SelectionCriterion(body_id=body.id, position=(last or 0) + 1)
        db.session.add(criterion)
    criterion.title = title[:200]
    criterion.description = (data.get("description") or "").strip()
    criterion.max_points = max_points
    criterion.min_points = min_points
    db.session.flush()
    return criterion


def move_criterion(criterion: SelectionCriterion, direction: str) -> None:
    """One place up or down among the body's active criteria (positions renumbered 1..n)."""
    body_criteria = criteria_of(criterion.body)
    if criterion not in body_criteria:
        return
    index = body_criteria.index(criterion)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(body_criteria):
        body_criteria[index], body_criteria[other] = body_criteria[other], body_criteria[index]
    for position, item in enumerate(body_criteria, start=1):
        if item.position != position:
            item.position = position
    db.session.flush()


def set_archived(criterion: SelectionCriterion, archived: bool) -> None:
    """Archived criteria are no longer scored; sheets already saved keep their points."""
    if archived and criterion.archived_at is None:
        criterion.archived_at = utcnow()
    elif not archived and criterion.archived_at is not None:
        criterion.archived_at = None
        last = db.session.scalar(select(func.max(SelectionCriterion.position))
                                 .where(SelectionCriterion.body_id == criterion.body_id))
        criterion.position = (last or 0) + 1
    db.session.flush()


def save_min_total(body: Body, value) -> SelectionSettings:
    min_total = _whole_number(value, "min_total", _("Please enter a whole number of points."))
    reachable = sum(c.max_points for c in criteria_of(body))
    if min_total is not None and not 0 <= min_total <= reachable:
        raise DomainError(_("The minimum total must be between 0 and %(maximum)s points (the sum of the maximums).",
                            maximum=reachable), field="min_total")
    settings = settings_of(body)
    if settings is None:
        settings = SelectionSettings(body_id=body.id)
        db.session.add(settings)
    settings.min_total = min_total
    db.session.flush()
    return settings


# ------------------------------------------------------------------ scoring


def default_body() -> Body | None:
    """The body that selects projects: the LAG decision body (the first active one)."""
    return db.session.scalar(select(Body).where(Body.kind == "lag_decision", Body.archived_at.is_(None))
                             .order_by(Body.id).limit(1))


def bodies_with_criteria() -> list[Body]:
    ids = select(SelectionCriterion.body_id).where(SelectionCriterion.archived_at.is_(None))
    bodies = db.session.scalars(select(Body).where(Body.id.in_(ids) | (Body.kind == "lag_decision"),
                                                   Body.archived_at.is_(None)))
    return sorted(bodies, key=Body.sort_key)


def sheet_of(project: Project, body: Body) -> ScoreSheet | None:
    return db.session.scalar(
        select(ScoreSheet).where(ScoreSheet.project_id == project.id, ScoreSheet.body_id == body.id)
        .options(selectinload(ScoreSheet.scores).selectinload(Score.criterion)))


def meetings_of(body: Body) -> list[Meeting]:
    """The body's meetings that are not cancelled, the newest first: one of them takes the decision."""
    return list(db.session.scalars(select(Meeting).where(Meeting.body_id == body.id, Meeting.status != "cancelled")
                                   .order_by(Meeting.starts_at.desc().nulls_last(), Meeting.id.desc())))


def agenda_items_of(body: Body) -> list[AgendaItem]:
    """The items with a decision on the agenda of the body's meetings (newest meeting first)."""
    meetings = meetings_of(body)
    order = {m.id: i for i, m in enumerate(meetings)}
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id.in_(order), AgendaItem.needs_vote)
                               .options(selectinload(AgendaItem.meeting)))
    return sorted(items, key=lambda item: (order[item.meeting_id], item.position, item.id))


def _points(value, criterion: SelectionCriterion) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise DomainError(_("Criterion “%(title)s”: please enter the points.", title=criterion.title),
                          field=f"points-{criterion.id}")
    try:
        points = int(text)
    except ValueError:
        raise DomainError(_("Criterion “%(title)s”: please enter a whole number of points.", title=criterion.title),
                          field=f"points-{criterion.id}") from None
    if not 0 <= points <= criterion.max_points:
        raise DomainError(_("Criterion “%(title)s”: the points must be between 0 and %(maximum)s (%(points)s given).",
                            title=criterion.title, maximum=criterion.max_points, points=points),
                          field=f"points-{criterion.id}")
    return points


def score_project(project: Project, body: Body, entries: dict[int, tuple], *, meeting_id=None, agenda_item_id=None,
                  note: str = "", user=None) -> ScoreSheet:
    """Save the body's score sheet of the project: `entries` maps each active criterion's id to (points, reason).

    Every criterion needs whole points within its range and a short reason; anything missing or out of
    range is refused with a German message and nothing is stored. Total and result are computed here.
    """
    criteria = criteria_of(body)
    if not criteria:
        raise DomainError(_("The body “%(body)s” has no selection criteria yet.", body=body.name))
    values = {}
    for criterion in criteria:
        points, reason = entries.get(criterion.id, (None, ""))
        points = _points(points, criterion)
        reason = (reason or "").strip()
        if not reason:
            raise DomainError(_("Criterion “%(title)s”: please give a short reason.", title=criterion.title),
                              field=f"reason-{criterion.id}")
        values[criterion.id] = (points, reason[:MAX_REASON])
    meeting = _meeting_of_body(meeting_id, body)
    agenda_item = None
    if agenda_item_id not in (None, ""):
        agenda_item = db.session.get(AgendaItem, parse_id(agenda_item_id) or 0)
        if agenda_item is None or agenda_item.meeting.body_id != body.id or (
                meeting is not None and agenda_item.meeting_id != meeting.id):
            raise DomainError(_("The agenda item does not belong to this meeting."), field="agenda_item_id")
        meeting = agenda_item.meeting

    outcome = evaluate([Rating(c.title, values[c.id][0], c.max_points, c.min_points) for c in criteria],
                       min_total_of(body))
    sheet = sheet_of(project, body)
    if sheet is None:
        sheet = ScoreSheet(project_id=project.id, body_id=body.id)
        db.session.add(sheet)
    by_criterion = {s.criterion_id: s for s in sheet.scores}
    for criterion in criteria:
        points, reason = values[criterion.id]
        score = by_criterion.get(criterion.id)
        if score is None:
            sheet.scores.append(Score(criterion_id=criterion.id, points=points, reason=reason))
        else:
            score.points, score.reason = points, reason
    # criteria archived since the last scoring no longer count
    for criterion_id, score in by_criterion.items():
        if criterion_id not in values:
            sheet.scores.remove(score)
    sheet.meeting_id = meeting.id if meeting else None
    sheet.agenda_item_id = agenda_item.id if agenda_item else None
    sheet.note = (note or "").strip()
    sheet.total, sheet.passed = outcome.total, outcome.passed
    sheet.scored_at = utcnow()
    sheet.scored_by_id = getattr(user, "id", None)
    db.session.flush()
    return sheet


def _meeting_of_body(meeting_id, body: Body) -> Meeting | None:
    if meeting_id in (None, ""):
        return None
    meeting = db.session.get(Meeting, parse_id(meeting_id) or 0)
    if meeting is None or meeting.body_id != body.id:
        raise DomainError(_("Please choose a meeting of the body “%(body)s”.", body=body.name), field="meeting_id")
    return meeting


_UNSET = object()


def outcome_of(sheet: ScoreSheet, min_total=_UNSET) -> Outcome:
    """The sheet's result with its reasons, from the points as saved (min_total: the body's, read once by a list)."""
    scores = sorted(sheet.scores, key=lambda s: (s.criterion.position, s.criterion.id))
    return evaluate([Rating(s.criterion.title, s.points, s.criterion.max_points, s.criterion.min_points)
                     for s in scores], min_total_of(sheet.body) if min_total is _UNSET else min_total)


# ------------------------------------------------------------------ ranking


@dataclass
class RankRow:
    rank: int
    sheet: ScoreSheet
    outcome: Outcome


def ranking(meeting: Meeting) -> list[RankRow]:
    """The projects scored for the meeting: those that pass first, then by total (highest first), then by title."""
    sheets = db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.meeting_id == meeting.id)
        .options(selectinload(ScoreSheet.project).selectinload(Project.sponsor_organisation),
                 selectinload(ScoreSheet.project).selectinload(Project.sponsor_person), selectinload(ScoreSheet.body),
                 selectinload(ScoreSheet.scores).selectinload(Score.criterion)))
    ordered = sorted(sheets, key=lambda s: (not s.passed, -s.total, s.project.sort_title, s.id))
    min_totals = {settings.body_id: settings.min_total for settings in db.session.scalars(
        select(SelectionSettings).where(SelectionSettings.body_id.in_({s.body_id for s in ordered})))}
    return [RankRow(rank, sheet, outcome_of(sheet, min_totals.get(sheet.body_id)))
            for rank, sheet in enumerate(ordered, start=1)]


def sponsor_name(project: Project) -> str:
    if project.sponsor_organisation is not None:
        return project.sponsor_organisation.name
    return project.sponsor_person.full_name if project.sponsor_person is not None else ""


def body_selection(body: Body) -> dict | None:
    """For the body's page: how many criteria, the maximum and the minimum total (LAG decision bodies and
    bodies with criteria)."""
    criteria = criteria_of(body)
    if not criteria and body.kind != "lag_decision":
        return None
    return {"body": body, "count": len(criteria), "max_total": sum(c.max_points for c in criteria),
            "min_total": min_total_of(body)}
