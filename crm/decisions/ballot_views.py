"""Circulation ballot pages (routes on the decisions blueprint): the office starts a ballot, sends the
links, writes letters for those by post, follows the answers, closes it and reads the result; the
member answers on a public page through the personal link (or types the code from the letter)."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from crm.core.converters import parse_id
from crm.core.errors import DomainError, committing, put_error_on_form, saving
from crm.core.forms import ConfirmForm, strip_filter
from crm.core.once import OnceTokenForm, remember_creation, replay
from crm.core.permissions import can_edit, export_required, role_required
from crm.decisions import ballots, services
from crm.decisions.ballot_models import VOTES, Ballot
from crm.decisions.views import DOCX, bp
from crm.extensions import db, limiter
from crm.meetings.mailing_views import mail_folder
from crm.meetings.public_views import _answer_limit, _render
from crm.meetings.services import local_datetime_of
from crm.network.models import Body

F = [strip_filter]


class BallotForm(OnceTokenForm):
    body_id = SelectField(_l("Body that decides"), coerce=int, default=0)
    title = StringField(_l("Title"), filters=F, validators=[Length(max=200)])
    deadline_day = DateField(_l("Deadline (day)"),
                             validators=[InputRequired(_l("Please give the day of the deadline."))])
    deadline_time = TimeField(_l("Deadline (time)"), default=None,
                              validators=[InputRequired(_l("Please give the time of the deadline."))])
    item_title = StringField(_l("First item"), filters=F, validators=[Length(max=300)])
    item_text = TextAreaField(_l("What is decided (wording of the resolution)"), filters=F)
    project_id = SelectField(_l("Project decided (optional)"), coerce=int, default=0)
    text = TextAreaField(_l("Personal text of the e-mail and letter (optional)"), filters=F,
                         description=_l("Empty: the standard text. Merge fields as in letters, e.g. {Briefanrede}."))


class ItemForm(FlaskForm):
    item_title = StringField(_l("Item"), filters=F, validators=[Length(max=300)])
    item_text = TextAreaField(_l("What is decided (wording of the resolution)"), filters=F)
    project_id = SelectField(_l("Project decided (optional)"), coerce=int, default=0)


class CloseForm(FlaskForm):
    confirm_early = BooleanField(_l("Close before the deadline although not every seat has voted"),
                                 validators=[Optional()])


def _project_choices() -> list[tuple[int, str]]:
    return [(0, _("— no project —"))] + [(p.id, p.title) for p in services.project_choices()]


def _bodies() -> list[Body]:
    return list(db.session.scalars(select(Body).where(Body.archived_at.is_(None)).order_by(Body.name)))


def _ballot(ballot_id: int) -> Ballot:
    ballot = ballots.load_ballot(ballot_id)
    if ballot is None:
        abort(404)
    return ballot


def _back(ballot: Ballot, anchor: str = ""):
    return redirect(url_for("decisions.ballot_detail", ballot_id=ballot.id) + anchor)


@bp.get("/umlaufverfahren")
@role_required("viewer")
def ballot_list():
    return render_template("decisions/ballot_list.html", ballots=ballots.ballots_list())


@bp.route("/umlaufverfahren/neu", methods=["GET", "POST"])
@can_edit
def ballot_create():
    form = BallotForm()
    form.body_id.choices = [(0, _("— please choose —"))] + [(b.id, b.name) for b in _bodies()]
    form.project_id.choices = _project_choices()
    if request.method == "GET":
        body_id = parse_id(request.args.get("gremium"))
        if body_id:
            form.body_id.data = body_id
    if (done := replay(form, Ballot, lambda b: url_for("decisions.ballot_detail", ballot_id=b.id))) is not None:
        return done
    if form.validate_on_submit():
        deadline = local_datetime_of(form.deadline_day.data, form.deadline_time.data.strftime("%H:%M"))
        with saving(form) as saved:
            ballot = ballots.create_ballot(
                db.session.get(Body, form.body_id.data) if form.body_id.data else None,
                {"title": form.title.data, "deadline": deadline, "text": form.text.data,
                 "item_title": form.item_title.data, "item_text": form.item_text.data,
                 "project_id": form.project_id.data or None}, current_user)
            remember_creation(form, ballot)
        if saved:
            flash(_("Circulation ballot created with %(count)s voters. Check the items and voters, then start it.",
                    count=len(ballot.voters)), "success")
            return redirect(url_for("decisions.ballot_detail", ballot_id=ballot.id))
    return render_template("decisions/ballot_form.html", form=form)


def _page(ballot: Ballot, item_form: ItemForm | None = None, close_form: CloseForm | None = None, status=200):
    if item_form is None:
        item_form = ItemForm()
    item_form.project_id.choices = _project_choices()
    results = None
    problem = None
    if ballot.status != "draft":
        try:
            results = ballots.tally(ballot) if ballot.status == "open" else None
        except DomainError as error:
            problem = error.message
    return render_template(
        "decisions/ballot_detail.html", ballot=ballot, voters=ballots.sorted_voters(ballot),
        progress=ballots.progress(ballot), results=results, problem=problem, item_form=item_form,
        close_form=close_form or CloseForm(), confirm=ConfirmForm(), votes=VOTES, vote_of=ballots.vote_of,
        deadline_text=ballots.deadline_text(ballot), deadline_passed=ballots.deadline_passed(ballot),
        code_text=ballots.code_text, thresholds=services.body_thresholds(ballot.body),
        mail_folder=mail_folder()), status


@bp.get("/umlaufverfahren/<id:ballot_id>")
@role_required("viewer")
def ballot_detail(ballot_id: int):
    return _page(_ballot(ballot_id))


@bp.post("/umlaufverfahren/<id:ballot_id>/punkte")
@can_edit
def ballot_item_add(ballot_id: int):
    ballot = _ballot(ballot_id)
    form = ItemForm()
    form.project_id.choices = _project_choices()
    if form.validate_on_submit():
        with saving(form) as saved:
            ballots.add_item(ballot, {"title": form.item_title.data, "text": form.item_text.data,
                                      "project_id": form.project_id.data or None})
        if saved:
            flash(_("Item added."), "success")
            return _back(ballot, "#items")
        ballot = _ballot(ballot_id)
    return _page(ballot, item_form=form)


@bp.post("/umlaufverfahren/<id:ballot_id>/punkte/<id:ballot_item_id>/entfernen")
@can_edit
def ballot_item_remove(ballot_id: int, ballot_item_id: int):
    ballot = _ballot(ballot_id)
    item = next((i for i in ballot.items if i.id == ballot_item_id), None)
    if item is None:
        abort(404)
    with committing() as done:
        ballots.remove_item(ballot, item)
    if done:
        flash(_("Item removed."), "success")
    return _back(ballot, "#items")


def _flash_report(report: ballots.SendReport) -> None:
    flash(_("Personal links sent by e-mail: %(sent)s.", sent=report.sent), "success")
    if report.letter:
        flash(_("%(count)s voters have no e-mail address: please write them the letter with their link.",
                count=report.letter), "info")
    if report.failed:
        flash(_("%(count)s messages could not be delivered: %(names)s. The reasons are in the list of voters.",
                count=len(report.failed), names=", ".join(v.person.full_name for v in report.failed[:10])
                + (" …" if len(report.failed) > 10 else "")), "danger")
    if report.mail_folder and report.sent:
        flash(_("Development mode: the e-mails were written into %(folder)s, not sent.", folder=report.mail_folder),
              "info")


@bp.post("/umlaufverfahren/<id:ballot_id>/starten")
@can_edit
def ballot_start(ballot_id: int):
    ballot = _ballot(ballot_id)
    with committing() as done:
        report = ballots.start(ballot, current_user)
    if done:
        _flash_report(report)
    return _back(ballot)


@bp.post("/umlaufverfahren/<id:ballot_id>/erneut-senden")
@can_edit
def ballot_retry(ballot_id: int):
    ballot = _ballot(ballot_id)
    with committing() as done:
        report = ballots.retry_failed(ballot, current_user)
    if done:
        _flash_report(report)
    return _back(ballot, "#voters")


@bp.post("/umlaufverfahren/<id:ballot_id>/stimmberechtigte/<id:voter_id>/weg")
@can_edit
def ballot_voter_channel(ballot_id: int, voter_id: int):
    ballot = _ballot(ballot_id)
    voter = next((v for v in ballot.voters if v.id == voter_id), None)
    if voter is None:
        abort(404)
    channel = request.form.get("channel") or ("letter" if voter.channel == "email" else "email")
    with committing() as done:
        ballots.set_channel(voter, channel)
    if done:
        flash(_("%(name)s is reached by %(channel)s.", name=voter.person.full_name,
                channel=_("letter") if voter.channel == "letter" else _("e-mail")), "success")
    return _back(ballot, "#voters")


def _docx(data: bytes, name: str) -> Response:
    response = Response(data, mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/umlaufverfahren/<id:ballot_id>/briefe")
@can_edit
def ballot_letters(ballot_id: int):
    ballot = _ballot(ballot_id)
    try:
        document, missing = ballots.letters_docx(ballot, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(ballot, "#voters")
    db.session.commit()
    if missing:
        current_app.logger.info("ballot %s: no letter for %s", ballot.id, "; ".join(missing))
    return _docx(document, ballots.filename(ballot, "Stimmzettel"))


@bp.post("/umlaufverfahren/<id:ballot_id>/schliessen")
@can_edit
def ballot_close(ballot_id: int):
    ballot = _ballot(ballot_id)
    form = CloseForm()
    try:
        ballots.close(ballot, current_user, early_confirmed=bool(form.confirm_early.data))
    except DomainError as error:
        db.session.rollback()
        ballot = _ballot(ballot_id)
        form = CloseForm()
        put_error_on_form(form, error)
        flash(error.message, "danger")
        return _page(ballot, close_form=form) if request.form else _back(ballot)
    db.session.commit()
    flash(_("The circulation ballot is closed; the result is below."), "success")
    return _back(ballot, "#items")


@bp.get("/umlaufverfahren/<id:ballot_id>/ergebnis.docx")
@export_required
def ballot_result_docx(ballot_id: int):
    ballot = _ballot(ballot_id)
    try:
        data = ballots.result_letter(ballot)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back(ballot)
    db.session.commit()  # the letterhead row, created on first use
    return _docx(data, ballots.filename(ballot, "Ergebnis"))


# ------------------------------------------------------------------ public: the member's ballot


def _given() -> ballots.Answer:
    given = ballots.Answer()
    for key in request.form:
        if key.startswith("vote-"):
            item_id = parse_id(key[5:])
            given.votes[item_id if item_id is not None else -1] = request.form.getlist(key)
        elif key.startswith("conflict-"):
            item_id = parse_id(key[9:])
            given.conflicts.add(item_id if item_id is not None else -1)
    return given


@bp.route("/stimme/<token>", methods=["GET", "POST"])
@limiter.limit(_answer_limit, methods=["POST"])
def ballot_answer(token: str):
    voter = ballots.voter_by_token(token)
    if voter is None:
        abort(404)
    ballot = voter.ballot
    error, status, given = None, 200, ballots.Answer()
    late = ballots.deadline_passed(ballot) and voter.answered_at is None and ballot.status != "draft"
    if late:
        # a member who opens the link or sends the form after the deadline: counted and shown as late
        ballots.record_late(voter)
        db.session.commit()
    if request.method == "POST" and not late:
        given = _given()
        try:
            ballots.answer(voter, given)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            error = refused.message
            status = 409 if ballots.refusal(voter) else 422
        except IntegrityError:  # the same ballot sent twice at once: the first one counts
            db.session.rollback()
            error, status = ballots.refusal(voter), 409
        else:
            flash(_("Thank you! Your vote has been recorded."), "success")
            return _render_redirect(token)
    elif request.method == "POST":
        status = 409
    return _render("decisions/ballot_public.html", status, invitee=voter, voter=voter, ballot=ballot,
                   refusal=ballots.refusal(voter), error=error, given=given, votes=VOTES,
                   vote_of=ballots.vote_of, deadline_text=ballots.deadline_text(ballot))


def _render_redirect(token: str):
    from crm.meetings.public_views import _private

    return _private(redirect(url_for("decisions.ballot_answer", token=token)))


@bp.route("/stimme", methods=["GET", "POST"])
@limiter.limit(_answer_limit, methods=["POST"])
def ballot_code():
    """For the letter: the member types the code printed in it."""
    error, code, status = None, "", 200
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()[:40]
        voter = ballots.voter_by_token(code)
        if voter is not None:
            return _render_redirect(voter.token)
        error, status = _("This code is unknown. Please check it against your letter."), 422
    return _render("decisions/ballot_code.html", status, invitee=None, error=error, code=code)
