from flask import Blueprint, redirect, render_template, request, session, url_for

from crm.core.dashboard import dashboard_panels
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
