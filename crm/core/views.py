from flask import Blueprint, redirect, render_template, request, session, url_for

from crm.core.dashboard import dashboard_panels
from crm.core.urls import is_safe_redirect

bp = Blueprint("core", __name__)
# The brand in the navigation bar leads to the start page; no separate entry needed.


@bp.get("/")
def index():
    return render_template("core/index.html", panels=dashboard_panels())


@bp.get("/health")
def health():
    """200 when the database answers, its schema is at head and Redis (if configured) answers; else 503."""
    from crm.core.health import run_checks

    checks = run_checks()
    ok = all(check.ok for check in checks)
    body = {"status": "ok" if ok else "fail", "checks": {c.name: {"ok": c.ok, "message": c.message} for c in checks}}
    return body, 200 if ok else 503, {"Cache-Control": "no-store"}


@bp.post("/sprache")
def set_language():
    lang = request.form.get("lang", "de")
    if lang in ("de", "en"):
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("core.index"))
