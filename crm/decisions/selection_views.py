"""Project selection pages: a body's selection criteria, a project's score sheet, the ranking of a
meeting's projects and the LAG's statement as a Word file (routes on the decisions blueprint)."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.core import time as clock
from crm.core.concurrency import VersionField, versioned_edit
from crm.core.converters import parse_id
from crm.core.errors import DomainError, put_error_on_form, saving
from crm.core.formatting import local_date, long_date, to_berlin
from crm.core.forms import ConfirmForm, strip_filter
from crm.core.permissions import can_edit, export_required
from crm.decisions import selection
from crm.decisions.selection_models import SelectionCriterion
from crm.decisions.views import bp
from crm.extensions import db
from crm.interop import statement as statement_format
from crm.meetings.models import Meeting
from crm.network.models import Body
from crm.projects.models import Project

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
F = [strip_filter]


class CriterionForm(FlaskForm):
    title = StringField(_l("Criterion"), filters=F, validators=[Length(max=200)])
    description = TextAreaField(_l("What earns the points"), filters=F, validators=[Optional()])
    # numbers as text: the service checks them and says what is wrong in German
    max_points = StringField(_l("Maximum points"), filters=F, default="3")
    min_points = StringField(_l("Minimum points (empty: none)"), filters=F)
    version = VersionField()  # optimistic locking: the version the form was loaded with


class MinTotalForm(FlaskForm):
    min_total = StringField(_l("Minimum total (empty: none)"), filters=F)


class ScoreForm(FlaskForm):
    meeting_id = SelectField(_l("Meeting that decides"), choices=[], validate_choice=False)
    agenda_item_id = SelectField(_l("Agenda item"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note"), filters=F, validators=[Optional(), Length(max=4000)])
    version = VersionField()  # of the score sheet as shown: two people scoring at once must not overwrite silently


# ------------------------------------------------------------------ criteria of a body


def _criteria_page(body: Body, form: CriterionForm | None = None, total_form: MinTotalForm | None = None,
                   status: int = 200):
    criteria = selection.criteria_of(body, include_archived=True)
    active = [c for c in criteria if not c.is_archived]
    min_total = selection.min_total_of(body)
    return render_template(
        "decisions/selection_criteria.html", body=body, active=active,
        archived=[c for c in criteria if c.is_archived], max_total=sum(c.max_points for c in active),
        min_total=min_total, form=form or CriterionForm(formdata=None),
        total_form=total_form or MinTotalForm(formdata=None, min_total="" if min_total is None else str(min_total)),
        confirm=ConfirmForm(),
    ), status


@bp.get("/gremien/<id:body_id>/auswahlkriterien")
def selection_criteria(body_id: int):
    return _criteria_page(db.get_or_404(Body, body_id))


@bp.post("/gremien/<id:body_id>/auswahlkriterien/neu")
@can_edit
def selection_criterion_add(body_id: int):
    body = db.get_or_404(Body, body_id)
    form = CriterionForm()
    if form.validate():
        with saving(form) as saved:
            criterion = selection.save_criterion(None, body, form.data)
        if saved:
            flash(_("Criterion “%(title)s” added.", title=criterion.title), "success")
            return redirect(url_for("decisions.selection_criteria", body_id=body.id))
    return _criteria_page(body, form=form)


@bp.post("/gremien/<id:body_id>/auswahlkriterien/mindestpunktzahl")
@can_edit
def selection_min_total(body_id: int):
    body = db.get_or_404(Body, body_id)
    form = MinTotalForm()
    if form.validate():
        with saving(form) as saved:
            selection.save_min_total(body, form.min_total.data)
        if saved:
            flash(_("Minimum total saved."), "success")
            return redirect(url_for("decisions.selection_criteria", body_id=body.id))
    return _criteria_page(body, total_form=form)


@bp.route("/auswahlkriterien/<id:criterion_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def selection_criterion_edit(criterion_id: int):
    criterion = db.get_or_404(SelectionCriterion, criterion_id)
    form = CriterionForm(obj=criterion if request.method == "GET" else None)
    if request.method == "GET":
        form.min_points.data = "" if criterion.min_points is None else str(criterion.min_points)
        form.max_points.data = str(criterion.max_points)
    elif form.validate():
        with saving(form) as saved, versioned_edit(criterion, form.version.data):
            selection.save_criterion(criterion, criterion.body, form.data)
        if saved:
            flash(_("Criterion “%(title)s” saved.", title=criterion.title), "success")
            return redirect(url_for("decisions.selection_criteria", body_id=criterion.body_id))
    return render_template("decisions/selection_criterion_form.html", criterion=criterion, form=form)


@bp.post("/auswahlkriterien/<id:criterion_id>/verschieben")
@can_edit
def selection_criterion_move(criterion_id: int):
    criterion = db.get_or_404(SelectionCriterion, criterion_id)
    if ConfirmForm().validate():
        selection.move_criterion(criterion, "up" if request.form.get("direction") == "up" else "down")
        db.session.commit()
    return redirect(url_for("decisions.selection_criteria", body_id=criterion.body_id))


@bp.post("/auswahlkriterien/<id:criterion_id>/archivieren")
@can_edit
def selection_criterion_archive(criterion_id: int):
    criterion = db.get_or_404(SelectionCriterion, criterion_id)
    if ConfirmForm().validate():
        archive = not criterion.is_archived
        selection.set_archived(criterion, archive)
        db.session.commit()
        flash(_("Criterion “%(title)s” archived.", title=criterion.title) if archive
              else _("Criterion “%(title)s” restored.", title=criterion.title), "success")
    return redirect(url_for("decisions.selection_criteria", body_id=criterion.body_id))


# ------------------------------------------------------------------ score sheet of a project


def _chosen_body(value) -> Body | None:
    body_id = parse_id(value)
    if body_id is not None:
        body = db.session.get(Body, body_id)
        if body is None:
            abort(404)
        return body
    return selection.default_body()


def _sheet_page(project: Project, body: Body | None, form: ScoreForm | None = None, entered: dict | None = None,
                error_field: str | None = None, status: int = 200):
    sheet = selection.sheet_of(project, body) if body else None
    criteria = selection.criteria_of(body) if body else []
    meetings = selection.meetings_of(body) if body else []
    if form is None:
        form = ScoreForm(formdata=None, note=sheet.note if sheet else "", version=sheet.version if sheet else None,
                         meeting_id=str(sheet.meeting_id) if sheet and sheet.meeting_id else "",
                         agenda_item_id=str(sheet.agenda_item_id) if sheet and sheet.agenda_item_id else "")
    form.meeting_id.choices = [("", _("– no meeting –"))] + [
        (str(m.id), f"{m.title} ({local_date(m.starts_at)})" if m.starts_at else m.title) for m in meetings]
    form.agenda_item_id.choices = [("", _("– no agenda item –"))] + [
        (str(item.id), f"{local_date(item.meeting.starts_at)} · {item.title}" if item.meeting.starts_at else item.title)
        for item in (selection.agenda_items_of(body) if body else [])]
    if entered is None:
        saved = {s.criterion_id: s for s in sheet.scores} if sheet else {}
        entered = {c.id: (str(saved[c.id].points) if c.id in saved else "", saved[c.id].reason if c.id in saved else "")
                   for c in criteria}
    return render_template(
        "decisions/selection_sheet.html", project=project, body=body, bodies=selection.bodies_with_criteria(),
        sheet=sheet, outcome=selection.outcome_of(sheet) if sheet else None, criteria=criteria, entered=entered,
        form=form, min_total=selection.min_total_of(body) if body else None,
        max_total=sum(c.max_points for c in criteria), error_field=error_field,
    ), status


@bp.get("/projekte/<id:project_id>/bewertung")
def score_sheet(project_id: int):
    project = db.get_or_404(Project, project_id)
    return _sheet_page(project, _chosen_body(request.args.get("gremium")))


@bp.post("/projekte/<id:project_id>/bewertung/speichern")
@can_edit
def score_sheet_save(project_id: int):
    project = db.get_or_404(Project, project_id)
    body = _chosen_body(request.form.get("body_id"))
    form = ScoreForm()
    if body is None:
        form.form_errors.append(_("There is no LAG decision body yet: please create the body first."))
        return _sheet_page(project, None, form=form)
    entered = {c.id: (request.form.get(f"points-{c.id}", ""), request.form.get(f"reason-{c.id}", ""))
               for c in selection.criteria_of(body)}
    error_field = None
    if form.validate():
        try:
            with versioned_edit(selection.sheet_of(project, body), form.version.data):
                sheet = selection.score_project(project, body, entered, meeting_id=form.meeting_id.data or None,
                                                agenda_item_id=form.agenda_item_id.data or None, note=form.note.data,
                                                user=current_user)
        except DomainError as error:
            db.session.rollback()
            error.after_rollback(form)
            put_error_on_form(form, error)
            error_field = error.field  # "points-7": the input marked in the table
        else:
            db.session.commit()
            if sheet.passed:
                flash(_("Score sheet saved: %(total)s points, the project meets the minimum requirements.",
                        total=sheet.total), "success")
            else:
                flash(_("Score sheet saved: %(total)s points, the project does not meet the minimum requirements.",
                        total=sheet.total), "warning")
            return redirect(url_for("decisions.score_sheet", project_id=project.id, gremium=body.id))
    return _sheet_page(project, body, form=form, entered=entered, error_field=error_field)


# ------------------------------------------------------------------ ranking of a meeting


@bp.get("/termine/<id:meeting_id>/projektranking")
def project_ranking(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    return render_template("decisions/selection_ranking.html", meeting=meeting, rows=selection.ranking(meeting),
                           sponsor_name=selection.sponsor_name)


# ------------------------------------------------------------------ statement (Word)


@bp.get("/projekte/<id:project_id>/stellungnahme.docx")
@export_required
def statement_docx(project_id: int):
    project = db.get_or_404(Project, project_id)
    body = _chosen_body(request.args.get("gremium"))
    sheet = selection.sheet_of(project, body) if body else None
    if sheet is None:
        flash(_("The project has not been scored yet: the statement needs a score sheet."), "warning")
        return redirect(url_for("decisions.score_sheet", project_id=project.id))
    data = statement_format.build(_statement(sheet))
    response = Response(data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(project)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _statement(sheet) -> statement_format.Statement:
    from crm.letters.models import Letterhead

    head = db.session.scalar(select(Letterhead).order_by(Letterhead.id).limit(1))
    outcome = selection.outcome_of(sheet)
    scores = sorted(sheet.scores, key=lambda s: (s.criterion.position, s.criterion.id))
    meeting = sheet.meeting
    when = long_date(clock.today())
    return statement_format.Statement(
        heading=_("Statement of the LAG on the project"),
        sender=head.sender_name if head and head.sender_name else sheet.body.name,
        sender_lines=tuple(line for line in (head.address.splitlines() if head else []) if line.strip()),
        place_date=when,
        project=sheet.project.title,
        sponsor=selection.sponsor_name(sheet.project),
        body=sheet.body.name,
        meeting=(f"{meeting.title}, {long_date(to_berlin(meeting.starts_at).date())}" if meeting and meeting.starts_at
                 else meeting.title if meeting else ""),
        rows=[statement_format.ScoreRow(s.criterion.title, s.points, s.criterion.max_points, s.criterion.min_points,
                                        s.reason) for s in scores],
        total=outcome.total, max_total=outcome.max_total, min_total=outcome.min_total, passed=outcome.passed,
        problems=outcome.problems,
        result=_("The project meets the minimum requirements of the selection criteria.") if outcome.passed
        else _("The project does not meet the minimum requirements of the selection criteria."),
        decision=_decision_line(sheet.project),
        note=sheet.note,
        labels={"project": _("Project"), "sponsor": _("Sponsor"), "body": _("Body"), "meeting": _("Session"),
                "sheet": _("Score sheet"), "number": _("No."), "criterion": _("Criterion"), "points": _("Points"),
                "minimum": _("Minimum"), "reason": _("Short reason"), "total": _("Total"), "of": _("of"),
                "min_total": _("minimum total"), "result": _("Result"), "note": _("Note")},
    )


def _decision_line(project: Project) -> str:
    """The newest decision about the project (crm/decisions/services), with the check in words."""
    from crm.decisions.services import project_decisions

    decisions = project_decisions(project)
    if not decisions:
        return _("Decision: not yet taken")
    decision = decisions[-1]
    meeting = decision.agenda_item.meeting
    line = _("Decision of %(date)s (%(meeting)s): %(result)s, %(yes)s yes, %(no)s no, %(abstain)s abstentions.",
             date=long_date(to_berlin(decision.decided_at).date()), meeting=meeting.title,
             result=decision.result_label, yes=decision.votes_yes, no=decision.votes_no,
             abstain=decision.votes_abstain)
    reasons = (decision.check_result or {}).get("reasons") or []
    return line + ("\n" + "\n".join(str(r) for r in reasons) if reasons else "")


def _filename(project: Project) -> str:
    import re
    import unicodedata

    name = unicodedata.normalize("NFKD", project.title).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "Projekt"
    return f"Stellungnahme-{name}.docx"
