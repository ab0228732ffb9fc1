"""flask crm backup / restore on the test's own database kind (SQLite, or PostgreSQL with TEST_DATABASE_URL):
a round trip that compares every table, an older schema upgraded after the restore, and damaged,
truncated, foreign and newer backups refused without touching the database."""
import io
import json
import os
import sqlite3
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.extensions import db

_MADE: list[str] = []


def _maintenance(sql: str) -> None:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def _new_database(tmp_path, name: str) -> str:
    """A database of the test's kind of its own: a SQLite file, or <test database>_<name> on PostgreSQL."""
    url = make_url(os.environ["TEST_DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / name}.sqlite"
    dbname = f"{url.database}_{name}"
    _maintenance(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _maintenance(f'CREATE DATABASE "{dbname}"')
    _MADE.append(dbname)
    return url.set(database=dbname).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def _drop_made_databases():
    yield
    while _MADE:
        _maintenance(f'DROP DATABASE IF EXISTS "{_MADE.pop()}" WITH (FORCE)')


def _app(tmp_path, name: str, revision: str = "heads"):
    from flask_migrate import upgrade

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=_new_database(tmp_path, name))
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()
    return app


def _all_rows(app) -> dict:
    """Every row of every table (and the schema version), in primary-key order."""
    with app.app_context():
        tables = list(db.metadata.sorted_tables)
        out = {}
        with db.engine.connect() as conn:
            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
            out["alembic_version"] = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        db.engine.dispose()
        return out


def _seed(app, persons=60):
    from crm.auth.services import create_user
    from crm.contacts.demo import generate_region
    from crm.core.registry import current_registry

    with app.app_context():
        create_user("demo", "regionetz-demo", role="admin")
        generate_region(persons=persons, seed=3)
        for loader in current_registry().demo_loaders:
            loader.load(seed=3)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _cli(app, *args, **kwargs):
    # the test's own app context is open (conftest): the command must run in this app's
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["crm", *args], **kwargs)
        db.session.remove()
        db.engine.dispose()
    return result


def _change_things(app):
    from crm.contacts.models import Organisation, Person

    with app.app_context():
        db.session.add(Person(last_name="Nachträglich", first_name="Nora"))
        org = db.session.scalars(select(Organisation).order_by(Organisation.id)).first()
        org.name = "Umbenannt nach der Sicherung"
        person = db.session.scalars(select(Person).where(Person.notes == "").order_by(Person.id.desc())).first()
        person.city = "Anderswo"
        db.session.execute(text("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY id LIMIT 5)"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def seeded(tmp_path):
    app = _app(tmp_path, "bk_source")
    _seed(app)
    return app


def test_round_trip_compares_every_table_on_both_databases(tmp_path, seeded):
    backup = tmp_path / "sicherung.regionetz"
    before = _all_rows(seeded)
    assert len(before["person"]) >= 60 and before["audit_log"] and before["alembic_version"]
    result = _cli(seeded, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert "Sicherung geschrieben" in result.output and "Schema" in result.output

    _change_things(seeded)
    assert _all_rows(seeded) != before
    result = _cli(seeded, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert "Sicherung geprüft" in result.output and "Datenbank wiederhergestellt" in result.output
    after = _all_rows(seeded)
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], table

    # the same backup into a second, fresh database gives the same rows
    target = _app(tmp_path, "bk_target")
    result = _cli(target, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    other = _all_rows(target)
    for table in before:
        assert other[table] == before[table], table

    # and the app works on it: the demo user logs in
    client = target.test_client()
    with target.app_context():
        response = client.post("/anmelden", data={"username": "demo", "password": "regionetz-demo"})
        assert response.status_code == 302
        db.engine.dispose()


def test_restore_without_yes_asks_first(tmp_path, seeded):
    backup = tmp_path / "sicherung.regionetz"
    _cli(seeded, "backup", str(backup))
    _change_things(seeded)
    changed = _all_rows(seeded)
    result = _cli(seeded, "restore", str(backup), input="n\n")
    assert result.exit_code != 0 and "Jeden Datensatz der Datenbank durch diese Sicherung ersetzen?" in result.output
    assert _all_rows(seeded) == changed


def _previous_revision(app) -> str:
    from alembic.script import ScriptDirectory

    with app.app_context():
        scripts = ScriptDirectory(app.extensions["migrate"].directory)
        head = scripts.get_revision(scripts.get_current_head())
        return head.down_revision if isinstance(head.down_revision, str) else head.down_revision[0]


def test_a_backup_of_an_older_schema_is_upgraded_after_the_restore(tmp_path, seeded):
    previous = _previous_revision(seeded)
    old = _app(tmp_path, "bk_old", revision=previous)
    with old.app_context():
        db.session.execute(text("INSERT INTO \"user\" (username, email, full_name, password_hash, role, active, locale,"
                                " task_digest, failed_logins, session_token, created_at, updated_at) VALUES "
                                "('altkonto', '', 'Alt', 'x', 'staff', true, 'de', false, 0, 'tok', "
                                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        db.session.commit()
        db.engine.dispose()
    backup = tmp_path / "alt.regionetz"
    assert _cli(old, "backup", str(backup)).exit_code == 0
    result = _cli(seeded, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Schema von {previous} auf" in result.output
    rows = _all_rows(seeded)
    with seeded.app_context():
        from crm.backup.services import current_revisions

        heads = current_revisions()
        db.engine.dispose()
    assert rows["alembic_version"] == heads and previous not in heads
    assert [r for r in rows["user"] if "altkonto" in r]


def _refused(app, path: Path, expected: str):
    before = _all_rows(app)
    result = _cli(app, "restore", str(path), "--yes")
    assert result.exit_code != 0
    assert expected in result.output, result.output
    assert "nichts wurde geändert" in result.output or "Nichts wurde geändert" in result.output
    assert _all_rows(app) == before


def test_damaged_truncated_foreign_and_newer_backups_are_refused(tmp_path, seeded):
    backup = tmp_path / "gut.regionetz"
    assert _cli(seeded, "backup", str(backup)).exit_code == 0
    data = backup.read_bytes()
    _change_things(seeded)  # so that a restore would visibly change something

    truncated = tmp_path / "abgeschnitten.regionetz"
    truncated.write_bytes(data[: len(data) // 2])
    _refused(seeded, truncated, "beschädigt oder unvollständig")

    tiny = tmp_path / "winzig.regionetz"
    tiny.write_bytes(data[:300])
    _refused(seeded, tiny, "beschädigt oder unvollständig")

    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "kaputt.regionetz"
    damaged.write_bytes(bytes(flipped))
    _refused(seeded, damaged, "beschädigt oder unvollständig")

    foreign = tmp_path / "fremd.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE kunden (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    _refused(seeded, foreign, "keine RegioNetz-Sicherung")

    other_app = tmp_path / "andere.tar"
    with tarfile.open(other_app, "w") as archive:
        raw = json.dumps({"app": "AndereApp", "format": 1}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(raw)
        archive.addfile(info, io.BytesIO(raw))
    _refused(seeded, other_app, "keine RegioNetz-Sicherung")

    text_file = tmp_path / "notizen.txt"
    text_file.write_text("Das ist keine Sicherung.\n" * 50, encoding="utf-8")
    _refused(seeded, text_file, "keine RegioNetz-Sicherung")

    # a backup from a newer version (an unknown schema revision)
    newer = tmp_path / "neuer.regionetz"
    _rewrite_revision(backup, newer, tmp_path, "ffffffffffff")
    _refused(seeded, newer, "neueren Version von RegioNetz")


def _rewrite_revision(source: Path, out: Path, tmp_path: Path, revision: str):
    import hashlib

    with tarfile.open(source) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        payload = archive.extractfile(manifest["payload"]).read()
    if manifest["dialect"] == "sqlite":
        path = tmp_path / "umgeschrieben.sqlite"
        path.write_bytes(payload)
        conn = sqlite3.connect(path)
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()
        conn.close()
        payload = path.read_bytes()
    manifest.update(revisions=[revision], size=len(payload), sha256=hashlib.sha256(payload).hexdigest())
    with tarfile.open(out, "w") as archive:
        for name, content in (("manifest.json", json.dumps(manifest).encode()), (manifest["payload"], payload)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def test_a_backup_of_the_other_database_kind_is_refused(tmp_path, seeded):
    backup = tmp_path / "gut.regionetz"
    assert _cli(seeded, "backup", str(backup)).exit_code == 0
    with tarfile.open(backup) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    other = "postgresql" if manifest["dialect"] == "sqlite" else "sqlite"
    swapped = tmp_path / "andere-art.regionetz"
    with tarfile.open(backup) as archive, tarfile.open(swapped, "w") as out:
        for member in archive.getmembers():
            content = archive.extractfile(member).read()
            if member.name == "manifest.json":
                content = json.dumps(dict(manifest, dialect=other)).encode()
            info = tarfile.TarInfo(member.name)
            info.size = len(content)
            out.addfile(info, io.BytesIO(content))
    _refused(seeded, swapped, "nichts wurde geändert")


def test_backup_to_an_unwritable_place_says_so(tmp_path, seeded):
    result = _cli(seeded, "backup", str(tmp_path / "fehlt" / "ordner" / "x.regionetz"))
    assert result.exit_code != 0
