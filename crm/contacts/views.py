
from functools import cache

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from crm.contacts import services
from crm.contacts.forms import (
    AffiliationForm,
    EndAffiliationForm,
    OrganisationForm,
    PersonCreateForm,
    PersonForm,
)
from crm.contacts.models import (
    ORGANISATION_KINDS,
    SECTORS,
    Affiliation,
    FieldOfAction,
    Organisation,
    Person,
    TargetGroup,
)
from crm.contacts.salutation import address_block, letter_salutation
from crm.contacts.search import quick_search
from crm.core import time as clock
from crm.core.archiving import archive_toggle
from crm.core.audit import history_for, was_erased
from crm.core.concurrency import versioned_edit
from crm.core.converters import arg_id
from crm.core.errors import DomainError, committing, put_error_on_form, saving
from crm.core.forms import ConfirmForm
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit
from crm.core.timeline import timeline_for
from crm.extensions import db

bp = Blueprint("contacts", __name__)


def _filter_options() -> dict:
    return {"kinds": ORGANISATION_KINDS, "sectors": SECTORS, **services.filter_choices()}


def _with_catalogue_choices(form):
    form.fields_of_action.choices = [(f.id, f.name) for f in services.catalogue(FieldOfAction)]
    form.target_groups.choices = [(t.id, t.name) for t in services.catalogue(TargetGroup)]
    return form


# ------------------------------------------------------------------ persons


@bp.get("/personen")
def person_list():
    filters = services.ContactFilters.from_args(request.args)
    page = services.person_list_page(filters, per_page=50, max_per_page=200)
    return render_template("contacts/person_list.html", page=page, filters=filters, **_filter_options())


# Detail pages load the functions with their organisation / person and title in three queries, however many.
# The person with functions, organisations and function titles in one joined query (a person has few).
_PERSON_PAGE = (joinedload(Person.affiliations).joinedload(Affiliation.organisation),
                joinedload(Person.affiliations).joinedload(Affiliation.function))
_ORGANISATION_PAGE = (selectinload(Organisation.affiliations).selectinload(Affiliation.person),
                      selectinload(Organisation.affiliations).selectinload(Affiliation.function))


@cache
def _person_page_statement():
    # Built once per process: building it anew for each request cost about as much CPU as running it.
    return select(Person).where(Person.id == bindparam("person_id")).options(*_PERSON_PAGE)


def _merged_away(kind: str, record_id: int):
    """A merged-away record's address leads to the record it was merged into; otherwise 404."""
    from crm.duplicates.merge import merged_into

    target = merged_into(kind, record_id)
    if target is None:
        abort(404)
    endpoint, key = (("contacts.person_detail", "person_id") if kind == "person"
                     else ("contacts.organisation_detail", "org_id"))
    abort(redirect(url_for(endpoint, **{key: target})))


@bp.get("/personen/<id:person_id>")
def person_detail(person_id: int):
    person = (db.session.scalars(_person_page_statement(), {"person_id": person_id}).unique().first()
              or _merged_away("person", person_id))
    services.load_person_classification(person)
    letter = _letter(person)
    return render_template(
        "contacts/person_detail.html", person=person, letter=letter, timeline=timeline_for("person", person),
        erased=person.is_archived and was_erased("person", person.id),
        confirm=ConfirmForm(),
        end_form=EndAffiliationForm(formdata=None, valid_to=clock.today()),
    )


def _letter(person: Person) -> dict:
    """Briefanrede and address blocks: at the primary current function, else the private address.

    The private address is listed separately only next to a business address; without
    either, ``address`` is empty and the page says there is no address.
    """
    from crm.core.confidential import may_see_confidential

    primary = person.primary_affiliation
    private = address_block(person.addressee()) if person.has_private_address and may_see_confidential() else None
    addressee = person.addressee(primary)
    return {
        "salutation": letter_salutation(addressee),
        "address": address_block(addressee) if primary else (private or []),
        "private_address": private if primary else None,
    }


def _person_history(person: Person, limit: int = 200):
    rows = history_for("person", person.id, limit)
    rows += history_for("affiliation", [a.id for a in person.affiliations], limit)
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
    preset_org = db.session.get(Organisation, arg_id("organisation") or 0)
    if request.method == "GET" and preset_org is not None:
        form.aff_organisation_id.data = str(preset_org.id)
        form.aff_organisation_label.data = preset_org.name
    if (done := replay(form, Person, lambda p: url_for("contacts.person_detail", person_id=p.id))) is not None:
        return done
    if form.validate_on_submit():
        with saving(form, prefix="aff_") as saved:
            person = services.save_person(None, form.data)
            if form.wants_function():
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
            remember_creation(form, person)
        if saved:
            flash(_("%(name)s has been created.", name=person.full_name), "success")
            return redirect(url_for("contacts.person_detail", person_id=person.id))
    return render_template("contacts/person_form.html", form=form, person=None)


