"""Exports above EXPORT_JOB_THRESHOLD run as a job (crm/exports/jobs.py): 140 persons, threshold 50.
In tests jobs run inline, so the file is there when the export request returns."""
import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.core.audit import EXPORT_ACTION, AuditLog
from crm.extensions import db
from crm.jobs.models import Job
from tests.conftest import PASSWORD


@pytest.fixture
def big_list(app, make_person, make_org, tmp_path, monkeypatch):
    """140 persons (every fifth with a private e-mail) in four organisations; threshold 50, files in tmp_path."""
    monkeypatch.setitem(app.config, "EXPORT_JOB_THRESHOLD", 50)
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path / "exports"))
    orgs = [make_org(f"Verein Nr. {n}", kind="association", sector="civil_society") for n in range(4)]
    for n in range(140):
        make_person(f"Mustermann{n:03d}", "Erika" if n % 2 else "Hans", gender="female" if n % 2 else "male",
                    organisation=orgs[n % 4], email=f"privat{n}@example.org" if n % 5 == 0 else None)
    return tmp_path / "exports"


def _direct(app, client, url):
    """The same export streamed directly (threshold above the list's size)."""
    app.config["EXPORT_JOB_THRESHOLD"] = 10_000
    try:
        response = client.get(url)
        assert response.status_code == 200 and response.is_streamed
        return response.get_data()
    finally:
        app.config["EXPORT_JOB_THRESHOLD"] = 50


def _newest_export_job():
    return db.session.scalar(select(Job).where(Job.kind == "export").order_by(Job.id.desc()))


def _exports_audited():
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == EXPORT_ACTION)
                                   .order_by(AuditLog.id)))


@pytest.mark.parametrize("url", ["/export/personen.csv", "/export/personen.xlsx", "/export/personen.vcf",
                                 "/export/personen.zip", "/export/organisationen.csv?archived=all",
                                 "/export/organisationen.vcf"])
def test_a_big_export_runs_as_a_job_and_gives_the_same_file(app, client, login, big_list, url):
    user = login("staff")
    if "organisationen" in url:
        app.config["EXPORT_JOB_THRESHOLD"] = 3  # four organisations
    response = client.get(url)
    assert response.status_code == 302
    job = _newest_export_job()
    assert job.started_by_id == user.id and job.status == "done", job.message
    assert response.headers["Location"].endswith(f"/export/auftraege/{job.id}")
    assert job.done == job.total == (4 if "organisationen" in url else 140)
    assert not _exports_audited()  # nothing has left the system yet
    page = client.get(f"/export/auftraege/{job.id}").get_data(as_text=True)
    assert f"/export/auftraege/{job.id}/datei" in page and "herunterladen" in page
    download = client.get(f"/export/auftraege/{job.id}/datei")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f'attachment; filename="{job.details["filename"]}"'
    assert download.headers["Cache-Control"] == "no-store"
    data = download.get_data()
    assert download.content_length == len(data)
    if "organisationen" in url:
        app.config["EXPORT_JOB_THRESHOLD"] = 50
    direct = _direct(app, client, url)
    if url.endswith(".xlsx"):
        job_rows = list(load_workbook(io.BytesIO(data)).active.values)
        assert job_rows == list(load_workbook(io.BytesIO(direct)).active.values) and len(job_rows) == 141
    elif url.endswith(".zip"):
        job_zip, direct_zip = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(direct))
        assert job_zip.namelist() == direct_zip.namelist() and len(job_zip.namelist()) == 140
        assert all(job_zip.read(n) == direct_zip.read(n) for n in job_zip.namelist())
    else:
        assert data == direct
    audited = _exports_audited()
    assert len(audited) == 2  # the job's download and the direct export, alike
    job_audit, direct_audit = audited
    assert job_audit.changes == direct_audit.changes
    assert job_audit.changes["rows"] == [None, 4 if "organisationen" in url else 140]
    assert job_audit.user_id == user.id


