"""The consent pages: the public newsletter sign-up with its confirmation link, the unsubscribe link
(also RFC 8058 one-click), the office recording a consent or a withdrawal on the person page, and the
admin's consent texts.

The public pages have no login: each is guarded by its own token, rate-limited like the other public
pages (PUBLIC_ANSWER_RATE_LIMIT) and never cached. A GET never changes anything (mail scanners follow
links): the confirmation and the unsubscribe pages show a button.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.campaigns import consent as service
from crm.campaigns.consent_forms import ConsentRecordForm, SignupForm, WithdrawForm, WordingForm
from crm.campaigns.models import PURPOSES, Consent
from crm.contacts.models import Person
from crm.core import time as clock
from crm.core.errors import DomainError, committing, saving
from crm.core.memo import once_per_request
from crm.core.permissions import can_edit, role_at_least, role_required
from crm.extensions import csrf, db, limiter
from crm.meetings.public_views import DEFAULT_PUBLIC_ANSWER_LIMIT, _private

bp = Blueprint("campaigns", __name__)

PUBLIC_ENDPOINTS = ("campaigns.newsletter_signup", "campaigns.signup_confirm", "campaigns.unsubscribe")
ONE_CLICK = "One-Click"


def _public_limit() -> str:
    return current_app.config.get("PUBLIC_ANSWER_RATE_LIMIT", DEFAULT_PUBLIC_ANSWER_LIMIT)


def _render(template: str, status: int = 200, **context):
    return _private(current_app.make_response((render_template(template, **context), status)))


# ------------------------------------------------------------------ public: sign-up and confirmation


@bp.route("/newsletter", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def newsletter_signup():
    form = SignupForm()
    version, text = service.current_wording("newsletter")
    if form.validate_on_submit():
        try:
            service.request_signup(form.first_name.data, form.last_name.data, form.email.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render("campaigns/public_signup.html", 503, form=form, wording=text, version=version)
        db.session.commit()
        # the same answer whether the address is known, new or signed up already: nothing is revealed
        return _render("campaigns/public_signup_sent.html", email=form.email.data,
                       days=current_app.config.get("CONSENT_CONFIRM_DAYS", service.DEFAULT_CONFIRM_DAYS))
    status = 422 if form.errors else 200
    return _render("campaigns/public_signup.html", status, form=form, wording=text, version=version)


@bp.route("/newsletter/bestaetigen/<token>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def signup_confirm(token: str):
    checked = service.check_token(token, PURPOSES)
    if request.method == "POST" and checked.outcome == "ok":
        checked = service.confirm(token)
        db.session.commit()
    status = {"unknown": 404, "used": 409, "expired": 410}.get(checked.outcome, 200)
    return _render("campaigns/public_confirm.html", status, outcome=checked.outcome, signup=checked.signup,
                   purpose=PURPOSES.get(checked.signup.purpose, "") if checked.signup else "")


# ------------------------------------------------------------------ public: unsubscribe


def _csrf_enabled() -> bool:
    return current_app.config.get("WTF_CSRF_ENABLED", True)


@bp.route("/abmelden/<token>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@csrf.exempt  # the one-click POST of a mail program carries no CSRF token; the page's own form is checked below
def unsubscribe(token: str):
    link = service.read_unsubscribe_token(token)
    if link is None:
        return _render("campaigns/public_unsubscribe.html", 404, link=None)
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == ONE_CLICK
        if not one_click and _csrf_enabled():
            csrf.protect()  # raises CSRFError: the "form expired" page, nothing changed
        objection = not one_click and request.form.get("objection") == "1"
        changed = service.unsubscribe(link, "one-click" if one_click else "link", objection=objection)
        db.session.commit()
        if one_click:
            return _private(current_app.make_response(("", 204)))
        return _render("campaigns/public_unsubscribe.html", link=link, done=True, changed=changed,
                       objection=objection)
    return _render("campaigns/public_unsubscribe.html", link=link, done=False)


# ------------------------------------------------------------------ the office: the person page


def person_consents_section(person: Person) -> dict:
    """The consents with their proof, on the person page (side column)."""
    consents = once_per_request(("consents_of", person.id), lambda: service.consents_of(person))
    return {"consents": consents, "person": person,
            "may_edit": role_at_least(current_user, "staff") and person.archived_at is None}


@bp.route("/personen/<id:person_id>/einwilligungen/neu", methods=["GET", "POST"])
@can_edit
def consent_record(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = ConsentRecordForm()
    if request.method == "GET":
        purpose = request.args.get("zweck", "newsletter")
        form.purpose.data = purpose if purpose in PURPOSES else "newsletter"
        form.wording_version.data = service.current_wording(form.purpose.data)[0]
        form.given_on.data = clock.today()
    if form.validate_on_submit():
        with saving(form) as saved:
            service.record_consent(person, form.purpose.data, form.channel.data, form.given_on.data,
                                   form.wording_version.data, form.note.data)
        if saved:
            flash(_("Consent recorded: %(purpose)s.", purpose=PURPOSES[form.purpose.data]), "success")
            return redirect(url_for("contacts.person_detail", person_id=person.id) + "#consents")
    versions = {str(label): service.current_wording(p)[0] for p, label in PURPOSES.items()}
    return render_template("campaigns/consent_form.html", form=form, person=person, versions=versions)


@bp.post("/einwilligungen/<id:consent_id>/widerrufen")
@can_edit
def consent_withdraw(consent_id: int):
    consent = db.get_or_404(Consent, consent_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    with committing() as done:
        service.withdraw(consent, form.note.data or "")
    if done:
        flash(_("Withdrawal recorded: %(purpose)s. No more mail for this purpose.", purpose=consent.purpose_label),
              "success")
    return redirect(url_for("contacts.person_detail", person_id=consent.person_id) + "#consents")


# ------------------------------------------------------------------ admin: the consent texts


@bp.route("/einwilligungen/texte", methods=["GET", "POST"])
@role_required("admin")
def wordings():
    form = WordingForm()
    if request.method == "GET":
        form.purpose.data = request.args.get("zweck", "newsletter") if request.args.get("zweck") in PURPOSES \
            else "newsletter"
    if form.validate_on_submit():
        with saving(form) as saved:
            row = service.add_wording(form.purpose.data, form.version.data, form.text.data)
        if saved:
            flash(_("Version %(version)s is now shown for %(purpose)s.", version=row.version,
                    purpose=PURPOSES[row.purpose]), "success")
            return redirect(url_for("campaigns.wordings"))
    current = {p: service.current_wording(p) for p in PURPOSES}
    return render_template("campaigns/wordings.html", form=form, current=current, rows=service.wordings(),
                           purposes=PURPOSES)
