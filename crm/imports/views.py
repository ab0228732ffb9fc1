"""Import (upload, columns, preview, commit, log, undo) and the further details on the person page."""
from functools import cache

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Text, bindparam, cast, select

from crm.core.converters import arg_page, parse_id
from crm.core.forms import ConfirmForm
from crm.core.permissions import can_edit
from crm.extensions import db
from crm.imports import jobs as import_jobs
from crm.imports import services
from crm.imports.fields import TARGETS
from crm.imports.forms import ActionForm, MappingForm, UploadForm
from crm.imports.models import ROW_ACTIONS, ContactDetail, ImportBatch, ImportRow, SavedMapping
from crm.jobs import services as jobs
from crm.jobs.models import Job

bp = Blueprint("imports", __name__)

REASON_LABELS = {
    "name": _l("similar name (%(value)s %%)"),
    "phonetic": _l("sounds the same"),
    "email": _l("same e-mail address"),
    "phone": _l("same phone number"),
    "address": _l("same address"),
    "organisation": _l("same organisation"),
    "id": _l("same RegioNetz ID"),
}
PER_PAGE = 50


def reason_text(reason: list) -> str:
    code = reason[0]
    label = REASON_LABELS.get(code)
    if label is None:
        return code
    return str(label) % {"value": reason[1]} if len(reason) > 1 else str(label).replace("%%", "%")


def message_text(item: list) -> str:
    _field, msgid, params = item
    return _(msgid, **params) if params else _(msgid)


DETAIL_KINDS = {"email": _l("e-mail"), "phone": _l("phone"), "address": _l("address"), "title": _l("title"),
                "web": _l("website")}
# vCard types as stored in the label of a further detail ("CELL,WORK") -> words
DETAIL_TYPES = {
    "WORK": _l("business"), "HOME": _l("private"), "CELL": _l("mobile"), "FAX": _l("fax"), "PAGER": _l("pager"),
    "VOICE": _l("phone"), "MAIN": _l("main number"), "OTHER": _l("other"), "CAR": _l("car phone"),
    "ISDN": "ISDN", "TEXTPHONE": _l("text phone"), "TEXT": _l("text messages"), "VIDEO": _l("video"),
    "ASSISTANT": _l("assistant"), "CALLBACK": _l("callback"), "MSG": _l("voice mail"), "INTERNET": _l("e-mail"),
    "POSTAL": _l("postal"), "PARCEL": _l("parcels"), "DOM": _l("domestic"), "INTL": _l("international"),
}


@bp.app_template_filter("detail_kind")
def _detail_kind_filter(kind: str) -> str:
    return str(DETAIL_KINDS.get(kind, kind))


@bp.app_template_filter("detail_label")
def _detail_label_filter(label: str) -> str:
    """ "CELL,WORK" -> "mobile, business"; a client's own label ("AssistantPhone") stays as written."""
    parts = [p.strip() for p in (label or "").split(",") if p.strip()]
    if parts and all(p.upper() in DETAIL_TYPES for p in parts):
        return ", ".join(str(DETAIL_TYPES[p.upper()]) for p in parts)
    return label or ""


ENCODING_LABELS = {
    "utf-8": _l("UTF-8"),
    "utf-8-sig": _l("UTF-8 (with byte order mark)"),
    "utf-16": _l("UTF-16"),
    "cp1252": _l("Windows-1252 (Western European, as saved by German Excel)"),
}
DELIMITER_LABELS = {";": _l("semicolon"), ",": _l("comma"), "\t": _l("tab"), "|": _l("vertical bar")}


def number(value) -> str:
    """1234 -> "1.234" in German."""
    from flask_babel import format_decimal

    return format_decimal(value or 0, format="#,##0")


@bp.app_template_filter("import_number")
def _number_filter(value):
    return number(value)


@bp.app_template_filter("import_encoding")
def _encoding_filter(name):
    return ENCODING_LABELS.get(name, name)


@bp.app_template_filter("import_delimiter")
def _delimiter_filter(delimiter):
    return DELIMITER_LABELS.get(delimiter, delimiter)


@bp.app_template_filter("import_reason")
def _reason_filter(reason):
    return reason_text(reason)


@bp.app_template_filter("import_message")
def _message_filter(item):
    return message_text(item)


def _flash_problem(problem: services.ImportProblem) -> None:
    flash(_(problem.msgid, **problem.params) if problem.params else _(problem.msgid), "danger")


# ----------------------------------------------------------------------------- upload


def _saved_mapping_choices():
    mappings = db.session.scalars(select(SavedMapping).order_by(SavedMapping.name)).all()
    return [(0, _("- suggest from the column headers -"))] + [(m.id, m.name) for m in mappings]


