from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.contacts.search import quick_search
from crm.core.urls import is_safe_redirect
from crm.extensions import db

bp = Blueprint("core", __name__)
# The brand in the navigation bar leads to the start page; no separate entry needed.


@bp.get("/")
def index():
    from crm.core.dashboard import dashboard_panels

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


@bp.get("/suche/schnell")
def quick_search_json():
    """Results as you type: persons and organisations, grouped."""
    query = request.args.get("q", "")[:200]
    result = quick_search(query)
    persons = []
    for p in result.persons:
        aff = p.primary_affiliation
        persons.append(
            {
                "id": p.id,
                "label": p.full_name,
                "detail": " · ".join(x for x in (aff.function_name if aff else "", aff.organisation.name if aff else "") if x),
                "url": url_for("contacts.person_detail", person_id=p.id),
            }
        )
    organisations = [
        {
            "id": o.id,
            "label": o.name,
            "detail": " · ".join(x for x in (o.kind_label, o.city) if x),
            "url": url_for("contacts.organisation_detail", org_id=o.id),
        }
        for o in result.organisations
    ]
    return jsonify(
        {
            "query": query,
            "persons": persons,
            "organisations": organisations,
            "more_persons": result.more_persons,
            "more_organisations": result.more_organisations,
            "organisations_first": result.organisations_first,
            "named_organisations": result.named_organisations,
            "all_persons_url": url_for("contacts.person_list", q=query),
            "all_organisations_url": url_for("contacts.organisation_list", q=query),
        }
    )


@bp.get("/suche")
def search_page():
    """The search without JavaScript: Enter in the header field lands here."""
    query = request.args.get("q", "")[:200]
    result = quick_search(query, limit=25)
    return render_template("core/search.html", query=query, result=result)
