"""CardDAV at scale: the "all contacts" address book polled by phones (issue 19).

    .venv/bin/python bench/carddav_bench.py [--persons 20000] [--backend sqlite|postgresql] [--postgres-url URL]

Builds a database with the real migrations (SQLite: a temporary file; PostgreSQL: the public schema of
--postgres-url is dropped and rebuilt, as the test-suite does with TEST_DATABASE_URL, so give it a
database of your own), seeds `demo.generate_region(persons, persons // 10)` in bulk, then asks as one
staff member with an app password, through the test client, what a phone asks:

- `ctag_poll_ms`: PROPFIND Depth 0 of the book (getctag, sync-token): what iOS / DAVx5 poll first;
- `propfind_depth1_ms`: PROPFIND Depth 1 of the book (getetag of every card);
- `sync_unchanged_ms`: REPORT sync-collection with the token of the previous sync, nothing changed since;
- `sync_one_change_ms`: the same right after one person was changed (the answer names that card only; the
  book is rendered and compared then, as a state made within a minute of a change is not reused);
- `first_sync_ms`: the first sync-collection (no token: every card, getetag only) — info.

Median of `rounds` after a warm-up, each the time from sending the request until the whole answer is
there (the client's parsing of it not included); the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROPFIND = (b'<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" '
            b'xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:getetag/><cs:getctag/><d:sync-token/>'
            b'<d:resourcetype/></d:prop></d:propfind>')
NS = {"d": "DAV:"}


def sync_body(token: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}'
            f'</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>'
            ).encode()


SERVED: list[float] = []  # ms per request, from sending it until the whole answer is there (not parsing it)


def timed(run, rounds: int) -> tuple[float, object]:
    run()  # warm-up
    samples, result = [], None
    for _ in range(rounds):
        SERVED.clear()
        result = run()
        samples.append(sum(SERVED))
    return round(statistics.median(samples), 1), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", ""))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from crm import create_app
    from crm.extensions import db

    tmp = tempfile.mkdtemp(prefix="regionetz-carddav-bench-")
    if args.backend == "sqlite":
        url = f"sqlite:///{tmp}/bench.sqlite"
    else:
        if not args.postgres_url:
            parser.error("--postgres-url (a database of your own: its public schema is rebuilt)")
        url = args.postgres_url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    figures: dict = {"backend": args.backend, "persons": args.persons}
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade(revision="heads")
            from crm.auth.services import create_user
            from crm.carddav import passwords
            from crm.contacts import demo
            from crm.contacts.models import Person

            start = time.perf_counter()
            counts = demo.generate_region(persons=args.persons, organisations=args.persons // 10, seed=1)
            db.session.commit()
            figures["seed_s"] = round(time.perf_counter() - start, 1)
            # A book phones poll was mostly last changed a while ago: the seeded rows date from an hour back.
            for table in ("person", "organisation", "affiliation"):
                db.session.execute(text(f"UPDATE {table} SET updated_at = :at"),
                                   {"at": datetime.now(timezone.utc) - timedelta(hours=1)})
            db.session.commit()
            if args.backend == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            user = create_user("bench.dav", "correct horse battery", role="staff", full_name="Anna Bench")
            _row, secret = passwords.create(user, "iPhone")
            db.session.commit()
            username = user.username
            db.session.remove()
        print(f"seeded {counts} in {figures['seed_s']} s", file=sys.stderr)

        client = app.test_client()
        headers = {"Authorization": "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode(),
                   "Content-Type": 'application/xml; charset="utf-8"'}
        book = f"/carddav/{username}/alle/"

        def request(method, body, depth=None):
            start = time.perf_counter()
            response = client.open(book, method=method, data=body,
                                   headers=headers | ({"Depth": str(depth)} if depth is not None else {}))
            response.get_data()
            SERVED.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 207, (response.status_code, response.get_data(as_text=True)[:300])
            return ET.fromstring(response.data)

        def first_sync():
            return request("REPORT", sync_body(""))

        figures["first_sync_ms"], root = timed(first_sync, 1)
        cards = len(root.findall("d:response", NS))
        token = root.findtext("d:sync-token", namespaces=NS)
        figures["cards"] = cards
        figures["ctag_poll_ms"], _ = timed(lambda: request("PROPFIND", PROPFIND, 0), args.rounds)
        figures["propfind_depth1_ms"], root = timed(lambda: request("PROPFIND", PROPFIND, 1), args.rounds)
        assert len(root.findall("d:response", NS)) == cards + 1

        def unchanged():
            answer = request("REPORT", sync_body(token))
            assert not answer.findall("d:response", NS), "nothing changed, nothing to send"
            return answer

        figures["sync_unchanged_ms"], _ = timed(unchanged, args.rounds)

        def one_change():
            with app.app_context():
                person = db.session.get(Person, db.session.scalar(text("SELECT min(id) FROM person")))
                person.notes = f"Rückruf {time.perf_counter()}"
                person.city = "Miltenberg" if person.city != "Miltenberg" else "Amorbach"
                db.session.commit()
                db.session.remove()
            answer = request("REPORT", sync_body(token))
            assert len(answer.findall("d:response", NS)) == 1, "the changed card only"
            return answer

        figures["sync_one_change_ms"], _ = timed(one_change, args.rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures["loadavg"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    for key, value in figures.items():
        print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
