"""An import carried out by a real RQ worker process (`flask crm worker`) on Redis: a 140-row list as
German Excel saves it (Windows-1252, ";") goes through upload, column assignment and preview in the
browser's requests; the commit is a job, and a second request watches its progress move while the
worker works (JOB_PROGRESS_PAUSE slows the worker's reports so that the polling sees them). Another
user may not look at the job.

The worker is another process, so this test has a database of its own (committed data; a temp SQLite
file, or a fresh PostgreSQL database next to TEST_DATABASE_URL), Redis db 2 unless TEST_REDIS_URL says
otherwise, and a queue name of its own. Skipped when Redis does not answer (required under CI=true).
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.imports import listgen
from tests.jobs.rq_support import redis_or_skip, worker_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Geheim-123456"


@pytest.fixture
def world(app):
    """(own app, worker environment) on a database of its own, with a staff user and another one."""
    redis_or_skip(REDIS_URL, "the RQ import test")
    from flask_migrate import upgrade

    from crm.auth.services import create_user
    from crm.extensions import db
    from tests.browser.conftest import _live_database

    url, cleanup = _live_database("regionetz_rqimport")
    queue = f"regionetz-import-test-{os.getpid()}"
    settings = {"JOBS_MODE": "rq", "REDIS_URL": REDIS_URL, "JOBS_QUEUE": queue, "JOB_PROGRESS_PAUSE": 0.05}
    own, env = worker_app(url, settings, WTF_CSRF_ENABLED=False)
    try:
        with own.app_context():
            upgrade(revision="heads")
            create_user("sachbearbeitung", PASSWORD, role="staff", full_name="Sabine Keller")
            create_user("kollege", PASSWORD, role="staff")
            db.session.commit()
            db.session.remove()
        yield own, env
    finally:
        import redis
        from rq import Queue

        connection = redis.Redis.from_url(REDIS_URL)
        Queue(queue, connection=connection).delete(delete_jobs=True)
        for key in connection.scan_iter(f"rq:*:{queue}"):
            connection.delete(key)
        for key in connection.scan_iter(f"{queue}:job-progress:*"):
            connection.delete(key)
        with own.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup()


def _client(own, username):
    client = own.test_client()
    response = client.post("/anmelden", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _preview(own, client) -> int:
    """Upload the list and take the suggested column assignment; the batch id."""
    import io

    data = listgen.csv_bytes(listgen.make_rows(140))
    response = client.post("/import", data={"file": (io.BytesIO(data), "Adressen Wirtschaftsförderung.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/spalten" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    batch_id = int(re.search(r"/import/(\d+)/", response.headers["Location"]).group(1))
    form = {f"col-{i}": target for i, target in
            re.findall(r'name="col-(\d+)"[^>]*>(?:(?!</select>).)*?<option value="(\w+)" selected', page, re.S)}
    response = client.post(f"/import/{batch_id}/spalten", data=form)
    assert response.status_code == 302 and "/vorschau" in response.headers["Location"]
    return batch_id


def test_a_140_row_import_runs_in_the_worker_and_its_progress_is_visible(world):
    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.imports.models import ImportBatch
    from crm.jobs.models import Job

    own, env = world
    client = _client(own, "sachbearbeitung")
    batch_id = _preview(own, client)

    response = client.post(f"/import/{batch_id}/vorschau", data={"commit": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/import/{batch_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    job_url = re.search(r'data-job-url="(/auftraege/\d+)"', page).group(1)
    assert "Der Import läuft" in page and "Fortschritt des Imports" in page
    with own.app_context():
        job = db.session.get(Job, int(job_url.rsplit("/", 1)[1]))
        assert (job.status, job.kind, job.backend) == ("queued", "import_commit", "rq")
        persons_before = db.session.scalar(select(func.count()).select_from(Person))
        assert db.session.get(ImportBatch, batch_id).status == "preview"
        db.session.remove()
    waiting = client.get(job_url).get_json()
    assert waiting["status"] == "queued" and waiting["status_label"] == "Wartet" and waiting["done"] == 0
    total = waiting["total"]
    assert 120 < total <= 140  # the rows not skipped (those with errors are)
    # another user of the office may not watch it
    assert _client(own, "kollege").get(job_url).status_code == 403

    worker = subprocess.Popen([sys.executable, "-m", "flask", "crm", "worker", "--burst"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = []
    try:
        deadline = time.monotonic() + 120
        while True:
            state = client.get(job_url).get_json()  # the second request, while the worker works
            seen.append((state["status"], state["done"]))
            if state["finished"] or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        output, _unused = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output.decode(errors="replace")[-2000:]
    assert state["status"] == "done", (state, output.decode(errors="replace")[-2000:])
    assert state["done"] == state["total"] == total and state["percent"] == 100
    assert "Import abgeschlossen" in state["message"]
    between = [done for status, done in seen if status == "running" and 0 < done < total]
    assert between, seen  # the progress moved, seen from another request
    dones = [done for _status, done in seen]
    assert dones == sorted(dones)  # it never went back

    with own.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "committed" and batch.committed_by_name == "Sabine Keller"  # not "System"
        created = db.session.scalar(select(func.count()).select_from(Person)) - persons_before
        assert created == batch.counts["created"] > 100
        db.session.remove()
    detail = client.get(f"/import/{batch_id}").get_data(as_text=True)
    assert "data-job-url" not in detail and "Import rückgängig machen" in detail
    mine = client.get("/auftraege/").get_data(as_text=True)
    assert "Import" in mine and "Erledigt" in mine and f'href="/import/{batch_id}"' in mine
