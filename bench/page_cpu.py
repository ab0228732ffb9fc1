"""CPU time per person page in the app process (issue 17), the figure behind `contact_page_rps`.

    .venv/bin/python bench/page_cpu.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/regionetz_bench_N
    [--pages 300] [--profile 40] [--sql]

On a seeded database (e.g. one `bench/run.py --keep-database` left), the app as production builds it
(FLASK_CONFIG=production, no request log) renders the detail pages of `--pages` persons picked at random
(the same on every run) through the test client, logged in as a viewer through the login form. It prints the
CPU time of this process per page (`time.process_time()`, so other processes on the machine count little),
the wall time and the SQL statements per page. `--profile N` prints the N most expensive functions
(cProfile, cumulative); `--sql` prints the statements of one page.

On a shared machine the CPU time per page is the figure to compare: 300 pages/s on 2 cores need about 5 ms.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-page-cpu"


def production_app(database_url: str):
    os.environ.update(FLASK_CONFIG="production", SECRET_KEY=os.urandom(32).hex(), DATABASE_URL=database_url,
                      SESSION_COOKIE_SECURE="false", LOG_REQUESTS="false", LOG_LEVEL="WARNING", REDIS_URL="",
                      TWO_FACTOR_REQUIRED_FOR_ADMINS="false", LOGIN_RATE_LIMIT="1000 per minute")
    from crm import create_app

    return create_app("production", SQLALCHEMY_DATABASE_URI=database_url)


def login(app, username: str):
    from sqlalchemy import select

    from crm.auth.models import User
    from crm.auth.services import create_user
    from crm.extensions import db

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == username)) is None:
            create_user(username, PASSWORD, role="viewer", full_name="Bench Seite")
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    page = client.get("/anmelden").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/anmelden", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client


def person_paths(app, n: int) -> list[str]:
    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.extensions import db

    with app.app_context():
        ids = list(db.session.scalars(select(Person.id).where(Person.archived_at.is_(None)).order_by(Person.id)))
        db.session.remove()
    return [f"/personen/{i}" for i in random.Random(7).sample(ids, min(n, len(ids)))]


class Measured:
    """What `measure` found: CPU and wall ms per page, statements, sizes, the profile."""

    def __init__(self):
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.sizes: list[int] = []
        self.statements = 0
        self.total_cpu = 0.0
        self.profiler = None

    def summary(self) -> str:
        n = len(self.cpu)
        load = os.getloadavg()
        return (f"pages {n}: CPU {self.total_cpu * 1000 / n:.2f} ms/page (median {statistics.median(self.cpu):.2f}), "
                f"wall median {statistics.median(self.wall):.2f} ms, {self.statements / n:.1f} statements/page, "
                f"{statistics.mean(self.sizes) / 1024:.1f} KiB/page; load average {load[0]:.2f} {load[1]:.2f}")

    def print_profile(self, n: int) -> None:
        if self.profiler:
            import pstats

            pstats.Stats(self.profiler).sort_stats("cumulative").print_stats(n)
            pstats.Stats(self.profiler).sort_stats("tottime").print_stats(n)


def measure(app, client, paths: list[str], *, sql: bool = False, profile: bool = False) -> Measured:
    """GET every path through the client (200 expected), timing CPU and wall time and counting statements;
    `sql` first prints the statements of one page."""
    from sqlalchemy import event

    from crm.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    if sql:
        event.listen(engine, "before_cursor_execute", listener)
        client.get(paths[0])
        event.remove(engine, "before_cursor_execute", listener)
        for i, s in enumerate(statements, 1):
            print(f"--- {i}\n{s}")
        statements.clear()

    result = Measured()
    if profile:
        import cProfile

        result.profiler = cProfile.Profile(time.process_time)  # CPU time, not the waits for the database
    event.listen(engine, "before_cursor_execute", listener)
    start_cpu_all = time.process_time()
    if result.profiler:
        result.profiler.enable()
    for path in paths:
        start, start_cpu = time.perf_counter(), time.process_time()
        answer = client.get(path)
        result.cpu.append((time.process_time() - start_cpu) * 1000)
        result.wall.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
        result.sizes.append(len(answer.data))
    if result.profiler:
        result.profiler.disable()
    result.total_cpu = time.process_time() - start_cpu_all
    event.remove(engine, "before_cursor_execute", listener)
    result.statements = len(statements)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--profile", type=int, default=0, help="print the N most expensive functions (cProfile)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one page")
    args = parser.parse_args(argv)

    app = production_app(args.database_url)
    client = login(app, "pagecpu")
    paths = person_paths(app, args.pages + args.warmup)
    warm, measured = paths[:args.warmup], paths[args.warmup:]
    for path in warm:
        assert client.get(path).status_code == 200
    result = measure(app, client, measured, sql=args.sql, profile=bool(args.profile))
    print(result.summary())
    result.print_profile(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
