"""The activity report's Word document as a background job (0.6–3 s for long periods, too long for a
request): the job computes the figures, builds the .docx and keeps it as every job's file is kept
(crm/jobs/files.py: EXPORT_DIR, mode 0600, removed after EXPORT_KEEP_HOURS). The file is for the user
who started the job."""
from __future__ import annotations

KIND = "report_docx"
JOB = "crm.reports.jobs.report_job"
RECORD = "report_file"  # details["record"] of a finished job: the job's own page (registry record_urls)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STEPS = 3  # figures computed, document built, file written


def filename_of(report) -> str:
    return f"Taetigkeitsbericht-{report.period_start.isoformat()}-{report.period_end.isoformat()}.docx"


def docx_bytes(report, on_step=lambda step: None) -> bytes:
    """The report as a Word document: its texts and the figures of its period, computed now."""
    from crm.letters import services as letters
    from crm.reports import document
    from crm.reports import figures as fig

    period = fig.make_period(report.period_start, report.period_end, report.field_of_action_id)
    figures = fig.compute(period)
    on_step(1)
    data = document.build(figures, report.title, report.introduction, report.outlook,
                          sender=letters.letterhead().sender_name)
    on_step(2)
    return data


def report_job(progress, report_id: int) -> str:
    """Build the report's .docx and keep it as the job's file."""
    from flask_babel import gettext as _

    from crm.core.errors import DomainError
    from crm.extensions import db
    from crm.jobs import files
    from crm.reports.models import Report

    report = db.session.get(Report, report_id)
    if report is None:
        raise DomainError(_("The report was deleted meanwhile; no document was made."))
    progress.report_live(0, STEPS)
    data = docx_bytes(report, on_step=lambda step: progress.report_live(step, STEPS))
    token, size = files.write([data])
    progress.report(STEPS, STEPS, details={
        "record": [RECORD, progress.job_id], "file": token, "filename": filename_of(report),
        "report_id": report.id, "title": report.title, "size": size})
    return _("The activity report “%(title)s” is ready for download.", title=report.title)
