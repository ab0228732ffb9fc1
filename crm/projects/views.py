from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.contacts.models import Affiliation, FieldOfAction, Organisation, Person
from crm.contacts.services import catalogue
from crm.core.archiving import archive_toggle
from crm.core.audit import history_for
from crm.core.concurrency import versioned_edit
from crm.core.converters import arg_id
from crm.core.errors import DomainError, put_error_on_form, saving
from crm.core.forms import ConfirmForm
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit, role_required
from crm.core.timeline import timeline_for
from crm.core.urls import is_safe_redirect
from crm.extensions import db
from crm.projects import services
from crm.projects.forms import (
    FundingDefaultEditForm,
    FundingDefaultForm,
    ProjectContactForm,
    ProjectForm,
    StatusForm,
)
from crm.projects.models import PROGRAMMES, PROJECT_STATUSES, FundingDefault, Project, ProjectContact

bp = Blueprint("projects", __name__)

# Bootstrap badge colours per status, from grey ideas to dark finished projects.
STATUS_BADGES = {
    "idea": "text-bg-light border", "advice": "text-bg-info", "selected": "text-bg-primary",
    "applied": "text-bg-warning", "approved": "text-bg-success", "in_progress": "text-bg-success",
    "done": "text-bg-dark", "dropped": "text-bg-secondary",
}


@bp.app_template_filter("eur")
def eur_filter(value, cents: bool = True) -> str:
    return services.format_eur(value, cents)


@bp.app_template_filter("percent_de")
def percent_filter(value) -> str:
    return services.format_percent(value)


@bp.app_context_processor
def _project_helpers():
    return {"status_badges": STATUS_BADGES, "project_statuses": PROJECT_STATUSES}


# ------------------------------------------------------------------ person and organisation pages


def person_projects_section(person):
    rows = services.projects_of_person(person)
    return {"rows": rows, "status_badges": STATUS_BADGES} if rows else None


def organisation_projects_section(org):
    projects = services.projects_of_organisation(org)
    return {"projects": projects, "org": org, "status_badges": STATUS_BADGES} if projects else None


# ------------------------------------------------------------------ helpers


def _next_url(default: str) -> str:
    target = request.values.get("next", "")
    return target if is_safe_redirect(target) else default


def _filter_options() -> dict:
    return {
        "statuses": PROJECT_STATUSES,
        "programmes": PROGRAMMES,
        "fields": catalogue(FieldOfAction),
        "sponsors": services.sponsor_choices(),
    }


# ------------------------------------------------------------------ list and board


@bp.get("/projekte")
def project_list():
    filters = services.ProjectFilters.from_args(request.args)
    page = db.paginate(services.project_list_query(filters), per_page=50, max_per_page=200)
    matching = services.filtered_projects(filters).with_only_columns(Project.id).subquery()
    totals = db.session.execute(
        select(func.sum(Project.total_cost), func.sum(Project.funding_amount)).where(Project.id.in_(select(matching)))
    ).one()
    return render_template("projects/project_list.html", page=page, filters=filters, totals=totals,
                           **_filter_options())


@bp.get("/projekte/board")
def board():
    filters = services.ProjectFilters.from_args(request.args)
    return render_template(
        "projects/board.html", columns=services.board_columns(filters), filters=filters,
        next_status=services.next_status, previous_status=services.previous_status, **_filter_options(),
    )


# ------------------------------------------------------------------ one project


def _load_project(project_id: int) -> Project:
    project = db.session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(
            selectinload(Project.contacts).selectinload(ProjectContact.person).selectinload(Person.affiliations)
            .options(selectinload(Affiliation.organisation), selectinload(Affiliation.function)),
            selectinload(Project.fields_of_action),
        )
    )
    if project is None:
        abort(404)
    return project


def _render_detail(project: Project, contact_form: ProjectContactForm | None = None, status: int = 200):
    derived = services.derived_figures(project)
    contacts = sorted(project.contacts, key=lambda c: c.person.sort_name)
    return render_template(
        "projects/project_detail.html", project=project, contacts=contacts, derived=derived,
        timeline=timeline_for("project", project), confirm=ConfirmForm(),
        contact_form=contact_form or ProjectContactForm(formdata=None),
        status_form=StatusForm(formdata=None, status=project.status),
        own_share=(project.total_cost - project.funding_amount)
        if project.total_cost is not None and project.funding_amount is not None else None,
    ), status


