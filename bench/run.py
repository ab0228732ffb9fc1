"""Benchmark of seeding, quick search and the person list on SQLite and PostgreSQL.

    python bench/run.py --scale 100000 --json out.json [--backend sqlite|postgresql|all] [--postgres-url URL]

Each backend gets a fresh database built by the real migrations (SQLite: a temporary file;
PostgreSQL: a database of its own, created next to the one in the URL and dropped at the end).
Figures: seeding time, p95 of quick_search(), p95 of a naive LIKE search over the same queries
and their ratio, p95 of the first page of the person list. See bench/README.md.
"""
import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# figure -> (target, "max"/"min", unit)
TARGETS = {
    "seed_100k_s": (120.0, "max", "s"),
    "search_p95_ms": (20.0, "max", "ms"),
    "search_naive_ratio": (10.0, "min", "x"),
    "list_p95_ms": (100.0, "max", "ms"),
    "list_q_p95_ms": (80.0, "max", "ms"),
    "import_100k_s": (60.0, "max", "s"),
    "import_preview_1000_ms": (500.0, "max", "ms"),
    "dedupe_100k_s": (30.0, "max", "s"),
    "vcard_export_100k_s": (200.0, "max", "s"),
    "vcard_export_peak_rss_mb": (200.0, "max", "MB"),
    "start_page_p95_ms": (150.0, "max", "ms"),
    "segment_count_p95_ms": (100.0, "max", "ms"),
    "mailmerge_1000_s": (3.0, "max", "s"),
    "mailmerge_ratio": (1.5, "max", "x"),
    "contact_page_rps": (300.0, "min", "1/s"),
    "load_errors": (0.0, "max", ""),
    "campaign_1000_s": (20.0, "max", "s"),
    "search_p95_ms_1m_pg": (50.0, "max", "ms"),
    "list_p95_ms_1m_pg": (150.0, "max", "ms"),
}
INFO_FIGURES = ("naive_p95_ms", "search_p50_ms", "list_p50_ms", "list_q_p50_ms", "start_page_p50_ms", "start_page_cpu_p95_ms",
                "start_page_sql_p95_ms", "seed_activity_s", "segment_count_p50_ms", "segment_count_cpu_p95_ms",
                "segment_preview_p95_ms", "segment_count_sets_p95_ms", "segment_resolve_1000_ms",
                "mailmerge_load_s", "mailmerge_raw_s", "contact_page_p95_ms", "contact_page_p50_ms", "load_rps",
                "load_p95_ms",
                "campaign_1000_cpu_s", "seed_1m_pg_s", "search_p50_ms_1m_pg", "list_p50_ms_1m_pg",
                "seed_1m_sqlite_s", "search_p95_ms_1m_sqlite", "list_p95_ms_1m_sqlite",
                "csv_export_100k_s", "csv_export_peak_rss_mb", "xlsx_export_100k_s", "xlsx_export_peak_rss_mb")


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# ---------------------------------------------------------------- databases


