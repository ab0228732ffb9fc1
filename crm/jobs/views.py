"""The progress of a background job as JSON (polled by the pages), "stop", and "My jobs"."""
from flask import Blueprint, abort, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.core.errors import DomainError
from crm.core.permissions import role_at_least, role_required
from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import Job

bp = Blueprint("jobs", __name__, url_prefix="/auftraege")


def own_job(job_id: int, kind: str | None = None) -> Job:
    """The job (of this kind), if the current user may see it (its starter, administrators): else 404/403."""
    job = db.session.get(Job, job_id)
    if job is None or (kind is not None and job.kind != kind):
        abort(404)
    if not services.may_see(job, current_user):
        abort(403)
    return job


@bp.get("/<id:job_id>")
@role_required("viewer")
def progress(job_id: int):
    """{status, done, total, percent, message, finished, interrupted}; only the starter's or an admin's."""
    response = jsonify(services.as_json(own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<id:job_id>/anhalten")
@role_required("staff")
def stop(job_id: int):
    job = own_job(job_id)
    try:
        services.request_stop(job)
    except DomainError as error:
        db.session.rollback()
        return jsonify({**services.as_json(job), "error": error.message}), 409
    db.session.commit()
    return jsonify({**services.as_json(job), "notice": _("Stopping after the current message.")})


PER_PAGE = 50


@bp.get("/")
@role_required("viewer")
def job_list():
    """The user's own jobs, newest first (administrators: everybody's)."""
    stmt = select(Job).options(selectinload(Job.started_by)).order_by(Job.created_at.desc(), Job.id.desc())
    everybody = role_at_least(current_user, "admin")
    if not everybody:
        stmt = stmt.where(Job.started_by_id == current_user.id)
    page = db.paginate(stmt, per_page=PER_PAGE, max_per_page=200)
    rows = [(job, services.as_json(job), services.kind_label(job.kind), services.record_link(job))
            for job in page.items]
    return render_template("jobs/list.html", page=page, rows=rows, everybody=everybody)
