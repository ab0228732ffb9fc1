from datetime import datetime, timezone

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.models import FieldOfAction, Organisation, Person
from crm.contacts.services import catalogue
from crm.core import time as clock
from crm.core.concurrency import versioned_edit
from crm.core.converters import arg_id, parse_id
from crm.core.errors import saving
from crm.core.formatting import BERLIN, to_berlin
from crm.core.forms import ConfirmForm
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit, require_export
from crm.core.urls import is_safe_redirect
from crm.extensions import db
from crm.interactions import dashboard, services
from crm.interactions.forms import DigestForm, InteractionForm, TaskForm
from crm.interactions.models import INTERACTION_KINDS, Interaction, Task
from crm.projects.models import Project

bp = Blueprint("interactions", __name__)


def _next_url(default: str) -> str:
    target = request.values.get("next", "")
    return target if is_safe_redirect(target) else default


def _utc_from_local(value: datetime) -> datetime:
    return value.replace(tzinfo=BERLIN).astimezone(timezone.utc)


def _assignee_choices() -> list[tuple[int, str]]:
    """"me" (0) first, then the other users who can take tasks; the current user is not listed twice."""
    return [(0, _("me"))] + [(u.id, u.display_name) for u in services.assignable_users() if u.id != current_user.id]


def _interaction_form(obj=None, meeting_id: int | None = None, **form_args) -> InteractionForm:
    form = InteractionForm(obj=obj, **form_args)
    form.fields_of_action.choices = [(f.id, f.name) for f in catalogue(FieldOfAction)]
    form.project_id.choices = [(0, _("- none -"))] + [(p.id, p.title) for p in services.open_projects()]
    form.meeting_id.choices = [(0, _("- none -"))] + services.meeting_choices(
        obj.meeting_id if obj else meeting_id)
    form.followup_assignee.choices = _assignee_choices()
    return form


def _chosen(model, ids):
    ids = [i for i in ids or [] if i]
    if not ids:
        return []
    return list(db.session.scalars(db.select(model).where(model.id.in_(ids))))


def _render_interaction_form(form, interaction):
    persons = _chosen(Person, form.person_ids.data)
    organisations = _chosen(Organisation, form.organisation_ids.data)
    return render_template(
        "interactions/interaction_form.html", form=form, interaction=interaction, persons=persons,
        organisations=organisations, next_url=_next_url(""),
    )


@bp.route("/interaktionen/neu", methods=["GET", "POST"])
@can_edit
def interaction_create():
    form = _interaction_form(meeting_id=arg_id("meeting") or parse_id(request.form.get("meeting_id")))
    if request.method == "GET":
        form.occurred_at.data = to_berlin(datetime.now(timezone.utc)).replace(tzinfo=None, second=0, microsecond=0)
        person = db.session.get(Person, arg_id("person") or 0)
        organisation = db.session.get(Organisation, arg_id("organisation") or 0)
        project = db.session.get(Project, arg_id("project") or 0)
        form.person_ids.data = [person.id] if person else []
        if organisation is None and person is not None and person.primary_affiliation:
            organisation = person.primary_affiliation.organisation
        form.organisation_ids.data = [organisation.id] if organisation else []
        if project is not None:
            form.project_id.data = project.id
        form.meeting_id.data = arg_id("meeting") or 0
        if form.meeting_id.data not in {c[0] for c in form.meeting_id.choices}:
            form.meeting_id.data = 0
        if person is not None:
            form.fields_of_action.data = [f.id for f in person.fields_of_action]
    url_of = lambda i: url_for("interactions.interaction_detail", interaction_id=i.id)  # noqa: E731
    if (done := replay(form, Interaction, url_of)) is not None:
        return done
    if form.validate_on_submit():
        data = dict(form.data, occurred_at=_utc_from_local(form.occurred_at.data))
        with saving(form) as saved:
            interaction = services.save_interaction(None, data, current_user)
            if form.followup_title.data:
                services.save_task(None, {"title": form.followup_title.data, "due_on": form.followup_due.data,
                                          "assignee_id": form.followup_assignee.data}, current_user, interaction)
            remember_creation(form, interaction)
        if saved:
            flash(_("%(kind)s recorded.", kind=interaction.kind_label), "success")
            if form.followup_due.data and form.followup_due.data < clock.today():
                flash(_("Note: the follow-up is due in the past."), "warning")
            default = (url_for("contacts.person_detail", person_id=interaction.persons[0].id) if interaction.persons
                       else url_for("contacts.organisation_detail", org_id=interaction.organisations[0].id))
            return redirect(_next_url(default))
    return _render_interaction_form(form, None)


