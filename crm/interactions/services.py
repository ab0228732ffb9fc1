"""Logging interactions, follow-up tasks, the 'not contacted' list and the task digest."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    event,
    exists,
    func,
    inspect,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, selectinload

from crm.auth.models import User
from crm.contacts.models import Affiliation, FieldOfAction, FunctionTitle, Organisation, Person, person_field
from crm.core import time as clock
from crm.core.converters import parse_id, parse_ids
from crm.core.errors import DomainError
from crm.core.formatting import BERLIN
from crm.core.models import utcnow
from crm.core.text import fold
from crm.extensions import db
from crm.interactions.models import (
    INTERACTION_KINDS,
    Interaction,
    Task,
    interaction_field,
    interaction_organisation,
    interaction_person,
)
from crm.projects.models import Project


def _records(model, ids) -> list:
    ids = sorted(set(parse_ids(ids)))
    if not ids:
        return []
    found = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    if len(found) != len(ids):
        raise DomainError(_("A chosen contact does not exist (any more)."))
    return found


def _meeting(meeting_id):
    if not meeting_id:
        return None
    from crm.meetings.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise DomainError(_("This meeting does not exist (any more)."), field="meeting_id")
    return meeting


def meeting_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    """Meetings of the last 90 days and the next 30 (and the one already linked), newest first."""
    from crm.core.formatting import local_date
    from crm.meetings.models import Meeting

    now = utcnow()
    meetings = list(db.session.scalars(
        select(Meeting).where(or_(Meeting.id == (current_id or 0), and_(
            Meeting.starts_at >= now - timedelta(days=90), Meeting.starts_at <= now + timedelta(days=30))))
        .order_by(Meeting.starts_at.desc()).limit(60)))
    return [(m.id, f"{local_date(m.starts_at)} · {m.title}" if m.starts_at else m.title) for m in meetings]


def save_interaction(interaction: Interaction | None, data: dict, user: User | None) -> Interaction:
    """Create or update an interaction; refuses one without any person or organisation."""
    persons = _records(Person, data.get("person_ids"))
    organisations = _records(Organisation, data.get("organisation_ids"))
    if not persons and not organisations:
        raise DomainError(_("Please add at least one person or organisation."), field="person_ids")
    project = db.session.get(Project, data["project_id"]) if data.get("project_id") else None
    meeting = _meeting(data.get("meeting_id"))
    if interaction is None:
        interaction = Interaction(created_by=user)
        db.session.add(interaction)
    interaction.occurred_at = data.get("occurred_at") or utcnow()
    interaction.kind = data.get("kind") or "talk"
    interaction.subject = data["subject"]
    interaction.results = data.get("results") or ""
    interaction.project = project
    interaction.meeting = meeting
    interaction.persons = persons
    interaction.organisations = organisations
    interaction.fields_of_action = _records(FieldOfAction, data.get("fields_of_action"))
    db.session.flush()
    return interaction


def refresh_last_contacted(person_ids=None, connection=None) -> None:
    """Recompute `person.last_contacted_at` (newest interaction) for these persons (None: all).

    Kept after every flush that adds, changes or removes interactions (the hook below); bulk
    paths that bypass the ORM (moving links in a merge, seeding) call it themselves. A plain
    UPDATE: no audit row, no new version of the person.
    """
    conn = connection if connection is not None else db.session.connection()
    person = Person.__table__
    newest = (
        select(func.max(Interaction.occurred_at))
        .join(interaction_person, interaction_person.c.interaction_id == Interaction.id)
        .where(interaction_person.c.person_id == person.c.id)
        .scalar_subquery()
    )
    if person_ids is None:
        # Everyone (bulk loads): one grouped pass over the links instead of a subquery per person.
        latest = (
            select(interaction_person.c.person_id, func.max(Interaction.occurred_at).label("last"))
            .join(Interaction, Interaction.id == interaction_person.c.interaction_id)
            .group_by(interaction_person.c.person_id)
            .subquery()
        )
        conn.execute(update(person).where(person.c.last_contacted_at.is_not(None)).values(last_contacted_at=None))
        conn.execute(update(person).where(person.c.id == latest.c.person_id).values(last_contacted_at=latest.c.last))
        return
    ids = sorted({int(i) for i in person_ids})
    for start in range(0, len(ids), 1000):
        conn.execute(update(person).where(person.c.id.in_(ids[start:start + 1000])).values(last_contacted_at=newest))
    if connection is None:
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Person) and obj.id in ids:
                db.session.expire(obj, ["last_contacted_at"])


@event.listens_for(Session, "after_flush")
def _collect_contacted_persons(session, flush_context):
    """Persons whose interactions were added, changed or removed in this flush get their last contact again."""
    ids = session.info.setdefault("last_contact_stale", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Interaction):
            state = inspect(obj)
            if "persons" in state.unloaded:
                link = interaction_person.c
                ids.update(session.connection().scalars(select(link.person_id).where(link.interaction_id == obj.id)))
            else:
                history = state.attrs.persons.history
                ids.update(p.id for p in (*history.added, *history.unchanged, *history.deleted) if p.id is not None)
    if ids:
        refresh_last_contacted(ids, connection=session.connection())


@event.listens_for(Session, "after_flush_postexec")
def _expire_last_contact(session, flush_context):
    ids = session.info.pop("last_contact_stale", None)
    if ids:
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Person) and obj.id in ids:
                session.expire(obj, ["last_contacted_at"])


def save_task(task: Task | None, data: dict, user: User | None, interaction: Interaction | None = None) -> Task:
    if task is None:
        task = Task(created_by=user, interaction=interaction)
        db.session.add(task)
        if interaction is not None:
            task.person = interaction.persons[0] if interaction.persons else None
            task.organisation = interaction.organisations[0] if interaction.organisations else None
            task.project = interaction.project
    task.title = data["title"]
    task.notes = data.get("notes") or ""
    task.due_on = data.get("due_on")
    assignee_id = data.get("assignee_id")
    task.assignee = db.session.get(User, assignee_id) if assignee_id else user
    for key, model in (("person_id", Person), ("organisation_id", Organisation), ("project_id", Project)):
        if data.get(key):
            setattr(task, key.removesuffix("_id"), db.session.get(model, data[key]))
    db.session.flush()
    return task


def complete_task(task: Task) -> None:
    task.status = "done"
    task.completed_at = utcnow()
    db.session.flush()


def reopen_task(task: Task) -> None:
    task.status = "open"
    task.completed_at = None
    db.session.flush()


def assignable_users() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role != "viewer").order_by(User.full_name, User.username)
    ))


def open_projects() -> list[Project]:
    return list(db.session.scalars(
        select(Project)
        .where(Project.archived_at.is_(None), Project.status.not_in(("done", "dropped")))
        .order_by(Project.title)
    ))


# ------------------------------------------------------------------ queries


def tasks_for(user: User, status: str = "open", everyone: bool = False) -> list[Task]:
    stmt = select(Task).options(selectinload(Task.person), selectinload(Task.organisation), selectinload(Task.project))
    if everyone:
        stmt = stmt.options(selectinload(Task.assignee))
    else:  # the user's own: the assignee is the user, already loaded
        stmt = stmt.where(Task.assignee_id == user.id)
    if status in ("open", "done"):
        stmt = stmt.where(Task.status == status)
    if status == "done":
        stmt = stmt.order_by(Task.completed_at.desc()).limit(200)
    else:
        # Overdue and due first; tasks without a date last.
        stmt = stmt.order_by(Task.due_on.is_(None), Task.due_on, Task.id)
    return list(db.session.scalars(stmt))


def recent_interactions(limit: int = 10) -> list[Interaction]:
    return list(db.session.scalars(
        select(Interaction)
        .options(selectinload(Interaction.persons), selectinload(Interaction.organisations))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    ))


@dataclass
class NotContacted:
    person: Person
    reason: str  # why the person is a key contact: "Erster Bürgermeister · Markt Eschau", "Vorsitz · LAG"
    last_contact: datetime | None


def _key_person_ids(today: date):
    """Select of the ids of key contacts: holders of key functions (mayors ...) and chairs of bodies."""
    from crm.network.models import Body, Seat

    # From the few key functions to their holders (index on affiliation.function_id), not through every
    # affiliation. The ids are read first, so that PostgreSQL's estimate for them comes from the column's
    # statistics; with a subquery it guesses a quarter of all affiliations and scans every person.
    key_functions = list(db.session.scalars(select(FunctionTitle.id).where(FunctionTitle.is_key_function.is_(True))))
    holders = select(Affiliation.person_id).where(
        Affiliation.function_id.in_(key_functions), or_(Affiliation.valid_to.is_(None), Affiliation.valid_to >= today)
    )
    chairs = (
        select(Seat.person_id)
        .join(Body, Body.id == Seat.body_id)
        .where(Seat.role.in_(("chair", "vice_chair")), Seat.valid_from <= today,
               or_(Seat.valid_to.is_(None), Seat.valid_to >= today), Body.archived_at.is_(None))
    )
    return holders.union(chairs)


def _key_contacts(person_ids, today: date) -> dict[int, str]:
    """Person id -> why the person is a key contact: "Erster Bürgermeister · Markt Eschau", "Vorsitz · LAG"."""
    from crm.network.models import Body, Seat

    reasons: dict[int, str] = {}
    affiliations = db.session.scalars(
        select(Affiliation)
        .join(FunctionTitle, FunctionTitle.id == Affiliation.function_id)
        .where(Affiliation.person_id.in_(person_ids), FunctionTitle.is_key_function.is_(True),
               or_(Affiliation.valid_to.is_(None), Affiliation.valid_to >= today))
        .order_by(Affiliation.id)
        # the persons are loaded by both callers already
        .options(selectinload(Affiliation.organisation), selectinload(Affiliation.function))
    )
    for a in affiliations:
        reasons.setdefault(a.person_id, f"{a.function_name} · {a.organisation.name}")
    seats = db.session.scalars(
        select(Seat)
        .join(Body, Body.id == Seat.body_id)
        .where(Seat.person_id.in_(person_ids), Seat.role.in_(("chair", "vice_chair")), Seat.valid_from <= today,
               or_(Seat.valid_to.is_(None), Seat.valid_to >= today), Body.archived_at.is_(None))
        .order_by(Seat.id)
        .options(selectinload(Seat.body))
    )
    for seat in seats:
        reasons.setdefault(seat.person_id, f"{seat.role_label} · {seat.body.name}")
    return reasons


NOT_CONTACTED_SORTS = ("last", "name", "reason")
def _longest_uncontacted_first(c) -> tuple:
    """Never contacted first, then the oldest last contact (c: Person or a subquery's columns)."""
    return c.last_contacted_at.is_not(None), c.last_contacted_at, c.sort_name, c.id


def _not_contacted_conditions(months: int, field_id: int | None) -> list:
    """What makes a key contact one not contacted for `months` months (in `field_id`)."""
    cutoff = utcnow() - timedelta(days=round(months * 30.44))
    conditions = [
        Person.archived_at.is_(None),
        Person.contact_objection.is_(False),
        or_(Person.last_contacted_at.is_(None), Person.last_contacted_at < cutoff),
    ]
    if field_id:
        conditions.append(exists().where(person_field.c.person_id == Person.id,
                                         person_field.c.field_of_action_id == field_id))
    return conditions


def _not_contacted_stmt(months: int, field_id: int | None, today: date):
    return select(Person).where(Person.id.in_(_key_person_ids(today)), *_not_contacted_conditions(months, field_id))


def not_contacted(months: int = 6, field_id: int | None = None, limit: int | None = 15,
                  sort: str = "last") -> list[NotContacted]:
    """Key contacts without an interaction for `months` months; by default never-contacted first.

    Reads `person.last_contacted_at` (kept by refresh_last_contacted) instead of grouping every
    interaction; reasons are looked up for the listed persons only. limit=None: all of them (the
    full list), sorted by `sort`: "last", "name" or "reason".
    """
    today = clock.today()
    stmt = _not_contacted_stmt(months, field_id, today)
    if sort == "name":
        stmt = stmt.order_by(Person.sort_name, Person.id)
    else:
        stmt = stmt.order_by(*_longest_uncontacted_first(Person))
    if limit is not None:
        stmt = stmt.limit(limit)
    persons = list(db.session.scalars(stmt))
    reasons = _key_contacts([p.id for p in persons], today) if persons else {}
    rows = [NotContacted(p, reasons.get(p.id, ""), p.last_contacted_at) for p in persons]
    if sort == "reason":  # the reason is put together here, not in SQL
        rows.sort(key=lambda r: (fold(r.reason), r.person.sort_name))
    return rows


def not_contacted_panel_rows(months: int = 6, field_id: int | None = None,
                             limit: int = 15) -> tuple[list[NotContacted], int]:
    """The start page's first `limit` key contacts not contacted (as not_contacted() orders them) and how
    many there are in all, in one query: the total is a window count over the candidates, which the
    database finds and orders in ix_person_not_contacted without reading the person rows."""
    today = clock.today()
    conditions = _not_contacted_conditions(months, field_id)
    if db.session.get_bind().dialect.name == "postgresql":
        # Key contact by key contact (a few thousand lookups in ix_person_not_contacted): PostgreSQL prices
        # each lookup like a read from disk (random_page_cost 4) and, once bulk updates have grown the
        # indexes, scans every person instead, three times slower. A LATERAL subquery with a LIMIT is
        # looked up once per key contact.
        key = _key_person_ids(today).subquery()
        person = (select(Person.id, Person.last_contacted_at, Person.sort_name)
                  .where(Person.id == key.c.person_id, *conditions).limit(1).lateral())
        stmt = select(person.c.id, func.count().over().label("total")).select_from(key).join(person, true())
        stmt = stmt.order_by(*_longest_uncontacted_first(person.c))
    else:
        stmt = (select(Person.id, func.count().over().label("total"))
                .where(Person.id.in_(_key_person_ids(today)), *conditions)
                .order_by(*_longest_uncontacted_first(Person)))
    first = db.session.execute(stmt.limit(limit)).all()
    ids = [r.id for r in first]
    if not ids:
        return [], 0
    persons = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    reasons = _key_contacts(ids, today)
    rows = [NotContacted(persons[i], reasons.get(i, ""), persons[i].last_contacted_at) for i in ids]
    return rows, first[0].total


@dataclass
class InteractionFilters:
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""
    field: int | None = None
    person: int | None = None
    organisation: int | None = None
    project: int | None = None
    text: str = ""

    @classmethod
    def from_args(cls, args) -> "InteractionFilters":
        def as_int(key):
            return parse_id(args.get(key))

        def as_date(key):
            try:
                return date.fromisoformat(args.get(key, ""))
            except ValueError:
                return None

        kind = args.get("kind", "")
        return cls(
            date_from=as_date("from"), date_to=as_date("to"), kind=kind if kind in INTERACTION_KINDS else "",
            field=as_int("field"), person=as_int("person"), organisation=as_int("organisation"),
            project=as_int("project"), text=args.get("text", "").strip()[:200],
        )

    @property
    def active(self) -> bool:
        return any((self.date_from, self.date_to, self.kind, self.field, self.person, self.organisation, self.project,
                    self.text))


def _berlin_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BERLIN)


