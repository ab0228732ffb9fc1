"""Backups of the whole database, and restoring them.

A backup is one file: an uncompressed tar archive holding
  manifest.json    app "RegioNetz", format, database kind, schema revision (Alembic), time,
                   name, size and SHA-256 of the payload
  database.sqlite  (SQLite: a copy made with the online backup API, consistent while the app runs)
  database.pgdump  (PostgreSQL: pg_dump in its custom format)

A restore checks everything before it touches the database: the archive must be complete, the
manifest RegioNetz's, the payload's size and checksum right, the payload itself readable
(SQLite: integrity check; PostgreSQL: pg_restore --list), its schema revision one this version
of the app knows (older ones are upgraded afterwards, newer ones refused). Only then is the
database replaced, in one step (SQLite: the backup API into the target; PostgreSQL: one psql
transaction that drops the schema and loads the dump), and the migrations run (flask db upgrade).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm.extensions import db

APP = "RegioNetz"
FORMAT = 1
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the user (German)."""


@dataclass
class Manifest:
    dialect: str
    revisions: list[str]
    created_at: str
    payload: str
    size: int
    sha256: str

    def to_json(self) -> bytes:
        return json.dumps({"app": APP, "format": FORMAT, "dialect": self.dialect, "revisions": self.revisions,
                           "created_at": self.created_at, "payload": self.payload, "size": self.size,
                           "sha256": self.sha256}, indent=2).encode("utf-8")


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in PAYLOAD:
        raise BackupError(_("Backups are made of SQLite and PostgreSQL databases only, not of %(name)s.", name=name))
    return name


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path() -> str:
    path = _url().database
    if not path or path == ":memory:":
        raise BackupError(_("The database is kept in memory; there is nothing to back up."))
    return path


def _libpq_url() -> str:
    """The database address for pg_dump / psql (without SQLAlchemy's driver name)."""
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def current_revisions() -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, check=False, **kwargs)
    except FileNotFoundError:
        raise BackupError(_("The PostgreSQL client program %(program)s is not installed (Debian package "
                            "postgresql-client).", program=args[0]))


# ----------------------------------------------------------------------------- backup


def backup(out: Path) -> Manifest:
    """Writes a backup of the app's database to `out` (replaced only once it is complete)."""
    dialect = _dialect()
    revisions = current_revisions()
    out = Path(out)
    near = out.parent if out.parent.exists() else None  # the finished file is moved, not copied, into place
    with tempfile.TemporaryDirectory(prefix="regionetz-backup-", dir=near) as tmp:
        payload = Path(tmp) / PAYLOAD[dialect]
        if dialect == "sqlite":
            source = sqlite3.connect(_sqlite_path())
            target = sqlite3.connect(payload)
            try:
                with target:
                    source.backup(target)  # the online backup API: a consistent copy while the app runs
            finally:
                target.close()
                source.close()
        else:
            done = _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(payload),
                         "--dbname", _libpq_url()])
            if done.returncode != 0:
                raise BackupError(_("pg_dump failed: %(error)s", error=done.stderr.decode("utf-8", "replace").strip()))
        manifest = Manifest(dialect=dialect, revisions=revisions,
                            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            payload=payload.name, size=payload.stat().st_size, sha256=_sha256(payload))
        partial = Path(tmp) / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(payload, arcname=payload.name)
        shutil.move(str(partial), out)
    return manifest


# ----------------------------------------------------------------------------- restore


def _not_ours() -> BackupError:
    return BackupError(_("This file is not a RegioNetz backup (made with “flask crm backup”); nothing was changed."))


def _damaged(detail: str) -> BackupError:
    return BackupError(_("The backup is damaged or incomplete (%(detail)s); nothing was changed.", detail=detail))


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.next()  # the manifest comes first; getmember would read the whole archive
        if member is None or member.name != MANIFEST:
            raise _not_ours()
        raw = json.loads(archive.extractfile(member).read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, tarfile.TarError, OSError):
        raise _damaged(_("the table of contents cannot be read"))
    if not isinstance(raw, dict) or raw.get("app") != APP or raw.get("payload") not in PAYLOAD.values():
        raise _not_ours()
    if raw.get("format") != FORMAT:
        raise BackupError(_("This backup was written in a format this version of RegioNetz does not read; "
                            "nothing was changed."))
    return Manifest(dialect=raw["dialect"], revisions=list(raw.get("revisions") or []),
                    created_at=raw.get("created_at", ""), payload=raw["payload"], size=int(raw.get("size") or 0),
                    sha256=str(raw.get("sha256") or ""))


