from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.contacts import services
from crm.contacts.forms import (
    AffiliationForm,
    ConfirmForm,
    EndAffiliationForm,
    OrganisationForm,
    PersonCreateForm,
    PersonForm,
)
from crm.contacts.models import (
    GENDERS,
    ORGANISATION_KINDS,
    SECTORS,
    Affiliation,
    ExpertiseTopic,
    FieldOfAction,
    Organisation,
    Person,
    Tag,
    TargetGroup,
)
from crm.contacts.salutation import address_block, letter_salutation
from crm.core.archiving import archive_toggle
from crm.core.audit import history_for
from crm.core.permissions import can_edit
from crm.core.registry import nav_item
from crm.core.timeline import timeline_for
from crm.contacts import timeline as _timeline_sources  # noqa: F401  (registers the sources)
from crm.extensions import db

bp = Blueprint("contacts", __name__)
nav_item("contacts.person_list", _l("Persons"), order=10, prefix="contacts.person")
nav_item("contacts.organisation_list", _l("Organisations"), order=20, prefix="contacts.organisation")


def _filter_options() -> dict:
    return {
        "kinds": ORGANISATION_KINDS,
        "sectors": SECTORS,
        "tags": services.catalogue(Tag),
        "fields": services.catalogue(FieldOfAction),
        "target_groups": services.catalogue(TargetGroup),
        "topics": services.catalogue(ExpertiseTopic),
        "municipalities": services.municipality_choices(),
    }


def _apply_error(form, error: services.ContactError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "danger")


def _with_catalogue_choices(form):
    form.fields_of_action.choices = [(f.id, f.name) for f in services.catalogue(FieldOfAction)]
    form.target_groups.choices = [(t.id, t.name) for t in services.catalogue(TargetGroup)]
    return form


# ------------------------------------------------------------------ persons


@bp.get("/personen")
def person_list():
    filters = services.ContactFilters.from_args(request.args)
    page = db.paginate(services.person_list_query(filters), per_page=50, max_per_page=200)
    return render_template("contacts/person_list.html", page=page, filters=filters, **_filter_options())


def _merged_away(kind: str, record_id: int):
    """A merged-away record's address leads to the record it was merged into; otherwise 404."""
    from crm.imports.merge import merged_into

    target = merged_into(kind, record_id)
    if target is None:
        abort(404)
    endpoint, key = ("contacts.person_detail", "person_id") if kind == "person" else ("contacts.organisation_detail", "org_id")
    abort(redirect(url_for(endpoint, **{key: target})))


@bp.get("/personen/<int:person_id>")
def person_detail(person_id: int):
    person = db.session.get(Person, person_id) or _merged_away("person", person_id)
    primary = person.primary_affiliation
    addressee = person.addressee(primary)
    letter = {
        "salutation": letter_salutation(addressee),
        "address": address_block(addressee),
        "private_address": address_block(person.addressee()) if person.street or person.city else None,
    }
    return render_template(
        "contacts/person_detail.html", person=person, letter=letter, timeline=timeline_for("person", person),
        confirm=ConfirmForm(),
        end_form=EndAffiliationForm(formdata=None, valid_to=date.today()),
    )


def _person_history(person: Person, limit: int = 200):
    rows = history_for("person", person.id, limit) + history_for("affiliation", [a.id for a in person.affiliations], limit)
    return sorted(rows, key=lambda r: (r.at, r.id), reverse=True)[:limit]


def _person_form_setup(form):
    _with_catalogue_choices(form)
    if isinstance(form, PersonCreateForm):
        form.aff_function_id.choices = services.function_choices(_("- choose -"))
    return form


@bp.route("/personen/neu", methods=["GET", "POST"])
@can_edit
def person_create():
    form = _person_form_setup(PersonCreateForm())
    preset_org = db.session.get(Organisation, request.args.get("organisation", type=int) or 0)
    if request.method == "GET" and preset_org is not None:
        form.aff_organisation_id.data = str(preset_org.id)
        form.aff_organisation_label.data = preset_org.name
    if form.validate_on_submit():
        wants_function = bool(form.aff_organisation_id.data or form.aff_organisation_label.data or form.aff_function_id.data
                              or form.aff_function_label.data)
        try:
            person = services.save_person(None, form.data)
            if wants_function:
                services.save_affiliation(
                    person,
                    None,
                    {
                        "organisation_id": form.aff_organisation_id.data,
                        "function_id": form.aff_function_id.data,
                        "function_label": form.aff_function_label.data,
                        "department": form.aff_department.data,
                        "email": form.aff_email.data,
                        "phone": form.aff_phone.data,
                        "valid_from": form.aff_valid_from.data,
                        "is_primary": True,
                    },
                )
        except services.ContactError as error:
            db.session.rollback()
            error.field = f"aff_{error.field}" if error.field else None
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s has been created.", name=person.full_name), "success")
            return redirect(url_for("contacts.person_detail", person_id=person.id))
    return render_template("contacts/person_form.html", form=form, person=None)


@bp.route("/personen/<int:person_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def person_edit(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = _person_form_setup(PersonForm(obj=person))
    if request.method == "GET":
        form.formal.data = "1" if person.formal else "0"
        form.tags.data = [t.name for t in person.tags]
        form.expertise_topics.data = [t.name for t in person.expertise_topics]
        form.fields_of_action.data = [f.id for f in person.fields_of_action]
        form.target_groups.data = [t.id for t in person.target_groups]
    if form.validate_on_submit():
        services.save_person(person, form.data)
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("contacts.person_detail", person_id=person.id))
    return render_template("contacts/person_form.html", form=form, person=person)