def interaction_query(f: InteractionFilters) -> Select:
    stmt = select(Interaction).options(
        selectinload(Interaction.persons), selectinload(Interaction.organisations),
        selectinload(Interaction.fields_of_action), selectinload(Interaction.project),
        selectinload(Interaction.created_by),
    )
    if f.date_from:
        stmt = stmt.where(Interaction.occurred_at >= _berlin_day_start(f.date_from))
    if f.date_to:
        stmt = stmt.where(Interaction.occurred_at < _berlin_day_start(f.date_to + timedelta(days=1)))
    if f.kind:
        stmt = stmt.where(Interaction.kind == f.kind)
    if f.field:
        stmt = stmt.where(exists().where(interaction_field.c.interaction_id == Interaction.id,
                                         interaction_field.c.field_of_action_id == f.field))
    # A person's or organisation's few interactions as IN (read from the link table's index), not as a
    # correlated EXISTS, which SQLite checks row by row while it walks every interaction in date order.
    if f.person:
        stmt = stmt.where(Interaction.id.in_(select(interaction_person.c.interaction_id)
                                             .where(interaction_person.c.person_id == f.person)))
    if f.organisation:
        stmt = stmt.where(Interaction.id.in_(select(interaction_organisation.c.interaction_id)
                                             .where(interaction_organisation.c.organisation_id == f.organisation)))
    if f.project:
        stmt = stmt.where(Interaction.project_id == f.project)
    for word in f.text.split():
        pattern = f"%{word.lower()}%"
        stmt = stmt.where(or_(func.lower(Interaction.subject).like(pattern),
                              func.lower(Interaction.results).like(pattern)))
    return stmt.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())


