"""Who may use the monitoring and report routes (see tests/core/test_routes_by_role.py): viewers read
figures, charts, CSV files and the records behind them; staff write, download and delete reports."""

ROUTES = {
    "reports.monitoring": ("viewer", "GET"),
    "reports.chart_png": ("viewer", "GET"),
    "reports.figure_csv": ("viewer", "GET"),
    "reports.records": ("viewer", "GET"),
    "reports.report_list": ("viewer", "GET"),
    "reports.report_create": ("staff", "GET POST"),
    "reports.report_edit": ("staff", "GET POST"),
    "reports.report_docx": ("staff", "GET POST"),  # POST starts the job, GET leads back to the report
    # the Word job's page and file: the starter's (the page also an administrator's); the sweep's job was
    # started by somebody else (as tests/exports/route_roles.py)
    "reports.job_page": ("admin", "GET"),
    "reports.job_download": ("admin", "GET"),
    "reports.report_delete": ("staff", "POST"),
    # Network picture: everyone logged in reads the graph and the map; only admins replace the shapes.
    "reports_network.graph_page": ("viewer", "GET"),
    "reports_network.graph_data": ("viewer", "GET"),
    "reports_network.map_page": ("viewer", "GET"),
    "reports_network.shapes_upload": ("admin", "GET POST"),
}
PUBLIC = set()


def url_values(fixture):
    """A saved report of one year (deleted by the sweep's first allowed role, after its other routes)."""
    from datetime import date

    from crm.extensions import db
    from crm.jobs.models import Job
    from crm.reports.models import Report

    report = Report(title="Tätigkeitsbericht 2026", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    db.session.add(report)
    db.session.commit()
    owner = fixture("make_user")(role="staff")
    job = Job(kind="report_docx", func_path="crm.reports.jobs.report_job", args=[report.id], backend="inline",
              status="done", started_by_id=owner.id,
              details={"file": "missing", "filename": "Taetigkeitsbericht-2026-01-01-2026-12-31.docx"})
    db.session.add(job)
    db.session.commit()
    return {"report_id": report.id, "chart_key": "activity", "figure_key": "meetings", "record_kind": "meetings",
            "report_job_id": job.id}
