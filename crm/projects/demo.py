"""Demo projects for the demo region (crm/contacts/demo.py): a pipeline from idea to done.

Call after `generate_region`; sponsors and contacts are looked up by name in the region
(a sponsor that does not exist is left empty). Deterministic for a seed; projects whose
title exists already are skipped, so running it twice adds nothing.
"""
import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select

from crm.contacts.models import Affiliation, FieldOfAction, FunctionTitle, Organisation, Person
from crm.core import time as clock
from crm.core.audit import AuditLog, audit_row
from crm.extensions import db
from crm.projects.models import FundingDefault, Project, ProjectContact
from crm.projects.services import PIPELINE, compute_funding, default_for

DEMO_USER = "Sabine Keller (Demo)"

# programme, project type, rate %, cap per project in euros
FUNDING_DEFAULTS = [
    ("leader", "", "50", "200000"),
    ("leader", "Kommune", "60", "200000"),
    ("leader", "Verein", "60", "200000"),
    ("leader", "Unternehmen", "40", "200000"),
    ("ile_regionalbudget", "", "80", "10000"),
]

# title, sponsor organisation (None: a private person), status, programme, type, cooperation,
# total cost, eligible cost, fields of action, description
PROJECTS = [
    ("Dorfladen Kleinwallstadt", "Markt Kleinwallstadt", "advice", "leader", "Kommune", "", "420000", "350000",
     ["Daseinsvorsorge"], "Genossenschaftlicher Dorfladen mit Café im ehemaligen Raiffeisengebäude am Marktplatz."),
    ("Mainradweg-Lückenschluss Elsenfeld–Erlenbach", "Markt Elsenfeld", "selected", "leader", "Kommune", "regional",
     "680000", "520000", ["Tourismus und Naherholung"],
     "2,4 km Radweg am Mainufer mit Rastplatz; gemeinsam mit der Stadt Erlenbach a.Main."),
    ("Streuobst-Erlebnispfad", "Naturpark Spessart e.V.", "applied", "leader", "Verein", "", "85000", "80000",
     ["Landwirtschaft und Regionalvermarktung", "Tourismus und Naherholung"],
     "Lehrpfad mit zwölf Stationen zu alten Obstsorten, Führungen durch Streuobstpädagogen."),
    ("Jugend macht Mainland", "Kreisjugendring Mainland", "approved", "leader", "Verein", "", "48000", "45000",
     ["Bildung und Jugend"], "Beteiligungswerkstätten für Jugendliche in sechs Gemeinden, mit Mini-Budgets."),
    ("Kulturerbe Main–Donau", "Tourismusverband Spessart-Mainland", "in_progress", "leader", "Verein",
     "transnational", "150000", "140000", ["Kultur und Heimat", "Tourismus und Naherholung"],
     "Kooperation mit der LAG Donau-Böhmerwald (AT): gemeinsame Route historischer Handelswege."),
    ("Energiekarawane Mainland", "Energieagentur Untermain", "in_progress", "leader", "Unternehmen", "", "60000",
     "60000", ["Klima und Energie"], "Aufsuchende Energieberatung für Hausbesitzer, Straße für Straße."),
    ("Bänke für den Dorfplatz Röllbach", "Gemeinde Röllbach", "done", "ile_regionalbudget", "Kommune", "", "8400",
     "7000", ["Daseinsvorsorge"], "Kleinprojekt aus dem Regionalbudget: sechs Bänke und ein Trinkbrunnen."),
    ("Kühlzelle für den Hofladen", None, "idea", "ile_regionalbudget", "Unternehmen", "", "18000", "15000",
     ["Landwirtschaft und Regionalvermarktung"], "Kühlzelle und Kassensystem für den Verkauf eigener Erzeugnisse."),
    ("Wanderwegekonzept Spessartbogen", "Tourismusverband Spessart-Mainland", "idea", "leader", "", "", None, None,
     ["Tourismus und Naherholung"], "Erste Idee aus dem Arbeitskreis Tourismus; Kosten noch offen."),
    ("Mehrgenerationentreff Amorbach", "Stadt Amorbach", "dropped", "leader", "Kommune", "", "250000", "210000",
     ["Daseinsvorsorge", "Bildung und Jugend"], "Zurückgestellt: die Stadt baut das Gebäude ohne Förderung um."),
]


def ensure_funding_defaults() -> int:
    """Add the demo funding defaults where none exist for a programme and type; returns how many."""
    existing = {(r.programme, r.project_type) for r in db.session.scalars(select(FundingDefault))}
    added = 0
    for programme, project_type, rate, cap in FUNDING_DEFAULTS:
        if (programme, project_type) not in existing:
            db.session.add(FundingDefault(programme=programme, project_type=project_type, rate=Decimal(rate),
                                          max_amount=Decimal(cap) if cap else None))
            added += 1
    db.session.flush()
    return added