@cache
def _timeline_statement(kind: str, limit: int):
    # Built once per process and kind (the detail pages run it on every request; building it cost more CPU
    # than running it).
    record_id = bindparam("record_id")
    if kind == "project":
        which = Interaction.project_id == record_id
    else:
        link, column = ((interaction_person, interaction_person.c.person_id) if kind == "person"
                        else (interaction_organisation, interaction_organisation.c.organisation_id))
        # IN, not a correlated EXISTS: SQLite walked the whole interaction table in date order and probed each
        # row for the person's few (1.3 s per person page at 500,000 interactions; IN reads them from the
        # link table's index: 1 ms).
        which = Interaction.id.in_(select(link.c.interaction_id).where(column == record_id))
    task_column = {"person": Task.person_id, "organisation": Task.organisation_id, "project": Task.project_id}[kind]
    latest = (select(Interaction.id.label("interaction_id"), cast(null(), Integer).label("task_id"))
              .where(which).order_by(Interaction.occurred_at.desc()).limit(limit).subquery())
    keys = union_all(
        select(latest.c.interaction_id, latest.c.task_id),
        select(cast(null(), Integer).label("interaction_id"), Task.id.label("task_id")).where(task_column == record_id),
    ).subquery()
    return (select(Interaction, Task).select_from(keys)
            .outerjoin(Interaction, Interaction.id == keys.c.interaction_id)
            .outerjoin(Task, Task.id == keys.c.task_id))


