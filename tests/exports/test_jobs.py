"""Exports above EXPORT_JOB_THRESHOLD run as a job (crm/exports/jobs.py): 140 persons, threshold 50.
The GET of such an export only asks (a page with a button); the button's POST starts the job. In tests
jobs run inline, so the file is there when the POST returns."""
import csv
import html
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

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


def _confirmation(client, url):
    """GET of a big export: the page that asks, and nothing started. (form action, hidden fields)."""
    jobs_before = _job_count()
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Export im Hintergrund starten" in page and "im Hintergrund erstellt" in page
    assert _job_count() == jobs_before
    tag, form = re.search(r'(<form [^>]*id="export-start"[^>]*>)(.*?)</form>', page, re.S).groups()
    assert 'method="post"' in tag
    action = html.unescape(re.search(r'action="([^"]+)"', tag).group(1))
    hidden = [(html.unescape(name), html.unescape(value))
              for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)]
    return page, action, hidden


def _start(client, url):
    """A big export as a user does it: the GET's page, then its button (the POST of its hidden fields)."""
    _page, action, hidden = _confirmation(client, url)
    return client.post(action, data=MultiDict(hidden))


def _job_count():
    return db.session.scalar(select(db.func.count(Job.id)))


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
    response = _start(client, url)
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
    _start(client, "/export/personen.csv?sector=civil_society")
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
    _start(client, "/export/personen.csv")
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
    assert client.post("/export/personen.csv").status_code == 403
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
    page, _action, hidden = _confirmation(client, f"/export/personen.csv?segment={segment.id}")
    assert "140" in page and hidden[1:] == [("segment", str(segment.id))]
    assert db.session.scalar(select(db.func.count(SegmentUse.id))) == 0  # the GET records no use
    response = _start(client, f"/export/personen.csv?segment={segment.id}")
    assert response.status_code == 302
    job = _newest_export_job()
    assert job.status == "done" and job.total == 140, job.message
    assert job.args[0]["use_id"] == db.session.scalar(select(SegmentUse.id).where(SegmentUse.segment_id == segment.id))
    assert client.get(f"/export/auftraege/{job.id}/datei").get_data().count(b"\r\n") == 141


def test_the_get_only_asks_and_carries_the_filters(app, client, login, big_list):
    """The GET of a big export changes nothing: no job, no file, no audit entry; its page says how many
    rows and carries the list's filters and ticked ids to the POST."""
    from crm.contacts.models import Person

    login("staff")
    ids = list(db.session.scalars(select(Person.id).order_by(Person.id).limit(60)))
    url = "/export/personen.xlsx?archived=all&ids=" + ",".join(map(str, ids))
    page, action, hidden = _confirmation(client, url)
    assert "Diese Liste hat 60 Zeilen" in page
    assert action == "/export/personen.xlsx"
    assert hidden[0][0] == "csrf_token" and ("archived", "all") in hidden
    assert ("ids", ",".join(map(str, ids))) in hidden
    assert 'href="/personen?archived=all"' in page  # "Abbrechen": back to the list with its filters
    assert _newest_export_job() is None and not _exports_audited()
    assert not big_list.exists() or not list(big_list.iterdir())
    response = client.post(action, data=MultiDict(hidden))
    job = _newest_export_job()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/export/auftraege/{job.id}")
    assert job.status == "done" and job.total == 60, job.message
    assert len(list(load_workbook(io.BytesIO(client.get(f"/export/auftraege/{job.id}/datei").get_data()))
                    .active.values)) == 61


def test_the_post_needs_the_csrf_token(app, client, login, big_list):
    login("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        _page, action, hidden = _confirmation(client, "/export/personen.csv")
        without_token = [(name, value) for name, value in hidden if name != "csrf_token"]
        assert client.post(action, data=MultiDict(without_token)).status_code == 400
        assert _newest_export_job() is None
        assert client.post(action, data=MultiDict(hidden)).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _newest_export_job().status == "done"


def test_the_post_counts_again(app, client, login, big_list):
    """Between the page and its button the list may change: empty now (a German message, nothing started),
    small now (exported directly), its Verteiler deleted (a German message)."""
    from crm.segments.models import Segment

    login("staff")
    response = client.post("/export/personen.csv", data={"q": "Niemand-mit-diesem-Namen"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Die Liste ist jetzt leer" in page and "es wurde nichts exportiert" in page
    assert response.request.path == "/personen"
    app.config["EXPORT_JOB_THRESHOLD"] = 1000
    response = client.post("/export/personen.csv", data={"sector": "civil_society"})
    assert response.status_code == 302 and response.headers["Location"] == "/export/personen.csv?sector=civil_society"
    assert client.get(response.headers["Location"]).get_data().count(b"\r\n") == 141
    segment = Segment(name="Gleich weg", kind="dynamic", filter={})
    db.session.add(segment)
    db.session.commit()
    segment_id = segment.id
    db.session.delete(segment)
    db.session.commit()
    response = client.post("/export/personen.csv", data={"segment": str(segment_id)}, follow_redirects=True)
    assert "Diesen Verteiler gibt es nicht (mehr)" in response.get_data(as_text=True)
    assert response.request.path == "/verteiler"
    assert _newest_export_job() is None
    assert [entry.changes["rows"] for entry in _exports_audited()] == [[None, 140]]  # the direct download only