def _contacts_at(org: Organisation) -> list[tuple[Person, str]]:
    """(person, role in the project): at a municipality the mayor and the head of the administration,
    elsewhere the chair or head."""
    wanted = {"municipality": [("Erster Bürgermeister", "Ansprechpartner Projektträger"),
                               ("Geschäftsleiter", "Verwaltung")]}.get(
        org.kind, [("Vorsitzender", "Projektleitung"), ("Geschäftsführer", "Projektleitung"),
                   ("Behördenleiter", "Projektleitung"), ("Leiter", "Projektleitung")])
    found = []
    for function_name, role in wanted:
        person = db.session.scalar(
            select(Person)
            .join(Affiliation, Affiliation.person_id == Person.id)
            .join(FunctionTitle, FunctionTitle.id == Affiliation.function_id)
            .where(Affiliation.organisation_id == org.id, Affiliation.valid_to.is_(None),
                   FunctionTitle.name_male == function_name)
            .order_by(Person.id)
            .limit(1)
        )
        if person is not None and all(person is not p for p, _role in found):
            found.append((person, role))
            if role == "Projektleitung":
                break
    return found


def _path_to(status: str) -> list[str]:
    if status == "dropped":
        return ["idea", "advice", "dropped"]
    return PIPELINE[: PIPELINE.index(status) + 1]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def generate_projects(seed: int = 1) -> dict:
    """Add the demo projects (and the funding defaults they use); returns counts."""
    rng = random.Random(seed)
    ensure_funding_defaults()
    today = clock.today()
    fields = {f.name: f for f in db.session.scalars(select(FieldOfAction))}
    existing = set(db.session.scalars(select(Project.title)))
    private_candidates = db.session.scalars(
        select(Person).where(Person.archived_at.is_(None), Person.last_name != "").order_by(Person.id.desc()).limit(100)
    ).all()

    created = []  # (project, its status path, the days of its steps)
    contacts = 0
    # Written with its own, back-dated audit rows below, so that the demo timeline shows the steps.
    db.session.info["audit_disabled"] = True
    try:
        for _index, (title, sponsor_name, status, programme, project_type, cooperation, total, eligible, field_names,
                    description) in enumerate(PROJECTS):
            if title in existing:
                continue
            org = db.session.scalar(select(Organisation).where(Organisation.name == sponsor_name)) if sponsor_name else None
            person = rng.choice(private_candidates) if sponsor_name is None and private_candidates else None
            path = _path_to(status)
            started = today - timedelta(days=40 * len(path) + rng.randint(10, 60))
            project = Project(
                title=title, description=description, status=status, programme=programme, project_type=project_type,
                cooperation=cooperation, total_cost=Decimal(total) if total else None,
                eligible_cost=Decimal(eligible) if eligible else None, sponsor_organisation=org, sponsor_person=person,
                fields_of_action=[fields[n] for n in field_names if n in fields],
            )
            default = default_for(programme, project_type)
            if default is not None:
                project.funding_rate = default.rate
                project.funding_amount = compute_funding(project.eligible_cost, default.rate, default.max_amount)
            steps = [started + timedelta(days=40 * i + rng.randint(0, 20)) for i in range(len(path))]
            if "selected" in path:
                project.selected_on = steps[path.index("selected")]
            if "approved" in path:
                project.approved_on = steps[path.index("approved")]
                project.start_date = project.approved_on + timedelta(days=30)
                project.end_date = project.start_date + timedelta(days=rng.choice((365, 540, 730)))
            if status == "done":
                project.end_date = min(project.end_date, today - timedelta(days=10))
            db.session.add(project)
            if org is not None:
                for person_at_org, role in _contacts_at(org):
                    db.session.add(ProjectContact(project=project, person=person_at_org, role=role))
                    contacts += 1
            created.append((project, path, steps))
        db.session.flush()
    finally:
        db.session.info.pop("audit_disabled", None)

    rows = []
    for project, path, steps in created:
        rows.append(audit_row("project", project.id, "create",
                              {"title": [None, project.title], "status": [None, "idea"]},
                              label=project.title, actor=(None, DEMO_USER), at=_at(steps[0], 8)))
        for previous, status, day in zip(path, path[1:], steps[1:]):
            rows.append(audit_row("project", project.id, "update", {"status": [previous, status]},
                                  label=project.title, actor=(None, DEMO_USER), at=_at(day, 9)))
    if rows:
        db.session.execute(insert(AuditLog.__table__), rows)
    return {"projects": len(created), "contacts": contacts}