@bp.route("/import", methods=["GET", "POST"])
@can_edit
def import_upload():
    form = UploadForm()
    form.saved_mapping.choices = _saved_mapping_choices()
    limit = services.max_upload_bytes()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(limit + 1)
        try:
            batch = services.start_import(upload.filename or "", data)
        except services.ImportProblem as problem:
            db.session.rollback()
            form.file.errors = list(form.file.errors) + [
                _(problem.msgid, **problem.params) if problem.params else _(problem.msgid)]
        else:
            if batch.status == "mapping" and form.saved_mapping.data:
                saved = db.session.get(SavedMapping, form.saved_mapping.data)
                if saved is not None:
                    batch.mapping = {str(k): v for k, v in services.mapping_for(batch, saved).items()}
            db.session.commit()
            if batch.status == "mapping":
                return redirect(url_for("imports.import_mapping", batch_id=batch.id))
            if batch.problems:
                flash(_("Cards that could not be read: %(count)s. They are listed above the preview.",
                        count=len(batch.problems)), "warning")
            return redirect(url_for("imports.import_preview", batch_id=batch.id))
    recent = db.session.scalars(select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
                                .limit(5)).all()
    return render_template("imports/upload.html", form=form, recent=recent, limit_mb=services.megabytes(limit))


def _batch(batch_id: int) -> ImportBatch:
    return db.get_or_404(ImportBatch, batch_id)


@bp.route("/import/<id:batch_id>/spalten", methods=["GET", "POST"])
@can_edit
def import_mapping(batch_id: int):
    batch = _batch(batch_id)
    if batch.source == "vcard" or batch.status not in ("mapping", "preview"):
        return redirect(url_for("imports.import_detail", batch_id=batch.id))
    form = MappingForm()
    mapping = services.mapping_for(batch)
    samples = batch.samples or []
    if form.validate_on_submit():
        mapping = {}
        for index in range(len(batch.header)):
            target = request.form.get(f"col-{index}", "")
            if target in TARGETS:
                mapping[index] = target
        try:
            if form.save.data:
                services.save_mapping(form.mapping_name.data, batch, mapping)
            services.apply_mapping(batch, mapping)
        except services.ImportProblem as problem:
            db.session.rollback()
            batch = _batch(batch_id)
            if problem.field == "mapping_name":
                form.mapping_name.errors = list(form.mapping_name.errors) + [_(problem.msgid)]
            else:
                _flash_problem(problem)
        else:
            db.session.commit()
            return redirect(url_for("imports.import_preview", batch_id=batch.id))
    return render_template("imports/mapping.html", batch=batch, form=form, mapping=mapping, targets=TARGETS,
                           samples=samples)


def _not_empty(column):
    return cast(column, Text) != "[]"  # the lists are stored as JSON text


def _row_filter(stmt, show: str):
    if show == "problems":
        return stmt.where(_not_empty(ImportRow.errors) | _not_empty(ImportRow.warnings))
    if show == "duplicates":
        return stmt.where(_not_empty(ImportRow.matches))
    if show in ("create", "update", "skip"):
        return stmt.where(ImportRow.action == show)
    return stmt


@bp.route("/import/<id:batch_id>/vorschau", methods=["GET", "POST"])
@can_edit
def import_preview(batch_id: int):
    batch = _batch(batch_id)
    if batch.status == "mapping":
        return redirect(url_for("imports.import_mapping", batch_id=batch.id))
    if batch.status != "preview":
        return redirect(url_for("imports.import_detail", batch_id=batch.id))
    if import_jobs.active_job(batch) is not None:  # being carried out: its progress is on the detail page
        return redirect(url_for("imports.import_detail", batch_id=batch.id))
    form = ActionForm()
    show = request.args.get("show", "all")
    if form.validate_on_submit():
        choices, field_choices = {}, {}
        for key, value in request.form.items():
            if key.startswith("action-"):
                row_id = parse_id(key[7:])
                if row_id is not None:
                    choices[row_id] = value
            elif key.startswith("field-"):
                row_key, _sep, change_key = key[6:].partition("-")
                row_id = parse_id(row_key)
                if row_id is not None and change_key:
                    field_choices.setdefault(row_id, {})[change_key] = value
        try:
            services.set_row_actions(batch, choices)
            services.set_field_choices(batch, field_choices)
            if "commit" in request.form:
                total = services.check_committable(batch)
        except services.ImportProblem as problem:
            db.session.rollback()
            _flash_problem(problem)
            return redirect(url_for("imports.import_preview", batch_id=batch.id, show=show,
                                    page=arg_page()))
        db.session.commit()
        if "commit" in request.form:
            # the commit itself is a job (crm/jobs): a worker, a thread of the app, or at once in tests
            return _start(batch, import_jobs.COMMIT_JOB, "import_commit", total,
                          _("The import is running; its progress is shown below."))
        flash(_("Your choices have been saved."), "success")
        return redirect(url_for("imports.import_preview", batch_id=batch.id, show=show,
                                page=arg_page()))
    stmt = _row_filter(select(ImportRow).where(ImportRow.batch_id == batch.id), show).order_by(ImportRow.position)
    page = db.paginate(stmt, per_page=PER_PAGE, max_per_page=200)
    return render_template("imports/preview.html", batch=batch, page=page, form=form, show=show,
                           confirm=ConfirmForm(), actions=ROW_ACTIONS, counts=batch.counts or {},
                           changes=services.preview_changes(page.items))


