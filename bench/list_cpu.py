"""CPU time per person list searched with ?q= in the app process (issue 17), the figure behind `list_q_p95_ms`.

    .venv/bin/python bench/list_cpu.py --database-url URL [--rounds 4] [--profile 40] [--sql]

On a seeded database (e.g. one `bench/run.py --only listq --keep-database` left), the app as production
builds it renders `GET /personen?q=...` for the queries of `list_q_p95_ms` (bench/run.py pick_queries)
through the test client, logged in as a viewer, `--rounds` times after a warm-up round. It prints the CPU time
of this process per page (`time.process_time()`), the wall time and the statements per page; `--profile N`
the N most expensive functions (cProfile with CPU time), `--sql` the statements of one page.
Compare before and after back to back, on the same database.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.page_cpu import login, production_app  # noqa: E402
from bench.run import pick_queries  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--profile", type=int, default=0, help="print the N most expensive functions (cProfile)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one page")
    parser.add_argument("--per-query", action="store_true", help="print the median CPU time of each query")
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from crm.extensions import db

    app = production_app(args.database_url)
    client = login(app, "listcpu")
    with app.app_context():
        paths = ["/personen?q=" + quote(q) for q in pick_queries(app)]
    for path in paths:
        assert client.get(path).status_code == 200

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    if args.sql:
        event.listen(engine, "before_cursor_execute", listener)
        client.get(paths[0])
        event.remove(engine, "before_cursor_execute", listener)
        for i, s in enumerate(statements, 1):
            print(f"--- {i}\n{s}")
        statements.clear()

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    event.listen(engine, "before_cursor_execute", listener)
    cpu, wall = [], []
    measured = paths * args.rounds
    start_cpu_all = time.process_time()
    if profiler:
        profiler.enable()
    for path in measured:
        start, start_cpu = time.perf_counter(), time.process_time()
        answer = client.get(path)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    if profiler:
        profiler.disable()
    total_cpu = time.process_time() - start_cpu_all
    event.remove(engine, "before_cursor_execute", listener)

    load = os.getloadavg()
    print(f"pages {len(measured)}: CPU {total_cpu * 1000 / len(measured):.2f} ms/page "
          f"(median {statistics.median(cpu):.2f}), wall median {statistics.median(wall):.2f} ms, "
          f"{len(statements) / len(measured):.1f} statements/page; load average {load[0]:.2f} {load[1]:.2f}")
    if args.per_query:
        by_path: dict[str, list[float]] = {}
        for path, ms in zip(measured, cpu):
            by_path.setdefault(path, []).append(ms)
        for path, values in sorted(by_path.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {statistics.median(values):7.2f} ms CPU  {path}")
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
