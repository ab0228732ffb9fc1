from datetime import date

import pytest

from crm.extensions import db


@pytest.fixture
def make_group(app):
    from crm.network.models import InterestGroup

    def build(name="Kommunen", sector="public"):
        group = db.session.scalar(db.select(InterestGroup).where(InterestGroup.name == name))
        if group is None:
            group = InterestGroup(name=name, sector=sector)
            db.session.add(group)
            db.session.commit()
        return group

    return build


@pytest.fixture
def make_body(app):
    from crm.network.models import Body

    def build(name="LAG Entscheidungsgremium", kind="lag_decision", parent=None, **fields):
        body = Body(name=name, kind=kind, parent=parent, **fields)
        db.session.add(body)
        db.session.commit()
        return body

    return build


@pytest.fixture
def make_seat(app, make_person):
    """make_seat(body, group, person=None, **fields): a voting member since 1.1.2023 unless told otherwise."""
    from crm.network.models import Seat

    def build(body, group=None, person=None, **fields):
        person = person or make_person(f"Mitglied{db.session.scalar(db.select(db.func.count(Seat.id))) + 1}", "Max")
        fields.setdefault("valid_from", date(2023, 1, 1))
        seat = Seat(body=body, person=person, interest_group=group, **fields)
        db.session.add(seat)
        db.session.commit()
        return seat

    return build


@pytest.fixture
def lag(make_body, make_group, make_seat):
    """A LAG decision body with 24 voting seats: public 9 (37.5 %), no group above 49 %."""
    body = make_body()
    plan = [("Kommunen", "public", 9), ("Wirtschaft", "economy", 4), ("Landwirtschaft", "economy", 3),
            ("Engagierte Bürger", "civil_society", 3), ("Soziales", "civil_society", 2),
            ("Umwelt", "civil_society", 2), ("Jugend", "civil_society", 1)]
    for name, sector, n in plan:
        group = make_group(name, sector)
        for _ in range(n):
            make_seat(body, group)
    return body