@bp.post("/personen/<int:person_id>/archivieren")
@can_edit
def person_archive(person_id: int):
    return archive_toggle(Person, person_id, True, lambda p: url_for("contacts.person_detail", person_id=p.id))


@bp.post("/personen/<int:person_id>/wiederherstellen")
@can_edit
def person_restore(person_id: int):
    return archive_toggle(Person, person_id, False, lambda p: url_for("contacts.person_detail", person_id=p.id))


@bp.get("/personen/<int:person_id>/verlauf")
def person_history(person_id: int):
    person = db.get_or_404(Person, person_id)
    return render_template(
        "core/history.html", record=person, rows=_person_history(person),
        back_url=url_for("contacts.person_detail", person_id=person.id),
    )


# ------------------------------------------------------------------ functions (affiliations)


def _affiliation_form(obj=None):
    form = AffiliationForm(obj=obj)
    form.function_id.choices = services.function_choices(_("- choose -"))
    return form


@bp.route("/personen/<int:person_id>/funktionen/neu", methods=["GET", "POST"])
@can_edit
def affiliation_create(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = _affiliation_form()
    if request.method == "GET":
        form.is_primary.data = not person.current_affiliations
    if form.validate_on_submit():
        try:
            services.save_affiliation(person, None, form.data)
        except services.ContactError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Function added."), "success")
            return redirect(url_for("contacts.person_detail", person_id=person.id))
    return render_template("contacts/affiliation_form.html", form=form, person=person, affiliation=None)


@bp.route("/funktionen/<int:affiliation_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def affiliation_edit(affiliation_id: int):
    affiliation = db.get_or_404(Affiliation, affiliation_id)
    form = _affiliation_form(affiliation)
    if request.method == "GET":
        form.organisation_id.data = str(affiliation.organisation_id)
        form.organisation_label.data = affiliation.organisation.name
        form.function_id.data = affiliation.function_id or 0
    if form.validate_on_submit():
        try:
            services.save_affiliation(affiliation.person, affiliation, form.data)
        except services.ContactError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Function saved."), "success")
            return redirect(url_for("contacts.person_detail", person_id=affiliation.person_id))
    return render_template(
        "contacts/affiliation_form.html", form=form, person=affiliation.person, affiliation=affiliation
    )


@bp.post("/funktionen/<int:affiliation_id>/beenden")
@can_edit
def affiliation_end(affiliation_id: int):
    affiliation = db.get_or_404(Affiliation, affiliation_id)
    form = EndAffiliationForm()
    if form.validate_on_submit():
        try:
            services.end_affiliation(affiliation, form.valid_to.data)
        except services.ContactError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("The function has been ended. It stays in the history."), "success")
    else:
        flash(_("Please enter a valid end date."), "danger")
    return redirect(url_for("contacts.person_detail", person_id=affiliation.person_id))


# ------------------------------------------------------------------ organisations


@bp.get("/organisationen")
def organisation_list():
    filters = services.ContactFilters.from_args(request.args)
    page = db.paginate(services.organisation_list_query(filters), per_page=50, max_per_page=200)
    return render_template("contacts/organisation_list.html", page=page, filters=filters, **_filter_options())


@bp.get("/organisationen/<int:org_id>")
def organisation_detail(org_id: int):
    org = db.session.get(Organisation, org_id) or _merged_away("organisation", org_id)
    return render_template(
        "contacts/organisation_detail.html", org=org, timeline=timeline_for("organisation", org), confirm=ConfirmForm()
    )


def _organisation_form(obj=None):
    form = _with_catalogue_choices(OrganisationForm(obj=obj))
    none = [(0, _("- none -"))]
    form.parent_id.choices = none + services.parent_choices(exclude_id=obj.id if obj else None)
    form.municipality_id.choices = none + services.municipality_choices()
    return form


def _organisation_save(org, form):
    data = dict(form.data)
    try:
        return services.save_organisation(org, data)
    except services.ContactError as error:
        db.session.rollback()
        _apply_error(form, error)
        return None


@bp.route("/organisationen/neu", methods=["GET", "POST"])
@can_edit
def organisation_create():
    form = _organisation_form()
    if form.validate_on_submit():
        org = _organisation_save(None, form)
        if org is not None:
            db.session.commit()
            flash(_("%(name)s has been created.", name=org.name), "success")
            return redirect(url_for("contacts.organisation_detail", org_id=org.id))
    return render_template("contacts/organisation_form.html", form=form, org=None)


@bp.route("/organisationen/<int:org_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def organisation_edit(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = _organisation_form(org)
    if request.method == "GET":
        form.parent_id.data = org.parent_id or 0
        form.municipality_id.data = org.municipality_id or 0
        form.tags.data = [t.name for t in org.tags]
        form.fields_of_action.data = [f.id for f in org.fields_of_action]
        form.target_groups.data = [t.id for t in org.target_groups]
    if form.validate_on_submit():
        saved = _organisation_save(org, form)
        if saved is not None:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("contacts.organisation_detail", org_id=org.id))
    return render_template("contacts/organisation_form.html", form=form, org=org)


@bp.post("/organisationen/<int:org_id>/archivieren")
@can_edit
def organisation_archive(org_id: int):
    return archive_toggle(Organisation, org_id, True, lambda o: url_for("contacts.organisation_detail", org_id=o.id))


@bp.post("/organisationen/<int:org_id>/wiederherstellen")
@can_edit
def organisation_restore(org_id: int):
    return archive_toggle(Organisation, org_id, False, lambda o: url_for("contacts.organisation_detail", org_id=o.id))


@bp.get("/organisationen/<int:org_id>/verlauf")
def organisation_history(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    return render_template(
        "core/history.html", record=org, rows=history_for("organisation", org.id),
        back_url=url_for("contacts.organisation_detail", org_id=org.id),
    )
