"""The duplicate list, the search for duplicates, merge (and its undo), the merge log, and the
quick check for similar contacts on the create forms."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.core.converters import arg_id, arg_page
from crm.core.forms import ConfirmForm
from crm.core.permissions import can_edit
from crm.duplicates import finder as dup_services
from crm.duplicates.merge import FIELDS as MERGE_FIELDS
from crm.duplicates.merge import MODELS, merge_preview, merge_records, references_to, undo_merge, undo_problem
from crm.duplicates.models import DuplicatePair, MergeLog
from crm.extensions import db
from crm.imports.services import ImportProblem

bp = Blueprint("duplicates", __name__)
PER_PAGE = 50


def _flash_problem(problem: ImportProblem) -> None:
    flash(_(problem.msgid, **problem.params) if problem.params else _(problem.msgid), "danger")


@bp.get("/duplikate")
@can_edit
def duplicate_list():
    kind = request.args.get("kind", "person")
    if kind not in MODELS:
        abort(404)
    stmt = (select(DuplicatePair).where(DuplicatePair.kind == kind, DuplicatePair.status == "open")
            .order_by(DuplicatePair.score.desc(), DuplicatePair.id))
    page = db.paginate(stmt, per_page=PER_PAGE, max_per_page=200)
    model = MODELS[kind]
    ids = {i for p in page.items for i in (p.a_id, p.b_id)}
    records = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}
    return render_template("duplicates/duplicates.html", page=page, kind=kind, records=records, confirm=ConfirmForm(),
                           last_scan=dup_services.last_scan(kind))


@bp.post("/duplikate/suchen")
@can_edit
def duplicate_scan():
    kind = request.form.get("kind", "person")
    if kind not in MODELS:
        abort(404)
    if ConfirmForm().validate_on_submit():
        counts = dup_services.scan_all_duplicates()
        db.session.commit()
        flash(_("Search finished. Possible duplicates: %(persons)s persons, %(organisations)s organisations.",
                persons=counts["person"], organisations=counts["organisation"]), "success")
    return redirect(url_for("duplicates.duplicate_list", kind=kind))


@bp.post("/duplikate/<id:pair_id>/kein-duplikat")
@can_edit
def duplicate_ignore(pair_id: int):
    pair = db.get_or_404(DuplicatePair, pair_id)
    if ConfirmForm().validate_on_submit():
        dup_services.ignore_pair(pair)
        db.session.commit()
        flash(_("Marked as not a duplicate; the pair will not be listed again."), "success")
    return redirect(url_for("duplicates.duplicate_list", kind=pair.kind, page=arg_page()))


@bp.route("/duplikate/zusammenfuehren/<kind>/<id:a_id>/<id:b_id>", methods=["GET", "POST"])
@can_edit
def duplicate_merge(kind: str, a_id: int, b_id: int):
    if kind not in MODELS or a_id == b_id:
        abort(404)
    model = MODELS[kind]
    a, b = db.get_or_404(model, a_id), db.get_or_404(model, b_id)
    keep = arg_id("keep", request.values) or min(a.id, b.id)
    if keep not in (a.id, b.id):
        abort(404)
    winner, loser = (a, b) if keep == a.id else (b, a)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit() and "merge" in request.form:
        choices = {name: request.form.get(f"field-{name}", "a") for name in MERGE_FIELDS[kind]}
        try:
            log = merge_records(kind, winner.id, loser.id, choices, note=request.form.get("note", "")[:2000])
        except ImportProblem as problem:
            db.session.rollback()
            _flash_problem(problem)
        else:
            db.session.commit()
            flash(_("Merged: “%(loser)s” is now part of “%(winner)s”.", loser=log.loser_label,
                    winner=log.winner_label), "success")
            target = (url_for("contacts.person_detail", person_id=log.winner_id) if kind == "person"
                      else url_for("contacts.organisation_detail", org_id=log.winner_id))
            return redirect(target)
    relations = []
    conn = db.session.connection()
    for table, column in references_to(model.__tablename__):
        counts = [conn.scalar(select(func.count()).select_from(table).where(column == r.id)) for r in (winner, loser)]
        if any(counts):
            relations.append({"name": f"{table.name}.{column.name}", "table": table.name, "column": column.name,
                              "winner": counts[0], "loser": counts[1]})
    return render_template("duplicates/merge.html", kind=kind, winner=winner, loser=loser, a=a, b=b, form=form,
                           rows=merge_preview(kind, winner, loser), relations=relations)


@bp.get("/duplikate/protokoll")
@can_edit
def duplicate_log():
    stmt = select(MergeLog).order_by(MergeLog.at.desc(), MergeLog.id.desc())
    page = db.paginate(stmt, per_page=PER_PAGE, max_per_page=200)
    undoable = {log.id for log in page.items if undo_problem(log) is None}
    return render_template("duplicates/merge_log.html", page=page, undoable=undoable)


@bp.post("/duplikate/protokoll/<id:log_id>/rueckgaengig")
@can_edit
def duplicate_unmerge(log_id: int):
    log = db.get_or_404(MergeLog, log_id)
    if ConfirmForm().validate_on_submit():
        try:
            undo_merge(log)
        except ImportProblem as problem:
            db.session.rollback()
            _flash_problem(problem)
        else:
            db.session.commit()
            flash(_("Merge undone: “%(loser)s” and “%(winner)s” are two records again.", loser=log.loser_label,
                    winner=log.winner_label), "success")
    return redirect(url_for("duplicates.duplicate_log"))


@bp.get("/duplikate/aehnliche")
@can_edit
def duplicate_similar():
    """JSON for the create forms: existing contacts that look like the one being typed."""
    if request.args.get("kind") == "organisation":
        found = dup_services.similar_organisations(request.args.get("name", ""))
        for item in found:
            item["url"] = url_for("contacts.organisation_detail", org_id=item["id"])
    else:
        found = dup_services.similar_persons(request.args.get("last_name", ""), request.args.get("first_name", ""),
                                             request.args.get("email", ""))
        for item in found:
            item["url"] = url_for("contacts.person_detail", person_id=item["id"])
    return jsonify({"matches": found, "title": _("Similar contacts exist already"),
                    "archived": _("archived")})
