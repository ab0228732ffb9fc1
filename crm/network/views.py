from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from crm.contacts.models import SECTORS, FieldOfAction, Organisation, Person
from crm.contacts.services import catalogue
from crm.core import time as clock
from crm.core.archiving import archive_toggle
from crm.core.audit import history_for
from crm.core.concurrency import versioned_edit
from crm.core.converters import arg_id
from crm.core.errors import saving
from crm.core.forms import ConfirmForm
from crm.core.memo import once_per_request
from crm.core.once import remember_creation, replay
from crm.core.permissions import can_edit, export_required, role_required
from crm.extensions import db
from crm.interop.tabular import csv_response_rows, xlsx_bytes
from crm.interop.vcard import vcards
from crm.network import exports, services
from crm.network.forms import BodyForm, EndSeatForm, InterestGroupForm, SeatChangeForm, SeatForm
from crm.network.models import BODY_KINDS, Body, InterestGroup, Seat

bp = Blueprint("network", __name__)

manager_only = role_required("manager")


@bp.app_template_filter("share")
def share_filter(value) -> str:
    """A percentage as German users read it: 37,5 %, 50 % (one decimal, none when it is 0)."""
    return services.share_text(value)


def _stichtag() -> date:
    """?stichtag=YYYY-MM-DD; today when missing or not a date."""
    raw = request.args.get("stichtag", "").strip()
    if not raw:
        return clock.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(_("%(value)s is not a date; showing today.", value=raw[:20]), "warning")
        return clock.today()


# ------------------------------------------------------------------ bodies


@bp.get("/gremien")
def body_list():
    show = request.args.get("archived", "")
    bodies = services.all_bodies(include_archived=show == "all")
    today = clock.today()
    rows = []
    for node in services.body_tree(bodies):
        seats = node.body.seats_on(today)
        rows.append({
            "node": node,
            "chairs": [s for s in seats if s.role in ("chair", "vice_chair")],
            "members": len(seats),
            "voting": sum(1 for s in seats if s.voting),
        })
    return render_template("network/body_list.html", rows=rows, show=show)


@bp.get("/gremien/struktur")
def structure():
    on = _stichtag()
    bodies = services.all_bodies(with_details=True)
    nodes = [(node, node.body.seats_on(on)) for node in services.body_tree(bodies)]
    return render_template("network/structure.html", nodes=nodes, on=on, today=clock.today())


def _body_form(body: Body | None = None, formdata=None, **form_args):
    form = BodyForm(obj=body, **form_args) if formdata is None else BodyForm(formdata=formdata, **form_args)
    form.fields_of_action.choices = [(f.id, f.name) for f in catalogue(FieldOfAction)]
    form.parent_id.choices = [(0, _("- none (top level) -"))] + services.parent_choices(body)
    return form


@bp.route("/gremien/neu", methods=["GET", "POST"])
@can_edit
def body_create():
    form = _body_form()
    if request.method == "GET":
        parent = db.session.get(Body, arg_id("parent") or 0)
        if parent is not None:
            form.parent_id.data = parent.id
            form.kind.data = "working_group"
        else:
            form.kind.data = request.args.get("kind") if request.args.get("kind") in BODY_KINDS else "lag_decision"
    if (done := replay(form, Body, lambda b: url_for("network.body_detail", body_id=b.id))) is not None:
        return done
    if form.validate_on_submit():
        with saving(form) as saved:
            body = services.save_body(None, form.data)
            remember_creation(form, body)
        if saved:
            flash(_("%(name)s has been created.", name=body.name), "success")
            return redirect(url_for("network.body_detail", body_id=body.id))
    return render_template("network/body_form.html", form=form, body=None)


@bp.route("/gremien/<id:body_id>/bearbeiten", methods=["GET", "POST"])
@can_edit
def body_edit(body_id: int):
    body = db.get_or_404(Body, body_id)
    form = _body_form(body)
    if request.method == "GET":
        form.parent_id.data = body.parent_id or 0
        form.fields_of_action.data = [f.id for f in body.fields_of_action]
    if form.validate_on_submit():
        with saving(form) as saved:
            with versioned_edit(body, form.version.data):
                services.save_body(body, form.data)
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("network.body_detail", body_id=body.id))
    return render_template("network/body_form.html", form=form, body=body)