class SqliteDatabase:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="regionetz-bench-")
        self.url = f"sqlite:///{self.dir}/bench.sqlite"

    def drop(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabase:
    """A database of its own (never the schema the test-suite uses), dropped at the end."""

    made = 0

    def __init__(self, admin_url: str):
        from sqlalchemy import create_engine, make_url

        from config import _normalise_db_url

        self.admin_url = make_url(_normalise_db_url(admin_url))
        # The pid, and a number for the second database of the same run (make bench: the million after the
        # 100,000), so that a kept database is never dropped by the next one.
        PostgresDatabase.made += 1
        self.name = f"regionetz_bench_{os.getpid()}" + (f"_{self.made}" if self.made > 1 else "")
        self.url = self.admin_url.set(database=self.name).render_as_string(hide_password=False)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        try:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            self.admin.dispose()


class ReusedDatabase:
    """A database seeded by an earlier run (`--keep-database`), given with `--reuse-database`: not seeded
    again and not dropped at the end."""

    def __init__(self, url: str):
        from config import _normalise_db_url

        self.url = _normalise_db_url(url)

    def drop(self) -> None:
        pass


# ---------------------------------------------------------------- queries


def pick_queries(app) -> list[str]:
    """A fixed mix of realistic queries; the names come from the seeded data, chosen by id."""
    from sqlalchemy import func, select

    from crm.contacts.models import Person
    from crm.extensions import db

    queries = [
        "müller", "mueller", "muller", "schmi", "bäcker",  # surnames with umlauts, ASCII spellings, prefixes
        "kleinw", "elsenf", "bürgerm", "vorsitz", "ma", "sch",  # 2-6 letter prefixes
        "Miltenberg", "Großheubach", "Mömlingen",  # municipalities
        "weingut", "feuerwehr", "feuerwehr elsenfeld", "gasthof",  # organisation words
        "06022", "dorfladen", "xyzzy",  # phone prefix, tag, nothing
    ]
    total = db.session.scalar(select(func.count(Person.id))) or 1
    first_id = db.session.scalar(select(func.min(Person.id))) or 1
    # First+last name pairs and a lone surname, spread over the table.
    for fraction in (0.11, 0.29, 0.47, 0.66, 0.83):
        person = db.session.scalar(
            select(Person).where(Person.id >= first_id + int(total * fraction)).order_by(Person.id).limit(1)
        )
        if person is not None:
            queries.append(f"{person.first_name} {person.last_name}")
    person = db.session.scalar(select(Person).where(Person.id >= first_id + int(total * 0.38)).order_by(Person.id).limit(1))
    if person is not None:
        queries.append(person.last_name)
    # A fragment of an e-mail address ("k.schmidt@gmx").
    person = db.session.scalar(
        select(Person).where(Person.id >= first_id + int(total * 0.52), Person.email != "").order_by(Person.id).limit(1)
    )
    if person is not None:
        local, _, domain = person.email.partition("@")
        queries.append(f"{local}@{domain.split('.')[0]}")
    # The first and last name as typed, half-finished.
    person = db.session.scalar(select(Person).where(Person.id >= first_id + int(total * 0.74)).order_by(Person.id).limit(1))
    if person is not None:
        queries.append(f"{person.first_name[:3]} {person.last_name[:4]}")
    db.session.remove()
    return queries


def naive_search(conn, query: str, limit: int = 9) -> tuple[list, list]:
    """What one would write without a token index: a substring match on every field for every word."""
    from datetime import date

    from sqlalchemy import and_, or_, select

    from crm.contacts.models import Affiliation, FunctionTitle, Organisation, Person, Tag, person_tag

    words = [w for w in query.lower().split() if w]
    if not words:
        return [], []
    sqlite = conn.dialect.name == "sqlite"

    def like(column, word):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        if sqlite:
            from sqlalchemy import func

            return func.lower(column).like(pattern, escape="\\")
        return column.ilike(pattern, escape="\\")

    p = Person.__table__.c
    a = Affiliation.__table__
    o = Organisation.__table__
    f = FunctionTitle.__table__
    today = date.today()
    joined = (
        Person.__table__.outerjoin(a, and_(a.c.person_id == p.id, or_(a.c.valid_to.is_(None), a.c.valid_to >= today)))
        .outerjoin(o, o.c.id == a.c.organisation_id)
        .outerjoin(f, f.c.id == a.c.function_id)
        .outerjoin(person_tag, person_tag.c.person_id == p.id)
        .outerjoin(Tag.__table__, Tag.__table__.c.id == person_tag.c.tag_id)
    )
    person_fields = (p.first_name, p.last_name, p.email, p.phone, p.mobile, p.city, o.c.name, o.c.city,
                     f.c.name_male, f.c.name_female, Tag.__table__.c.name)
    conditions = [or_(*(like(col, w) for col in person_fields)) for w in words]
    persons = conn.execute(
        select(p.id, p.sort_name).select_from(joined).where(p.archived_at.is_(None), *conditions)
        .distinct().order_by(p.sort_name, p.id).limit(limit)
    ).all()
    org_fields = (o.c.name, o.c.city, o.c.email)
    conditions = [or_(*(like(col, w) for col in org_fields)) for w in words]
    orgs = conn.execute(
        select(o.c.id, o.c.name, o.c.city).where(o.c.archived_at.is_(None), *conditions)
        .order_by(o.c.sort_name, o.c.id).limit(limit)
    ).all()
    return persons, orgs


def list_filters(app) -> list:
    from sqlalchemy import select

    from crm.contacts.models import FieldOfAction, Organisation, Tag, TargetGroup
    from crm.contacts.services import ContactFilters
    from crm.extensions import db

    field = db.session.scalar(select(FieldOfAction.id).order_by(FieldOfAction.position, FieldOfAction.id).limit(1))
    tag = db.session.scalar(select(Tag.id).where(Tag.name == "Dorfladen"))
    group = db.session.scalar(select(TargetGroup.id).where(TargetGroup.name == "Senioren"))
    municipality = db.session.scalar(
        select(Organisation.id).where(Organisation.kind == "municipality", Organisation.short_name == "Elsenfeld")
    )
    db.session.remove()
    return [
        ContactFilters(),
        ContactFilters(field=field),
        ContactFilters(tag=tag),
        ContactFilters(kind="municipality"),
        ContactFilters(sector="economy"),
        ContactFilters(municipality=municipality),
        ContactFilters(target_group=group),
        ContactFilters(q="mül"),
        ContactFilters(sort="city"),
        ContactFilters(archived="all"),
    ]


def describe(f) -> str:
    from dataclasses import fields

    from crm.contacts.services import ContactFilters

    default = ContactFilters()
    parts = [f"{x.name}={getattr(f, x.name)!r}" for x in fields(f) if getattr(f, x.name) != getattr(default, x.name)]
    return ", ".join(parts) or "(none)"


# ---------------------------------------------------------------- measuring


def measure(label: str, items: list, run, rounds: int) -> tuple[list[float], dict[str, float]]:
    """One warm-up round, then `rounds` rounds; returns all samples (ms) and the worst per item."""
    for item in items:
        run(item)
    samples, worst = [], {}
    for _ in range(rounds):
        for item in items:
            start = time.perf_counter()
            run(item)
            ms = (time.perf_counter() - start) * 1000
            samples.append(ms)
            key = item if isinstance(item, str) else describe(item)
            worst[key] = max(worst.get(key, 0.0), ms)
    log(f"  {label}: {len(samples)} samples, p50 {statistics.median(samples):.2f} ms, p95 {p95(samples):.2f} ms")
    return samples, worst


def search_and_list_figures(app, backend: str, rounds: int, naive_rounds: int, result: dict, details: dict,
                            naive: bool = True) -> None:
    """Quick search (ours and the naive one unless naive=False) and the person list on the seeded database."""
    from crm.contacts import services
    from crm.contacts.search import quick_search
    from crm.extensions import db

    with app.app_context():
        queries = pick_queries(app)
        log(f"[{backend}] {len(queries)} queries: {queries}")
        details["queries"] = queries

        with app.test_request_context("/"):

            def ours(q):
                quick_search(q)
                db.session.remove()

            samples, worst = measure("quick_search", queries, ours, rounds)
            result["search_p95_ms"] = round(p95(samples), 2)
            result["search_p50_ms"] = round(statistics.median(samples), 2)
            details["search_worst_ms"] = {k: round(v, 2) for k, v in sorted(worst.items(), key=lambda kv: -kv[1])}
            details["search_hits"] = {}
            for q in queries:
                r = quick_search(q)
                details["search_hits"][q] = [len(r.persons), len(r.organisations)]
                db.session.remove()

            def naive_run(q):
                with db.engine.connect() as conn:
                    naive_search(conn, q)

            if naive:
                samples, worst = measure("naive search", queries, naive_run, naive_rounds)
                result["naive_p95_ms"] = round(p95(samples), 2)
                result["search_naive_ratio"] = round(result["naive_p95_ms"] / max(result["search_p95_ms"], 1e-6), 1)
                details["naive_worst_ms"] = {k: round(v, 2) for k, v in sorted(worst.items(), key=lambda kv: -kv[1])}

            filters = list_filters(app)

            def person_list(f):
                page = services.person_list_page(f, page=1, per_page=50, error_out=False)  # what /personen runs
                for p in page.items:
                    p.primary_affiliation  # noqa: B018  (the template shows it)
                db.session.remove()

            samples, worst = measure("person list", filters, person_list, rounds)
            result["list_p95_ms"] = round(p95(samples), 2)
            result["list_p50_ms"] = round(statistics.median(samples), 2)
            details["list_worst_ms"] = {k: round(v, 2) for k, v in sorted(worst.items(), key=lambda kv: -kv[1])}
        db.session.remove()
    if naive:
        list_q_figures(app, queries, rounds, result, details)


def list_q_figures(app, queries: list[str], rounds: int, result: dict, details: dict) -> None:
    """`list_q_p95_ms`: the person list searched with ?q= (its first page), through the app as a browser
    asks for it: a logged-in viewer, the whole page rendered."""
    from urllib.parse import quote

    from sqlalchemy import select

    from crm.auth.models import User
    from crm.auth.services import create_user
    from crm.extensions import db

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "listbench")) is None:  # a reused database has it
            create_user("listbench", "bench-list-page", role="viewer", full_name="Bench Liste")
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    assert client.post("/anmelden", data={"username": "listbench", "password": "bench-list-page"}).status_code == 302

    def page(q):
        response = client.get("/personen?q=" + quote(q))
        assert response.status_code == 200, (q, response.status_code)

    samples, worst = measure("person list ?q=", queries, page, rounds)
    result["list_q_p95_ms"] = round(p95(samples), 2)
    result["list_q_p50_ms"] = round(statistics.median(samples), 2)
    details["list_q_worst_ms"] = {k: round(v, 2) for k, v in sorted(worst.items(), key=lambda kv: -kv[1])}
    with app.app_context():
        db.session.remove()


