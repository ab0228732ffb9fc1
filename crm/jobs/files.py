"""The file a background job makes for the user who started it (a big export, an activity report):
written into EXPORT_DIR under a random name, readable by the service user only, and removed
EXPORT_KEEP_HOURS after it was written (remove_expired(), called whenever such a job starts or its page
or file is opened, and by `flask crm remove-expired-exports`).

EXPORT_DIR is a directory on the host's disk that the app processes and the worker share (they run on
one host, see the README); nothing of the file is kept in the process that made it. The job keeps the
file's name in details["file"]; file_of() finds it again."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import current_app

_TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _configured_dir() -> Path:
    return Path(current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")


def directory() -> Path:
    path = _configured_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep_seconds() -> float:
    return float(current_app.config.get("EXPORT_KEEP_HOURS") or 24) * 3600


def keep_hours_text() -> str:
    """EXPORT_KEEP_HOURS as the pages say it ("24", "1,5")."""
    from babel.numbers import format_decimal

    return format_decimal(keep_seconds() / 3600, "#,##0.#", locale="de")


def write(chunks) -> tuple[str, int]:
    """Write the bytes of `chunks` into a new file of EXPORT_DIR (first as a .part file, renamed when
    complete; mode 0600: personal data). Returns (token, size): the token goes into the job's
    details["file"]."""
    token = secrets.token_urlsafe(24)
    target = directory() / token
    partial = target.with_name(token + ".part")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            for piece in chunks:
                out.write(piece)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return token, target.stat().st_size


def file_of(job, kind: str) -> Path | None:
    """The file of a finished job of this kind, if it is still there (and not older than EXPORT_KEEP_HOURS)."""
    token = str((job.details or {}).get("file") or "")
    if job.kind != kind or job.status != "done" or not token or not set(token) <= _TOKEN_CHARS:
        return None
    path = directory() / token
    try:
        written = path.stat().st_mtime
    except OSError:
        return None
    return path if time.time() - written <= keep_seconds() else None


def remove_expired() -> int:
    """Remove the files (and pieces of interrupted ones) older than EXPORT_KEEP_HOURS; their number."""
    folder = _configured_dir()
    if not folder.is_dir():
        return 0
    limit = time.time() - keep_seconds()
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:  # removed by another process meanwhile
            continue
    return removed


def download(path: Path, mimetype: str, filename: str):
    """The file as an attachment, sent in pieces (closed at the end of the response), not cached."""
    from flask import Response

    from crm.interop.tabular import file_chunks

    handle = open(path, "rb")  # noqa: SIM115 - closed by file_chunks at the end of the response
    response = Response(file_chunks(handle), content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.content_length = os.fstat(handle.fileno()).st_size
    return response


def is_starter(job) -> bool:
    """The file of a job is for the user who started it (administrators see the job, not the file)."""
    from flask_login import current_user

    return job.started_by_id is not None and job.started_by_id == current_user.id


def page_values(job, kind: str) -> dict:
    """What templates/jobs/file_job.html needs besides its texts: the job's state, whether its file is
    there and whether the current user may download it. Removes expired files first."""
    from crm.jobs import services

    remove_expired()
    return {"job": job, "state": services.as_json(job), "available": file_of(job, kind) is not None,
            "starter": is_starter(job), "details": job.details or {}, "keep_hours": keep_hours_text()}