@bp.route("/personen/<id:person_id>/bearbeiten", methods=["GET", "POST"])
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
        with saving(form) as saved:
            with versioned_edit(person, form.version.data):
                services.save_person(person, form.data)
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("contacts.person_detail", person_id=person.id))
    return render_template("contacts/person_form.html", form=form, person=person)


@bp.post("/personen/<id:person_id>/archivieren")
@can_edit
def person_archive(person_id: int):
    return archive_toggle(Person, person_id, True, lambda p: url_for("contacts.person_detail", person_id=p.id))


@bp.post("/personen/<id:person_id>/wiederherstellen")
@can_edit
def person_restore(person_id: int):
    if was_erased("person", person_id):
        flash(_("This person has been erased (Art. 17 GDPR) and cannot be restored."), "danger")
        return redirect(url_for("contacts.person_detail", person_id=person_id))
    return archive_toggle(Person, person_id, False, lambda p: url_for("contacts.person_detail", person_id=p.id))


@bp.get("/personen/<id:person_id>/verlauf")
def person_history(person_id: int):
    person = db.get_or_404(Person, person_id)
    return render_template(
        "core/history.html", record=person, rows=_person_history(person),
        back_url=url_for("contacts.person_detail", person_id=person.id),
    )


# ------------------------------------------------------------------ functions (affiliations)


def _affiliation_form(obj=None, **form_args):
    form = AffiliationForm(obj=obj, **form_args)
    form.function_id.choices = services.function_choices(_("- choose -"))
    return form