def seed(app, backend: str, scale: int, only: str, result: dict) -> dict:
    """`generate_region` at `scale` (+ VACUUM ANALYZE on PostgreSQL); the counts of what was made."""
    from crm.contacts import demo
    from crm.extensions import db

    with app.app_context():
        log(f"[{backend}] seeding {scale} persons, {scale // 10} organisations")
        start = time.perf_counter()
        counts = demo.generate_region(persons=scale, organisations=scale // 10, seed=1)
        db.session.commit()
        result["seed_100k_s"] = round(time.perf_counter() - start, 2)
        db.session.remove()
        log(f"  seeded {counts} in {result['seed_100k_s']} s")
        if only == "million":
            result["seed_1m_" + ("pg" if backend == "postgresql" else "sqlite") + "_s"] = result.pop("seed_100k_s")
        if backend == "postgresql":
            # What autovacuum does shortly after a bulk load (statistics, visibility map for
            # index-only scans); done here explicitly because autovacuum may be off or not yet due.
            start = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            result["vacuum_analyze_s"] = round(time.perf_counter() - start, 2)
            log(f"  VACUUM ANALYZE in {result['vacuum_analyze_s']} s")
    return counts


def bench_backend(backend: str, scale: int, postgres_url: str, rounds: int, naive_rounds: int,
                  with_imports: bool = True, only: str = "all", keep: bool = False, reuse: str = "") -> dict:
    """All figures of one backend; only="import", "start", "segments", "letters" or "campaigns": the seeded
    database and those figures alone; only="million": seeding, quick search and the person list under the
    names of the million figures (`seed_1m_pg_s`, `search_p95_ms_1m_pg`, `list_p95_ms_1m_pg`).
    keep=True leaves the database in place (its URL is logged) for looking at query plans afterwards;
    reuse=URL measures on that database as an earlier run left it (migrated to the head, not seeded, nothing
    dropped). only="listq": the person list searched with ?q= through the app (`list_q_p95_ms`) alone."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db

    if reuse:
        database = ReusedDatabase(reuse)
    else:
        database = SqliteDatabase() if backend == "sqlite" else PostgresDatabase(postgres_url)
    result: dict = {}
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=database.url)
        with app.app_context():
            log(f"[{backend}] migrating {database.url}")
            upgrade(revision="heads")  # parts developed in parallel may add branches until merged
            db.session.remove()
        if reuse:
            log(f"[{backend}] reusing the seeded database {database.url} (no seeding)")
            details: dict = {"reused": database.url}
        else:
            details = {"counts": seed(app, backend, scale, only, result)}
        if only in ("all", "list"):
            search_and_list_figures(app, backend, rounds, naive_rounds, result, details)
        if only == "listq":
            with app.app_context():
                queries = pick_queries(app)
            details["queries"] = queries
            list_q_figures(app, queries, rounds, result, details)
        if only == "million":
            # The naive search and the ?q= list through the app are 100,000 figures; left out here.
            suffix = "_1m_" + ("pg" if backend == "postgresql" else "sqlite")
            figures: dict = {}
            search_and_list_figures(app, backend, rounds, naive_rounds, figures, details, naive=False)
            for name in ("search_p95_ms", "search_p50_ms", "list_p95_ms", "list_p50_ms"):
                result[name + suffix] = figures[name]
        if (with_imports and only == "all") or only == "import":
            # Import, duplicate scan and vCard export on the same seeded database (bench/imports_bench.py).
            from bench import imports_bench

            if only == "all":
                result.update(imports_bench.bench_dedupe(app, scale))
                result.update(imports_bench.bench_vcard_export(app, scale))
                result.update(imports_bench.bench_table_exports(app, scale))
            result.update(imports_bench.bench_import_preview(app))
            result.update(imports_bench.bench_import(app, scale))
        if only in ("all", "segments"):
            # Bodies and seats it adds are removed again (bench/segments_bench.py).
            from bench import segments_bench

            log(f"[{backend}] Verteiler: live counts of 3-condition filters")
            figures = segments_bench.bench_segments(app, rounds=max(rounds, 20))
            details["segments"] = figures.pop("segment_details")
            result.update(figures)
        if only in ("all", "letters"):
            # 1,000 letters from the built-in template (bench/letters_bench.py)
            from bench import letters_bench

            log(f"[{backend}] letters")
            result.update(letters_bench.bench_letters(app))
        if only in ("all", "campaigns"):
            # 1,000 personalised e-mails to an aiosmtpd server on loopback (bench/campaigns_bench.py)
            from bench import campaigns_bench

            log(f"[{backend}] campaign: 1,000 e-mails")
            result.update(campaigns_bench.bench_campaigns(app))
        if only in ("all", "start"):
            # After the others, so that the interactions it adds change no other figure (bench/start_bench.py) but
            # the person page under load below: a real region's person has a timeline.
            from bench import start_bench

            log(f"[{backend}] start page: seeding {5 * scale} interactions")
            result.update(start_bench.seed_activity(app, scale))
            figures = start_bench.bench_start_page(app, rounds=max(rounds, 20))
            details["start_page_worst_ms"] = figures.pop("start_page_worst_ms")
            result.update(figures)
        if only in ("all", "load"):
            # A person's page under gunicorn, a load generator in a second process (bench/load_bench.py); in a full
            # run after the start page's seeding, so the persons have interactions (5 per person on average).
            from bench import load_bench

            log(f"[{backend}] person page under load (gunicorn)")
            result.update(load_bench.bench_contact_page(app, database.url))
            log(f"[{backend}] 50 users, mixed requests (gunicorn)")
            with app.app_context():
                queries = pick_queries(app)
            result.update(load_bench.bench_mixed_load(app, database.url, queries))
            # load_errors: every answer of both load runs that was not a whole page
            result["load_errors"] = result["load_errors"] + result.pop("load_mixed_errors")
        with app.app_context():
            details["load_average"] = [round(x, 2) for x in os.getloadavg()]
            result["details"] = details
            db.session.remove()
            db.engine.dispose()
    finally:
        if keep or reuse:
            log(f"[{backend}] database kept: {database.url}")
        else:
            database.drop()
    return result


# ---------------------------------------------------------------- report


def verdict(name: str, value: float) -> str:
    target, direction, _unit = TARGETS[name]
    ok = value <= target if direction == "max" else value >= target
    return "ok" if ok else "MISSED"


def print_table(backend: str, figures: dict, scale: int) -> None:
    print(f"\n{backend} (scale {scale:,})")
    print(f"  {'figure':<26} {'value':>10}  {'target':<10} ok?")
    for name, (target, direction, _unit) in TARGETS.items():
        if name not in figures:
            continue
        value = figures[name]
        sign = "<=" if direction == "max" else ">="
        note = "" if name != "seed_100k_s" or scale == 100_000 else "  (target is for 100,000)"
        print(f"  {name:<26} {value:>10.2f}  {sign} {target:<7g} {verdict(name, value)}{note}")
    for name in INFO_FIGURES + ("vacuum_analyze_s",):
        if name in figures:
            print(f"  {name:<26} {figures[name]:>10.2f}  (info)")
    load = figures.get("details", {}).get("load_average")
    if load:
        print(f"  load average at the end: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min) on {os.cpu_count()} CPUs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=None, help="persons to seed (organisations: a tenth)")
    parser.add_argument("--json", dest="json_path", help="write the figures to this file")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default=None)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="server to create the benchmark database on (env BENCH_POSTGRES_URL)")
    parser.add_argument("--rounds", type=int, default=10, help="measured rounds per query / filter")
    parser.add_argument("--naive-rounds", type=int, default=3, help="measured rounds of the naive search")
    parser.add_argument("--details", action="store_true", help="also print the slowest queries and filters")
    parser.add_argument("--no-imports", action="store_true", help="skip the import, duplicate and vCard figures")
    parser.add_argument("--with-million", action="store_true",
                        help="after the other figures, also seed 1,000,000 persons on PostgreSQL and add "
                             "seed_1m_pg_s, search_p95_ms_1m_pg and list_p95_ms_1m_pg to the PostgreSQL figures "
                             "(what `make bench` runs: every figure in one JSON file)")
    parser.add_argument("--keep-database", action="store_true",
                        help="leave the seeded database in place (its URL is logged), e.g. to look at query plans")
    parser.add_argument("--reuse-database", default="", metavar="URL",
                        help="measure a database an earlier --keep-database run left again: migrated to the head, "
                             "not seeded, not dropped at the end (one backend, that of the URL; with --only million, "
                             "list, listq or load)")
    parser.add_argument("--only", choices=("all", "list", "listq", "import", "start", "segments", "letters", "load",
                                           "campaigns", "million"), default="all",
                        help="import: seed, then only import_preview_1000_ms and import_100k_s (quick); "
                             "start: seed, then only start_page_p95_ms; segments: seed, then only "
                             "segment_count_p95_ms and its info figures; letters: seed, then only mailmerge_*; "
                             "load: seed, then only contact_page_rps under gunicorn; "
                             "campaigns: seed, then only campaign_1000_s; million: 1,000,000 persons (unless --scale "
                             "is given) on PostgreSQL (unless --backend is given), seed_1m_pg_s, "
                             "search_p95_ms_1m_pg and list_p95_ms_1m_pg; listq: seed, then only list_q_p95_ms "
                             "(the person list searched with ?q= through the app)")
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 1_000_000 if args.only == "million" else 100_000
    if args.backend is None:
        args.backend = "postgresql" if args.only == "million" else "all"

    if args.reuse_database:
        args.backend = "sqlite" if args.reuse_database.startswith("sqlite") else "postgresql"
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    if args.reuse_database and args.only not in ("million", "list", "listq", "load"):
        parser.error("--reuse-database needs --only million, list, listq or load")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) * 0.5:
        log(f"note: load average {load:.2f} on {os.cpu_count()} CPUs; timings will be noisy")
    out: dict = {}
    for backend in backends:
        out[backend] = bench_backend(backend, args.scale, args.postgres_url, args.rounds, args.naive_rounds,
                                     with_imports=not args.no_imports, only=args.only, keep=args.keep_database,
                                     reuse=args.reuse_database)
    out["scale"] = args.scale
    if args.with_million and not args.reuse_database and args.only == "all":
        million = bench_backend("postgresql", 1_000_000, args.postgres_url, args.rounds, args.naive_rounds,
                                only="million", keep=args.keep_database)
        figures = out.setdefault("postgresql", {"details": {}})
        figures.setdefault("details", {})["million"] = million.pop("details")
        figures.update(million)
        if "postgresql" not in backends:
            backends = backends + ("postgresql",)

    missed = []
    for backend in backends:
        print_table(backend, out[backend], args.scale)
        missed += [f"{backend}.{n}" for n in TARGETS if n in out[backend] and verdict(n, out[backend][n]) != "ok"]
        if args.details:
            d = out[backend]["details"]
            for key in ("search_worst_ms", "naive_worst_ms", "list_worst_ms", "start_page_worst_ms"):
                if key in d:
                    print(f"  {key}: " + ", ".join(f"{k!r} {v}" for k, v in list(d[key].items())[:6]))
    print("\nMISSED: " + ", ".join(missed) if missed else "\nAll targets met.")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
