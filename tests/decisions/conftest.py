"""The selection of a real LAG: its decision body with the twelve criteria of its LES (0-3 points each,
"Innovation" and "Beitrag zu den Entwicklungszielen" with a minimum of 1), a minimum total of 18 points,
projects with their sponsors and the meeting that decides."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from crm.extensions import db
from tests.meetings.conftest import lag, make_meeting  # noqa: F401  (the minutes tests)

CRITERIA = [
    ("Beitrag zu den Entwicklungszielen der LES", 1),
    ("Innovation", 1),
    ("Vernetzung und Kooperation", None),
    ("Bürgerbeteiligung", None),
    ("Klimaschutz und Klimaanpassung", None),
    ("Demografischer Wandel", None),
    ("Regionale Wertschöpfung", None),
    ("Nachhaltigkeit nach Förderende", None),
    ("Inklusion und Chancengleichheit", None),
    ("Baukultur und Ortsbild", None),
    ("Jugend", None),
    ("Übertragbarkeit auf andere Orte", None),
]
MIN_TOTAL = 18


@dataclass
class Selection:
    body: object
    criteria: list = field(default_factory=list)
    meeting: object = None
    sponsor: object = None


@pytest.fixture
def selection_lag(app, make_org):
    from crm.decisions import selection
    from crm.meetings import services as meetings
    from crm.network.models import Body

    body = Body(name="LAG Main-Spessart Entscheidungsgremium", kind="lag_decision")
    db.session.add(body)
    db.session.flush()
    criteria = [selection.save_criterion(None, body, {"title": title, "max_points": "3",
                                                     "min_points": "" if minimum is None else str(minimum)})
                for title, minimum in CRITERIA]
    selection.save_min_total(body, "18")
    meeting = meetings.save_meeting(None, {"title": "12. Sitzung des Entscheidungsgremiums", "kind": "session",
                                           "body_id": body.id,
                                           "starts_at": datetime(2027, 3, 18, 17, 0, tzinfo=timezone.utc),
                                           "ends_at": datetime(2027, 3, 18, 19, 0, tzinfo=timezone.utc)})
    sponsor = make_org("Müller & Söhne <GmbH>", kind="company", sector="economy")
    db.session.commit()
    return Selection(body=body, criteria=criteria, meeting=meeting, sponsor=sponsor)


@pytest.fixture
def make_project(app):
    from crm.projects.models import Project

    def build(title="Dorfladen Kleinwallstadt", **fields):
        project = Project(title=title, **fields)
        db.session.add(project)
        db.session.commit()
        return project

    return build


def entries(criteria, points, reason="Begründung laut Projektskizze"):
    """{criterion id: (points, reason)} for a list of points in the order of the criteria."""
    return {c.id: (str(p), reason) for c, p in zip(criteria, points)}