@bp.get("/gremien/<id:body_id>")
def body_detail(body_id: int):
    body = services.load_body(body_id)
    if body is None:
        abort(404)
    on = _stichtag()
    seats = body.seats_on(on)
    composition = services.composition_of(body, on)
    groups = {s.interest_group_id: s.interest_group for s in body.seats if s.interest_group is not None}
    # Members who left; a seat that was only changed (same person still seated) is in the history.
    seated = {s.person_id for s in seats}
    former = sorted((s for s in body.seats if s.valid_to is not None and s.valid_to < on and s.person_id not in seated),
                    key=lambda s: (s.valid_to, s.id), reverse=True)
    upcoming = sorted((s for s in body.seats if s.valid_from > on), key=lambda s: (s.valid_from, s.id))
    children = sorted((c for c in body.children if not c.is_archived), key=Body.sort_key)
    return render_template(
        "network/body_detail.html", body=body, seats=seats, on=on, today=clock.today(), composition=composition,
        groups=groups, sectors=SECTORS, former=former, upcoming=upcoming, children=children, confirm=ConfirmForm(),
    )


@bp.post("/gremien/<id:body_id>/archivieren")
@can_edit
def body_archive(body_id: int):
    return archive_toggle(Body, body_id, True, lambda b: url_for("network.body_detail", body_id=b.id))


@bp.post("/gremien/<id:body_id>/wiederherstellen")
@can_edit
def body_restore(body_id: int):
    return archive_toggle(Body, body_id, False, lambda b: url_for("network.body_detail", body_id=b.id))


@bp.get("/gremien/<id:body_id>/verlauf")
def body_history(body_id: int):
    body = db.get_or_404(Body, body_id)
    rows = history_for("body", body.id) + history_for("seat", [s.id for s in body.seats])
    rows.sort(key=lambda r: (r.at, r.id), reverse=True)
    return render_template("core/history.html", record=body, rows=rows[:200],
                           back_url=url_for("network.body_detail", body_id=body.id))


# ------------------------------------------------------------------ seats


def _seat_form_setup(form, current_group: InterestGroup | None = None):
    groups = services.interest_groups()
    if current_group is not None and current_group not in groups:
        groups.append(current_group)  # an archived group stays selectable where it is in use
    form.interest_group_id.choices = [(0, _("- none -"))] + [
        (g.id, f"{g.name} ({g.sector_label})") for g in groups
    ]
    return form


def _fill_pickers(form, seat: Seat) -> None:
    form.person_id.data = str(seat.person_id)
    form.person_label.data = seat.person.full_name
    form.organisation_id.data = str(seat.organisation_id or "")
    form.organisation_label.data = seat.organisation.name if seat.organisation else ""
    form.deputy_id.data = str(seat.deputy_id or "")
    form.deputy_label.data = seat.deputy.full_name if seat.deputy else ""
    form.interest_group_id.data = seat.interest_group_id or 0


@bp.route("/gremien/<id:body_id>/sitze/neu", methods=["GET", "POST"])
@can_edit
def seat_create(body_id: int):
    body = db.get_or_404(Body, body_id)
    form = _seat_form_setup(SeatForm())
    if request.method == "GET":
        form.valid_from.data = clock.today()
        person = db.session.get(Person, arg_id("person") or 0)
        if person is not None:
            form.person_id.data, form.person_label.data = str(person.id), person.full_name
        form.voting.data = body.kind in ("lag_decision", "lag_assembly", "steering_group")
    if (done := replay(form, Seat, lambda s: url_for("network.body_detail", body_id=s.body_id))) is not None:
        return done
    if form.validate_on_submit():
        with saving(form) as saved:
            seat = services.add_seat(body, form.seat_data())
            remember_creation(form, seat)
        if saved:
            flash(_("%(name)s now holds a seat in %(body)s.", name=seat.person.full_name, body=body.name), "success")
            return redirect(url_for("network.body_detail", body_id=body.id))
    return render_template("network/seat_form.html", form=form, body=body, seat=None)


