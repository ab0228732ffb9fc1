from decimal import Decimal

import pytest

from crm.extensions import db


@pytest.fixture
def make_default(app):
    from crm.projects.models import FundingDefault

    def build(programme="leader", project_type="", rate="60", max_amount=None):
        row = FundingDefault(programme=programme, project_type=project_type, rate=Decimal(rate),
                             max_amount=Decimal(max_amount) if max_amount else None)
        db.session.add(row)
        db.session.commit()
        return row

    return build


@pytest.fixture
def make_project(app):
    from crm.projects.models import Project

    def build(title="Dorfladen Kleinwallstadt", **fields):
        project = Project(title=title, **fields)
        db.session.add(project)
        db.session.commit()
        return project

    return build


@pytest.fixture
def make_field(app):
    from crm.contacts.models import FieldOfAction

    def build(name, position=0):
        field = db.session.scalar(db.select(FieldOfAction).where(FieldOfAction.name == name))
        if field is None:
            field = FieldOfAction(name=name, position=position)
            db.session.add(field)
            db.session.commit()
        return field

    return build


@pytest.fixture
def login(login):
    """As tests/conftest.py's login, but the user reads English: these tests check the messages by their
    msgids, which stay the same when the German catalogue is filled in."""

    def do(role="staff", **fields):
        fields.setdefault("locale", "en")
        return login(role, **fields)

    return do
