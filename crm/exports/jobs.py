"""Big exports as background jobs (crm/jobs): a list with more rows than EXPORT_JOB_THRESHOLD is not
streamed in the request (gunicorn ends a request after its timeout) but written by a job, with the same
generators, into a file in EXPORT_DIR under a random name. The file is for the user who started the
job; it is kept and removed as every job's file is (crm/jobs/files.py: EXPORT_DIR, EXPORT_KEEP_HOURS)."""
from __future__ import annotations

import dataclasses

from flask import current_app

from crm.contacts.services import ContactFilters
from crm.exports import services
from crm.interop.tabular import csv_response_rows, file_chunks, xlsx_file
from crm.jobs import files

KIND = "export"
JOB = "crm.exports.jobs.export_job"
RECORD = "export_file"  # details["record"] of a finished export: the job's own page (registry record_urls)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "vcf": "text/vcard; charset=utf-8",
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def threshold() -> int:
    return int(current_app.config.get("EXPORT_JOB_THRESHOLD", 20000))  # 0: every list export is a job


def spec_of(entity: str, fmt: str, filters: ContactFilters, ids, use_id: int | None, *, private: bool,
            filename: str, audit_filters: dict) -> dict:
    """What the job needs, as JSON: the list's filters, ticked ids or the Verteiler's use, whether the
    confidential columns go in (the starter's role, decided in the request), the file's name."""
    return {"entity": entity, "fmt": fmt, "filters": dataclasses.asdict(filters),
            "ids": list(ids) if ids is not None and use_id is None else None, "use_id": use_id,
            "private": bool(private), "filename": filename, "audit_filters": audit_filters}


def _statement(spec: dict):
    from crm.extensions import db
    from crm.segments import services as segments
    from crm.segments.models import SegmentUse

    ids = spec.get("ids")
    if spec.get("use_id"):
        column = "organisation_id" if spec["entity"] == "organisation" else "person_id"
        ids = segments.use_ids(db.session.get(SegmentUse, spec["use_id"]), column)
    filters = ContactFilters(**spec["filters"])
    if spec["entity"] == "organisation":
        return services.organisations_query(filters, ids)
    return services.persons_query(filters, ids)


def _chunks(spec: dict, stmt, session):
    """The file's bytes: exactly what the direct export streams."""
    from flask_babel import gettext as _

    fmt, private = spec["fmt"], spec["private"]
    if spec["entity"] == "organisation":
        if fmt == "vcf":
            return services.organisation_vcard_bytes_stream(stmt, session)
        rows = services.organisation_rows(stmt, session)
        if fmt == "csv":
            return csv_response_rows(services.organisation_header(), rows)
        return file_chunks(xlsx_file(services.organisation_header(), rows, sheet_title=_("Organisations")))
    if fmt == "vcf":
        return services.vcard_bytes_stream(stmt, session, private=private)
    if fmt == "zip":
        return services.vcard_zip_stream(stmt, session, private=private)
    rows = services.person_rows(stmt, session, private=private)
    if fmt == "csv":
        return csv_response_rows(services.person_header(), rows)
    return file_chunks(xlsx_file(services.person_header(), rows, sheet_title=_("Persons")))


def export_job(progress, spec: dict) -> str:
    """Write the export into EXPORT_DIR (crm/jobs/files.py)."""
    from flask_babel import gettext as _

    from crm.core.audit import count_of
    from crm.core.formatting import whole_number

    stmt = _statement(spec)
    total = count_of(stmt)
    progress.report_live(0, total)
    session = services.export_session()
    rows = [0]

    def moved_on(count: int) -> None:
        rows[0] += count
        progress.report_live(min(rows[0], total), total)

    session.info["on_chunk"] = moved_on
    try:
        token, size = files.write(_chunks(spec, stmt, session))
    finally:
        session.close()
    progress.report(total, total, details={
        "record": [RECORD, progress.job_id], "file": token, "filename": spec["filename"], "fmt": spec["fmt"],
        "entity": spec["entity"], "rows": total, "filters": spec.get("audit_filters") or {}, "size": size})
    return _("The export of %(count)s rows is ready for download.", count=whole_number(total))


def file_of(job):
    """The finished export's file, if it is still there (crm/jobs/files.py)."""
    return files.file_of(job, KIND)
