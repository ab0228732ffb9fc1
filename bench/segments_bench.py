"""Verteiler at scale: `segment_count_p95_ms` (issue 11).

    .venv/bin/python bench/run.py --only segments [--backend sqlite|postgresql|all] [--postgres-url URL]

On the database seeded by run.py (`scale` persons) this adds, in bulk, 68 bodies (8 with 30 seats,
60 working groups with 12, a chair each) and a last contact for a third of the persons. Then it
measures the live count of the editor (crm/segments/views.py preview: the posted conditions parsed
and checked, then one COUNT) for six 3-condition Verteiler, from selective ("first mayors in the
district with an e-mail address") to broad ("in the district, not tagged Presse, civil society or
economy"): a warm-up round, then `rounds` rounds.

Info figures: `segment_count_cpu_p95_ms` (the same in CPU time of this process: on SQLite the
whole query, without the wait for a CPU on a busy machine; on PostgreSQL the server's share is not
in it), `segment_preview_p95_ms` (the whole live answer: count, first 20 persons with their
functions, the conditions in words), `segment_count_sets_p95_ms` (the same counts with every condition
as an IN set, without facets.compile_filter's choice of a leading condition), `segment_resolve_1000_ms`
(resolve 1,000 persons at their organisations for a letter, median of 5). The added rows are removed
at the end, so later figures do not see them.
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from bench.run import log, p95

BODY_MARK = "Bench-Gremium"


def seed_bodies(app, seed: int = 5) -> dict:
    from sqlalchemy import func, insert, select, update

    from crm.contacts.models import Person
    from crm.core.models import utcnow
    from crm.extensions import db
    from crm.network.models import Body, Seat

    rng = random.Random(seed)
    with app.app_context():
        conn = db.session.connection()
        person_ids = list(conn.scalars(select(Person.id).order_by(Person.id)))
        first_body = (conn.scalar(select(func.max(Body.id))) or 0) + 1
        now = utcnow()
        plan = [("lag_decision", 30)] * 2 + [("steering_group", 30)] * 3 + [("lag_assembly", 30)] * 3
        plan += [("working_group", 12)] * 60
        bodies, seats = [], []
        for i, (kind, size) in enumerate(plan):
            body_id = first_body + i
            bodies.append({"id": body_id, "name": f"{BODY_MARK} {i}", "short_name": "", "kind": kind,
                           "description": "", "quorum_share": 50, "max_group_share": 49, "min_non_public_share": 50,
                           "created_at": now, "updated_at": now, "version": 1})
            for j, person_id in enumerate(rng.sample(person_ids, size)):
                seats.append({"body_id": body_id, "person_id": person_id, "role": "chair" if j == 0 else "member",
                              "voting": kind != "working_group", "valid_from": date(2023, 1, 1), "resolution": "",
                              "end_resolution": "", "created_at": now, "updated_at": now, "version": 1})
        conn.execute(insert(Body), bodies)
        conn.execute(insert(Seat), seats)
        contacted = rng.sample(person_ids, len(person_ids) // 3)
        base = datetime.now(timezone.utc)
        # one UPDATE per day-bucket keeps it bulk: 60 buckets over two years
        buckets: dict[int, list[int]] = {}
        for person_id in contacted:
            buckets.setdefault(rng.randint(0, 59), []).append(person_id)
        for bucket, ids in buckets.items():
            for start in range(0, len(ids), 5000):
                conn.execute(update(Person).where(Person.id.in_(ids[start:start + 5000]))
                             .values(last_contacted_at=base - timedelta(days=12 * bucket + 1)))
        # what the app's bulk loads do (crm/imports/bulk.py): fresh planner statistics
        from crm.imports.bulk import refresh_planner_statistics

        refresh_planner_statistics(conn, ("body", "seat", "person"))
        db.session.commit()
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # The update leaves a third of the person rows dead; autovacuum would clear them shortly after
            # (as run.py does after seeding), and it may be off on a test server: done here explicitly.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as vacuum:
                vacuum.exec_driver_sql("VACUUM ANALYZE person")
    log(f"  seeded {len(bodies)} bodies, {len(seats)} seats, a last contact for {len(contacted)} persons")
    return {"first_body": first_body, "bodies": len(bodies), "contacted": contacted}


def remove_seeded(app, seeded: dict) -> None:
    from sqlalchemy import delete, update

    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.network.models import Body, Seat

    with app.app_context():
        conn = db.session.connection()
        conn.execute(delete(Seat).where(Seat.body_id >= seeded["first_body"]))
        conn.execute(delete(Body).where(Body.id >= seeded["first_body"]))
        ids = seeded["contacted"]
        for start in range(0, len(ids), 5000):
            conn.execute(update(Person).where(Person.id.in_(ids[start:start + 5000])).values(last_contacted_at=None))
        db.session.commit()
        db.session.remove()


def trees(app) -> dict[str, dict]:
    """Six Verteiler of three conditions each, named by what they ask; ids read from the seeded region."""
    from sqlalchemy import select

    from crm.contacts.models import ExpertiseTopic, FieldOfAction, FunctionTitle, Organisation, Tag, TargetGroup
    from crm.core import time as clock
    from crm.extensions import db

    with app.app_context():
        def one(stmt):
            return db.session.scalar(stmt.limit(1))

        mayor = one(select(FunctionTitle.id).where(FunctionTitle.name_male == "Erster Bürgermeister"))
        chair = one(select(FunctionTitle.id).where(FunctionTitle.name_male == "Vorsitzender"))
        district = one(select(Organisation.ags).where(Organisation.kind == "district"))[:5]
        elsenfeld = one(select(Organisation.ags).where(Organisation.short_name == "Elsenfeld",
                                                       Organisation.kind == "municipality"))
        tag = {name: one(select(Tag.id).where(Tag.name == name)) for name in ("Ehrenamt", "Presse", "Radweg")}
        tourism = one(select(FieldOfAction.id).where(FieldOfAction.name == "Tourismus und Naherholung"))
        seniors = one(select(TargetGroup.id).where(TargetGroup.name == "Senioren"))
        funding = one(select(ExpertiseTopic.id).where(ExpertiseTopic.name == "Fördermittel"))
        new_year = clock.today().replace(month=1, day=1).isoformat()
        db.session.remove()

    def c(facet, *values, **extra):
        return {"facet": facet, "values": list(values), **extra}

    return {
        "mayors in the district with e-mail": {"op": "and", "items": [
            c("function", mayor), c("district", district), c("has_email", "yes")]},
        "association chairs tagged Ehrenamt, no objection": {"op": "and", "items": [
            c("function", chair), c("tag", tag["Ehrenamt"]), c("objection", "no")]},
        "working-group chairs or mayors or Presse": {"op": "or", "items": [
            c("body_kind", "working_group", roles=["chair"]), c("function", mayor), c("tag", tag["Presse"])]},
        "district, not Presse, civil society or economy (broad)": {"op": "and", "items": [
            c("district", district), c("tag", tag["Presse"], **{"not": True}),
            c("sector", "civil_society", "economy")]},
        "tourism, not contacted this year, with address": {"op": "and", "items": [
            c("field", tourism), c("contacted_before", new_year),
            c("has_address", "yes")]},
        "seniors or funding experts in Elsenfeld": {"op": "and", "items": [
            {"op": "or", "items": [c("target_group", seniors), c("topic", funding)]},
            c("municipality", elsenfeld), c("tag", tag["Radweg"], **{"not": True})]},
    }


def _measure(label: str, items: dict, run, rounds: int, cpu: list | None = None) -> tuple[list[float], dict]:
    """All samples (wall ms) and, per filter, its p95 wall and CPU ms ({name: {"p95": .., "cpu_p95": ..}})."""
    for tree in items.values():
        run(tree)
    samples: list[float] = []
    wall: dict[str, list[float]] = {name: [] for name in items}
    used: dict[str, list[float]] = {name: [] for name in items}
    for _ in range(rounds):
        for name, tree in items.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            run(tree)
            ms = (time.perf_counter() - start) * 1000
            cpu_ms = (time.process_time() - start_cpu) * 1000
            if cpu is not None:
                cpu.append(cpu_ms)
            samples.append(ms)
            wall[name].append(ms)
            used[name].append(cpu_ms)
    log(f"  {label}: {len(samples)} samples, p50 {statistics.median(samples):.2f} ms, p95 {p95(samples):.2f} ms"
        + (f" (CPU of this process p95 {p95(cpu):.2f} ms)" if cpu else ""))
    per_filter = {name: {"p95": round(p95(wall[name]), 2), "cpu_p95": round(p95(used[name]), 2)}
                  for name in sorted(items, key=lambda n: -p95(wall[n]))}
    for name, figures in per_filter.items():
        log(f"    {name}: p95 {figures['p95']:.2f} ms (CPU {figures['cpu_p95']:.2f} ms)")
    return samples, per_filter


def bench_segments(app, rounds: int = 20) -> dict:
    from sqlalchemy import func, select

    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.segments import facets, services

    seeded = seed_bodies(app)
    items = trees(app)
    result: dict = {}
    try:
        with app.test_request_context("/"):
            counts = {}

            def live_count(tree):
                counted = services.count(facets.parse_filter(tree, strict=False))
                db.session.remove()
                return counted

            for name, tree in items.items():
                counts[name] = live_count(tree).persons
            cpu: list[float] = []
            samples, worst = _measure("segment count", items, live_count, rounds, cpu)
            result["segment_count_p95_ms"] = round(p95(samples), 2)
            result["segment_count_p50_ms"] = round(statistics.median(samples), 2)
            result["segment_count_cpu_p95_ms"] = round(p95(cpu), 2)

            def live_answer(tree):
                parsed = facets.parse_filter(tree, strict=False)
                services.count(parsed)
                for p in services.preview(parsed):
                    p.primary_affiliation  # noqa: B018  (the preview shows it)
                facets.describe(parsed)
                db.session.remove()

            samples, preview_worst = _measure("segment live answer", items, live_answer, max(rounds // 2, 5))
            result["segment_preview_p95_ms"] = round(p95(samples), 2)

            def sets_only(tree):
                parsed = facets.parse_filter(tree, strict=False)
                db.session.scalar(select(func.count()).select_from(Person).where(
                    facets.persons_clause(parsed, "set")))
                db.session.remove()

            samples, sets_worst = _measure("segment count, all as IN sets", items, sets_only, max(rounds // 4, 3))
            result["segment_count_sets_p95_ms"] = round(p95(samples), 2)

            ids = list(db.session.scalars(select(Person.id).where(Person.archived_at.is_(None))
                                          .order_by(Person.id).limit(1000)))
            db.session.remove()
            times = []
            for _ in range(5):
                start = time.perf_counter()
                resolution = services.resolve(services.Selection.of(ids), "at_organisation", "letter")
                times.append((time.perf_counter() - start) * 1000)
                db.session.remove()
            result["segment_resolve_1000_ms"] = round(statistics.median(times), 2)
            log(f"  resolve 1,000: median {result['segment_resolve_1000_ms']} ms "
                f"({len(resolution.recipients)} recipients, {len(resolution.excluded)} left out)")
        result["segment_details"] = {
            "counts": counts,
            "count_per_filter_ms": worst,
            "preview_per_filter_ms": preview_worst,
            "sets_per_filter_ms": sets_worst,
        }
        log(f"  matches: {counts}")
    finally:
        remove_seeded(app, seeded)
    return result
