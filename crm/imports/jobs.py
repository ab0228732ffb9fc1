"""The commit and the undo of an import as background jobs (crm/jobs): one transaction each, every
row or none, as in the request before; the progress goes out through `report_live` (the work is
uncommitted until the end, so it cannot be committed with it)."""
from flask_babel import gettext as _
from sqlalchemy import Text, cast, select

from crm.extensions import db
from crm.imports import services
from crm.imports.models import ImportBatch
from crm.jobs.models import Job

COMMIT_JOB = "crm.imports.jobs.commit_job"
UNDO_JOB = "crm.imports.jobs.undo_job"
KINDS = ("import_commit", "import_undo")


def number(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(value or 0, format="#,##0")


def commit_message(counts: dict) -> str:
    message = _("Import done: %(created)s created, %(updated)s updated, %(skipped)s skipped.",
                created=number(counts["created"]), updated=number(counts["updated"]),
                skipped=number(counts["skipped"]))
    if counts.get("unchanged"):
        message += " " + _("Already up to date (nothing changed): %(count)s.", count=number(counts["unchanged"]))
    return message


def undo_message(counts: dict) -> str:
    message = _("The import has been undone. Contacts removed: %(deleted)s, values restored: %(restored)s.",
                deleted=number(counts["undo_deleted"]), restored=number(counts["undo_restored"]))
    if counts.get("undo_kept"):
        message += " " + _("Values changed again after the import stay as they are: %(kept)s.",
                           kept=counts["undo_kept"])
    return message


def _problem_text(problem: services.ImportProblem) -> str:
    return _(problem.msgid, **problem.params) if problem.params else _(problem.msgid)


class ImportFailed(Exception):
    """The job's reason in the user's language (the job is marked failed with it; nothing was changed)."""


def _run(progress, batch_id: int, step, message) -> str:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise ImportFailed(_("The import no longer exists."))
    try:
        counts = step(batch, progress=progress.report_live)
    except services.ImportProblem as problem:
        raise ImportFailed(_("%(reason)s Nothing has been changed.", reason=_problem_text(problem))) from problem
    db.session.commit()  # all rows at once: a failure before this line leaves the data as it was
    return message(counts)


def commit_job(progress, batch_id: int) -> str:
    return _run(progress, batch_id, services.commit_import, commit_message)


def undo_job(progress, batch_id: int) -> str:
    return _run(progress, batch_id, services.undo_import, undo_message)


def jobs_of(batch: ImportBatch) -> list[Job]:
    """The commit and undo jobs of this batch, newest first."""
    import json

    return list(db.session.scalars(
        select(Job).where(Job.kind.in_(KINDS), cast(Job.args, Text) == json.dumps([batch.id]))
        .order_by(Job.id.desc())))


def active_job(batch: ImportBatch) -> Job | None:
    """The commit or undo of this batch that is waiting or running (not one whose worker has gone)."""
    from crm.jobs import services as jobs

    for job in jobs_of(batch):
        if not job.finished and not jobs.is_interrupted(job):
            return job
    return None
