"""“Meine Aufträge”: every user sees the jobs they started (in German: what, when, status, progress,
message, a link to the record); administrators see everybody's; nobody else's job is shown or
answered. And the live progress of a job that is one transaction."""
from datetime import datetime, timezone

import pytest

from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import Job


def _job(user, kind, args, **fields):
    job = Job(kind=kind, func_path="tests.jobs.functions.count_to", args=args, backend="inline",
              started_by_id=user.id, **fields)
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def two_users_jobs(make_user):
    sabine = make_user(role="staff", full_name="Sabine Keller")
    other = make_user(role="staff", full_name="Otto Nachbar")
    mine = _job(sabine, "import_commit", [7], status="running", done=70, total=140,
                created_at=datetime(2026, 12, 3, 9, 5, tzinfo=timezone.utc), heartbeat_at=datetime.now(timezone.utc))
    done = _job(sabine, "campaign_send", [3], status="done", done=24, total=24, message="24 E-Mails versandt",
                created_at=datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc),
                finished_at=datetime(2026, 12, 2, 8, 1, tzinfo=timezone.utc))
    theirs = _job(other, "letter_run", [{}], status="failed", message="Den Verteiler gibt es nicht mehr.",
                  details={"record": ["letter_run", 9]})
    return sabine, other, mine, done, theirs


def test_my_jobs_lists_my_own_in_german(client, two_users_jobs):
    sabine, _other, mine, done, theirs = two_users_jobs
    from tests.conftest import PASSWORD

    client.post("/anmelden", data={"username": sabine.username, "password": PASSWORD})
    page = client.get("/auftraege/").get_data(as_text=True)
    assert "Meine Aufträge" in page
    assert 'href="/import/7"' in page and ">Import</a>" in page
    assert "03.12.2026 10:05" in page  # Berlin time, German
    assert "Läuft" in page and "50 %" in page and f'data-job-url="/auftraege/{mine.id}"' in page
    assert "Versand einer Kampagne" in page and 'href="/kampagnen/3"' in page and "24 E-Mails versandt" in page
    assert "Erledigt" in page and f'data-job-url="/auftraege/{done.id}"' not in page  # finished: not polled
    assert "Serienbrief schreiben" not in page and "Den Verteiler gibt es nicht mehr." not in page
    assert "Gestartet von" not in page


def test_an_administrator_sees_every_job_with_who_started_it(client, login, two_users_jobs):
    login("admin")
    page = client.get("/auftraege/").get_data(as_text=True)
    assert "Gestartet von" in page and "Sabine Keller" in page and "Otto Nachbar" in page
    assert "Serienbrief schreiben" in page and 'href="/briefe/9"' in page and "Fehlgeschlagen" in page


def test_another_users_job_is_neither_shown_nor_answered(client, two_users_jobs):
    from tests.conftest import PASSWORD

    _sabine, other, mine, _done, theirs = two_users_jobs
    client.post("/anmelden", data={"username": other.username, "password": PASSWORD})
    assert client.get(f"/auftraege/{mine.id}").status_code == 403
    assert client.post(f"/auftraege/{mine.id}/anhalten").status_code == 403
    assert client.get(f"/auftraege/{theirs.id}").status_code == 200  # their own
    assert client.get("/auftraege/999999").status_code == 404
    page = client.get("/auftraege/").get_data(as_text=True)
    assert 'href="/import/7"' not in page and "Serienbrief schreiben" in page


def test_a_user_without_jobs_is_told_what_comes_here(client, login):
    login("viewer")
    page = client.get("/auftraege/").get_data(as_text=True)
    assert "Noch keine Aufträge" in page


def test_live_progress_is_seen_while_running_and_kept_at_the_end(app, make_user):
    """The thread's side of report_live (SQLite: in this process); PostgreSQL's (a connection of its own)
    and Redis's are in tests/imports/test_import_redis.py, with a real worker."""
    user = make_user(role="staff")
    with app.test_request_context(base_url="https://crm.lag-spessart.de"):
        if db.engine.dialect.name == "sqlite":
            job = Job(kind="test", func_path="x", args=[], backend="thread", status="running",
                      started_by_id=user.id, total=0, heartbeat_at=datetime.now(timezone.utc))
            db.session.add(job)
            db.session.commit()
            app.config["JOBS_MODE"] = "thread"
            try:
                services.Progress(job.id).report_live(40, 140)
            finally:
                app.config["JOBS_MODE"] = "inline"
            state = services.as_json(job)
            assert (state["done"], state["total"], state["percent"]) == (40, 140, 28)
            services.finish(job.id, "done")
            db.session.commit()
            assert services.live(job) == {}
        job_id = services.enqueue("tests.jobs.functions.live_to", 5, kind="test", user=user)
        finished = db.session.get(Job, job_id)
        db.session.refresh(finished)
        assert (finished.status, finished.done, finished.total, finished.message) == ("done", 5, 5, "fertig")
