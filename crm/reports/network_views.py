"""The network picture: who works with whom as a graph, and the municipalities on a map."""
from datetime import date

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from crm.contacts.models import FieldOfAction
from crm.contacts.services import catalogue
from crm.core.converters import arg_id, parse_int
from crm.core.errors import DomainError, put_error_on_form
from crm.core.permissions import role_required
from crm.extensions import db
from crm.reports import municipality_map
from crm.reports.graph import (
    DEFAULT_LIMIT,
    EDGE_KINDS,
    MAX_LIMIT,
    NODE_COLOURS,
    NODE_KINDS,
    GraphFilter,
    build_graph,
)

bp = Blueprint("reports_network", __name__)

viewer = role_required("viewer")


class ShapesUploadForm(FlaskForm):
    file = FileField(_l("GeoJSON file with the municipality shapes"),
                     validators=[FileRequired(_l("Please choose a file."))])


def _date_arg(name: str, problems: list) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        problems.append(_("%(value)s is not a date; the period was not applied.", value=raw[:20]))
        return None


def graph_filter() -> tuple[GraphFilter, list[str]]:
    """The filter from the query string, and what was wrong with it (then left out, never an error page)."""
    problems: list[str] = []
    kinds = frozenset(k for k in request.args.getlist("kind") if k in NODE_KINDS) or frozenset(NODE_KINDS)
    start, end = _date_arg("von", problems), _date_arg("bis", problems)
    if start and end and end < start:
        problems.append(_("The end of the period lies before its start; the period was not applied."))
        start = end = None
    limit = parse_int(request.args.get("limit"), DEFAULT_LIMIT, minimum=10, maximum=MAX_LIMIT)
    return GraphFilter(kinds=kinds, field_id=arg_id("field"), start=start, end=end, limit=limit), problems


@bp.route("/netzwerkbild")
@viewer
def graph_page():
    f, problems = graph_filter()
    for problem in problems:
        flash(problem, "warning")
    graph = build_graph(f)
    neighbours: dict[str, list] = {}
    by_id = {n["id"]: n for n in graph.nodes}
    for e in graph.edges:
        neighbours.setdefault(e["source"], []).append(by_id[e["target"]])
        neighbours.setdefault(e["target"], []).append(by_id[e["source"]])
    return render_template(
        "reports/network_graph.html", graph=graph, graph_json=graph.as_json(), f=f, neighbours=neighbours,
        node_kinds=NODE_KINDS, edge_kinds=EDGE_KINDS, colours=NODE_COLOURS, fields=catalogue(FieldOfAction),
        max_limit=MAX_LIMIT,
        data_url=url_for("reports_network.graph_data", **request.args.to_dict(flat=False)),
    )


@bp.route("/netzwerkbild/daten.json")
@viewer
def graph_data():
    """The graph as JSON: {nodes: [{id, kind, label, url, degree}], edges: [{source, target, kind, weight}],
    total_nodes, total_edges, truncated, limit, problems}."""
    f, problems = graph_filter()
    return jsonify(build_graph(f).as_json() | {"problems": problems})


@bp.route("/netzwerkbild/karte")
@viewer
def map_page():
    measure = request.args.get("mass", "contacts")
    if measure not in municipality_map.MEASURES:
        measure = "contacts"
    view = municipality_map.map_view(measure)
    return render_template("reports/network_map.html", measure=measure, measures=municipality_map.MEASURES, **view)


@bp.route("/netzwerkbild/karte/gemeindegrenzen", methods=["GET", "POST"])
@role_required("admin")
def shapes_upload():
    form = ShapesUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(municipality_map.max_upload_bytes() + 1)
        try:
            record, _parsed = municipality_map.save_shapes(data, upload.filename or "", current_user.id)
        except DomainError as error:
            db.session.rollback()
            put_error_on_form(form, error)
        else:
            db.session.commit()
            known = len(municipality_map.municipalities())
            flash(_("Map saved: %(matched)s of %(features)s shapes in the file matched a municipality; "
                    "%(missing)s of %(known)s municipalities have no shape.",
                    matched=record.matched_count, features=record.feature_count,
                    missing=known - record.matched_count, known=known), "success")
            return redirect(url_for("reports_network.map_page"))
    return render_template("reports/network_shapes_upload.html", form=form, record=municipality_map.current_map(),
                           limit_mb=municipality_map.max_upload_bytes() // 1024 // 1024)
