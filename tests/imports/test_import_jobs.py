"""The commit and the undo of an import as jobs (crm/jobs; inline in the tests, a real worker in
test_import_redis.py): the result on the import's page, the job under “Meine Aufträge”, every row or
none when the job breaks, and no second start while one runs."""
import re
from datetime import datetime, timezone

from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.extensions import db
from crm.imports.models import ImportBatch
from crm.jobs.models import Job
from tests.imports import listgen
from tests.imports.test_views import upload


def person_count():
    return db.session.scalar(select(func.count()).select_from(Person))


def _preview(client, rows=140) -> int:
    response = upload(client, listgen.csv_bytes(listgen.make_rows(rows)), "Adressen.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    batch_id = int(re.search(r"/import/(\d+)/", response.headers["Location"]).group(1))
    form = {f"col-{i}": target for i, target in
            re.findall(r'name="col-(\d+)"[^>]*>(?:(?!</select>).)*?<option value="(\w+)" selected', page, re.S)}
    assert client.post(f"/import/{batch_id}/spalten", data=form).status_code == 302
    return batch_id


def test_commit_and_undo_run_as_jobs_of_the_user(client, login, session):
    user = login("staff", full_name="Sabine Keller")
    batch_id = _preview(client)
    before = person_count()
    response = client.post(f"/import/{batch_id}/vorschau", data={"commit": "1"})
    assert response.headers["Location"].endswith(f"/import/{batch_id}")
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import abgeschlossen:" in detail and "data-job-url" not in detail  # done at once (inline)
    job = db.session.scalars(select(Job).where(Job.kind == "import_commit")).one()
    assert (job.status, job.started_by_id, job.args) == ("done", user.id, [batch_id])
    assert job.done == job.total > 120 and "Import abgeschlossen" in job.message
    batch = db.session.get(ImportBatch, batch_id)
    assert person_count() - before == batch.counts["created"] and batch.committed_by_name == "Sabine Keller"

    response = client.post(f"/import/{batch_id}/rueckgaengig")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Import wurde rückgängig gemacht" in page
    undo = db.session.scalars(select(Job).where(Job.kind == "import_undo")).one()
    assert undo.status == "done" and undo.done == undo.total > 0
    assert person_count() == before

    mine = client.get("/auftraege/").get_data(as_text=True)
    assert mine.count(f'href="/import/{batch_id}"') == 2 and "Import rückgängig machen" in mine


def test_a_broken_commit_changes_nothing_and_says_why(client, login, session, monkeypatch):
    from crm.imports import services

    login("staff")
    batch_id = _preview(client)
    before = person_count()

    def broken(self, rows):
        raise RuntimeError("Platte voll")

    # the new persons are written (bulk) before the updates break: all of it is rolled back
    monkeypatch.setattr(services._Committer, "update_people", broken)
    response = client.post(f"/import/{batch_id}/vorschau", data={"commit": "1"})
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Platte voll" in detail and "alert-danger" in detail
    db.session.expire_all()
    assert person_count() == before
    assert db.session.get(ImportBatch, batch_id).status == "preview"
    assert db.session.scalars(select(Job)).one().status == "failed"
    monkeypatch.undo()
    # it can be carried out afterwards, as it was
    assert client.get(f"/import/{batch_id}/vorschau").status_code == 200
    client.post(f"/import/{batch_id}/vorschau", data={"commit": "1"})
    assert db.session.get(ImportBatch, batch_id).status == "committed" and person_count() > before


def test_a_running_commit_shows_its_progress_and_is_not_started_twice(client, login, session):
    user = login("staff")
    batch_id = _preview(client, rows=30)
    job = Job(kind="import_commit", func_path="crm.imports.jobs.commit_job", args=[batch_id], backend="thread",
              status="running", done=10, total=30, started_by_id=user.id, heartbeat_at=datetime.now(timezone.utc))
    db.session.add(job)
    db.session.commit()
    response = client.get(f"/import/{batch_id}/vorschau")  # the preview is closed while it runs
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/import/{batch_id}")
    detail = client.get(f"/import/{batch_id}").get_data(as_text=True)
    assert f'data-job-url="/auftraege/{job.id}"' in detail and "Der Import läuft" in detail
    assert "10</span> / <span class=\"job-total\">30" in detail and "/static/jobs.js" in detail
    assert client.get(f"/auftraege/{job.id}").get_json()["percent"] == 33
    response = client.post(f"/import/{batch_id}/vorschau", data={"commit": "1"}, follow_redirects=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert db.session.get(ImportBatch, batch_id).status == "preview"
