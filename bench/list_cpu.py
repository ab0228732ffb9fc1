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
import statistics
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.page_cpu import login, measure, production_app  # noqa: E402
from bench.run import pick_queries  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--profile", type=int, default=0, help="print the N most expensive functions (cProfile)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one page")
    parser.add_argument("--per-query", action="store_true", help="print the median CPU time of each query")
    args = parser.parse_args(argv)

    app = production_app(args.database_url)
    client = login(app, "listcpu")
    with app.app_context():
        paths = ["/personen?q=" + quote(q) for q in pick_queries(app)]
    for path in paths:
        assert client.get(path).status_code == 200
    measured = paths * args.rounds
    result = measure(app, client, measured, sql=args.sql, profile=bool(args.profile))
    print(result.summary())
    if args.per_query:
        by_path: dict[str, list[float]] = {}
        for path, ms in zip(measured, result.cpu):
            by_path.setdefault(path, []).append(ms)
        for path, values in sorted(by_path.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {statistics.median(values):7.2f} ms CPU  {path}")
    result.print_profile(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
