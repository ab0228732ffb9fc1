"""Who may use the vCard and export routes (see tests/core/test_routes_by_role.py).

An export job's page and file are the starter's (its page also an administrator's): the sweep's job was
started by somebody else, so below admin every role gets 403, an administrator the page and, for the file,
a redirect to the page (tests/exports/test_jobs.py checks that the starter gets the file)."""

ROUTES = {
    "exports.vcard_person": ("viewer", "GET"),
    "exports.vcard_organisation": ("viewer", "GET"),
    "exports.export_persons": ("staff", "GET POST"),  # POST: a big list's job (the sweep's list is small)
    "exports.export_organisations": ("staff", "GET POST"),
    "exports.job_page": ("admin", "GET"),
    "exports.job_download": ("admin", "GET"),
}


def url_values(fixture):
    from crm.extensions import db
    from crm.jobs.models import Job

    owner = fixture("make_user")(role="staff")
    job = Job(kind="export", func_path="crm.exports.jobs.export_job", args=[{}], backend="inline", status="done",
              started_by_id=owner.id, details={"file": "missing", "filename": "personen.csv", "fmt": "csv"})
    db.session.add(job)
    db.session.commit()
    return {"fmt": "csv", "export_id": job.id}