@bp.route("/interaktionen/<id:interaction_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def interaction_edit(interaction_id: int):
    interaction = db.get_or_404(Interaction, interaction_id)
    form = _interaction_form(interaction)
    if request.method == "GET":
        form.occurred_at.data = to_berlin(interaction.occurred_at).replace(tzinfo=None)
        form.person_ids.data = [p.id for p in interaction.persons]
        form.organisation_ids.data = [o.id for o in interaction.organisations]
        form.fields_of_action.data = [f.id for f in interaction.fields_of_action]
        form.project_id.data = interaction.project_id or 0
        form.meeting_id.data = interaction.meeting_id or 0
    if form.validate_on_submit():
        data = dict(form.data, occurred_at=_utc_from_local(form.occurred_at.data))
        with saving(form) as saved:
            with versioned_edit(interaction, form.version.data):
                services.save_interaction(interaction, data, current_user)
            if form.followup_title.data:
                services.save_task(None, {"title": form.followup_title.data, "due_on": form.followup_due.data,
                                          "assignee_id": form.followup_assignee.data}, current_user, interaction)
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("interactions.interaction_detail", interaction_id=interaction.id))
    return _render_interaction_form(form, interaction)


@bp.get("/interaktionen/<id:interaction_id>")
def interaction_detail(interaction_id: int):
    interaction = db.get_or_404(Interaction, interaction_id)
    return render_template("interactions/interaction_detail.html", interaction=interaction, confirm=ConfirmForm())


@bp.get("/interaktionen")
def interaction_list():
    filters = services.InteractionFilters.from_args(request.args)
    export = request.args.get("export")
    if export in ("csv", "xlsx"):
        from crm.core.audit import count_of, record_export

        require_export()
        record_export("interaction", export, count_of(services.interaction_query(filters)))
        db.session.commit()
        return _export_interactions(filters, export)
    page = db.paginate(services.interaction_query(filters), per_page=50, max_per_page=200)
    person = db.session.get(Person, filters.person) if filters.person else None
    organisation = db.session.get(Organisation, filters.organisation) if filters.organisation else None
    return render_template(
        "interactions/interaction_list.html", page=page, filters=filters, kinds=INTERACTION_KINDS,
        fields=catalogue(FieldOfAction), projects=db.session.scalars(db.select(Project).order_by(Project.title)).all(),
        person=person, organisation=organisation,
    )


@bp.get("/interaktionen/nicht-kontaktiert")
def not_contacted_list():
    """The start page's "not contacted" panel in full, sortable."""
    months, field_id = dashboard.not_contacted_filters(request.args)
    sort = request.args.get("sort", "last")
    sort = sort if sort in services.NOT_CONTACTED_SORTS else "last"
    rows = services.not_contacted(months=months, field_id=field_id, limit=None, sort=sort)
    return render_template("interactions/not_contacted.html", rows=rows, months=months, field_id=field_id, sort=sort,
                           fields=catalogue(FieldOfAction), month_choices=dashboard.MONTH_CHOICES)


