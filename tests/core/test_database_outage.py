"""A database that goes away for a moment: requests at that moment get a clear German 503 page (not a
500), the pool recovers by itself (pool_pre_ping), and a form post in flight is saved completely or
not at all."""
import os
import time

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from crm.extensions import db
from tests.conftest import PASSWORD

PERSON_FORM = {"gender": "female", "last_name": "Ausfallsicher", "first_name": "Berta", "formal": "1",
               "country": "DE", "legal_basis": "art6_1e"}


def _fail_on(engine, prefix: str):
    """Raise the error a dead connection raises at the first statement starting with `prefix`."""
    state = {"armed": True}

    def before(conn, cursor, statement, parameters, context, executemany):
        if state["armed"] and statement.lstrip().upper().startswith(prefix):
            state["armed"] = False
            raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"),
                                   connection_invalidated=True)

    event.listen(engine, "before_cursor_execute", before)
    return lambda: event.remove(engine, "before_cursor_execute", before)


def _engine():
    engine = db.engines[None]
    return getattr(engine, "engine", engine)


def test_a_lost_connection_while_showing_a_page_is_a_german_503(client, login):
    login("staff")
    stop = _fail_on(_engine(), "SELECT")
    try:
        response = client.get("/personen")
    finally:
        stop()
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Datenbank nicht erreichbar" in html and "Traceback" not in html
    assert client.get("/personen").status_code == 200


def test_a_lost_connection_in_the_middle_of_saving_saves_nothing(client, login):
    from crm.contacts.models import Person

    login("staff")
    stop = _fail_on(_engine(), "INSERT INTO SEARCH_TOKEN")  # after the person row was written
    try:
        response = client.post("/personen/neu", data=PERSON_FORM)
    finally:
        stop()
    assert response.status_code == 503
    assert "vollständig oder gar nicht gespeichert" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.last_name == "Ausfallsicher")) == 0
    assert client.post("/personen/neu", data=PERSON_FORM).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.last_name == "Ausfallsicher")) == 1


# ------------------------------------------------------------------ the real thing, on PostgreSQL

pg_only = pytest.mark.skipif(
    make_url(os.environ["TEST_DATABASE_URL"]).get_backend_name() != "postgresql",
    reason="PostgreSQL only: pg_terminate_backend ends the app's server connections; SQLite has none",
)
APP_NAME = "regionetz_outage_test"


@pytest.fixture
def outage_app():
    """An app of its own on a schema of its own (not in the test's rolled-back transaction): what it
    commits is really committed, and dropped with the schema afterwards."""
    from crm import create_app

    base = make_url(os.environ["TEST_DATABASE_URL"])
    schema = f"outage_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base.update_query_dict({"options": f"-csearch_path={schema}", "application_name": APP_NAME})
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    with app.app_context():
        # only the schema of its own on the search path: otherwise create_all would see public's tables
        db.metadata.create_all(db.engine)
        assert db.session.scalar(text("SELECT current_schema()")) == schema
        from crm.auth.services import create_user

        create_user("ausfall", PASSWORD, role="staff")
        db.session.commit()
        db.session.remove()
    try:
        yield app, admin
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _terminate(admin, pid: int | None = None) -> int:
    """End the app's server connections (or one), and wait until they are gone."""
    where = "pid = :pid" if pid else "application_name = :name"
    with admin.connect() as conn:
        ended = conn.execute(text(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {where}"),
                             {"pid": pid, "name": APP_NAME}).scalar()
        for _ in range(100):
            if not conn.execute(text(f"SELECT count(*) FROM pg_stat_activity WHERE {where}"),
                                {"pid": pid, "name": APP_NAME}).scalar():
                break
            time.sleep(0.05)
    return ended


def _terminate_on(app, admin, prefix: str):
    """End the server connection of the request at its first statement starting with `prefix`."""
    state = {"armed": True}

    def before(conn, cursor, statement, parameters, context, executemany):
        if state["armed"] and statement.lstrip().upper().startswith(prefix):
            state["armed"] = False
            _terminate(admin, cursor.connection.info.backend_pid)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    return lambda: event.remove(engine, "before_cursor_execute", before)


@pg_only
def test_pg_connections_ended_by_the_server(outage_app):
    from crm.contacts.models import Person

    app, admin = outage_app
    client = app.test_client()
    assert client.post("/anmelden", data={"username": "ausfall", "password": PASSWORD}).status_code == 302
    assert client.get("/personen").status_code == 200

    # between requests: every pooled connection is ended; pool_pre_ping notices, nobody else does
    assert _terminate(admin) >= 1
    assert client.get("/personen").status_code == 200

    # in the middle of a page: 503 in German, then the next request works again
    stop = _terminate_on(app, admin, "SELECT")
    try:
        response = client.get("/personen")
    finally:
        stop()
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert "Datenbank nicht erreichbar" in response.get_data(as_text=True)
    assert client.get("/personen").status_code == 200

    # in the middle of saving (the person row written, its search words not yet): nothing half-written
    stop = _terminate_on(app, admin, "INSERT INTO SEARCH_TOKEN")
    try:
        response = client.post("/personen/neu", data=PERSON_FORM)
    finally:
        stop()
    assert response.status_code == 503
    with app.app_context():
        count = select(func.count()).select_from(Person).where(Person.last_name == "Ausfallsicher")
        assert db.session.scalar(count) == 0
        db.session.remove()
    assert client.post("/personen/neu", data=PERSON_FORM).status_code == 302
    with app.app_context():
        assert db.session.scalar(count) == 1
        assert db.session.scalar(text("SELECT count(*) FROM public.person WHERE last_name = 'Ausfallsicher'")) == 0
        db.session.remove()
