"""Test setup: one schema per run built by the real migrations, one rolled-back transaction per test.

SQLite (a temporary file) by default; PostgreSQL when TEST_DATABASE_URL is set.
"""
import os
import tempfile
from contextlib import contextmanager
from datetime import date
from itertools import count

import pytest
from sqlalchemy import event, text

_TMP = tempfile.mkdtemp(prefix="regionetz-test-")
if not os.environ.get("TEST_DATABASE_URL"):
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{_TMP}/test.sqlite"

from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402

PASSWORD = "correct horse battery"


def _reset_database(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def _sqlite_savepoints(engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    # the files of background jobs (exports, reports) go to a temporary directory, not into instance/
    app = create_app("testing", EXPORT_DIR=str(tmp_path_factory.mktemp("job-files")))

    # Tests keep one app context open, which test-client requests then share. Give each
    # request a fresh `g` as in production (cached user, cached locale).
    from flask import g, request_started

    def _fresh_g(sender, **extra):
        g.__dict__.clear()

    request_started.connect(_fresh_g, app, weak=False)
    with app.app_context():
        _reset_database(db.engine)
        db.engine.dispose()
        upgrade(revision="heads")  # parts developed in parallel may add branches until merged
        _sqlite_savepoints(db.engine)
        db.engine.dispose()
    return app


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test runs inside a transaction that is rolled back afterwards; commits become savepoints.

    The failed-attempt counters (crm/auth/throttle.py, in memory here) start empty for every test: they
    are keyed by user id, and ids come again after a rollback (SQLite's AUTOINCREMENT counter rolls back
    too), so one test's wrong passwords would otherwise brake a later test's user with the same id."""
    app.extensions.pop("crm_throttle", None)
    if "live_server" in request.fixturenames:
        yield None
        return
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield connection
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine


@pytest.fixture
def session(app, _transaction):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


class QueryCounter:
    """Counts the SQL statements a request runs (the one counter for all N+1 tests).

    count_queries("/personen/1") -> number of statements of that GET (which must answer 200);
    `with count_queries.recording() as statements:` for anything else.
    """

    def __init__(self, client):
        self.client = client

    @contextmanager
    def recording(self):
        statements: list[str] = []
        engine = db.engines[None]
        engine = getattr(engine, "engine", engine)  # tests swap the engine for a connection

        def listener(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    def __call__(self, url: str, client=None) -> int:
        with self.recording() as statements:
            response = (client or self.client).get(url)
            assert response.status_code == 200, (url, response.status_code)
        return len(statements)


@pytest.fixture
def count_queries(app, client):
    return QueryCounter(client)


# ------------------------------------------------------------------ builders

_seq = count(1)


@pytest.fixture
def make_user(app):
    from crm.auth.services import create_user

    def build(role="staff", username=None, password=PASSWORD, **fields):
        user = create_user(username or f"user{next(_seq)}", password, role=role, **fields)
        db.session.commit()
        return user

    return build


@pytest.fixture
def login(client, make_user):
    """login('viewer') -> logged-in user of that role on the shared test client."""

    def do(role="staff", **fields):
        user = make_user(role=role, **fields)
        response = client.post("/anmelden", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


@pytest.fixture
def make_org(app):
    from crm.contacts.models import Organisation

    def build(name=None, kind="association", sector="civil_society", **fields):
        org = Organisation(name=name or f"Verein {next(_seq)}", kind=kind, sector=sector, **fields)
        db.session.add(org)
        db.session.commit()
        return org

    return build


@pytest.fixture
def make_function(app):
    from crm.contacts.models import FunctionTitle

    def build(male="Vorsitzender", female="Vorsitzende", salutation_male="", salutation_female="", key=False):
        f = db.session.scalar(db.select(FunctionTitle).where(FunctionTitle.name_male == male))
        if f is None:
            f = FunctionTitle(name_male=male, name_female=female, salutation_male=salutation_male,
                              salutation_female=salutation_female, is_key_function=key)
            db.session.add(f)
            db.session.commit()
        return f

    return build


@pytest.fixture
def make_person(app):
    from crm.contacts.models import Affiliation, Person

    def build(last_name="Muster", first_name="Erika", gender="female", organisation=None, function=None,
              valid_from=None, valid_to=None, **fields):
        person = Person(last_name=last_name, first_name=first_name, gender=gender, **fields)
        db.session.add(person)
        if organisation is not None:
            db.session.add(Affiliation(person=person, organisation=organisation, function=function,
                                       valid_from=valid_from or date(2020, 5, 1), valid_to=valid_to, is_primary=True))
        db.session.commit()
        return person

    return build
