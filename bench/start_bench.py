"""Start page at scale: `start_page_p95_ms` (issue 10, item 7).

    .venv/bin/python bench/run.py --only start [--backend sqlite|postgresql|all] [--postgres-url URL]

On the database seeded by run.py (`scale` persons) this adds `5 * scale` interactions (1-2
persons each, a third with an organisation, spread over three years), 3 audit rows per person
(the "recent changes" panel sorts them) and a user with 40 open tasks, all with bulk inserts.
Then it renders the start page ("/") for that user through the test client: a warm-up round,
then `rounds` rounds of three variants (default, 12 months, one field of action).
`start_page_cpu_p95_ms` (info) is the same in CPU time of this process: on a busy machine the
wall-clock figure includes the wait for a CPU. `start_page_sql_p95_ms` (info): wall time spent
in the database calls of one page.
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    import math

    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


PASSWORD = "bench-start-page"


def seed_activity(app, scale: int, seed: int = 3) -> dict:
    from sqlalchemy import func, select, text

    from crm.auth.services import create_user
    from crm.contacts.models import Organisation, Person
    from crm.core.audit import AuditLog
    from crm.core.models import utcnow
    from crm.extensions import db
    from crm.imports.bulk import bulk_insert  # COPY on PostgreSQL
    from crm.interactions.models import (
        INTERACTION_KINDS,
        Interaction,
        Task,
        interaction_organisation,
        interaction_person,
    )
    from crm.interactions.services import refresh_last_contacted

    rng = random.Random(seed)
    count = 5 * scale
    start = time.perf_counter()
    with app.app_context():
        conn = db.session.connection()
        person_ids = list(conn.scalars(select(Person.id)))
        org_ids = list(conn.scalars(select(Organisation.id)))
        first = (conn.scalar(select(func.max(Interaction.id))) or 0) + 1
        now = utcnow()
        kinds = list(INTERACTION_KINDS)
        minutes = 3 * 365 * 24 * 60
        for chunk_start in range(first, first + count, 10_000):
            rows, persons, orgs = [], [], []
            for iid in range(chunk_start, min(chunk_start + 10_000, first + count)):
                at = now - timedelta(minutes=rng.randint(0, minutes))
                rows.append({"id": iid, "occurred_at": at, "kind": rng.choice(kinds), "subject": f"Gespräch {iid}",
                             "results": "", "created_at": at, "updated_at": at, "version": 1})
                for pid in set(rng.choices(person_ids, k=rng.choice((1, 1, 2)))):
                    persons.append({"interaction_id": iid, "person_id": pid})
                if rng.random() < 0.33:
                    orgs.append({"interaction_id": iid, "organisation_id": rng.choice(org_ids)})
            bulk_insert(conn, Interaction.__table__, rows)
            bulk_insert(conn, interaction_person, persons)
            bulk_insert(conn, interaction_organisation, orgs)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('interaction', 'id'), (SELECT max(id) FROM interaction))"))
            conn.execute(text("ANALYZE interaction, interaction_person, interaction_organisation"))
        refresh_last_contacted(None, connection=conn)

        audit = []
        for i in range(3 * scale):
            kind = rng.choice(("person", "person", "person", "affiliation", "organisation", "interaction", "project"))
            audit.append({"at": now - timedelta(minutes=rng.randint(0, minutes)), "user_name": "Import",
                          "action": "update", "entity_type": kind,
                          "entity_id": rng.choice(org_ids if kind == "organisation" else person_ids),
                          "label": f"Datensatz {i}", "changes": {"city": ["Alt", "Neu"]}})
        bulk_insert(conn, AuditLog.__table__, audit)

        user = create_user("startpage", PASSWORD, role="staff", full_name="Bench Benutzerin")
        today = now.date()
        db.session.add_all([Task(title=f"Aufgabe {i}", assignee_id=user.id, person_id=rng.choice(person_ids),
                                 due_on=today + timedelta(days=rng.randint(-20, 40))) for i in range(40)])
        db.session.commit()
        if conn.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()
    seconds = round(time.perf_counter() - start, 2)
    log(f"  seeded {count} interactions and {3 * scale} audit rows in {seconds} s")
    return {"seed_activity_s": seconds}


def bench_start_page(app, rounds: int = 20) -> dict:
    from sqlalchemy import event

    from crm.extensions import db

    sql_ms: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._bench_start = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        sql_ms.append((time.perf_counter() - context._bench_start) * 1000)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)

    client = app.test_client()
    response = client.post("/anmelden", data={"username": "startpage", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    variants = ["/", "/?monate=12", "/?handlungsfeld=1"]

    def render(url):
        response = client.get(url)
        assert response.status_code == 200 and "Aufgabe" in response.get_data(as_text=True), response.status_code

    for url in variants:
        render(url)
    samples, cpu, sql, worst = [], [], [], {}
    for _ in range(rounds):
        for url in variants:
            sql_ms.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            render(url)
            sql.append(sum(sql_ms))
            ms = (time.perf_counter() - start) * 1000
            cpu.append((time.process_time() - start_cpu) * 1000)
            samples.append(ms)
            worst[url] = max(worst.get(url, 0.0), ms)
    with app.app_context():
        db.session.remove()
    log(f"  start page: {len(samples)} samples, p50 {statistics.median(samples):.2f} ms, p95 {p95(samples):.2f} ms"
        f" (CPU of this process p95 {p95(cpu):.2f} ms, SQL p95 {p95(sql):.2f} ms)")
    # The CPU time of this process (Python, templates and, on SQLite, the queries) does not count time
    # spent waiting for a CPU on a busy machine; on PostgreSQL the server's share is not in it.
    return {"start_page_p95_ms": round(p95(samples), 2), "start_page_p50_ms": round(statistics.median(samples), 2),
            "start_page_cpu_p95_ms": round(p95(cpu), 2), "start_page_sql_p95_ms": round(p95(sql), 2),
            "start_page_worst_ms": {k: round(v, 2) for k, v in worst.items()}}