@bp.route("/personen/<id:person_id>/funktionen/neu", methods=["GET", "POST"])
@can_edit
def affiliation_create(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = _affiliation_form()
    if request.method == "GET":
        form.is_primary.data = not person.current_affiliations
    url_of = lambda a: url_for("contacts.person_detail", person_id=a.person_id)  # noqa: E731
    if (done := replay(form, Affiliation, url_of)) is not None:
        return done
    if form.validate_on_submit():
        with saving(form) as saved:
            affiliation = services.save_affiliation(person, None, form.data)
            remember_creation(form, affiliation)
        if saved:
            flash(_("Function added."), "success")
            return redirect(url_for("contacts.person_detail", person_id=person.id))
    return render_template("contacts/affiliation_form.html", form=form, person=person, affiliation=None)


@bp.route("/funktionen/<id:affiliation_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def affiliation_edit(affiliation_id: int):
    affiliation = db.get_or_404(Affiliation, affiliation_id)
    form = _affiliation_form(affiliation)
    if request.method == "GET":
        form.organisation_id.data = str(affiliation.organisation_id)
        form.organisation_label.data = affiliation.organisation.name
        form.function_id.data = affiliation.function_id or 0
    if form.validate_on_submit():
        with saving(form) as saved:
            with versioned_edit(affiliation, form.version.data):
                services.save_affiliation(affiliation.person, affiliation, form.data)
        if saved:
            flash(_("Function saved."), "success")
            return redirect(url_for("contacts.person_detail", person_id=affiliation.person_id))
    return render_template(
        "contacts/affiliation_form.html", form=form, person=affiliation.person, affiliation=affiliation
    )


@bp.post("/funktionen/<id:affiliation_id>/beenden")
@can_edit
def affiliation_end(affiliation_id: int):
    affiliation = db.get_or_404(Affiliation, affiliation_id)
    form = EndAffiliationForm()
    if form.validate_on_submit():
        with committing() as done:
            services.end_affiliation(affiliation, form.valid_to.data)
        if done:
            flash(_("The function has been ended. It stays in the history."), "success")
    else:
        flash(_("Please enter a valid end date."), "danger")
    return redirect(url_for("contacts.person_detail", person_id=affiliation.person_id))


# ------------------------------------------------------------------ organisations


@bp.get("/organisationen")
def organisation_list():
    filters = services.ContactFilters.from_args(request.args)
    page = services.organisation_list_page(filters, per_page=50, max_per_page=200)
    return render_template("contacts/organisation_list.html", page=page, filters=filters, **_filter_options())


@bp.get("/organisationen/<id:org_id>")
def organisation_detail(org_id: int):
    org = (db.session.scalar(select(Organisation).where(Organisation.id == org_id).options(*_ORGANISATION_PAGE))
           or _merged_away("organisation", org_id))
    return render_template(
        "contacts/organisation_detail.html", org=org, timeline=timeline_for("organisation", org), confirm=ConfirmForm()
    )


def _organisation_form(obj=None, **form_args):
    form = _with_catalogue_choices(OrganisationForm(obj=obj, **form_args))
    none = [(0, _("- none -"))]
    form.parent_id.choices = none + services.parent_choices(exclude_id=obj.id if obj else None)
    form.municipality_id.choices = none + services.municipality_choices()
    return form


def _organisation_save(org, form):
    data = dict(form.data)
    try:
        with versioned_edit(org, form.version.data):
            return services.save_organisation(org, data)
    except DomainError as error:
        db.session.rollback()
        error.after_rollback(form)
        put_error_on_form(form, error)
        return None


def _lookalikes(form) -> list[dict]:
    """Existing organisations like the new one, unless the user confirmed it is another one."""
    from crm.duplicates.finder import similar_organisations

    if form.create_anyway.data:
        return []
    similar = similar_organisations(form.name.data)
    if similar:
        try:  # a taken AGS shows in the same round, it cannot be confirmed away
            services.check_ags_unique(form.ags.data, form.kind.data)
        except DomainError as error:
            put_error_on_form(form, error)
        form.create_anyway.errors = [
            _("Similar organisations exist already (listed above). Please check them; if yours is another one, "
              "tick “Create anyway” and save again.")
        ]
    return similar


@bp.route("/organisationen/neu", methods=["GET", "POST"])
@can_edit
def organisation_create():
    form = _organisation_form()
    if (done := replay(form, Organisation, lambda o: url_for("contacts.organisation_detail", org_id=o.id))) is not None:
        return done
    similar = []
    if form.validate_on_submit():
        similar = _lookalikes(form)
        org = None if similar else _organisation_save(None, form)
        if org is not None:
            remember_creation(form, org)
            db.session.commit()
            flash(_("%(name)s has been created.", name=org.name), "success")
            return redirect(url_for("contacts.organisation_detail", org_id=org.id))
    return render_template("contacts/organisation_form.html", form=form, org=None, similar=similar)


@bp.route("/organisationen/<id:org_id>/bearbeiten", methods=["GET", "POST"])
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


@bp.post("/organisationen/<id:org_id>/archivieren")
@can_edit
def organisation_archive(org_id: int):
    return archive_toggle(Organisation, org_id, True, lambda o: url_for("contacts.organisation_detail", org_id=o.id))


@bp.post("/organisationen/<id:org_id>/wiederherstellen")
@can_edit
def organisation_restore(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    try:  # a municipality comes back only if no other active one holds its AGS meanwhile
        services.check_ags_unique(org.ags, org.kind, exclude_id=org.id)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("contacts.organisation_detail", org_id=org.id))
    return archive_toggle(Organisation, org_id, False, lambda o: url_for("contacts.organisation_detail", org_id=o.id))


@bp.get("/organisationen/<id:org_id>/verlauf")
def organisation_history(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    return render_template(
        "core/history.html", record=org, rows=history_for("organisation", org.id),
        back_url=url_for("contacts.organisation_detail", org_id=org.id),
    )


# ------------------------------------------------------------------ quick search (header, pickers)


@bp.get("/suche/schnell")
def quick_search_json():
    """Results as you type: persons and organisations, grouped."""
    query = request.args.get("q", "")[:200]
    result = quick_search(query)
    persons = []
    for p in result.persons:
        aff = p.primary_affiliation
        persons.append(
            {
                "id": p.id,
                "label": p.full_name,
                "detail": " · ".join(x for x in (aff.function_name, aff.organisation.name) if x) if aff else "",
                "url": url_for("contacts.person_detail", person_id=p.id),
                # the organisation of the current function, for forms that prefill it (a seat represents it)
                "organisation_id": aff.organisation_id if aff else None,
                "organisation": aff.organisation.name if aff else "",
            }
        )
    organisations = [
        {
            "id": o.id,
            "label": o.name,
            "detail": " · ".join(x for x in (o.kind_label, o.city) if x),
            "url": url_for("contacts.organisation_detail", org_id=o.id),
        }
        for o in result.organisations
    ]
    return jsonify(
        {
            "query": query,
            "persons": persons,
            "organisations": organisations,
            "more_persons": result.more_persons,
            "more_organisations": result.more_organisations,
            "organisations_first": result.organisations_first,
            "named_organisations": result.named_organisations,
            "all_persons_url": url_for("contacts.person_list", q=query),
            "all_organisations_url": url_for("contacts.organisation_list", q=query),
        }
    )


@bp.get("/suche")
def search_page():
    """The search without JavaScript: Enter in the header field lands here."""
    query = request.args.get("q", "")[:200]
    result = quick_search(query, limit=25)
    return render_template("contacts/search.html", query=query, result=result)
