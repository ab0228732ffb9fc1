"""The progress of a background job as JSON (polled by the pages), and "stop"."""
from flask import Blueprint, abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from crm.core.errors import DomainError
from crm.core.permissions import role_required
from crm.extensions import db
from crm.jobs import services
from crm.jobs.models import Job

bp = Blueprint("jobs", __name__, url_prefix="/auftraege")


def _own_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if not services.may_see(job, current_user):
        abort(403)
    return job


@bp.get("/<id:job_id>")
@role_required("viewer")
def progress(job_id: int):
    """{status, done, total, percent, message, finished, interrupted}; only the starter's or an admin's."""
    response = jsonify(services.as_json(_own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<id:job_id>/anhalten")
@role_required("staff")
def stop(job_id: int):
    job = _own_job(job_id)
    try:
        services.request_stop(job)
    except DomainError as error:
        db.session.rollback()
        return jsonify({**services.as_json(job), "error": error.message}), 409
    db.session.commit()
    return jsonify({**services.as_json(job), "notice": _("Stopping after the current message.")})
