"""A letter run is written by a job (crm/jobs; inline in the tests): the run and its Word file are there
when it is done, the job under “Meine Aufträge” leads to it; while a job runs, the letters page shows its
progress to the one who started it; a job that breaks writes nothing and says why."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from crm.extensions import db
from crm.interactions.models import Interaction
from crm.jobs.models import Job
from crm.letters.models import LetterRun
from tests.letters.test_letter_runs import _post_run


def test_the_run_is_written_by_a_job_and_found_under_my_jobs(client, login, district, fixed_list):
    user = login("staff", full_name="Sabine Keller")
    response = _post_run(client, fixed_list.id, "create")
    run = db.session.scalars(select(LetterRun)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/briefe/{run.id}")
    job = db.session.scalars(select(Job).where(Job.kind == "letter_run")).one()
    assert (job.status, job.started_by_id, job.done, job.total) == ("done", user.id, 120, 120)
    assert job.details["record"] == ["letter_run", run.id] and "120 Briefe geschrieben" in job.message
    assert run.created_by_name == "Sabine Keller"
    assert client.get(f"/briefe/{run.id}/briefe.docx").status_code == 200
    mine = client.get("/auftraege/").get_data(as_text=True)
    assert f'<a href="/briefe/{run.id}">Serienbrief schreiben</a>' in mine and "120 Briefe geschrieben" in mine


def test_a_running_letter_job_shows_its_progress_to_its_starter_only(client, login, make_user):
    other = make_user(role="staff")
    user = login("staff")
    now = datetime.now(timezone.utc)
    for owner in (user, other):
        db.session.add(Job(kind="letter_run", func_path="crm.letters.jobs.run_job", args=[{}], backend="thread",
                           status="running", total=300, message=f"Einladung von {owner.username}",
                           started_by_id=owner.id, created_at=now, heartbeat_at=now))
    db.session.commit()
    page = client.get("/briefe").get_data(as_text=True)
    assert f"Briefe werden geschrieben: „Einladung von {user.username}“" in page and "/static/jobs.js" in page
    assert f"Einladung von {other.username}" not in page


def test_a_broken_letter_job_writes_nothing_and_says_why(client, login, district, fixed_list, monkeypatch):
    from crm.letters import services

    login("staff")

    def broken(*args, **kwargs):
        raise RuntimeError("Word-Vorlage kaputt")

    monkeypatch.setattr(services, "render", broken)
    response = _post_run(client, fixed_list.id, "create")
    assert response.status_code == 302 and response.headers["Location"].endswith("/briefe")
    page = client.get("/briefe").get_data(as_text=True)
    assert "Word-Vorlage kaputt" in page
    assert db.session.scalar(select(func.count()).select_from(LetterRun)) == 0
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_the_pdf_job_shows_its_progress_and_a_failure(client, login, district, fixed_list, monkeypatch):
    from crm.interop import letters as engine

    user = login("staff")
    segment_run = _post_run(client, fixed_list.id, "create")
    run = db.session.scalars(select(LetterRun)).one()
    assert segment_run.status_code == 302 and run.recipient_count == 120  # more than a PDF is made for
    run.recipient_count = 80  # as if a smaller run: the limit is PDF_CHUNK letters
    db.session.commit()
    monkeypatch.setattr(engine, "pdf_available", lambda: True)

    def broken(document, timeout=None):
        raise engine.LetterError("LibreOffice did not finish in time.")

    monkeypatch.setattr(engine, "to_pdf", broken)
    page = client.post(f"/briefe/{run.id}/pdf-erstellen", follow_redirects=True).get_data(as_text=True)
    assert "Die PDF-Datei konnte nicht erstellt werden:" in page and "PDF erstellen" in page
    assert db.session.scalar(select(LetterRun.pdf.is_not(None)).where(LetterRun.id == run.id)) is False

    now = datetime.now(timezone.utc)
    job = Job(kind="letter_pdf", func_path="crm.letters.jobs.pdf_job", args=[run.id], backend="thread",
              status="running", total=80, started_by_id=user.id, created_at=now, heartbeat_at=now)
    db.session.add(job)
    db.session.commit()
    page = client.get(f"/briefe/{run.id}").get_data(as_text=True)
    assert f'data-job-url="/auftraege/{job.id}"' in page and "Die PDF-Datei wird erstellt (LibreOffice)" in page
    assert f'action="/briefe/{run.id}/pdf-erstellen"' not in page  # not twice
    mine = client.get("/auftraege/").get_data(as_text=True)
    assert f'<a href="/briefe/{run.id}">PDF eines Serienbriefs</a>' in mine
