"""The activity report's Word document is made by a background job (crm/reports/jobs.py): "Download as
Word" is a POST that starts it, the user follows it on its page and under "My jobs", and downloads the file
(kept like an export's, crm/jobs/files.py). In tests jobs run inline, so the file is there at once."""
import io
import os
import re
import time
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from crm.extensions import db
from crm.jobs.models import Job
from tests.conftest import PASSWORD


@pytest.fixture
def report(app, tmp_path, monkeypatch):
    from crm.reports.models import Report

    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "files"))
    report = Report(title="Tätigkeitsbericht 2025", period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
                    introduction="Ein gutes Jahr.", outlook="Weiter so.")
    db.session.add(report)
    db.session.commit()
    return report


def _jobs():
    return list(db.session.scalars(select(Job).where(Job.kind == "report_docx").order_by(Job.id)))


def _files(tmp_path):
    folder = tmp_path / "files"
    return sorted(folder.iterdir()) if folder.exists() else []


def _client_of(app, user):
    other = app.test_client()
    other.post("/anmelden", data={"username": user.username, "password": PASSWORD})
    return other


def test_the_button_starts_a_job_and_its_starter_downloads_the_document(app, client, login, make_user, region,
                                                                         report, tmp_path):
    user = login("staff")
    page = client.get(f"/berichte/{report.id}").get_data(as_text=True)
    button = re.search(r'<form method="post" action="([^"]+)"[^>]*id="report-docx"', page)
    assert button and button.group(1) == f"/berichte/{report.id}/bericht.docx"
    response = client.post(button.group(1))
    [job] = _jobs()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/berichte/auftraege/{job.id}")
    assert job.started_by_id == user.id and job.status == "done" and job.done == job.total == 3, job.message
    [path] = _files(tmp_path)
    assert path.name == job.details["file"] and path.stat().st_mode & 0o077 == 0  # for the service user only
    job_page = client.get(f"/berichte/auftraege/{job.id}").get_data(as_text=True)
    assert "Der Tätigkeitsbericht „Tätigkeitsbericht 2025“ kann heruntergeladen werden." in job_page
    assert f'href="/berichte/auftraege/{job.id}/datei"' in job_page
    assert "Taetigkeitsbericht-2025-01-01-2025-12-31.docx herunterladen" in job_page
    assert f'href="/berichte/{report.id}"' in job_page  # back to the report
    # "My jobs": the job with a link to its page (and so to the file)
    listing = client.get("/auftraege/").get_data(as_text=True)
    assert "Tätigkeitsbericht (Word)" in listing and f'href="/berichte/auftraege/{job.id}"' in listing
    download = client.get(f"/berichte/auftraege/{job.id}/datei")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"] == 'attachment; filename="Taetigkeitsbericht-2025-01-01-2025-12-31.docx"'
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    data = download.get_data()
    assert download.content_length == len(data) == path.stat().st_size
    texts = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert "Ein gutes Jahr." in texts and "Weiter so." in texts
    # another member of staff neither sees the job nor gets the file; an administrator sees the job only
    other_staff = _client_of(app, make_user(role="staff"))
    assert other_staff.get(f"/berichte/auftraege/{job.id}").status_code == 403
    assert other_staff.get(f"/berichte/auftraege/{job.id}/datei").status_code == 403
    admin = _client_of(app, make_user(role="admin"))
    assert "Nur wer diesen Auftrag gestartet hat" in admin.get(f"/berichte/auftraege/{job.id}").get_data(as_text=True)
    refused = admin.get(f"/berichte/auftraege/{job.id}/datei")
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/berichte/auftraege/{job.id}")
    # an export's job page does not show a report job, nor the other way round
    assert client.get(f"/export/auftraege/{job.id}").status_code == 404


def test_the_old_link_changes_nothing(client, login, report, tmp_path):
    login("staff")
    response = client.get(f"/berichte/{report.id}/bericht.docx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/berichte/{report.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Das Word-Dokument wird jetzt im Hintergrund erstellt" in page
    assert not _jobs() and not _files(tmp_path)
    assert client.get("/berichte/999999/bericht.docx").status_code == 404


def test_viewers_start_no_report_job(client, login, report):
    login("viewer")
    assert client.post(f"/berichte/{report.id}/bericht.docx").status_code == 403
    assert 'id="report-docx"' not in client.get("/berichte").get_data(as_text=True)
    assert not _jobs()


def test_the_button_needs_the_csrf_token(app, client, login, report):
    login("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        listing = client.get("/berichte").get_data(as_text=True)
        token = re.search(rf'action="/berichte/{report.id}/bericht.docx"[^>]*>\s*<input type="hidden" '
                          r'name="csrf_token" value="([^"]+)"', listing).group(1)
        assert client.post(f"/berichte/{report.id}/bericht.docx").status_code == 400
        assert not _jobs()
        assert client.post(f"/berichte/{report.id}/bericht.docx", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert [job.status for job in _jobs()] == ["done"]


def test_the_document_is_removed_after_24_hours(app, client, login, report, tmp_path):
    login("staff")
    client.post(f"/berichte/{report.id}/bericht.docx")
    [job] = _jobs()
    [path] = _files(tmp_path)
    old = time.time() - 25 * 3600
    os.utime(path, (old, old))
    response = client.get(f"/berichte/auftraege/{job.id}/datei")
    assert response.status_code == 302 and not path.exists()
    assert "24 Stunden" in client.get(response.headers["Location"]).get_data(as_text=True)
    # the command of the cron job removes them as well
    client.post(f"/berichte/{report.id}/bericht.docx")
    [path] = _files(tmp_path)
    os.utime(path, (old, old))
    result = app.test_cli_runner().invoke(args=["crm", "remove-expired-exports"])
    assert result.exit_code == 0 and ": 1" in result.output and not path.exists()


def test_a_report_deleted_meanwhile_fails_the_job_in_german(app, client, login, report):
    from crm.jobs import services as jobs
    from crm.reports import jobs as report_jobs

    user = login("staff")
    report_id = report.id
    db.session.delete(report)
    db.session.commit()
    job = db.session.get(Job, jobs.enqueue(report_jobs.JOB, report_id, kind=report_jobs.KIND, total=3, user=user))
    assert job.status == "failed" and "Der Bericht wurde inzwischen gelöscht" in job.message
    page = client.get(f"/berichte/auftraege/{job.id}").get_data(as_text=True)
    assert "Der Bericht wurde inzwischen gelöscht" in page and "/datei" not in page


def test_the_pages_name_the_configured_keeping_time(app, client, login, report):
    login("staff")
    app.config["EXPORT_KEEP_HOURS"] = 1.5
    try:
        response = client.post(f"/berichte/{report.id}/bericht.docx")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    finally:
        app.config["EXPORT_KEEP_HOURS"] = 24
    assert "1,5 Stunden aufbewahrt" in page and "24 Stunden" not in page
