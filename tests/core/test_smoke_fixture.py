from crm.contacts.models import Person
from crm.extensions import db


def test_commit_in_one_test_is_rolled_back_before_the_next(make_person):
    make_person(last_name="Rollback")
    assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 1


def test_previous_test_left_nothing(session):
    assert session.scalar(db.select(db.func.count()).select_from(Person)) == 0