@bp.get("/projekte/<id:project_id>")
def project_detail(project_id: int):
    return _render_detail(_load_project(project_id))


@bp.get("/projekte/<id:project_id>/verlauf")
def project_history(project_id: int):
    project = db.get_or_404(Project, project_id)
    rows = history_for("project", project.id) + history_for("project_contact", [c.id for c in project.contacts])
    rows.sort(key=lambda r: (r.at, r.id), reverse=True)
    return render_template(
        "core/history.html", record=project, rows=rows,
        back_url=url_for("projects.project_detail", project_id=project.id),
    )


def _project_form(project: Project | None = None, **form_args) -> ProjectForm:
    form = ProjectForm(obj=project, **form_args)
    form.fields_of_action.choices = [(f.id, f.name) for f in catalogue(FieldOfAction)]
    types = services.project_types()
    current = project.project_type if project is not None else ""
    if current and current not in types:
        types.append(current)  # a type whose default row was deleted stays selectable
    form.project_type.choices = [("", _("– not specified –"))] + [(t, t) for t in types]
    return form


def _save_from_form(project: Project | None, form: ProjectForm) -> Project | None:
    """The saved project, or None (GET, or errors now marked on the form; nothing saved)."""
    if request.method != "POST":
        return None
    valid = form.validate_on_submit()
    try:
        if not valid:
            services.resolve_sponsor(form.data)  # a sponsor problem shows together with the others
            return None
        with versioned_edit(project, form.version.data):
            return services.save_project(project, form.data)
    except DomainError as error:
        db.session.rollback()
        error.after_rollback(form)
        put_error_on_form(form, error)
        return None


def _render_form(form: ProjectForm, project: Project | None, hints: dict | None = None):
    return render_template("projects/project_form.html", form=form, project=project, hints=hints or {},
                           defaults=services.funding_defaults())


@bp.route("/projekte/neu", methods=["GET", "POST"])
@can_edit
def project_create():
    form = _project_form()
    if request.method == "GET":
        org = db.session.get(Organisation, arg_id("organisation") or 0)
        person = db.session.get(Person, arg_id("person") or 0)
        if org is not None:
            form.sponsor_organisation_id.data, form.sponsor_organisation_label.data = str(org.id), org.name
        elif person is not None:
            form.sponsor_person_id.data, form.sponsor_person_label.data = str(person.id), person.full_name
    if (done := replay(form, Project, lambda p: url_for("projects.project_detail", project_id=p.id))) is not None:
        return done
    project = _save_from_form(None, form)
    if project is not None:
        remember_creation(form, project)
        db.session.commit()
        flash(_("The project “%(title)s” has been created.", title=project.title), "success")
        return redirect(url_for("projects.project_detail", project_id=project.id))
    return _render_form(form, None)


@bp.route("/projekte/<id:project_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def project_edit(project_id: int):
    project = db.get_or_404(Project, project_id)
    form = _project_form(project)
    derived = services.derived_figures(project)
    hints = {}
    if derived["rate_is_default"]:
        hints["funding_rate"] = services.format_number_input(project.funding_rate, 0)
    if derived["amount_is_computed"]:
        hints["funding_amount"] = services.format_number_input(project.funding_amount)
    if request.method == "GET":
        form.fields_of_action.data = [f.id for f in project.fields_of_action]
        if project.sponsor_organisation is not None:
            form.sponsor_organisation_id.data = str(project.sponsor_organisation_id)
            form.sponsor_organisation_label.data = project.sponsor_organisation.name
        if project.sponsor_person is not None:
            form.sponsor_person_id.data = str(project.sponsor_person_id)
            form.sponsor_person_label.data = project.sponsor_person.full_name
        # Figures that follow from the defaults stay empty, so that they follow changes again.
        if derived["rate_is_default"]:
            form.funding_rate.data = None
        if derived["amount_is_computed"]:
            form.funding_amount.data = None
    if _save_from_form(project, form) is not None:
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("projects.project_detail", project_id=project.id))
    return _render_form(form, project, hints)


