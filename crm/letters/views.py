"""Serienbriefe (letter runs), Word templates, the letterhead and address labels."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.core import time as clock
from crm.core.concurrency import versioned_edit
from crm.core.converters import parse_id, parse_ids
from crm.core.errors import DomainError, put_error_on_form, saving
from crm.core.forms import ConfirmForm
from crm.core.once import previously_created, remember_creation, replay
from crm.core.permissions import can_edit, export_required, role_required
from crm.extensions import db
from crm.interop import letters as engine
from crm.jobs import services as jobs
from crm.jobs.models import Job
from crm.letters import jobs as letter_jobs
from crm.letters import services
from crm.letters.forms import LabelForm, LetterheadForm, LetterRunForm, TemplateUploadForm
from crm.letters.models import LetterRun, LetterTemplate
from crm.segments import services as segments
from crm.segments.models import RULES, Segment, SegmentUse

bp = Blueprint("letters", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _segment_choices(form) -> None:
    form.segment_id.choices = [(0, _("— choose a mailing list —"))] + [
        (s.id, s.name) for s in segments.list_segments()]


def _source(form) -> services.Source:
    """The Verteiler chosen in the form, or the selection the list sent along (ids=p1,p2,o3)."""
    person_ids, organisation_ids = _selection(form.ids.data or "")
    if person_ids or organisation_ids:
        return services.Source(person_ids=person_ids, organisation_ids=organisation_ids)
    segment = db.session.get(Segment, form.segment_id.data) if form.segment_id.data else None
    if segment is None or segment.is_archived:
        raise DomainError(_("Please choose a mailing list."), field="segment_id")
    return services.Source(segment=segment)


def _selection(raw: str) -> tuple[list[int], list[int]]:
    persons, organisations = [], []
    for part in raw.replace(";", ",").split(","):
        part = part.strip().lower()
        if part.startswith("o"):
            organisations.extend(parse_ids([part[1:]]))
        elif part:
            persons.extend(parse_ids([part.removeprefix("p")]))
    return persons, organisations


def _prefill_source(form) -> None:
    if request.method == "GET":
        segment_id = parse_id(request.args.get("segment"))
        if segment_id:
            form.segment_id.data = segment_id
        form.ids.data = request.args.get("ids", "")[:20000]
        if hasattr(form, "template") and parse_id(request.args.get("template")):
            form.template.data = request.args["template"]


@bp.get("/briefe")
def run_list():
    return render_template("letters/run_list.html", runs=services.runs(), pending=_pending_jobs())


def _pending_jobs() -> list[tuple[Job, dict]]:
    """The user's letter jobs still waiting or running (with their progress), and the ones that failed
    in the last day, for the top of the list."""
    from datetime import timedelta

    from crm.core.models import utcnow

    if not current_user.is_authenticated:
        return []
    stmt = (select(Job).where(Job.kind == letter_jobs.KIND, Job.started_by_id == current_user.id,
                              Job.created_at >= utcnow() - timedelta(days=1))
            .order_by(Job.id.desc()).limit(20))
    return [(job, jobs.as_json(job)) for job in db.session.scalars(stmt)
            if not job.finished or job.status in ("failed", "stopped")]


def _template_choices(form) -> None:
    form.template.choices = [("builtin", _("Built-in letter (DIN 5008, with the letterhead)"))] + [
        (str(t.id), t.name) for t in services.active_templates()]


def _chosen_template(form) -> LetterTemplate | None:
    if form.template.data in (None, "", "builtin"):
        return None
    template = db.session.get(LetterTemplate, parse_id(form.template.data) or 0)
    if template is None or template.is_archived:
        raise DomainError(_("This template does not exist (any more)."), field="template")
    return template


@bp.route("/briefe/neu", methods=["GET", "POST"])
@export_required
def run_create():
    form = LetterRunForm()
    _segment_choices(form)
    _template_choices(form)
    _prefill_source(form)
    if request.method == "GET" and form.letter_date.data is None:
        form.letter_date.data = clock.today()
        form.body.data = form.body.data or "{Briefanrede}\n\n"
        form.signature.data = form.signature.data or services.letterhead().contact_person
    if (done := replay(form, LetterRun, lambda r: url_for("letters.run_detail", run_id=r.id))) is not None:
        return done
    if request.method == "POST" and (job := previously_created(form, Job)) is not None:
        flash(_("This form had already been saved; here is the record it created, no second one was made."), "info")
        return _after_job(job, quiet=True)
    preview = None
    if request.method == "POST" and form.validate():
        try:
            source = _source(form)
            template = _chosen_template(form)
            if request.form.get("action") == "create":
                # the letters are written by a job (crm/jobs): a worker, a thread of the app, or at once
                options = {"rule": form.rule.data, "template": template, "letter_date": form.letter_date.data,
                           "text": form.letter_text()}
                with saving(form) as saved:
                    count = letter_jobs.check(source, **options)
                    job_id = jobs.enqueue(letter_jobs.RUN_JOB, letter_jobs.spec_of(source, **options),
                                          current_user.id, kind=letter_jobs.KIND, total=count, user=current_user,
                                          message=options["text"].subject)
                    remember_creation(form, db.session.get(Job, job_id))
                if saved:
                    return _after_job(db.session.get(Job, job_id))
            else:
                preview = services.preview(source, rule=form.rule.data, template=template,
                                           letter_date=form.letter_date.data, text=form.letter_text())
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
    return render_template("letters/run_form.html", form=form, preview=preview, fields=engine.MERGE_FIELDS)


def _after_job(job: Job, quiet: bool = False):
    """Where a started letter job leads: its run when it is done (at once in inline mode), else the
    list of runs with its progress bar."""
    db.session.refresh(job)
    run_id = letter_jobs.run_of(job)
    if job.status == "done" and run_id:
        if not quiet:
            flash(job.message, "success")
        return redirect(url_for("letters.run_detail", run_id=run_id))
    if job.status == "failed" and not quiet:
        flash(job.message, "danger")
    elif not quiet:
        flash(_("The letters are being written; the progress is shown below. You may leave this page: the run "
                "is listed here (and under “My jobs”) when it is done."), "info")
    return redirect(url_for("letters.run_list"))


@bp.get("/briefe/<id:run_id>")
def run_detail(run_id: int):
    run = db.get_or_404(LetterRun, run_id)
    use = db.session.get(SegmentUse, run.segment_use_id) if run.segment_use_id else None
    resolution = segments.use_resolution(use) if use is not None else None
    pdf_job = next(iter(letter_jobs.pdf_jobs_of(run)), None)
    pdf_state = jobs.as_json(pdf_job) if pdf_job is not None else None
    return render_template("letters/run_detail.html", run=run, resolution=resolution, rule_label=RULES[run.rule],
                           pdf_limit=engine.PDF_CHUNK, has_pdf=_has_pdf(run), pdf_job=pdf_job, pdf_state=pdf_state,
                           may_watch=pdf_job is not None and current_user.is_authenticated
                           and jobs.may_see(pdf_job, current_user))


def _has_pdf(run: LetterRun) -> bool:
    return bool(db.session.scalar(select(LetterRun.pdf.is_not(None)).where(LetterRun.id == run.id)))


def _pdf_running(run: LetterRun) -> bool:
    return any(not job.finished and not jobs.is_interrupted(job) for job in letter_jobs.pdf_jobs_of(run))


@bp.get("/briefe/<id:run_id>/briefe.docx")
@export_required
def run_docx(run_id: int):
    run = db.get_or_404(LetterRun, run_id)
    _audit_run(run, "docx")
    return _download(run.document, DOCX, run.filename)


def _audit_run(run, fmt: str) -> None:
    from crm.core.audit import record_export

    record_export("letter_run", fmt, run.recipient_count, entity_id=run.id, label=run.subject)
    db.session.commit()


def _pdf_refused(run: LetterRun) -> bool:
    """True (with the reason as a message) when no PDF can be made of this run here."""
    if not engine.pdf_available():
        flash(_("PDF files need LibreOffice on the server (Debian package libreoffice-writer-nogui); it is not"
                " installed. The Word file can be downloaded."), "warning")
        return True
    if run.recipient_count > engine.PDF_CHUNK:
        # one LibreOffice run over the stored document slows with the square of its sections (minutes for
        # many hundred letters); more would need the letters in slices (to_pdf takes several documents),
        # which the stored run does not keep
        flash(_("A PDF is made here for up to %(limit)s letters; this run has %(count)s. Please open the Word"
                " file and save it as PDF there (Datei › Speichern unter › PDF).", limit=engine.PDF_CHUNK,
                count=run.recipient_count), "warning")
        return True
    return False


@bp.get("/briefe/<id:run_id>/briefe.pdf")
@export_required
def run_pdf(run_id: int):
    """The PDF a job made (see run_pdf_create)."""
    run = db.get_or_404(LetterRun, run_id)
    if not _has_pdf(run):
        if not _pdf_refused(run):
            flash(_("The PDF file is made first, in the background: press “Make PDF”. It is offered here when it "
                    "is done."), "info")
        return redirect(url_for("letters.run_detail", run_id=run.id))
    _audit_run(run, "pdf")
    return _download(run.pdf, "application/pdf", run.filename.removesuffix(".docx") + ".pdf")


@bp.post("/briefe/<id:run_id>/pdf-erstellen")
@export_required
def run_pdf_create(run_id: int):
    """Start the job that makes the run's PDF (LibreOffice) and keeps it with the run."""
    run = db.get_or_404(LetterRun, run_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if _pdf_refused(run):
        return redirect(url_for("letters.run_detail", run_id=run.id))
    if _has_pdf(run) or _pdf_running(run):
        return redirect(url_for("letters.run_detail", run_id=run.id))
    try:
        job_id = jobs.enqueue(letter_jobs.PDF_JOB, run.id, kind=letter_jobs.PDF_KIND, total=run.recipient_count,
                              user=current_user)
    except jobs.QueueUnavailable as problem:
        db.session.rollback()
        flash(problem.message, "danger")
        return redirect(url_for("letters.run_detail", run_id=run.id))
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    if job.status == "done":
        flash(job.message, "success")
    elif job.status != "failed":  # a failure is shown on the page
        flash(_("The PDF is being made; the progress is shown below."), "info")
    return redirect(url_for("letters.run_detail", run_id=run.id))


# ------------------------------------------------------------------ templates


@bp.route("/briefe/vorlagen", methods=["GET", "POST"])
@can_edit
def templates():
    form = TemplateUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        with saving(form) as saved:
            template = services.store_template(form.name.data, upload.filename or "", upload.read(), current_user)
        if saved:
            flash(_("Template “%(name)s” saved; its fields: %(fields)s.", name=template.name,
                    fields=", ".join(template.fields) or _("none")), "success")
            return redirect(url_for("letters.templates"))
    return render_template("letters/templates.html", form=form, templates=services.active_templates(),
                           fields=engine.MERGE_FIELDS, confirm=ConfirmForm())


@bp.get("/briefe/vorlagen/<id:template_id>.docx")
@can_edit
def template_download(template_id: int):
    template = db.get_or_404(LetterTemplate, template_id)
    return _download(template.content, DOCX, template.filename or f"vorlage-{template.id}.docx")


@bp.post("/briefe/vorlagen/<id:template_id>/archivieren")
@can_edit
def template_archive(template_id: int):
    template = db.get_or_404(LetterTemplate, template_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.archive_template(template)
    db.session.commit()
    flash(_("Template “%(name)s” removed; letters written with it keep their documents.", name=template.name),
          "success")
    return redirect(url_for("letters.templates"))


# ------------------------------------------------------------------ letterhead


@bp.route("/briefe/briefkopf", methods=["GET", "POST"])
@role_required("admin")
def letterhead():
    row = services.letterhead()
    form = LetterheadForm(obj=row)
    if form.validate_on_submit():
        logo = form.logo_file.data.read() if form.logo_file.data else None
        with saving(form, rename={"logo": "logo_file"}) as saved, versioned_edit(row, form.version.data):
            services.save_letterhead(row, form.data, logo)
        if saved:
            flash(_("Letterhead saved."), "success")
            return redirect(url_for("letters.letterhead"))
    elif request.method == "GET":
        db.session.commit()  # the empty row created on first use
        form.version.data = row.version
    return render_template("letters/letterhead.html", form=form, row=row)


@bp.get("/briefe/briefkopf/logo")
def letterhead_logo():
    row = services.letterhead()
    if not row.logo:
        abort(404)
    return Response(row.logo, mimetype=row.logo_type or "application/octet-stream")


# ------------------------------------------------------------------ labels


@bp.route("/briefe/etiketten", methods=["GET", "POST"])
@export_required
def labels():
    form = LabelForm()
    _segment_choices(form)
    _prefill_source(form)
    if form.validate_on_submit():
        with saving(form) as saved:
            data, resolution = services.labels(_source(form), form.rule.data, form.sheet.data,
                                               form.start_position.data)
            from crm.core.audit import record_export

            record_export("person", "labels", len(resolution.recipients))
        if saved:
            return _download(data, DOCX, f"etiketten-{clock.today().isoformat()}.docx")
    return render_template("letters/labels.html", form=form)
