"""The race for the last seat: two connections, each in its own transaction, both try to take the one seat
left. The conditional UPDATE lets exactly one have it; the other waits for the first's commit and then
finds no seat (PostgreSQL: row lock and re-check; SQLite: the write lock, the busy timeout)."""
import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from crm.extensions import db
from crm.qualification.services import take_seat


@pytest.fixture
def own_engine(app):
    url = db.engines[None].engine.url if hasattr(db.engines[None], "engine") else db.engine.url
    engine = create_engine(url.render_as_string(hide_password=False),
                           connect_args={"timeout": 15} if url.get_backend_name() == "sqlite" else {})
    yield engine
    engine.dispose()


@pytest.fixture
def last_seat(own_engine):
    """A committed offer of 20 seats with 19 taken (outside the test's rolled-back transaction)."""
    with own_engine.begin() as conn:
        offer_id = conn.execute(text(
            "INSERT INTO qualification_offer (title, kind, description, location, online_url, capacity, seats_taken, "
            "waitlist, status, created_at, updated_at) VALUES ('Rennen um den letzten Platz', 'seminar', '', '', '', "
            "20, 19, :waitlist, 'open', :now, :now) RETURNING id"),
            {"now": datetime.now(timezone.utc), "waitlist": True}).scalar_one()
    yield offer_id
    with own_engine.begin() as conn:
        conn.execute(text("DELETE FROM qualification_offer WHERE id = :id"), {"id": offer_id})


def test_exactly_one_of_two_concurrent_connections_gets_the_last_seat(own_engine, last_seat):
    first = own_engine.connect()
    second = own_engine.connect()
    results = {}
    try:
        first.begin()
        results["first"] = take_seat(last_seat, connection=first)  # holds the row (and on SQLite the write lock)

        def other():
            second.begin()
            results["second"] = take_seat(last_seat, connection=second)  # waits for the first to finish
            second.commit()

        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second writer must wait for the first"
        first.commit()
        thread.join(20)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    assert results == {"first": True, "second": False}
    with own_engine.connect() as conn:
        seats, status = conn.execute(text("SELECT seats_taken, status FROM qualification_offer WHERE id = :id"),
                                     {"id": last_seat}).one()
    assert (seats, status) == (20, "full")


def test_many_concurrent_registrations_never_overbook(own_engine, last_seat):
    """Eight threads at once for the one seat left: one wins, seats_taken stays at the capacity."""
    wins = []
    barrier = threading.Barrier(8)

    def attempt():
        with own_engine.connect() as conn:
            barrier.wait()
            with conn.begin():
                wins.append(take_seat(last_seat, connection=conn))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(wins) == [False] * 7 + [True]
    with own_engine.connect() as conn:
        assert conn.execute(text("SELECT seats_taken FROM qualification_offer WHERE id = :id"),
                            {"id": last_seat}).scalar_one() == 20
