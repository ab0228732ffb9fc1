"""Benchmarks of import, duplicate scan and the person exports (vCard, CSV, XLSX; issues 5 and 17).

    .venv/bin/python bench/imports_bench.py --scale 100000 [--database-url URL] [--json out.json]

The harness (bench/run.py) may call the three functions with an app whose database already
holds `scale` persons from crm.contacts.demo.generate_region; standalone, __main__ builds such a
database on SQLite (a temporary file) or on the database given.

| figure | what | target |
| --- | --- | --- |
| `import_preview_1000_ms` | p95 of rendering the first preview page of a 1,000-row CSV (20 rounds, logged in, through the test client) | <= 500 ms |
| `import_100k_s` | a `scale`-row CSV (German Excel: Windows-1252, ";"; 2 % of the rows are persons that exist already) through upload, column assignment, validation, duplicate check against every person, and commit | <= 60 s |
| `dedupe_100k_s` | `scan_duplicates("person")` over all persons, with storing the pairs | <= 30 s |
| `vcard_export_100k_s` | streaming every person as vCard 3.0 (the `/export/personen.vcf` generator), in a fresh process | <= 200 s |
| `vcard_export_peak_rss_mb` | peak resident memory of that process | <= 200 MB |
| `csv_export_peak_rss_mb`, `xlsx_export_peak_rss_mb` | the same for the CSV and the XLSX export (`/export/personen.csv`, `.xlsx`); their times as `csv_export_100k_s`, `xlsx_export_100k_s` | (info) |

The import is undone afterwards (not timed, reported as `import_undo_s`), so the database holds
`scale` persons again for the next benchmark.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {
    "import_100k_s": 60.0,
    "import_preview_1000_ms": 500.0,
    "dedupe_100k_s": 30.0,
    "vcard_export_100k_s": 200.0,
    "vcard_export_peak_rss_mb": 200.0,
}


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


# A regional list has regional numbers: the area codes around Aschaffenburg and Miltenberg.
AREA_CODES = ["6021", "6022", "6023", "6024", "6026", "6027", "6028", "6029", "6020", "6092", "6093", "6094",
              "9371", "9372", "9373", "9374", "9375", "9376", "9377", "9378"]


def make_csv(app, rows: int, seed: int = 7) -> bytes:
    """A German Excel CSV of `rows` persons; every 50th row is a person that exists already."""
    from faker import Faker
    from sqlalchemy import select

    from crm.contacts.models import Affiliation, Organisation, Person
    from crm.extensions import db

    rng = random.Random(seed)
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    with app.app_context():
        existing = db.session.execute(
            select(Person.first_name, Person.last_name, Person.email, Organisation.name, Affiliation.email)
            .outerjoin(Affiliation, (Affiliation.person_id == Person.id) & Affiliation.is_primary)
            .outerjoin(Organisation, Organisation.id == Affiliation.organisation_id)
            .order_by(Person.id).limit(max(1, rows // 50))
        ).all()
        org_names = [n for (n,) in db.session.execute(select(Organisation.name).limit(2000))]
    fields = ["Tourismus und Naherholung", "Daseinsvorsorge", "Klima und Energie", "Regionale Wirtschaft"]
    lines = ["Anrede;Titel;Vorname;Nachname;Funktion;Organisation;Straße;Hausnummer;PLZ;Ort;E-Mail;Telefon;Mobil;"
             "Handlungsfeld;Schlagwort"]
    for i in range(rows):
        if existing and i % 50 == 0:
            first, last, email, org, work_email = existing[(i // 50) % len(existing)]
            salutation, degree = "", ""
            email = work_email or email or ""
            org = org or ""
        else:
            female = rng.random() < 0.5
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            salutation = "Frau" if female else "Herr"
            degree = "Dr." if rng.random() < 0.05 else ""
            email = f"{first[:1].lower()}.{last.lower().replace(' ', '')}{i}@example.org".replace("ä", "ae").replace(
                "ö", "oe").replace("ü", "ue").replace("ß", "ss")
            org = rng.choice(org_names) if org_names and rng.random() < 0.6 else (
                f"{fake.last_name()} {rng.choice(['GmbH', 'e.V.', 'KG'])}" if rng.random() < 0.5 else "")
        street = fake.street_name()
        lines.append(";".join([
            salutation, degree, first, last, rng.choice(["", "Vorsitzende", "Geschäftsführer", "Kassier"]),
            org.replace(";", ","), street, str(rng.randint(1, 120)), f"{rng.randint(1000, 99999):05d}",
            fake.city(), email, f"0{rng.choice(AREA_CODES)} {rng.randint(1000, 999999)}",
            f"017{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}" if rng.random() < 0.4 else "",
            rng.choice(fields) if rng.random() < 0.3 else "", rng.choice(["Presse", "Ehrenamt", ""]),
        ]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace")


def bench_import(app, scale: int) -> dict:
    from crm.extensions import db
    from crm.imports import services

    data = make_csv(app, scale)
    log(f"[import] CSV of {scale} rows, {len(data) // 1024} KB")
    with app.app_context(), app.test_request_context():
        app.config["IMPORT_MAX_BYTES"] = max(app.config.get("IMPORT_MAX_BYTES", 0), len(data) + 1)
        start = time.perf_counter()
        batch = services.start_import("bench.csv", data)
        read_s = time.perf_counter() - start
        services.apply_mapping(batch, services.mapping_for(batch))
        preview_s = time.perf_counter() - start
        counts = services.commit_import(batch)
        db.session.commit()
        total = time.perf_counter() - start
        log(f"[import] read {read_s:.1f} s, preview {preview_s:.1f} s, committed {total:.1f} s: {counts}")
        batch_id = batch.id
        db.session.remove()
        start = time.perf_counter()
        from crm.imports.models import ImportBatch

        services.undo_import(db.session.get(ImportBatch, batch_id))
        db.session.commit()
        undo_s = time.perf_counter() - start
        db.session.remove()
    return {
        "import_100k_s": round(total, 2),
        "import_preview_s": round(preview_s, 2),
        "import_created": counts.get("created", 0),
        "import_updated": counts.get("updated", 0),
        "import_undo_s": round(undo_s, 2),
    }


def bench_import_preview(app, rows: int = 1000, rounds: int = 20) -> dict:
    """p95 of rendering the first preview page (GET /import/<id>/vorschau) of a `rows`-row CSV,
    through the test client as a logged-in user sees it (field comparison of the update rows included)."""
    import statistics

    from crm.auth.services import create_user
    from crm.extensions import db
    from crm.imports import services
    from crm.imports.models import ImportBatch

    data = make_csv(app, rows, seed=11)
    with app.app_context(), app.test_request_context():
        batch = services.start_import("vorschau.csv", data)
        services.apply_mapping(batch, services.mapping_for(batch))
        user = create_user(f"bench-import-{int(time.time())}", "bench password 123", role="staff")
        db.session.commit()
        batch_id, username = batch.id, user.username
        db.session.remove()
    client = app.test_client()
    response = client.post("/anmelden", data={"username": username, "password": "bench password 123"})
    assert response.status_code == 302, response.status_code
    samples = []
    for index in range(rounds + 2):
        start = time.perf_counter()
        response = client.get(f"/import/{batch_id}/vorschau")
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        if index >= 2:  # the first two warm the caches (templates, translations)
            samples.append(elapsed)
    ordered = sorted(samples)
    p95 = ordered[max(0, int(0.95 * len(ordered) + 0.999) - 1)]
    with app.app_context():
        services.discard_import(db.session.get(ImportBatch, batch_id))
        db.session.commit()
        db.session.remove()
    log(f"[import preview] {rows} rows, first page: p50 {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms, "
        f"{len(response.data) // 1024} KB")
    return {"import_preview_1000_ms": round(p95, 1)}


def bench_dedupe(app, scale: int) -> dict:
    from crm.duplicates.finder import scan_duplicates
    from crm.extensions import db

    with app.app_context():
        start = time.perf_counter()
        pairs = scan_duplicates("person")
        db.session.commit()
        seconds = time.perf_counter() - start
        db.session.remove()
    log(f"[dedupe] {pairs} pairs in {seconds:.1f} s")
    return {"dedupe_100k_s": round(seconds, 2), "dedupe_pairs": pairs}


def _export_in_this_process(database_url: str, fmt: str = "vcf") -> dict:
    """Every person exported as the /export/personen.<fmt> view does it (vcf, csv or xlsx), the bytes
    counted and thrown away."""
    from crm import create_app
    from crm.contacts.services import ContactFilters
    from crm.exports import services as exports
    from crm.interop.tabular import csv_response_rows, file_chunks, xlsx_file

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        start = time.perf_counter()
        session = exports.export_session()
        stmt = exports.persons_query(ContactFilters(archived="all"))
        if fmt == "vcf":
            body = exports.closing(session, exports.vcard_bytes_stream(stmt, session))
        elif fmt == "csv":
            body = exports.closing(session, csv_response_rows(exports.person_header(),
                                                              exports.person_rows(stmt, session)))
        else:
            try:
                body = file_chunks(xlsx_file(exports.person_header(), exports.person_rows(stmt, session)))
            finally:
                session.close()
        size = cards = 0
        for chunk in body:
            size += len(chunk)
            if fmt == "vcf":
                cards += chunk.count(b"BEGIN:VCARD")
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "cards": cards, "bytes": size}


def peak_rss_mb() -> float:
    """Peak resident memory of this process.

    VmHWM, not getrusage: Linux carries ru_maxrss over fork and exec, so a child started by a
    process that had seeded 100,000 persons would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _export_child(app, fmt: str) -> dict:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if hasattr(url, "render_as_string"):
        url = url.render_as_string(hide_password=False)
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--export-child", fmt, str(url)],
        capture_output=True, text=True, cwd=str(ROOT), check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{fmt} export failed:\n{completed.stderr[-3000:]}")
    child = json.loads(completed.stdout.strip().splitlines()[-1])
    log(f"[{fmt}] {child['bytes'] // 1024 // 1024} MB in {child['seconds']:.1f} s, "
        f"peak RSS {child['peak_rss_mb']:.0f} MB")
    return child


