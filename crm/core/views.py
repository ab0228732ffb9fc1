from flask import Blueprint, redirect, render_template, request, session, url_for

from crm.core.converters import parse_id
from crm.core.dashboard import dashboard_panels
from crm.core.permissions import role_required
from crm.core.urls import is_safe_redirect
from crm.extensions import db

bp = Blueprint("core", __name__)
# The brand in the navigation bar leads to the start page; no separate entry needed.


@bp.get("/")
def index():
    return render_template("core/index.html", panels=dashboard_panels())


@bp.get("/health")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


@bp.post("/sprache")
def set_language():
    lang = request.form.get("lang", "de")
    if lang in ("de", "en"):
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("core.index"))


@bp.get("/aenderungen")
@role_required("admin")
def audit_search():
    """The audit trail for administrators: by user, period, record type and action, page by page."""
    from datetime import date, datetime, time, timedelta

    from flask_babel import gettext as _
    from sqlalchemy import select

    from crm.auth.models import User
    from crm.core import audit
    from crm.core.registry import current_registry
    from crm.core.time import region_zone

    def day(key):
        try:
            return date.fromisoformat(request.args.get(key, ""))
        except ValueError:
            return None

    registry = current_registry()
    who = request.args.get("benutzer", "")
    user_id = parse_id(who)
    start, end = day("von"), day("bis")
    entity_type = request.args.get("typ", "")
    entity_type = entity_type if entity_type in registry.entities else ""
    action = request.args.get("aktion", "")
    action = action if action in registry.actions else ""
    problem = None
    if start and end and end < start:
        problem = _("The end of the period lies before its start; please correct it.")
    zone = region_zone()
    stmt = audit.search(
        user_id=user_id, system=who == "system",
        start=datetime.combine(start, time.min, tzinfo=zone) if start else None,
        end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None,
        entity_type=entity_type, action=action)
    page = db.paginate(stmt, per_page=50, max_per_page=200) if problem is None else None
    user_options = [("", _("all")), ("system", _("System (commands, jobs)"))] + [
        (str(u.id), u.display_name) for u in db.session.scalars(select(User).order_by(User.username))]
    types = sorted(((key, str(label)) for key, label in registry.entities.items()), key=lambda pair: pair[1].lower())
    actions = sorted(((key, str(label)) for key, label in registry.actions.items()), key=lambda pair: pair[1].lower())
    return render_template("core/audit_search.html", page=page, user_options=user_options, types=types, actions=actions,
                           who=who, start=start, end=end, entity_type=entity_type, action=action, problem=problem)
