"""The monitoring page (figures, charts, CSV, the records behind each figure) and the saved activity
reports with their Word document. Viewers read figures and charts; staff write and download reports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from crm.contacts.models import FieldOfAction
from crm.core import time as clock
from crm.core.forms import strip_filter
from crm.core.permissions import role_required
from crm.extensions import db
from crm.interop.tabular import csv_response_rows
from crm.jobs import files
from crm.jobs import services as jobs_services
from crm.jobs.views import own_job
from crm.reports import charts
from crm.reports import figures as fig
from crm.reports import jobs as report_jobs
from crm.reports.models import Report

bp = Blueprint("reports", __name__)


def _fields() -> list[FieldOfAction]:
    return list(db.session.scalars(select(FieldOfAction).order_by(FieldOfAction.position, FieldOfAction.name)))


def _period_or_error():
    try:
        return fig.parse_period(request.args), None
    except fig.PeriodError as exc:
        return None, str(exc)


@bp.get("/monitoring")
@role_required("viewer")
def monitoring():
    period, error = _period_or_error()
    figures = fig.compute(period) if period is not None else None
    today = clock.today()
    return render_template(
        "reports/monitoring.html", period=period, error=error, figures=figures, fields=_fields(),
        years=list(range(today.year + 1, today.year - 20, -1)), args=request.args, cell=fig.cell_text,
        query=period.args() if period else {}), (400 if error else 200)


@bp.get("/monitoring/diagramm/<chart_key>.png")
@role_required("viewer")
def chart_png(chart_key: str):
    period, error = _period_or_error()
    if period is None:
        abort(400)
    figures = fig.compute(period)
    try:
        chart = figures.chart(chart_key)
    except StopIteration:
        abort(404)
    response = Response(charts.png(chart), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


def _csv(header, rows, name: str) -> Response:
    response = Response(csv_response_rows(header, rows), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_rows(figures: fig.Figures, key: str):
    """(header, rows) of one table, chart or the key figures: the texts of the page."""
    if key == "kennzahlen":
        return [_("Figure"), _("Value")], [[k.label, fig.cell_text(k.value)] for k in figures.key_figures]
    for table in figures.tables:
        if table.key == key:
            rows = table.rows + ([table.total] if table.total is not None else [])
            return table.header, [[fig.cell_text(v) for v in r.cells] for r in rows]
    for chart in figures.charts:
        if chart.key == key:
            header = [chart.category_label] + [name for name, _values in chart.series]
            return header, [[c] + [fig.cell_text(values[i]) for _n, values in chart.series]
                            for i, c in enumerate(chart.categories)]
    raise KeyError(key)


@bp.get("/monitoring/csv/<figure_key>.csv")
@role_required("viewer")
def figure_csv(figure_key: str):
    period, error = _period_or_error()
    if period is None:
        abort(400)
    try:
        header, rows = csv_rows(fig.compute(period), figure_key)
    except KeyError:
        abort(404)
    return _csv(header, rows, f"monitoring-{figure_key}-{period.start.isoformat()}-{period.end.isoformat()}")


@bp.get("/monitoring/datensaetze/<record_kind>")
@role_required("viewer")
def records(record_kind: str):
    if record_kind not in fig.RECORD_KINDS:
        abort(404)
    period, error = _period_or_error()
    if period is None:
        abort(400)
    rec = fig.records(record_kind, period, request.args)
    return render_template("reports/records.html", rec=rec, period=period, cell=fig.cell_text,
                           back=url_for("reports.monitoring", **period.args()))


# ------------------------------------------------------------------ saved reports


class ReportForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip_filter])
    period_start = DateField(_l("From"), validators=[DataRequired()])
    period_end = DateField(_l("To"), validators=[DataRequired()])
    field_id = SelectField(_l("Field of action"), coerce=int, default=0)
    introduction = TextAreaField(_l("Introduction"), validators=[Length(max=20000)])
    outlook = TextAreaField(_l("Outlook"), validators=[Length(max=20000)])

    def validate_period_end(self, field):
        if self.period_start.data and field.data and field.data < self.period_start.data:
            raise ValidationError(_("The end of the period lies before its start."))
        if self.period_start.data and field.data and (field.data - self.period_start.data).days > fig.MAX_YEARS * 366:
            raise ValidationError(_("The period may span at most %(years)s years.", years=fig.MAX_YEARS))


def _form(report: Report | None) -> ReportForm:
    form = ReportForm(obj=report)
    if report is not None and request.method == "GET":
        form.field_id.data = report.field_of_action_id or 0
    form.field_id.choices = [(0, _("all fields of action"))] + [(f.id, f.name) for f in _fields()]
    return form


@bp.get("/berichte")
@role_required("viewer")
def report_list():
    reports = db.session.scalars(select(Report).order_by(Report.period_end.desc(), Report.id.desc())).all()
    return render_template("reports/list.html", reports=reports)


@bp.route("/berichte/neu", methods=["GET", "POST"])
@role_required("staff")
def report_create():
    form = _form(None)
    if request.method == "GET":
        year = clock.today().year - 1
        try:
            period = fig.parse_period(request.args) if request.args else fig.make_period(
                clock.today().replace(year=year, month=1, day=1), clock.today().replace(year=year, month=12, day=31))
        except fig.PeriodError:
            period = None
        if period is not None:
            form.period_start.data, form.period_end.data = period.start, period.end
            form.field_id.data = period.field_id or 0
            form.title.data = _("Activity report %(period)s", period=period.label)
    if form.validate_on_submit():
        report = Report(created_by_id=current_user.id)
        _fill(report, form)
        db.session.add(report)
        db.session.commit()
        flash(_("The report was saved."), "success")
        return redirect(url_for("reports.report_edit", report_id=report.id))
    return render_template("reports/form.html", form=form, report=None)


def _fill(report: Report, form: ReportForm) -> None:
    report.title = form.title.data
    report.period_start, report.period_end = form.period_start.data, form.period_end.data
    report.field_of_action_id = form.field_id.data or None
    report.introduction = form.introduction.data or ""
    report.outlook = form.outlook.data or ""


@bp.route("/berichte/<id:report_id>", methods=["GET", "POST"])
@role_required("staff")
def report_edit(report_id: int):
    report = db.get_or_404(Report, report_id)
    form = _form(report)
    if form.validate_on_submit():
        _fill(report, form)
        db.session.commit()
        flash(_("The report was saved."), "success")
        return redirect(url_for("reports.report_edit", report_id=report.id))
    period = fig.Period(report.period_start, report.period_end, report.field_of_action_id)
    return render_template("reports/form.html", form=form, report=report,
                           monitoring_url=url_for("reports.monitoring", **period.args()))


@bp.route("/berichte/<id:report_id>/bericht.docx", methods=["GET", "POST"])
@role_required("staff")
def report_docx(report_id: int):
    """The POST of "Download as Word" starts the job that builds the document (crm/reports/jobs.py) and leads
    to its page. A GET (an old link, a bookmark) changes nothing: back to the report, with a word on the
    button."""
    report = db.get_or_404(Report, report_id)
    if request.method == "GET":
        flash(_("The Word document is now made in the background: please use the button “Download as Word”."),
              "info")
        return redirect(url_for("reports.report_edit", report_id=report.id))
    files.remove_expired()
    try:
        job_id = jobs_services.enqueue(report_jobs.JOB, report.id, kind=report_jobs.KIND, total=report_jobs.STEPS,
                                       user=current_user, message=report_jobs.filename_of(report))
    except jobs_services.QueueUnavailable as problem:
        db.session.rollback()
        flash(problem.message, "danger")
        return redirect(url_for("reports.report_edit", report_id=report_id))
    return redirect(url_for("reports.job_page", report_job_id=job_id))


@bp.get("/berichte/auftraege/<id:report_job_id>")
@role_required("staff")
def job_page(report_job_id: int):
    """The report job's progress and, when done, its document (for the user who started it)."""
    job = own_job(report_job_id, report_jobs.KIND)
    report_id = (job.args or [None])[0]
    report = db.session.get(Report, report_id) if isinstance(report_id, int) else None
    return render_template(
        "jobs/file_job.html", heading=_("Activity report"), unit=_("steps"),
        download_url=url_for("reports.job_download", report_job_id=job.id),
        not_for_you=_("Only the user who started this job can download its file."),
        interrupted=_("The job was interrupted (its worker stopped). Start it again from the report's page."),
        back_url=url_for("reports.report_edit", report_id=report.id) if report else None,
        back_label=_("Back to the report"), **files.page_values(job, report_jobs.KIND))


@bp.get("/berichte/auftraege/<id:report_job_id>/datei")
@role_required("staff")
def job_download(report_job_id: int):
    """The finished document, only for the user who started the job."""
    job = own_job(report_job_id, report_jobs.KIND)
    if not files.is_starter(job):  # an administrator sees the job, but the file is the starter's
        flash(_("Only the user who started this job can download its file."), "warning")
        return redirect(url_for("reports.job_page", report_job_id=job.id))
    files.remove_expired()
    path = files.file_of(job, report_jobs.KIND)
    if path is None:
        flash(_("This file is not available (any more): such files are kept for %(hours)s hours.",
                hours=files.keep_hours_text()), "warning")
        return redirect(url_for("reports.job_page", report_job_id=job.id))
    return files.download(path, report_jobs.DOCX, (job.details or {}).get("filename") or "Taetigkeitsbericht.docx")


@bp.post("/berichte/<id:report_id>/loeschen")
@role_required("staff")
def report_delete(report_id: int):
    report = db.get_or_404(Report, report_id)
    db.session.delete(report)
    db.session.commit()
    flash(_("The report was deleted."), "success")
    return redirect(url_for("reports.report_list"))
