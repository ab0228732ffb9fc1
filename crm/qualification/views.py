"""The office's pages of qualification offers and the public registration (/weiterbildung).

The public pages have no login: rate-limited like the other public pages (PUBLIC_ANSWER_RATE_LIMIT),
CSRF-protected, never cached; a GET never changes anything (the confirmation link shows a button).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.campaigns.consent_views import _public_limit
from crm.campaigns.consent_views import _render as _render_public
from crm.contacts.models import FieldOfAction, Person, TargetGroup
from crm.core.errors import DomainError, committing, saving
from crm.core.memo import once_per_request
from crm.core.permissions import can_edit, export_required, role_at_least, role_required
from crm.extensions import db, limiter
from crm.qualification import documents, mailing, matching, services, signup
from crm.qualification.forms import (
    OfferForm,
    PersonRegistrationForm,
    PublicRegistrationForm,
    SegmentRegistrationForm,
    SuggestionSegmentForm,
    sessions_text,
)
from crm.qualification.models import OFFER_STATUSES, Offer, OfferSession, Registration

bp = Blueprint("qualification", __name__)

PUBLIC_ENDPOINTS = ("qualification.public_list", "qualification.public_register", "qualification.public_confirm")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ------------------------------------------------------------------ the office: offers


@bp.get("/weiterbildungen")
@role_required("viewer")
def offer_list():
    status = request.args.get("status") or None
    rows = services.offers(status if status in OFFER_STATUSES else None)
    return render_template("qualification/list.html", offers=rows, status=status, statuses=OFFER_STATUSES)


def _fill_choices(form: OfferForm) -> None:
    form.provider_id.choices = [(0, "—")] + services.provider_choices()
    trainers = db.session.scalars(select(Person).where(Person.archived_at.is_(None)).order_by(Person.sort_name)
                                  .limit(3000)).all()
    form.trainer_ids.choices = [(p.id, p.full_name) for p in trainers]
    form.target_group_ids.choices = [(t.id, t.name) for t in db.session.scalars(
        select(TargetGroup).order_by(TargetGroup.name))]
    form.field_ids.choices = [(f.id, f.name) for f in db.session.scalars(
        select(FieldOfAction).order_by(FieldOfAction.position))]


def _offer_data(form: OfferForm) -> dict:
    return {
        "title": form.title.data, "kind": form.kind.data, "status": form.status.data,
        "description": form.description.data, "provider_id": form.provider_id.data or None,
        "trainer_ids": form.trainer_ids.data, "sessions": form.sessions.sessions, "location": form.location.data,
        "online_url": form.online_url.data, "capacity": form.capacity.data, "waitlist": form.waitlist.data,
        "fee": form.fee.data, "registration_deadline": form.registration_deadline.data,
        "target_group_ids": form.target_group_ids.data, "field_ids": form.field_ids.data,
    }


@bp.route("/weiterbildungen/neu", methods=["GET", "POST"])
@can_edit
def offer_create():
    form = OfferForm()
    _fill_choices(form)
    if form.validate_on_submit():
        with saving(form) as saved:
            offer = services.save_offer(None, _offer_data(form))
        if saved:
            flash(_("Offer “%(title)s” saved.", title=offer.title), "success")
            return redirect(url_for("qualification.offer_detail", offer_id=offer.id))
    return render_template("qualification/form.html", form=form, offer=None)


@bp.route("/weiterbildungen/<id:offer_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def offer_edit(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    form = OfferForm(obj=offer if request.method == "GET" else None)
    _fill_choices(form)
    if request.method == "GET":
        form.provider_id.data = offer.provider_id or 0
        form.trainer_ids.data = [p.id for p in offer.trainers]
        form.target_group_ids.data = [t.id for t in offer.target_groups]
        form.field_ids.data = [f.id for f in offer.fields_of_action]
        form.sessions.data = sessions_text(offer)
        form.fee.data = f"{offer.fee:.2f}".replace(".", ",") if offer.fee is not None else ""
    if form.validate_on_submit():
        with saving(form) as saved:
            services.save_offer(offer, _offer_data(form))
        if saved:
            flash(_("Offer “%(title)s” saved.", title=offer.title), "success")
            return redirect(url_for("qualification.offer_detail", offer_id=offer.id))
    return render_template("qualification/form.html", form=form, offer=offer)


@bp.get("/weiterbildungen/<id:offer_id>")
@role_required("viewer")
def offer_detail(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    rows = services.registrations_of(offer)
    may_edit = role_at_least(current_user, "staff")
    segments = []
    if may_edit:
        from crm.segments.services import list_segments

        segments = list_segments()
    return render_template("qualification/detail.html", offer=offer, registrations=rows,
                           participants=[r for r in rows if r.status in ("registered", "attended", "no_show")],
                           marks=services.attendance_map(offer), may_edit=may_edit, segments=segments,
                           figures=matching.figures([offer.id]), statuses=OFFER_STATUSES,
                           session_lines=mailing.session_lines(offer))


@bp.post("/weiterbildungen/<id:offer_id>/status")
@can_edit
def offer_status(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    with committing() as done:
        services.set_status(offer, request.form.get("status", ""))
    if done:
        flash(_("Status: %(status)s.", status=offer.status_label), "success")
    return redirect(url_for("qualification.offer_detail", offer_id=offer.id))


def _tell(moved: list[Registration]) -> None:
    if not moved:
        return
    sent, failures = mailing.send(moved, "moved_up")
    db.session.commit()
    names = ", ".join(r.person.full_name for r in moved)
    flash(_("Moved up from the waitlist: %(names)s (told by e-mail: %(sent)s).", names=names, sent=sent), "info")
    for failure in failures:
        flash(_("Not delivered: %(failure)s", failure=failure), "warning")


@bp.post("/weiterbildungen/anmeldungen/<id:registration_id>/stornieren")
@can_edit
def registration_cancel(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    moved = []
    with committing() as done:
        moved = services.cancel(registration)
    if done:
        flash(_("Registration of %(name)s cancelled.", name=registration.person.full_name), "success")
        _tell(moved)
    target = request.form.get("next") or ""
    if target == "person":
        return redirect(url_for("contacts.person_detail", person_id=registration.person_id) + "#qualification")
    return redirect(url_for("qualification.offer_detail", offer_id=registration.offer_id))


def _registered_message(outcome) -> str:
    name = outcome.registration.person.full_name
    if outcome.seat:
        return _("%(name)s is registered.", name=name)
    return _("The offer is fully booked: %(name)s is number %(position)s on the waitlist.", name=name,
             position=outcome.registration.waitlist_position)


@bp.post("/personen/<id:person_id>/weiterbildung")
@can_edit
def person_register(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = PersonRegistrationForm()
    form.offer_id.choices = [(o.id, o.title) for o in services.offers_open_for(person)]
    if not form.validate_on_submit():
        flash(_("Please choose an offer open for registration."), "danger")
        return redirect(url_for("contacts.person_detail", person_id=person.id) + "#qualification")
    offer = db.session.get(Offer, form.offer_id.data)
    outcome = None
    with committing() as done:
        outcome = services.register(offer, person, "staff")
    if done:
        flash(_registered_message(outcome), "success")
        _send_outcome(outcome.registration)
    return redirect(url_for("contacts.person_detail", person_id=person.id) + "#qualification")


def _send_outcome(registration: Registration) -> None:
    if not mailing.address_of(registration):
        return
    sent, failures = mailing.send_outcome(registration)
    db.session.commit()
    for failure in failures:
        flash(_("Not delivered: %(failure)s", failure=failure), "warning")


@bp.post("/weiterbildungen/<id:offer_id>/verteiler-anmelden")
@can_edit
def segment_register(offer_id: int):
    from crm.segments.models import Segment
    from crm.segments.services import list_segments

    offer = db.get_or_404(Offer, offer_id)
    form = SegmentRegistrationForm()
    form.segment_id.choices = [(s.id, s.name) for s in list_segments()]
    if not form.validate_on_submit():
        flash(_("Please choose a Verteiler."), "danger")
        return redirect(url_for("qualification.offer_detail", offer_id=offer.id))
    segment = db.session.get(Segment, form.segment_id.data)
    result = None
    with committing() as done:
        result = matching.register_segment(offer, segment)
    if done:
        flash(_("From “%(segment)s”: %(seats)s registered, %(waiting)s on the waitlist, %(skipped)s already "
                "registered or refused.", segment=segment.name, seats=result.seats, waiting=result.waiting,
                skipped=result.skipped), "success")
        for row in result.registrations:
            _send_outcome(row)
    return redirect(url_for("qualification.offer_detail", offer_id=offer.id))


@bp.post("/weiterbildungen/<id:offer_id>/termine/<id:session_id>/anwesenheit")
@can_edit
def attendance(offer_id: int, session_id: int):
    offer = db.get_or_404(Offer, offer_id)
    session = db.get_or_404(OfferSession, session_id)
    try:
        ids = [int(i) for i in request.form.getlist("present")]
    except ValueError:
        abort(400)
    count = 0
    with committing() as done:
        count = services.set_attendance(offer, session, ids)
    if done:
        flash(_("Attendance saved: %(count)s present.", count=count), "success")
    return redirect(url_for("qualification.offer_detail", offer_id=offer.id) + "#attendance")


# ------------------------------------------------------------------ documents


def _docx(data: bytes, name: str):
    from io import BytesIO

    return send_file(BytesIO(data), mimetype=DOCX, as_attachment=True, download_name=name)


@bp.get("/weiterbildungen/<id:offer_id>/teilnehmerliste.docx")
@export_required
def participant_list(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    return _docx(documents.participant_list(offer), documents.filename(offer, _("Participants")))


@bp.get("/weiterbildungen/<id:offer_id>/unterschriftenliste.docx")
@export_required
def signature_list(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    return _docx(documents.signature_list(offer), documents.filename(offer, _("Signatures")))


@bp.get("/weiterbildungen/<id:offer_id>/bescheinigungen.docx")
@export_required
def certificates(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    try:
        data = documents.certificates(offer)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("qualification.offer_detail", offer_id=offer.id))
    return _docx(data, documents.filename(offer, _("Certificates")))


# ------------------------------------------------------------------ matching and figures


@bp.get("/weiterbildungen/<id:offer_id>/vorschlaege")
@role_required("viewer")
def suggestions(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    form = SuggestionSegmentForm()
    if not form.name.data:
        form.name.data = _("Suggestions: %(title)s", title=offer.title)[:200]
    return render_template("qualification/suggestions.html", offer=offer, rows=matching.suggest(offer), form=form)


@bp.post("/weiterbildungen/<id:offer_id>/vorschlaege/verteiler")
@can_edit
def suggestions_segment(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    form = SuggestionSegmentForm()
    if form.validate_on_submit():
        ids = [int(i) for i in request.form.getlist("person_id") if i.isdigit()]
        segment = None
        with saving(form) as saved:
            segment = matching.make_segment(offer, form.name.data, ids or None, owner=current_user)
        if saved:
            flash(_("Verteiler “%(name)s” made with %(count)s persons.", name=segment.name,
                    count=len(segment.members)), "success")
            return redirect(url_for("segments.segment_detail", segment_id=segment.id))
    return render_template("qualification/suggestions.html", offer=offer, rows=matching.suggest(offer), form=form)


@bp.get("/weiterbildungen/zahlen")
@role_required("viewer")
def figures():
    from crm.core import time as clock

    try:
        year = int(request.args.get("jahr") or clock.today().year)
    except ValueError:
        year = clock.today().year
    offer_ids = matching.offers_in_year(year)
    rows = [db.session.get(Offer, i) for i in offer_ids]
    return render_template("qualification/figures.html", year=year, offers=rows,
                           figures=matching.figures(offer_ids),
                           per_offer={i: matching.figures([i]) for i in offer_ids})


# ------------------------------------------------------------------ the person page


def person_section(person: Person):
    # the timeline shows the same registrations: loaded once for the page
    rows = once_per_request(("registrations_of_person", person.id), lambda: services.registrations_of_person(person))
    may_edit = role_at_least(current_user, "staff") and person.archived_at is None
    if not rows and not may_edit:
        return None
    form = None
    if may_edit:
        form = PersonRegistrationForm()
        form.offer_id.choices = [(o.id, o.title + (" (" + _("waitlist") + ")" if o.status == "full" else ""))
                                 for o in services.offers_open_for(person, rows)]
    return {"person": person, "registrations": rows, "may_edit": may_edit, "form": form}


# ------------------------------------------------------------------ public


@bp.get("/weiterbildung")
@limiter.limit(_public_limit)
def public_list():
    return _render_public("qualification/public_list.html", offers=services.public_offers())


@bp.route("/weiterbildung/<id:offer_id>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def public_register(offer_id: int):
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.status == "draft":
        return _render_public("qualification/public_closed.html", 404, offer=None,
                              message=_("This offer does not exist."))
    form = PublicRegistrationForm()
    version, text = signup.wording()
    try:
        services.check_open(offer, public=True)
    except DomainError as error:
        status = 409 if request.method == "POST" else 200
        return _render_public("qualification/public_closed.html", status, offer=offer, message=error.message)
    if form.validate_on_submit():
        try:
            signup.request_registration(offer, form.first_name.data, form.last_name.data, form.organisation.data,
                                        form.email.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return _render_public("qualification/public_form.html", 503, form=form, offer=offer, wording=text,
                                  version=version, session_lines=mailing.session_lines(offer))
        db.session.commit()
        return _render_public("qualification/public_sent.html", offer=offer, email=form.email.data)
    status = 422 if form.errors else 200
    return _render_public("qualification/public_form.html", status, form=form, offer=offer, wording=text,
                          version=version, session_lines=mailing.session_lines(offer))


@bp.route("/weiterbildung/bestaetigen/<token>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def public_confirm(token: str):
    checked = signup.check(token)
    if request.method == "POST" and checked.outcome == "ok":
        checked = signup.confirm(token)
        if checked.outcome == "confirmed":
            db.session.commit()
        else:
            db.session.rollback()
            checked = signup.check(token) if checked.outcome != "refused" else checked
    status = {"unknown": 404, "used": 409, "expired": 410, "refused": 409}.get(checked.outcome, 200)
    offer = checked.signup.offer if checked.signup is not None else None
    return _render_public("qualification/public_confirm.html", status, checked=checked, offer=offer,
                          session_lines=mailing.session_lines(offer) if offer else [])
