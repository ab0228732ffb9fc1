"""The job abstraction: `enqueue(func_path, *args)` stores a Job row and hands it to a worker.

    job_id = enqueue("crm.campaigns.sending.send_job", campaign.id, kind="campaign_send", total=n)

Where it runs (config JOBS_MODE, default from REDIS_URL):
* "rq": RQ on Redis when REDIS_URL is set; `flask crm worker` runs one worker (rq's SimpleWorker:
  the jobs run in the worker process itself, one after the other). Redis that cannot be reached
  is said at once (short socket timeouts), and nothing is started.
* "thread": without REDIS_URL, a thread of the app (`make run` needs no Redis). A restart of the
  app ends it; its job then shows as interrupted (no heartbeat) and can be resumed.
* "inline": at once, in the caller's request (tests).

The job function is called as `func(progress, *args)` inside an app context and a request context
with the base URL of the request that started it (links in e-mails). It reports with
`progress.report(done, total)` (written with the function's own next commit) and asks
`progress.should_stop()` now and then; it commits its own work as it goes, so that what is done
stays done when the worker dies. An exception marks the job failed with the reason.

A job that must stay one transaction (an import: every row or none) cannot commit its progress on
the way; it reports with `progress.report_live(done, total)`, which others see at once while its
work is still uncommitted: on PostgreSQL through a connection of its own (autocommit), on SQLite
(one writer at a time) through Redis in "rq" mode, else in the memory of this process ("thread").
`as_json` and `is_interrupted` read it.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.utils import import_string

from crm.core.errors import DomainError
from crm.core.health import redis_connection
from crm.core.models import utcnow
from crm.extensions import db
from crm.jobs.models import Job

QUEUE_NAME = "regionetz"  # config JOBS_QUEUE overrides it (two instances on one Redis, tests)
ENTRY_POINT = "crm.jobs.services.execute"
log = logging.getLogger(__name__)


class QueueUnavailable(DomainError):
    """Redis (REDIS_URL) does not answer: nothing was started."""


def mode() -> str:
    configured = current_app.config.get("JOBS_MODE") or ""
    if configured:
        return configured
    return "rq" if current_app.config.get("REDIS_URL") else "thread"


def queue_name() -> str:
    return current_app.config.get("JOBS_QUEUE") or QUEUE_NAME


def shown_url(url: str) -> str:
    """redis://:secret@host:6379/0 -> redis://host:6379/0 (no password on a page)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        return parsed.set(password=None, username=None).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy understands; show only the scheme
        return url.split("@")[-1]


def _unreachable(error: Exception) -> QueueUnavailable:
    return QueueUnavailable(_("The job queue (Redis at %(url)s) cannot be reached (%(reason)s). Nothing was "
                              "started; please try again later or ask the administrator to start Redis.",
                              url=shown_url(current_app.config.get("REDIS_URL", "")),
                              reason=str(error) or type(error).__name__))


def queue_problem() -> str:
    """"" when jobs can be started, else why not (for a page: Redis asked with a short timeout)."""
    if mode() != "rq":
        return ""
    from redis.exceptions import RedisError

    try:
        redis_connection().ping()
    except (RedisError, OSError) as error:
        return _unreachable(error).message
    return ""


def enqueue(func_path: str, *args, kind: str, total: int = 0, user=None, message: str = "") -> int:
    """Store the job and start it; returns its id. COMMITS the session (the worker must see the job
    and what the caller prepared for it). QueueUnavailable before anything is stored when Redis
    does not answer."""
    how = mode()
    connection = None
    if how == "rq":
        from redis.exceptions import RedisError

        connection = redis_connection()
        try:
            connection.ping()
        except (RedisError, OSError) as error:
            raise _unreachable(error) from error
    now = utcnow()
    job = Job(kind=kind, func_path=func_path, args=list(args), backend=how, total=total, status="queued",
              message=message[:2000],
              started_by_id=getattr(user, "id", None), created_at=now, heartbeat_at=now,
              base_url=request.url_root if has_request_context() else "")
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    if how == "rq":
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            Queue(queue_name(), connection=connection).enqueue(ENTRY_POINT, job_id, job_timeout=-1,
                                                               result_ttl=3600, failure_ttl=7 * 86400)
        except (RedisError, OSError) as error:
            problem = _unreachable(error)
            finish(job_id, "failed", problem.message)
            db.session.commit()
            raise problem from error
    elif how == "thread":
        app = current_app._get_current_object()
        threading.Thread(target=_thread_main, args=(app, job_id), name=f"job-{job_id}", daemon=True).start()
    else:
        execute(job_id)
    return job_id