@bp.post("/import/<id:batch_id>/verwerfen")
@can_edit
def import_discard(batch_id: int):
    batch = _batch(batch_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.discard_import(batch)
        except services.ImportProblem as problem:
            db.session.rollback()
            _flash_problem(problem)
            return redirect(url_for("imports.import_detail", batch_id=batch_id))
        db.session.commit()
        flash(_("The upload has been discarded. Nothing was imported."), "success")
    return redirect(url_for("imports.import_upload"))


@bp.get("/import/protokoll")
@can_edit
def import_log():
    stmt = select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
    page = db.paginate(stmt, per_page=PER_PAGE, max_per_page=200)
    return render_template("imports/log.html", page=page)


@bp.get("/import/<id:batch_id>")
@can_edit
def import_detail(batch_id: int):
    batch = _batch(batch_id)
    stmt = select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.position)
    page = db.paginate(stmt, per_page=PER_PAGE, max_per_page=200)
    created = batch.created_persons or {}
    created_on_page = {row.position: created[str(row.position)] for row in page.items if str(row.position) in created}
    job = next(iter(import_jobs.jobs_of(batch)), None)
    job_state = jobs.as_json(job) if job is not None else None
    return render_template("imports/detail.html", batch=batch, page=page, confirm=ConfirmForm(),
                           counts=batch.counts or {}, actions=ROW_ACTIONS, created=created_on_page,
                           job=job, job_state=job_state, may_watch=job is not None and jobs.may_see(job, current_user))


@bp.post("/import/<id:batch_id>/rueckgaengig")
@can_edit
def import_undo(batch_id: int):
    batch = _batch(batch_id)
    if ConfirmForm().validate_on_submit():
        try:
            total = services.check_undoable(batch)
        except services.ImportProblem as problem:
            db.session.rollback()
            _flash_problem(problem)
        else:
            return _start(batch, import_jobs.UNDO_JOB, "import_undo", total,
                          _("The import is being undone; the progress is shown below."))
    return redirect(url_for("imports.import_detail", batch_id=batch_id))


def _start(batch: ImportBatch, func_path: str, kind: str, total: int, running: str):
    """Start the commit or undo of `batch` as a job and go to the import's page (its progress bar).
    A job that ended at once (inline mode) says its result as the message of the page."""
    detail = url_for("imports.import_detail", batch_id=batch.id)
    if import_jobs.active_job(batch) is not None:
        flash(_("This import is being carried out or undone already; its progress is shown below."), "info")
        return redirect(detail)
    try:
        job_id = jobs.enqueue(func_path, batch.id, kind=kind, total=total, user=current_user)
    except jobs.QueueUnavailable as problem:
        db.session.rollback()
        flash(problem.message, "danger")
        return redirect(detail)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if job.status == "done":
        flash(job.message, "success")
    elif job.status == "failed":
        flash(job.message, "danger")
    else:
        flash(running, "info")
    return redirect(detail)


@bp.get("/import/zuordnungen")
@can_edit
def import_mappings():
    mappings = db.session.scalars(select(SavedMapping).order_by(SavedMapping.name)).all()
    return render_template("imports/mappings.html", mappings=mappings, targets=TARGETS, confirm=ConfirmForm())


@bp.post("/import/zuordnungen/<id:mapping_id>/loeschen")
@can_edit
def import_mapping_delete(mapping_id: int):
    saved = db.get_or_404(SavedMapping, mapping_id)
    if ConfirmForm().validate_on_submit():
        db.session.delete(saved)
        db.session.commit()
        flash(_("The column assignment “%(name)s” has been deleted.", name=saved.name), "success")
    return redirect(url_for("imports.import_mappings"))


# ----------------------------------------------------------------------------- person page


@cache
def _contact_details_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    return (select(ContactDetail).where(ContactDetail.person_id == bindparam("person_id"))
            .order_by(ContactDetail.kind, ContactDetail.id))


def person_details_section(person):
    from crm.core.confidential import may_see_confidential, private_label

    details = db.session.scalars(_contact_details_statement(), {"person_id": person.id}).all()
    if not may_see_confidential():
        details = [d for d in details if not private_label(d.label)]
    return {"details": details, "person": person}

