"""Enum-like columns are guarded by the database: whatever path writes, an unknown value is refused."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

# table, column, a valid row's other required columns (SQL), the wrong value
CASES = [
    ("person", "gender", {"last_name": "Zöller"}, "mann"),
    ("person", "legal_basis", {"last_name": "Zöller"}, "art9"),
    ("organisation", "kind", {"name": "Markt Eschau"}, "gemeinde"),
    ("organisation", "sector", {"name": "Markt Eschau"}, "oeffentlich"),
    ("interest_group", "sector", {"name": "Kommunen"}, "kommunal"),
    ("body", "kind", {"name": "AK Tourismus"}, "arbeitskreis"),
    ("project", "status", {"title": "Dorfladen"}, "beantragt"),
    ("project", "programme", {"title": "Dorfladen"}, "efre"),
    ("project", "cooperation", {"title": "Dorfladen"}, "national"),
    ("interaction", "kind", {"subject": "Telefonat"}, "fax"),
    ("task", "status", {"title": "Anrufen"}, "erledigt"),
    ("user", "role", {"username": "x", "password_hash": "x"}, "root"),
]


@pytest.mark.parametrize("table, column, required, wrong", CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_an_unknown_value_is_refused_by_the_database(table, column, required, wrong, session):
    from crm.auth.models import User
    from crm.contacts.models import Organisation, Person
    from crm.interactions.models import Interaction, Task
    from crm.network.models import Body, InterestGroup
    from crm.projects.models import Project

    model = {"person": Person, "organisation": Organisation, "interest_group": InterestGroup, "body": Body,
             "project": Project, "interaction": Interaction, "task": Task, "user": User}[table]
    record = model(**required)
    session.add(record)
    session.flush()  # valid with the defaults
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.execute(text(f'UPDATE "{table}" SET {column} = :wrong WHERE id = :id'),
                            {"wrong": wrong, "id": record.id})
    assert session.scalar(text(f'SELECT {column} FROM "{table}" WHERE id = :id'), {"id": record.id}) != wrong


def test_a_seat_with_an_unknown_role_is_refused(make_person, session):
    from datetime import date

    from crm.network.models import Body, Seat

    seat = Seat(body=Body(name="LAG", kind="lag_decision"), person=make_person("Zöller", "Thomas"),
                valid_from=date(2024, 1, 1), role="chair")
    session.add(seat)
    session.flush()
    seat.role = "boss"
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.flush()