def interactions_and_tasks_of(kind: str, record_id: int, limit: int = 50) -> tuple[list[Interaction], list[Task]]:
    """The latest `limit` interactions and all tasks of a person, organisation or project, for its timeline,
    in one query (the ids of both in a UNION, the rows joined to them)."""
    rows = db.session.execute(_timeline_statement(kind, limit), {"record_id": record_id}).all()
    interactions = sorted((i for i, _t in rows if i is not None), key=lambda i: i.occurred_at, reverse=True)
    tasks = [t for _i, t in rows if t is not None]
    return interactions, tasks


# ------------------------------------------------------------------ digest


def send_task_digests(today: date | None = None) -> int:
    """One e-mail per user who asked for it and has tasks due today or overdue. Returns mails sent."""
    from flask_mailman import EmailMessage

    today = today or clock.today()
    users = db.session.scalars(
        select(User).where(User.task_digest.is_(True), User.active.is_(True), User.email != "")
    ).all()
    sent = 0
    for user in users:
        tasks = db.session.scalars(
            select(Task)
            .where(Task.assignee_id == user.id, Task.status == "open", Task.due_on <= today)
            .order_by(Task.due_on, Task.id)
        ).all()
        if not tasks:
            continue
        with force_locale(user.locale or "de"):
            subject = _("RegioNetz: %(count)d tasks due", count=len(tasks))
            body = render_template("interactions/digest.txt", user=user, tasks=tasks, today=today)
        EmailMessage(subject=subject, body=body, to=[user.email]).send()
        sent += 1
    return sent