def _default_mode(form, seat: Seat) -> None:
    """A running seat is changed from today on; a past or future one is usually corrected."""
    if seat.is_current and seat.valid_from < clock.today():
        form.mode.data = "change"
        form.valid_from.data = clock.today()
        form.resolution.data = ""
    else:
        form.mode.data = "correct"


def _seat_page(seat: Seat, form, end_form, status=200):
    return render_template("network/seat_form.html", form=form, end_form=end_form, body=seat.body, seat=seat), status


@bp.route("/sitze/<id:seat_id>/aendern", methods=["GET", "POST"])
@can_edit
def seat_edit(seat_id: int):
    seat = db.get_or_404(Seat, seat_id)
    form = _seat_form_setup(SeatChangeForm(obj=seat), seat.interest_group)
    end_form = EndSeatForm(formdata=None, end_valid_to=seat.valid_to or clock.today())
    if request.method == "GET":
        _fill_pickers(form, seat)
        _default_mode(form, seat)
    if form.validate_on_submit():
        with saving(form) as saved:
            with versioned_edit(seat, form.version.data):
                if form.mode.data == "correct":
                    result = services.correct_seat(seat, form.seat_data())
                else:
                    result = services.change_seat(seat, form.seat_data())
        if saved:
            if result is seat:
                flash(_("The seat has been corrected."), "success")
            else:
                flash(_("The change applies from %(date)s; the previous seat stays in the history.",
                        date=result.valid_from.strftime("%d.%m.%Y")), "success")
            return redirect(url_for("network.body_detail", body_id=seat.body_id))
    return _seat_page(seat, form, end_form)


@bp.post("/sitze/<id:seat_id>/beenden")
@can_edit
def seat_end(seat_id: int):
    seat = db.get_or_404(Seat, seat_id)
    end_form = EndSeatForm()
    if end_form.validate_on_submit():
        with saving(end_form, rename={"valid_to": "end_valid_to"}) as saved:
            services.end_seat(seat, end_form.end_valid_to.data, end_form.end_resolution.data)
        if saved:
            flash(_("The seat of %(name)s ends on %(date)s. It stays in the history.",
                    name=seat.person.full_name, date=seat.valid_to.strftime("%d.%m.%Y")), "success")
            return redirect(url_for("network.body_detail", body_id=seat.body_id))
    seat = db.session.get(Seat, seat_id)
    form = _seat_form_setup(SeatChangeForm(formdata=None, obj=seat), seat.interest_group)
    _fill_pickers(form, seat)
    _default_mode(form, seat)
    return _seat_page(seat, form, end_form)


# ------------------------------------------------------------------ member lists


def _export_name(body: Body, on: date, extension: str) -> str:
    return exports.filename(body, on, extension)


def _members_for_export(body_id: int):
    """The body, the day and its members; the export (its format from the URL) is audited."""
    from crm.core.audit import record_export

    body = db.get_or_404(Body, body_id)
    on = _stichtag()
    record_export("body", request.path.rsplit(".", 1)[-1], len(services.body_members(body, on)), entity_id=body.id,
                  label=body.audit_label())
    db.session.commit()
    # read again after the commit, which let go of what was loaded (else every seat would load on its own)
    return body, on, services.body_members(body, on)


def _download(data, mimetype: str, name: str) -> Response:
    response = Response(data, content_type=mimetype)  # the type carries its charset; mimetype= would add one more
    response.headers["Content-Disposition"] = exports.content_disposition(name)
    return response


@bp.get("/gremien/<id:body_id>/mitglieder.docx")
@export_required
def members_docx(body_id: int):
    body, on, seats = _members_for_export(body_id)
    return _download(exports.member_list_docx(body, seats, on),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     _export_name(body, on, "docx"))


