"""Who may use the job routes (see tests/core/test_routes_by_role.py).

A job's progress and "stop" are for the user who started it and for administrators: the sweep's
job was started by somebody else, so below admin every role gets 403 (tests/jobs/test_jobs.py
checks that the starter gets their own)."""

ROUTES = {
    "jobs.job_list": ("viewer", "GET"),  # everybody's own jobs (the sweep's user has none)
    "jobs.progress": ("admin", "GET"),
    "jobs.stop": ("admin", "POST"),
}


def url_values(fixture):
    from crm.extensions import db
    from crm.jobs.models import Job

    owner = fixture("make_user")(role="staff")
    job = Job(kind="sweep", func_path="tests.jobs.functions.count_to", args=[3], backend="inline", status="running",
              started_by_id=owner.id)
    db.session.add(job)
    db.session.commit()
    return {"job_id": job.id}