def _thread_main(app, job_id: int) -> None:
    with app.app_context():
        try:
            execute(job_id)
        finally:
            db.session.remove()


class Progress:
    """What a job function gets as its first argument."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.stopped = False
        self.message = ""
        self.live_state: dict = {}  # the last report_live, kept with the job when it ends

    def report(self, done: int, total: int | None = None, message: str | None = None,
               details: dict | None = None) -> None:
        """The job's progress and heartbeat (and its own counts in `details`), written with the function's
        next commit."""
        self.live_state = {}  # this report supersedes the live one
        values = {"done": done, "heartbeat_at": utcnow()}
        if details is not None:
            values["details"] = details
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:2000]
        db.session.execute(update(Job).where(Job.id == self.job_id).values(**values))

    def report_live(self, done: int, total: int | None = None) -> None:
        """Progress (and heartbeat) that others see at once, outside the job function's transaction
        (see the module's docstring). Nothing here touches the function's own session."""
        self.live_state = {"done": done, **({"total": total} if total is not None else {})}
        _write_live(self.job_id, done, total)
        pause = float(current_app.config.get("JOB_PROGRESS_PAUSE") or 0)
        if pause:  # tests: slow enough that a second request sees the progress move
            import time

            time.sleep(pause)

    def should_stop(self) -> bool:
        """True once somebody pressed "stop" (the function then finishes what it holds and returns)."""
        return bool(db.session.scalar(select(Job.stop_requested).where(Job.id == self.job_id)))

    def stop(self, message: str = "") -> None:
        """The function ends because it was asked to: the job is "stopped", not "done"."""
        self.stopped = True
        self.message = message


def execute(job_id: int) -> None:
    """Run one queued job (the RQ entry point; threads and inline mode call it too)."""
    if not has_app_context():  # a plain `rq worker` without the app around it
        from crm import create_app

        with create_app().app_context():
            try:
                return execute(job_id)
            finally:
                db.session.remove()
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now)).rowcount
    db.session.commit()
    if not claimed:  # stopped before it started, or run already
        return None
    job = db.session.get(Job, job_id)
    progress = Progress(job_id)
    func = import_string(job.func_path)
    context = current_app.test_request_context(base_url=job.base_url) \
        if job.base_url and not has_request_context() else nullcontext()
    try:
        with context:
            with _acting_as(None if isinstance(context, nullcontext) else job.started_by):
                result = func(progress, *(job.args or []))
    except Exception as error:  # noqa: BLE001 - whatever it was, the job failed and says why
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.func_path)
        reason = str(error) or type(error).__name__
        finish(job_id, "failed", _("The job stopped with an error: %(error)s", error=reason))
        db.session.commit()
        return None
    message = progress.message or (result if isinstance(result, str) else "")
    if progress.live_state:
        db.session.execute(update(Job).where(Job.id == job_id).values(**progress.live_state))
    finish(job_id, "stopped" if progress.stopped else "done", message)
    db.session.commit()
    return None


@contextmanager
def _acting_as(user):
    """In a worker or thread, the job acts as the user who started it (the history names them, not
    "System"); inline, the request's own user is there already."""
    from flask import g

    if user is None or not has_request_context():
        yield
        return
    g._login_user = user  # what flask_login's current_user reads
    try:
        yield
    finally:
        g.pop("_login_user", None)


def finish(job_id: int, status: str, message: str = "") -> None:
    now = utcnow()
    with _LIVE_LOCK:
        _LIVE.pop(job_id, None)
    db.session.execute(update(Job).where(Job.id == job_id).values(
        status=status, finished_at=now, heartbeat_at=now, message=(message or "")[:2000]))


def request_stop(job: Job) -> None:
    """Ask a running job to stop (it stops after the message it is sending); a waiting one stops at once.
    Flushes."""
    if job.finished:
        raise DomainError(_("The job has already ended."))
    job.stop_requested = True
    if job.status == "queued":
        job.status, job.finished_at = "stopped", utcnow()
    db.session.flush()


# ----------------------------------------------------------------------------- live progress

_LIVE: dict[int, dict] = {}  # job id -> {"done", "total", "beat"} ("thread" and "inline" mode, SQLite)
_LIVE_LOCK = threading.Lock()
LIVE_TTL = 24 * 3600


def _live_key(job_id: int) -> str:
    return f"{queue_name()}:job-progress:{job_id}"


def _write_live(job_id: int, done: int, total: int | None) -> None:
    now = utcnow()
    how = mode()
    if how != "inline" and db.engine.dialect.name != "sqlite":
        values = {"done": done, "heartbeat_at": now}
        if total is not None:
            values["total"] = total
        with db.engine.begin() as conn:  # a connection of its own: committed at once
            conn.execute(update(Job).where(Job.id == job_id).values(**values))
        return
    entry = {"done": done, "beat": now.timestamp()}
    if total is not None:
        entry["total"] = total
    if how == "rq":
        import json

        from redis.exceptions import RedisError

        try:
            redis_connection().set(_live_key(job_id), json.dumps(entry), ex=LIVE_TTL)
        except (RedisError, OSError, ValueError):  # progress is a courtesy: the job goes on without it
            log.warning("job %s: progress not written to Redis", job_id)
        return
    with _LIVE_LOCK:
        _LIVE.setdefault(job_id, {}).update(entry)


def live(job: Job) -> dict:
    """What report_live wrote for a job that has not finished ({} when nothing or not needed)."""
    if job.finished or job.status != "running":
        return {}
    if job.backend == "rq":
        if db.engine.dialect.name != "sqlite" or not current_app.config.get("REDIS_URL"):
            return {}
        import json

        from redis.exceptions import RedisError

        try:
            raw = redis_connection().get(_live_key(job.id))
        except (RedisError, OSError, ValueError):
            return {}
        return json.loads(raw) if raw else {}
    with _LIVE_LOCK:
        return dict(_LIVE.get(job.id, {}))


def is_interrupted(job: Job) -> bool:
    """A job that says "running" (or, in a thread, "waiting") but whose worker has gone: no heartbeat
    for JOB_STALE_SECONDS (a killed worker, a restarted app)."""
    if job.status not in ("running", "queued") or (job.status == "queued" and job.backend == "rq"):
        return False
    from datetime import datetime, timezone

    beat = job.heartbeat_at or job.created_at
    if beat.tzinfo is None:  # SQLite hands back naive UTC
        beat = beat.replace(tzinfo=timezone.utc)
    beat_live = live(job).get("beat")
    if beat_live:
        beat = max(beat, datetime.fromtimestamp(beat_live, tz=timezone.utc))
    return utcnow() - beat > timedelta(seconds=float(current_app.config.get("JOB_STALE_SECONDS", 120)))


def mark_interrupted(job: Job, message: str) -> None:
    """Close a job whose worker has gone (before a part resumes its work). Flushes."""
    job.status, job.finished_at, job.message = "failed", utcnow(), message[:2000]
    db.session.flush()


def may_see(job: Job, user) -> bool:
    """Only the user who started a job, and administrators, see it."""
    from crm.core.permissions import role_at_least

    return role_at_least(user, "admin") or (job.started_by_id is not None and job.started_by_id == user.id)


def kind_label(kind: str) -> str:
    """"import_commit" -> "Import" (each part declares its kinds: registry.labels(values={"job.kind": ...}))."""
    from crm.core.registry import current_registry

    return str(current_registry().value_labels.get("job.kind", {}).get(kind, kind))


def record_link(job: Job) -> str | None:
    """The page of the record a job works on (the import, the letter run, the campaign), if any: the
    record it made (details["record"] = [table, id]), else the part names the record type of its kinds
    (values={"job.record": {kind: table}}) and the job's first argument is the record's id."""
    from crm.core.labels import record_url
    from crm.core.registry import current_registry

    record = (job.details or {}).get("record")  # a record the job made: ["letter_run", 12]
    if isinstance(record, list) and len(record) == 2 and isinstance(record[1], int):
        return record_url(record[0], record[1])
    entity = current_registry().value_labels.get("job.record", {}).get(job.kind)
    if not entity or not job.args or not isinstance(job.args[0], int):
        return None
    return record_url(entity, job.args[0])


def percent(done: int, total: int, status: str) -> int:
    if not total:
        return 100 if status == "done" else 0
    return min(100, int(100 * done / total))


def as_json(job: Job) -> dict:
    from crm.core.formatting import to_berlin

    now = live(job)
    done, total = now.get("done", job.done), now.get("total", job.total)
    return {
        "id": job.id, "kind": job.kind, "status": job.status, "status_label": job.status_label,
        "done": done, "total": total, "percent": percent(done, total, job.status), "message": job.message,
        "details": job.details or {},
        "finished": job.finished, "interrupted": is_interrupted(job),
        "heartbeat_at": to_berlin(job.heartbeat_at).isoformat() if job.heartbeat_at else None,
    }


def run_worker(burst: bool = False) -> None:
    """The RQ worker of `flask crm worker`: jobs run in this process, one after the other."""
    from rq import Queue, SimpleWorker

    connection = redis_connection(for_worker=True)
    worker = SimpleWorker([Queue(queue_name(), connection=connection)], connection=connection)
    worker.work(burst=burst, with_scheduler=False)