def test_the_file_is_only_for_the_starter(app, client, login, make_user, big_list):
    starter = login("staff")
    client.get("/export/personen.csv?sector=civil_society")
    job = _newest_export_job()
    rows = list(csv.reader(io.StringIO(client.get(f"/export/auftraege/{job.id}/datei").get_data().decode("utf-8-sig"),
                                       newline=""), delimiter=";"))
    assert len(rows) == 141 and rows[1][5] == "Mustermann000"
    assert _exports_audited()[-1].changes["filter"] == [None, {"sector": "civil_society"}]
    assert job.started_by_id == starter.id
    others = {}
    for role in ("staff", "admin", "viewer"):
        other = make_user(role=role)
        other_client = app.test_client()
        other_client.post("/anmelden", data={"username": other.username, "password": PASSWORD})
        others[role] = other_client.get(f"/export/auftraege/{job.id}/datei")
    assert others["staff"].status_code == 403 and others["viewer"].status_code == 403
    # an administrator sees every job, but not the file: led back to the job's page
    assert others["admin"].status_code == 302 and others["admin"].headers["Location"].endswith(
        f"/export/auftraege/{job.id}")
    assert len(_exports_audited()) == 1  # the starter's download only
    # "My jobs" lists the export with a link to its page
    listing = client.get("/auftraege/").get_data(as_text=True)
    assert f"/export/auftraege/{job.id}" in listing


def test_the_file_is_removed_after_24_hours(app, client, login, big_list):
    import os
    import time

    login("staff")
    client.get("/export/personen.csv")
    job = _newest_export_job()
    path = big_list / job.details["file"]
    assert path.exists() and len(list(big_list.iterdir())) == 1  # no .part file left behind
    assert path.stat().st_mode & 0o077 == 0  # personal data: for the service user only
    old = time.time() - 25 * 3600
    os.utime(path, (old, old))
    response = client.get(f"/export/auftraege/{job.id}/datei")
    assert response.status_code == 302
    assert not path.exists()
    assert "24 Stunden" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not _exports_audited()


def test_below_the_threshold_the_export_streams_as_before(app, client, login, big_list):
    login("staff")
    app.config["EXPORT_JOB_THRESHOLD"] = 140  # "above": 140 rows are not above 140
    response = client.get("/export/personen.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.get_data().decode("utf-8-sig").count("\r\n") == 141
    assert _newest_export_job() is None
    assert not list(big_list.iterdir()) if big_list.exists() else True


def test_viewers_start_no_export_and_the_job_keeps_confidential_fields_out(app, client, login, big_list):
    """Viewers get no bulk export at all (direct or as a job); a job started for a user who may not see
    the confidential fields (private=False, decided in the request) leaves them empty, as the direct
    export's rows do."""
    from crm.contacts.services import ContactFilters
    from crm.exports import jobs as export_jobs
    from crm.exports import services
    from crm.interop.tabular import csv_response_rows
    from crm.jobs import services as jobs

    login("viewer")
    assert client.get("/export/personen.csv").status_code == 403
    assert _newest_export_job() is None
    spec = export_jobs.spec_of("person", "csv", ContactFilters(), None, None, private=False,
                               filename="personen.csv", audit_filters={})
    job = db.session.get(Job, jobs.enqueue(export_jobs.JOB, spec, kind=export_jobs.KIND, total=140))
    assert job.status == "done", job.message
    data = (big_list / job.details["file"]).read_bytes()
    assert b"privat0@example.org" not in data and b"Mustermann000" in data
    session = services.export_session()
    try:
        direct = b"".join(csv_response_rows(services.person_header(),
                                            services.person_rows(services.persons_query(), session, private=False)))
    finally:
        session.close()
    assert data == direct


def test_a_mailing_list_above_the_threshold_is_exported_by_a_job(app, client, login, big_list):
    from crm.segments.models import Segment, SegmentUse

    login("staff")
    segment = Segment(name="Alle Vereine", kind="dynamic", filter={})
    db.session.add(segment)
    db.session.commit()
    response = client.get(f"/export/personen.csv?segment={segment.id}")
    assert response.status_code == 302
    job = _newest_export_job()
    assert job.status == "done" and job.total == 140, job.message
    assert job.args[0]["use_id"] == db.session.scalar(select(SegmentUse.id).where(SegmentUse.segment_id == segment.id))
    assert client.get(f"/export/auftraege/{job.id}/datei").get_data().count(b"\r\n") == 141
