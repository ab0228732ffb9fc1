"""The job abstraction: a job runs and reports its progress, a failing one says why, stop, who may
see a job's progress, and Redis that cannot be reached (said at once, nothing started)."""
import time

import pytest
from sqlalchemy import func, select

from crm.core.errors import DomainError
from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import Job


@pytest.fixture
def request_ctx(app):
    with app.test_request_context(base_url="https://crm.lag-spessart.de"):
        yield


def test_job_runs_reports_progress_and_writes_links_with_the_base_url(app, request_ctx, make_user):
    user = make_user(role="staff")
    job_id = services.enqueue("tests.jobs.functions.count_to", 5, kind="test", total=5, user=user)
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert (job.status, job.done, job.total, job.percent) == ("done", 5, 5, 100)
    assert job.message == "https://crm.lag-spessart.de/"
    assert job.started_by_id == user.id and job.started_at is not None and job.finished_at is not None
    assert services.as_json(job)["finished"] is True


def test_failing_job_is_failed_with_the_reason(app, request_ctx):
    job = db.session.get(Job, services.enqueue("tests.jobs.functions.breaks", kind="test"))
    db.session.refresh(job)
    assert job.status == "failed"
    assert "Festplatte voll" in job.message
    assert job.done == 1  # what the job committed before it broke stays


def test_stop_requested_stops_the_job(app, request_ctx):
    job = db.session.get(Job, services.enqueue("tests.jobs.functions.stops_at", 10, 4, kind="test"))
    db.session.refresh(job)
    assert (job.status, job.done, job.message) == ("stopped", 4, "stopped at 4")
    with pytest.raises(DomainError):
        services.request_stop(job)  # ended already


def test_a_waiting_job_stops_at_once_and_never_runs(app, request_ctx):
    job = Job(kind="test", func_path="tests.jobs.functions.count_to", args=[3], backend="rq", status="queued")
    db.session.add(job)
    db.session.commit()
    services.request_stop(job)
    db.session.commit()
    services.execute(job.id)  # the worker takes it from the queue later
    db.session.refresh(job)
    assert (job.status, job.done) == ("stopped", 0)


def test_progress_only_for_the_starter_and_admins(app, client, login, make_user):
    owner = login("staff")
    other = make_user(role="manager")
    job = Job(kind="test", func_path="x.y", backend="thread", status="running", done=3, total=12,
              started_by_id=owner.id)
    foreign = Job(kind="test", func_path="x.y", backend="thread", status="running", started_by_id=other.id)
    db.session.add_all([job, foreign])
    db.session.commit()
    data = client.get(f"/auftraege/{job.id}").get_json()
    assert (data["status"], data["done"], data["total"], data["percent"]) == ("running", 3, 12, 25)
    assert data["status_label"] == "Läuft"
    assert client.get(f"/auftraege/{foreign.id}").status_code == 403
    assert client.post(f"/auftraege/{foreign.id}/anhalten").status_code == 403
    assert client.get("/auftraege/999999").status_code == 404
    answer = client.post(f"/auftraege/{job.id}/anhalten")
    assert answer.status_code == 200 and answer.get_json()["notice"]
    db.session.refresh(job)
    assert job.stop_requested is True


def test_interrupted_job_is_recognised_by_its_missing_heartbeat(app, monkeypatch):
    from datetime import timedelta

    from crm.core.models import utcnow

    job = Job(kind="test", func_path="x.y", backend="rq", status="running", heartbeat_at=utcnow())
    db.session.add(job)
    db.session.commit()
    assert services.is_interrupted(job) is False
    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOB_STALE_SECONDS"] + 5)
    assert services.is_interrupted(job) is True


def test_redis_unreachable_is_said_at_once_and_nothing_is_started(app, request_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:geheim@127.0.0.1:1/0")  # nothing listens on port 1
    before = db.session.scalar(select(func.count()).select_from(Job))
    start = time.monotonic()
    with pytest.raises(services.QueueUnavailable) as raised:
        services.enqueue("tests.jobs.functions.count_to", 3, kind="test")
    assert time.monotonic() - start < 3
    assert "Redis" in raised.value.message and "127.0.0.1:1" in raised.value.message
    assert "geheim" not in raised.value.message
    assert services.queue_problem() == raised.value.message
    assert db.session.scalar(select(func.count()).select_from(Job)) == before


def test_redis_that_does_not_answer_in_time(app, request_ctx, monkeypatch):
    """A server that accepts the connection but never answers (a hanging host): the short timeout."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        monkeypatch.setitem(app.config, "JOBS_MODE", "")
        monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
        start = time.monotonic()
        assert "Redis" in services.queue_problem()
        assert time.monotonic() - start < 4
    finally:
        listener.close()


def test_worker_command_without_redis_url_says_why(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    result = app.test_cli_runner().invoke(args=["crm", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL" in result.output
