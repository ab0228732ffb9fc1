"""Exports of persons and organisations: one vCard, and the filtered lists as CSV, XLSX, vCard
and ZIP; lists above EXPORT_JOB_THRESHOLD are written by a background job (jobs.py). The format code
itself lives in crm/interop/."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.exports import cli, jobs, views

    registry.blueprint(views.bp)
    registry.command(cli.export_vcard_command)
    registry.command(cli.remove_expired_exports_command)
    registry.labels(
        values={"job.kind": {jobs.KIND: _l("Export")}},
        record_urls={jobs.RECORD: lambda i: url_for("exports.job_page", export_id=i)},
    )