def _export_interactions(filters, fmt: str):
    from crm.interop import tabular

    header = [_("When"), _("Kind"), _("Subject"), _("Results"), _("Persons"), _("Organisations"),
              _("Fields of action"), _("Project"), _("Recorded by")]

    def rows():
        stmt = services.interaction_query(filters).execution_options(yield_per=500)
        for i in db.session.scalars(stmt):
            # a real datetime: Excel gets a date cell (sortable, filterable), the CSV "02.12.2026 14:30"
            yield [to_berlin(i.occurred_at).replace(tzinfo=None), i.kind_label, i.subject, i.results,
                   ", ".join(p.full_name for p in i.persons), ", ".join(o.name for o in i.organisations),
                   ", ".join(f.name for f in i.fields_of_action), i.project.title if i.project else "",
                   i.created_by.display_name if i.created_by else ""]

    stamp = clock.today().isoformat()
    if fmt == "csv":
        # The rows are read while the response streams: keep the app and request context for it.
        response = Response(stream_with_context(tabular.csv_response_rows(header, rows())),
                            content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="interaktionen-{stamp}.csv"'
        return response
    data = tabular.xlsx_bytes(header, rows(), sheet_title=_("Interactions"))
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="interaktionen-{stamp}.xlsx"'
    return response


# ------------------------------------------------------------------ tasks


def _task_form(obj=None, **form_args) -> TaskForm:
    form = TaskForm(obj=obj, **form_args)
    form.assignee_id.choices = _assignee_choices()
    form.project_id.choices = [(0, _("- none -"))] + [(p.id, p.title) for p in services.open_projects()]
    if obj is not None and obj.project_id and obj.project_id not in {c[0] for c in form.project_id.choices}:
        form.project_id.choices.append((obj.project_id, obj.project.title))
    return form


@bp.get("/aufgaben")
def task_list():
    everyone = request.args.get("alle") == "1"
    status = request.args.get("status", "open")
    tasks = services.tasks_for(current_user, status=status, everyone=everyone)
    return render_template(
        "interactions/task_list.html", tasks=tasks, everyone=everyone, status=status, confirm=ConfirmForm(),
        digest_form=DigestForm(obj=current_user), today=clock.today(),
    )


@bp.route("/aufgaben/neu", methods=["GET", "POST"])
@can_edit
def task_create():
    form = _task_form()
    subject = {
        "person": db.session.get(Person, arg_id("person") or 0),
        "organisation": db.session.get(Organisation, arg_id("organisation") or 0),
        "project": db.session.get(Project, arg_id("project") or 0),
    }
    if request.method == "GET":
        for key, record in subject.items():
            if record is not None:
                getattr(form, f"{key}_id").data = record.id
    if (done := replay(form, Task, lambda t: _next_url(url_for("interactions.task_list")))) is not None:
        return done
    if form.validate_on_submit():
        task = services.save_task(None, form.data, current_user)
        remember_creation(form, task)
        db.session.commit()
        flash(_("Task created."), "success")
        if task.is_overdue:
            flash(_("Note: the task is due in the past."), "warning")
        return redirect(_next_url(url_for("interactions.task_list")))
    return render_template("interactions/task_form.html", form=form, task=None, subject=subject, next_url=_next_url(""))


@bp.route("/aufgaben/<id:task_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def task_edit(task_id: int):
    task = db.get_or_404(Task, task_id)
    form = _task_form(task)
    if request.method == "GET":
        form.assignee_id.data = 0 if task.assignee_id == current_user.id else (task.assignee_id or 0)
        form.project_id.data = task.project_id or 0
        form.person_id.data = task.person_id or 0
        form.organisation_id.data = task.organisation_id or 0
    if form.validate_on_submit():
        services.save_task(task, form.data, current_user)
        db.session.commit()
        flash(_("Changes saved."), "success")
        if task.is_overdue:
            flash(_("Note: the task is due in the past."), "warning")
        return redirect(_next_url(url_for("interactions.task_list")))
    subject = {"person": task.person, "organisation": task.organisation, "project": task.project}
    return render_template("interactions/task_form.html", form=form, task=task, subject=subject, next_url=_next_url(""))


@bp.post("/aufgaben/<id:task_id>/erledigt")
@can_edit
def task_done(task_id: int):
    task = db.get_or_404(Task, task_id)
    if ConfirmForm().validate_on_submit():
        services.complete_task(task)
        db.session.commit()
        flash(_("Task “%(title)s” done.", title=task.title), "success")
    return redirect(_next_url(url_for("interactions.task_list")))


@bp.post("/aufgaben/<id:task_id>/wieder-oeffnen")
@can_edit
def task_reopen(task_id: int):
    task = db.get_or_404(Task, task_id)
    if ConfirmForm().validate_on_submit():
        services.reopen_task(task)
        db.session.commit()
        flash(_("Task reopened."), "success")
    return redirect(_next_url(url_for("interactions.task_list")))


@bp.post("/aufgaben/benachrichtigung")
def task_digest_setting():
    form = DigestForm()
    if form.validate_on_submit():
        current_user.task_digest = form.task_digest.data
        db.session.commit()
        if current_user.task_digest and not current_user.email:
            flash(_("Please ask an administrator to enter your e-mail address, otherwise no e-mail can be sent."),
                  "warning")
        else:
            flash(_("Setting saved."), "success")
    return redirect(url_for("interactions.task_list"))

