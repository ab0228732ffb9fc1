"""A letter run (Serienbrief) as a background job (crm/jobs): the recipients are resolved, the .docx is
merged and kept with the run, and the letter is logged on every timeline, in one transaction. The
starter finds the run (and its download) on the letters page and under "My jobs" when it is done."""
from dataclasses import asdict
from datetime import date

from flask_babel import gettext as _

from crm.auth.models import User
from crm.core.errors import DomainError
from crm.extensions import db
from crm.interop import letters as engine
from crm.jobs.models import Job
from crm.letters import services
from crm.letters.models import LetterTemplate
from crm.segments.models import Segment

RUN_JOB = "crm.letters.jobs.run_job"
KIND = "letter_run"


def spec_of(source: services.Source, *, rule: str, template: LetterTemplate | None, letter_date: date,
            text: "engine.LetterText") -> dict:
    """What the job needs to write the run, as JSON (the job's argument)."""
    return {"segment_id": source.segment.id if source.segment is not None else None,
            "person_ids": list(source.person_ids), "organisation_ids": list(source.organisation_ids),
            "rule": rule, "template_id": template.id if template is not None else None,
            "letter_date": letter_date.isoformat(), "text": asdict(text)}


def check(source: services.Source, *, rule: str, template: LetterTemplate | None, letter_date: date,
          text: "engine.LetterText") -> int:
    """What the user must fix before the job starts (DomainError); else how many letters it writes."""
    preview = services.preview(source, rule=rule, template=template, letter_date=letter_date, text=text, size=0)
    if not preview.resolution.recipients:
        raise DomainError(_("Nobody in this list can get a letter (see the excluded contacts)."))
    return len(preview.resolution.recipients)


def run_job(progress, spec: dict, user_id: int | None = None) -> str:
    segment = db.session.get(Segment, spec["segment_id"]) if spec.get("segment_id") else None
    if spec.get("segment_id") and (segment is None or segment.is_archived):
        raise DomainError(_("The mailing list no longer exists."))
    template = None
    if spec.get("template_id"):
        template = db.session.get(LetterTemplate, spec["template_id"])
        if template is None or template.is_archived:
            raise DomainError(_("This template does not exist (any more)."))
    source = services.Source(segment=segment, person_ids=spec.get("person_ids") or [],
                             organisation_ids=spec.get("organisation_ids") or [])
    user = db.session.get(User, user_id) if user_id else None
    progress.report_live(0)
    run = services.create_run(source, rule=spec["rule"], template=template,
                              letter_date=date.fromisoformat(spec["letter_date"]),
                              text=engine.LetterText(**spec["text"]), user=user)
    progress.report(run.recipient_count, run.recipient_count, details={"record": ["letter_run", run.id]})
    db.session.commit()
    return _("%(count)s letters written: “%(subject)s”.", count=run.recipient_count, subject=run.subject)


def run_of(job) -> int | None:
    """The id of the run a finished job wrote."""
    record = (job.details or {}).get("record") or []
    return record[1] if len(record) == 2 and record[0] == "letter_run" else None


# ------------------------------------------------------------------ the PDF of a run

PDF_JOB = "crm.letters.jobs.pdf_job"
PDF_KIND = "letter_pdf"


def pdf_job(progress, run_id: int) -> str:
    """The run's Word file as PDF (LibreOffice), kept with the run. No transaction is held open while
    LibreOffice works (a minute or more for a hundred letters on a busy server)."""
    from crm.letters.models import LetterRun

    run = db.session.get(LetterRun, run_id)
    if run is None:
        raise DomainError(_("The mail merge no longer exists."))
    document, count, subject = run.document, run.recipient_count, run.subject
    db.session.commit()
    progress.report_live(0, count)
    try:
        data = engine.to_pdf(document)
    except engine.LetterError as error:
        raise services.letter_problem(error) from error
    run = db.session.get(LetterRun, run_id)
    if run is None:
        raise DomainError(_("The mail merge no longer exists."))
    run.pdf = data
    progress.report(count, count)
    db.session.commit()
    return _("The PDF of “%(subject)s” is ready (%(count)s letters).", subject=subject, count=count)


def pdf_jobs_of(run) -> list:
    """The PDF jobs of this run, newest first."""
    import json

    from sqlalchemy import Text, cast, select

    return list(db.session.scalars(
        select(Job).where(Job.kind == PDF_KIND, cast(Job.args, Text) == json.dumps([run.id]))
        .order_by(Job.id.desc())))