@bp.get("/gremien/<id:body_id>/mitglieder.csv")
@export_required
def members_csv(body_id: int):
    body, on, seats = _members_for_export(body_id)
    header, rows = exports.member_rows(seats)
    # A body has a few dozen members: the rows are built here, inside the request (labels,
    # lazy attributes), and only the CSV encoding runs while the response is sent.
    return _download(csv_response_rows(header, list(rows)), "text/csv; charset=utf-8", _export_name(body, on, "csv"))


@bp.get("/gremien/<id:body_id>/mitglieder.xlsx")
@export_required
def members_xlsx(body_id: int):
    body, on, seats = _members_for_export(body_id)
    header, rows = exports.member_rows(seats)
    return _download(xlsx_bytes(header, rows, body.short_name or body.name),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _export_name(body, on, "xlsx"))


@bp.get("/gremien/<id:body_id>/mitglieder.vcf")
@export_required
def members_vcard(body_id: int):
    body, on, seats = _members_for_export(body_id)
    persons = services.with_vcard_details(exports.vcard_persons(seats))
    return _download("".join(vcards(exports.vcard_members(seats, persons))), "text/vcard; charset=utf-8",
                     _export_name(body, on, "vcf"))


# ------------------------------------------------------------------ interest groups


@bp.get("/interessengruppen")
@manager_only
def interest_group_list():
    form = InterestGroupForm(formdata=None)
    return render_template("network/interest_groups.html", groups=services.interest_groups(include_archived=True),
                           usage=services.interest_group_usage(), form=form, group=None)


@bp.route("/interessengruppen/neu", methods=["GET", "POST"])
@manager_only
def interest_group_create():
    form = InterestGroupForm()
    if (done := replay(form, InterestGroup, lambda g: url_for("network.interest_group_list"))) is not None:
        return done
    if form.validate_on_submit():
        with saving(form) as saved:
            group = services.save_interest_group(None, form.data)
            remember_creation(form, group)
        if saved:
            flash(_("%(name)s has been created.", name=group.name), "success")
            return redirect(url_for("network.interest_group_list"))
    return render_template("network/interest_group_form.html", form=form, group=None)


@bp.route("/interessengruppen/<id:group_id>/bearbeiten", methods=["GET", "POST"])
@manager_only
def interest_group_edit(group_id: int):
    group = db.get_or_404(InterestGroup, group_id)
    form = InterestGroupForm(obj=group)
    if form.validate_on_submit():
        with saving(form) as saved:
            services.save_interest_group(group, form.data)
        if saved:
            flash(_("Changes saved."), "success")
            return redirect(url_for("network.interest_group_list"))
    return render_template("network/interest_group_form.html", form=form, group=group)


@bp.post("/interessengruppen/<id:group_id>/archivieren")
@manager_only
def interest_group_archive(group_id: int):
    return archive_toggle(InterestGroup, group_id, True, lambda g: url_for("network.interest_group_list"),
                          note=_("Existing seats keep it."))


@bp.post("/interessengruppen/<id:group_id>/wiederherstellen")
@manager_only
def interest_group_restore(group_id: int):
    return archive_toggle(InterestGroup, group_id, False, lambda g: url_for("network.interest_group_list"))


# ------------------------------------------------------------------ person and organisation pages


def person_seats_section(person: Person):
    # the timeline shows the same seats: loaded once for the page
    own, deputy = once_per_request(("seats_of_person", person.id), lambda: services.seats_of_person(person))
    if not own and not deputy:
        return None
    return {
        "current": [s for s in own if not s.is_past],
        "past": [s for s in own if s.is_past],
        "deputy_for": [s for s in deputy if not s.is_past],
        "today": clock.today(),
    }


def organisation_seats_section(org: Organisation):
    seats = services.seats_of_organisation(org)
    if not seats:
        return None
    return {"current": [s for s in seats if not s.is_past], "past": [s for s in seats if s.is_past]}