def bench_vcard_export(app, scale: int) -> dict:
    """Streams every person as vCard in a fresh process, so its peak memory is the export's own."""
    child = _export_child(app, "vcf")
    return {
        "vcard_export_100k_s": round(child["seconds"], 2),
        "vcard_export_peak_rss_mb": round(child["peak_rss_mb"], 1),
        "vcard_export_cards": child["cards"],
    }


def bench_table_exports(app, scale: int) -> dict:
    """The CSV and XLSX export of every person, each in a fresh process like the vCard export."""
    figures = {}
    for fmt in ("csv", "xlsx"):
        child = _export_child(app, fmt)
        figures[f"{fmt}_export_100k_s"] = round(child["seconds"], 2)
        figures[f"{fmt}_export_peak_rss_mb"] = round(child["peak_rss_mb"], 1)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100000)
    parser.add_argument("--database-url", default="", help="Default: a new SQLite file in a temporary directory.")
    parser.add_argument("--json", default="", help="Write the figures to this file.")
    parser.add_argument("--only", choices=["import", "dedupe", "vcard", "tables"], action="append")
    parser.add_argument("--export-child", nargs=2, metavar=("FORMAT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.export_child:
        print(json.dumps(_export_in_this_process(args.export_child[1], args.export_child[0])))
        return 0

    from flask_migrate import upgrade

    from crm import create_app
    from crm.contacts import demo
    from crm.extensions import db

    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.mkdtemp(prefix="regionetz-imports-bench-")
        url = f"sqlite:///{tmp}/bench.sqlite"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="heads")
        log(f"seeding {args.scale} persons into {url}")
        start = time.perf_counter()
        demo.generate_region(persons=args.scale, organisations=args.scale // 10, seed=1)
        db.session.commit()
        log(f"  seeded in {time.perf_counter() - start:.1f} s")
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # as bench/run.py: what autovacuum does shortly after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
    figures: dict = {"scale": args.scale, "backend": url.split(":", 1)[0]}
    wanted = set(args.only or ["import", "dedupe", "vcard", "tables"])
    if "dedupe" in wanted:
        figures.update(bench_dedupe(app, args.scale))
    if "vcard" in wanted:
        figures.update(bench_vcard_export(app, args.scale))
    if "tables" in wanted:
        figures.update(bench_table_exports(app, args.scale))
    if "import" in wanted:
        figures.update(bench_import_preview(app))
        figures.update(bench_import(app, args.scale))
    for name, target in TARGETS.items():
        if name in figures:
            verdict = "ok" if figures[name] <= target else "MISSED"
            log(f"  {name:28} {figures[name]:>10}  (target <= {target:g})  {verdict}")
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