@bp.post("/projekte/<id:project_id>/status")
@can_edit
def project_status(project_id: int):
    project = db.get_or_404(Project, project_id)
    form = StatusForm()
    back = _next_url(url_for("projects.project_detail", project_id=project.id))
    if not form.validate_on_submit():
        flash(_("Please choose a status."), "danger")
        return redirect(back)
    if services.change_status(project, form.status.data):
        db.session.commit()
        flash(_("“%(title)s” is now: %(status)s.", title=project.title, status=project.status_label), "success")
    return redirect(back)


@bp.post("/projekte/<id:project_id>/archivieren")
@can_edit
def project_archive(project_id: int):
    return archive_toggle(Project, project_id, True, lambda p: url_for("projects.project_detail", project_id=p.id))


@bp.post("/projekte/<id:project_id>/wiederherstellen")
@can_edit
def project_restore(project_id: int):
    return archive_toggle(Project, project_id, False, lambda p: url_for("projects.project_detail", project_id=p.id))


# ------------------------------------------------------------------ contacts involved


@bp.post("/projekte/<id:project_id>/beteiligte")
@can_edit
def contact_add(project_id: int):
    project = _load_project(project_id)
    form = ProjectContactForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            contact = services.add_contact(project, form.person_id.data, form.role.data)
        if saved:
            flash(_("%(name)s has been added to the project.", name=contact.person.full_name), "success")
            return redirect(url_for("projects.project_detail", project_id=project.id) + "#contacts")
    return _render_detail(_load_project(project_id), contact_form=form)


@bp.post("/projekte/<id:project_id>/beteiligte/<id:contact_id>/entfernen")
@can_edit
def contact_remove(project_id: int, contact_id: int):
    contact = db.get_or_404(ProjectContact, contact_id)
    if contact.project_id != project_id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        name = contact.person.full_name
        services.remove_contact(contact)
        db.session.commit()
        flash(_("%(name)s is no longer listed for this project.", name=name), "success")
    return redirect(url_for("projects.project_detail", project_id=project_id) + "#contacts")


# ------------------------------------------------------------------ funding defaults (managers)


def _edit_form(row: FundingDefault, formdata=None) -> FundingDefaultEditForm:
    return FundingDefaultEditForm(formdata=formdata, prefix=f"d{row.id}", obj=row)


def _render_defaults(add_form: FundingDefaultForm, failed: FundingDefaultEditForm | None = None,
                     failed_id: int | None = None):
    rows = services.funding_defaults()
    forms = {row.id: (failed if row.id == failed_id and failed is not None else _edit_form(row)) for row in rows}
    return render_template("projects/funding_defaults.html", rows=rows, forms=forms, add_form=add_form,
                           confirm=ConfirmForm())


@bp.route("/projekte/foerdersaetze", methods=["GET", "POST"])
@role_required("manager")
def funding_defaults():
    form = FundingDefaultForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            row = services.save_funding_default(None, form.data)
        if saved:
            flash(_("Default added: %(what)s, %(rate)s.", what=row.audit_label(),
                    rate=services.format_percent(row.rate)), "success")
            return redirect(url_for("projects.funding_defaults"))
    return _render_defaults(form)


@bp.post("/projekte/foerdersaetze/<id:default_id>")
@role_required("manager")
def funding_default_edit(default_id: int):
    row = db.get_or_404(FundingDefault, default_id)
    form = _edit_form(row, formdata=request.form)
    if form.validate():
        services.save_funding_default(row, {"rate": form.rate.data, "max_amount": form.max_amount.data})
        db.session.commit()
        flash(_("Default saved: %(what)s, %(rate)s.", what=row.audit_label(),
                rate=services.format_percent(row.rate)), "success")
        return redirect(url_for("projects.funding_defaults"))
    return _render_defaults(FundingDefaultForm(formdata=None), failed=form, failed_id=row.id)


@bp.post("/projekte/foerdersaetze/<id:default_id>/loeschen")
@role_required("manager")
def funding_default_delete(default_id: int):
    row = db.get_or_404(FundingDefault, default_id)
    if ConfirmForm().validate_on_submit():
        label = row.audit_label()
        services.delete_funding_default(row)
        db.session.commit()
        flash(_("Default removed: %(what)s. Projects keep their rates.", what=label), "success")
    return redirect(url_for("projects.funding_defaults"))
