"""Demo data of the reports: a history for the charts (the demo's contacts were recorded over the last
three years, advisory sessions and talks spread over the last two) and one saved activity report."""
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update

from crm.contacts.models import FieldOfAction, Organisation, Person
from crm.core import time as clock
from crm.extensions import db
from crm.reports.models import Report

TALKS = [("advice", "Projektberatung: Förderfähigkeit und Kostenplan"), ("advice", "Beratung zum Förderantrag"),
         ("talk", "Abstimmung mit der Gemeinde"), ("phone", "Rückfrage zum Projektstand"),
         ("visit", "Ortstermin am Projektstandort"), ("email", "Unterlagen zum Antrag nachgereicht"),
         ("event", "Infoabend Regionalbudget")]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.region_zone())


def generate_report(seed: int = 1) -> dict:
    from crm.interactions.models import Interaction
    from crm.projects.models import Project

    if db.session.scalar(select(func.count(Report.id))):
        return {"reports": 0}
    rng = random.Random(seed)
    today = clock.today()
    now = clock.utcnow()
    # contacts recorded over the last three years (the demo creates them all today)
    for model in (Person, Organisation):
        ids = list(db.session.scalars(select(model.id).order_by(model.id)))
        for chunk_start in range(0, len(ids), 200):
            for i in ids[chunk_start:chunk_start + 200]:
                db.session.execute(update(model).where(model.id == i)
                                   .values(created_at=now - timedelta(days=int(rng.triangular(0, 1095, 200)))))
    persons = list(db.session.scalars(select(Person).where(Person.archived_at.is_(None)).order_by(Person.id).limit(200)))
    projects = list(db.session.scalars(select(Project).order_by(Project.id)))
    fields = list(db.session.scalars(select(FieldOfAction).order_by(FieldOfAction.position)))
    made = 0
    if persons:
        for _i in range(160):
            kind, subject = rng.choice(TALKS)
            day = today - timedelta(days=rng.randint(1, 730))
            interaction = Interaction(kind=kind, subject=subject, occurred_at=_at(day, rng.randint(8, 17)),
                                      results="Ergebnis festgehalten.")
            interaction.persons = rng.sample(persons, min(len(persons), rng.randint(1, 2)))
            if projects and kind == "advice":
                project = rng.choice(projects)
                interaction.project_id = project.id
                interaction.fields_of_action = list(project.fields_of_action) or (fields[:1] if fields else [])
            elif fields:
                interaction.fields_of_action = rng.sample(fields, 1)
            db.session.add(interaction)
            made += 1
    made_meetings = _past_meetings(rng, today, projects)
    for project in projects:  # the projects were recorded over the last years too
        project.created_at = now - timedelta(days=rng.randint(200, 900))
    year = today.year - 1
    field = fields[0] if fields else None
    db.session.add(Report(
        title=f"Tätigkeitsbericht {year}", period_start=date(year, 1, 1), period_end=date(year, 12, 31),
        introduction="Das Regionalmanagement hat im Berichtsjahr die Umsetzung der Lokalen Entwicklungsstrategie "
                     "begleitet: Projektträger beraten, die Gremien der LAG betreut und Weiterbildungen vermittelt.",
        outlook="Im kommenden Jahr stehen die Zwischenevaluierung und der Aufruf für das Regionalbudget an."))
    if field is not None:
        db.session.add(Report(
            title=f"Handlungsfeld {field.name} – 1. Halbjahr {today.year}", period_start=date(today.year, 1, 1),
            period_end=date(today.year, 6, 30), field_of_action_id=field.id,
            introduction="Auszug für den Arbeitskreis.", outlook=""))
    return {"reports": 2 if field is not None else 1, "interactions": made, "meetings": made_meetings}


def _past_meetings(rng: random.Random, today: date, projects) -> int:
    """Every body met about once a quarter in the last two years: its members on the day invited, most
    of them came; the LAG decided on projects."""
    from crm.decisions.models import Decision
    from crm.meetings.models import AgendaItem, Invitee, Meeting
    from crm.meetings.services import new_token, new_uid
    from crm.network.models import Body, Seat

    made = 0
    bodies = list(db.session.scalars(select(Body).where(Body.archived_at.is_(None)).order_by(Body.id).limit(6)))
    for body in bodies:
        members = list(db.session.scalars(select(Seat.person_id).where(Seat.body_id == body.id,
                                                                        Seat.valid_to.is_(None)).distinct()))
        if not members:
            continue
        kind = "session" if body.kind.startswith("lag") or body.kind == "steering_group" else "working_circle"
        for quarter in range(8):
            day = today - timedelta(days=45 + 91 * quarter + rng.randint(-20, 20))
            meeting = Meeting(title=f"{body.short_name or body.name}: {kind == 'session' and 'Sitzung' or 'Treffen'} "
                                    f"{day:%m/%Y}", kind=kind, body_id=body.id, starts_at=_at(day, 18),
                              ends_at=_at(day, 20), status="held", uid=new_uid())
            db.session.add(meeting)
            db.session.flush()
            for person_id in members:
                db.session.add(Invitee(meeting_id=meeting.id, person_id=person_id, role="member", source="body",
                                       voting=True, token=new_token(), attended=rng.random() < 0.8,
                                       rsvp="accepted"))
            if body.kind == "lag_decision" and projects:
                for position, project in enumerate(rng.sample(projects, min(2, len(projects)))):
                    item = AgendaItem(meeting_id=meeting.id, position=position, title=f"Auswahl: {project.title}",
                                      needs_vote=True)
                    db.session.add(item)
                    db.session.flush()
                    db.session.add(Decision(agenda_item_id=item.id, votes_yes=rng.randint(6, 10),
                                            votes_no=rng.randint(0, 2), result="passed" if rng.random() < 0.85
                                            else "rejected", decided_at=meeting.starts_at, project_id=project.id,
                                            check_result={}))
            made += 1
    return made
