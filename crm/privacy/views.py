"""Data-protection requests on the person page (objection, access, erasure), the review list and the
processing record."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.models import LEGAL_BASES, Person
from crm.core.converters import arg_ids, arg_page, parse_int
from crm.core.errors import DomainError, committing
from crm.core.forms import ConfirmForm
from crm.core.permissions import can_edit, export_required, role_at_least, role_required
from crm.extensions import db
from crm.privacy import services

bp = Blueprint("privacy", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ERASE_ROLE = "manager"
PER_PAGE = 50


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def person_privacy_section(person: Person) -> dict | None:
    """The card "Datenschutz-Anfragen" on the person page (side column), for staff and above."""
    if not role_at_least(current_user, "staff"):
        return None
    erased = services.is_erased(person)
    return {"person": person, "erased": erased, "may_erase": role_at_least(current_user, ERASE_ROLE) and not erased}


def _person(person_id: int) -> Person:
    return db.get_or_404(Person, person_id)


def _back(person: Person):
    return redirect(url_for("contacts.person_detail", person_id=person.id))


@bp.post("/personen/<id:person_id>/widerspruch")
@can_edit
def objection(person_id: int):
    person = _person(person_id)
    if ConfirmForm().validate_on_submit():
        with committing() as done:
            withdrawn = services.object_to_contact(person)
        if done:
            flash(_("Objection recorded: no more campaigns or invitations by e-mail. Consents withdrawn: "
                    "%(count)s.", count=withdrawn), "success")
    return _back(person)


@bp.get("/personen/<id:person_id>/auskunft.json")
@export_required
def access_json(person_id: int):
    person = _person(person_id)
    data = services.access_json(person)
    db.session.commit()  # the export audit row
    return _download(data, "application/json", f"auskunft-person-{person.id}.json")


@bp.get("/personen/<id:person_id>/auskunft.docx")
@export_required
def access_letter(person_id: int):
    person = _person(person_id)
    with committing() as done:
        data = services.access_letter(person)
    if not done:
        return _back(person)
    return _download(data, DOCX, f"auskunft-person-{person.id}.docx")


@bp.route("/personen/<id:person_id>/loeschen", methods=["GET", "POST"])
@role_required(ERASE_ROLE)
def erase(person_id: int):
    person = _person(person_id)
    if services.is_erased(person):
        flash(_("This person has been erased already."), "info")
        return _back(person)
    if request.method == "POST":
        if ConfirmForm().validate_on_submit() and request.form.get("confirm") == "yes":
            with committing() as done:
                services.erase(person)
            if done:
                flash(_("The person has been erased (anonymised). Texts that may name them are on your task list "
                        "for review."), "success")
                return _back(person)
        else:
            flash(_("Please confirm the erasure by ticking the box."), "danger")
        return redirect(url_for("privacy.erase", person_id=person.id))
    return render_template("privacy/erase.html", person=person, plan=services.erasure_plan(person),
                           form=ConfirmForm())


def _review_filters() -> dict:
    reason = request.args.get("grund", "any")
    if reason not in services.REVIEW_REASONS:
        reason = "any"
    basis = request.args.get("rechtsgrundlage")
    if basis not in LEGAL_BASES and basis != "-":
        basis = None
    years = parse_int(request.args.get("jahre"), 0, 1, 50) or None
    return {"reason": reason, "legal_basis": basis, "years": years, "q": (request.args.get("q") or "")[:100]}


@bp.get("/datenschutz/pruefliste")
@can_edit
def review_list():
    filters = _review_filters()
    stmt = services.review_query(filters["years"], filters["reason"],
                                 "" if filters["legal_basis"] == "-" else filters["legal_basis"], filters["q"])
    page = db.paginate(stmt, page=arg_page(), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    from flask import current_app

    return render_template("privacy/review.html", page=page, filters=filters, legal_bases=LEGAL_BASES,
                           years=filters["years"] or current_app.config.get("PRIVACY_REVIEW_YEARS", 3),
                           cutoff=services.review_cutoff(filters["years"]), form=ConfirmForm(),
                           may_erase=role_at_least(current_user, ERASE_ROLE))


@bp.post("/datenschutz/pruefliste")
@can_edit
def review_action():
    action = request.form.get("action")
    back = request.form.get("back") or ""
    target = url_for("privacy.review_list") + (("?" + back) if back and "//" not in back else "")
    if not ConfirmForm().validate_on_submit() or action not in ("reviewed", "archive", "erase"):
        if request.form:
            flash(_("Please choose an action."), "danger")
        return redirect(target)
    ids = arg_ids("ids", request.form)
    if action == "erase":
        if not role_at_least(current_user, ERASE_ROLE):
            abort(403)
        if not ids:
            flash(_("Please tick at least one contact."), "danger")
            return redirect(target)
        # the confirmation page says per person what happens; nothing is changed before it is confirmed
        return redirect(url_for("privacy.erase_many", ids=ids, back=back))
    with committing() as done:
        n = services.mark_reviewed(ids) if action == "reviewed" else services.archive_persons(ids)
    if done:
        flash(_("Marked as reviewed today: %(count)s contacts.", count=n) if action == "reviewed"
              else _("Archived: %(count)s contacts.", count=n), "success")
    return redirect(target)


def _review_target(back: str) -> str:
    return url_for("privacy.review_list") + (("?" + back) if back and "//" not in back else "")


@bp.route("/datenschutz/loeschen", methods=["GET", "POST"])
@role_required(ERASE_ROLE)
def erase_many():
    """Art. 17 for the contacts ticked on the review list: first what happens to each, then all in one go."""
    source = request.form if request.method == "POST" else request.args
    ids = arg_ids("ids", source)
    back = (source.get("back") or "")[:500]
    if request.method == "POST":
        if not (ConfirmForm().validate_on_submit() and request.form.get("confirm") == "yes"):
            flash(_("Please confirm the erasure by ticking the box."), "danger")
            return redirect(url_for("privacy.erase_many", ids=ids, back=back))
        with committing() as done:
            count = services.erase_many(ids)
        if done:
            flash(_("Erased (anonymised): %(count)s contacts. Texts that may name them are on your task list "
                    "for review.", count=count), "success")
            return redirect(_review_target(back))
        return redirect(url_for("privacy.erase_many", ids=ids, back=back))
    try:
        plans = services.erasure_plans(ids)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(_review_target(back))
    return render_template("privacy/erase_many.html", plans=plans, ids=ids, back=back,
                           back_url=_review_target(back),
                           sponsors=[p for p in plans if p.sponsored_projects],
                           chairs=[p for p in plans if p.chairs])


@bp.get("/datenschutz/verzeichnis.docx")
@can_edit
def processing_record():
    with committing() as done:
        data = services.processing_record()
    if not done:
        abort(500)
    return _download(data, DOCX, "verzeichnis-verarbeitungstaetigkeiten.docx")
