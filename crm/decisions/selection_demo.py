"""Demo region: the selection criteria of the LAG decision body and score sheets for the projects on the
agenda of its selection meeting (`flask crm seed-demo`)."""
import random

from sqlalchemy import select

from crm.decisions import selection
from crm.extensions import db
from crm.meetings.demo import LAG_TITLE
from crm.meetings.models import Meeting
from crm.projects.models import Project

CRITERIA = [
    ("Beitrag zu den Entwicklungszielen der LES", "Welche Ziele der LES das Projekt verfolgt", 1),
    ("Innovation", "Neu für die Region oder neuer Ansatz", 1),
    ("Vernetzung und Kooperation", "Partner aus mehreren Gemeinden oder Sektoren", None),
    ("Bürgerbeteiligung", "Beteiligung der Bevölkerung bei Planung und Umsetzung", None),
    ("Klimaschutz und Klimaanpassung", "", None),
    ("Demografischer Wandel", "", None),
    ("Regionale Wertschöpfung", "", None),
    ("Nachhaltigkeit nach Förderende", "Trägerschaft und Finanzierung nach Förderende gesichert", None),
    ("Inklusion und Chancengleichheit", "", None),
    ("Baukultur und Ortsbild", "", None),
    ("Jugend", "", None),
    ("Übertragbarkeit auf andere Orte", "", None),
]
REASONS = {0: "kein Beitrag erkennbar", 1: "geringer Beitrag", 2: "deutlicher Beitrag", 3: "sehr hoher Beitrag"}


def generate_selection(seed: int = 1) -> dict:
    body = selection.default_body()
    if body is None or selection.criteria_of(body):
        return {}
    rng = random.Random(seed)
    criteria = [selection.save_criterion(None, body, {"title": t, "description": d, "max_points": "3",
                                                      "min_points": "" if m is None else str(m)})
                for t, d, m in CRITERIA]
    selection.save_min_total(body, "18")
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == LAG_TITLE, Meeting.body_id == body.id))
    projects = list(db.session.scalars(select(Project).where(Project.archived_at.is_(None))
                                       .order_by(Project.id).limit(4)))
    for project in projects:
        points = [rng.choice([0, 1, 1, 2, 2, 2, 3]) for _ in criteria]
        entries = {c.id: (str(p), REASONS[p]) for c, p in zip(criteria, points)}
        selection.score_project(project, body, entries, meeting_id=meeting.id if meeting else None)
    db.session.commit()
    return {"selection criteria": len(criteria), "score sheets": len(projects)}