def _known_revisions(revisions: list[str]) -> bool:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        return bool(revisions) and all(scripts.get_revision(rev) is not None for rev in revisions)
    except Exception:  # alembic raises several kinds of error for an unknown id
        return False


def verify(path: Path, workdir: Path) -> tuple[Manifest, Path]:
    """Checks the backup completely and unpacks its payload into `workdir`; BackupError if anything is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("The file %(file)s does not exist.", file=str(path)))
    try:
        archive = tarfile.open(path, "r:")
    except tarfile.TarError:
        with open(path, "rb") as handle:
            head = handle.read(16)
        if head.startswith(b"SQLite format 3") or head.startswith(b"PGDMP"):
            raise _not_ours()
        raise _damaged(_("not an archive")) if head[:5] == b"manif" else _not_ours()
    with archive:
        manifest = read_manifest(archive)
        dialect = _dialect()
        if manifest.dialect != dialect:
            raise BackupError(_("The backup is of a %(backup)s database, this installation uses %(target)s; "
                                "nothing was changed.", backup=manifest.dialect, target=dialect))
        try:
            member = archive.getmember(manifest.payload)
            source = archive.extractfile(member)
            payload = workdir / manifest.payload
            with open(payload, "wb") as handle:
                shutil.copyfileobj(source, handle)
        except KeyError:
            raise _damaged(_("the database is missing"))
        except (tarfile.TarError, OSError, EOFError):
            raise _damaged(_("the file ends too early"))
    if payload.stat().st_size != manifest.size:
        raise _damaged(_("the file ends too early"))
    if _sha256(payload) != manifest.sha256:
        raise _damaged(_("the checksum does not match"))
    if dialect == "sqlite":
        try:
            conn = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
            try:
                ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                stored = sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            raise _damaged(_("the database cannot be read"))
        if not ok:
            raise _damaged(_("the database fails its integrity check"))
        if stored != sorted(manifest.revisions):
            raise _damaged(_("the schema version does not match the table of contents"))
    else:
        listing = _run(["pg_restore", "--list", str(payload)])
        if listing.returncode != 0 or b"alembic_version" not in listing.stdout:
            raise _damaged(_("pg_restore cannot read the dump"))
    if not _known_revisions(manifest.revisions):
        raise BackupError(_("The backup comes from a newer version of RegioNetz (schema %(revision)s); please update "
                            "the application first. Nothing was changed.",
                            revision=", ".join(manifest.revisions) or "?"))
    return manifest, payload


def restore(path: Path) -> tuple[Manifest, list[str]]:
    """Replaces the database by the backup, then upgrades it to this version's schema.

    Returns the manifest and the schema revisions after the upgrade."""
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="regionetz-restore-") as tmp:
        manifest, payload = verify(Path(path), Path(tmp))
        db.session.remove()
        db.engine.dispose()
        if manifest.dialect == "sqlite":
            source = sqlite3.connect(payload)
            target = sqlite3.connect(_sqlite_path())
            try:
                source.backup(target)  # replaces every page of the target in one step
            finally:
                target.close()
                source.close()
        else:
            _restore_postgresql(payload, Path(tmp))
    db.engine.dispose()
    upgrade(revision="heads")
    db.engine.dispose()
    return manifest, current_revisions()


def _restore_postgresql(payload: Path, tmp: Path) -> None:
    """The dump as SQL, loaded by psql in one transaction after dropping the schema: all or nothing."""
    script = tmp / "restore.sql"
    done = _run(["pg_restore", "--no-owner", "--no-privileges", "--file", str(script), str(payload)])
    if done.returncode != 0:
        raise _damaged(_("pg_restore cannot read the dump"))
    wrapper = tmp / "run.sql"
    wrapper.write_text("DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
                       f"\\i {script}\n", encoding="utf-8")
    env = dict(os.environ, PGOPTIONS="--client-min-messages=warning")
    loaded = _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
                   "--dbname", _libpq_url(), "--file", str(wrapper)], env=env)
    if loaded.returncode != 0:
        raise BackupError(_("The restore failed and was rolled back; the database is unchanged. psql said: "
                            "%(error)s", error=loaded.stderr.decode("utf-8", "replace").strip()[-500:]))
