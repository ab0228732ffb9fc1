"""Reports (issue 18): the monitoring page with figures and charts over time and by field of action,
each figure with its records and a CSV file, the activity report (Tätigkeitsbericht) as Word, and the
network picture (who works with whom, the municipalities on a map)."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.reports import demo, jobs, models, municipality_map, network_views, views

    registry.blueprint(views.bp)
    registry.blueprint(network_views.bp)
    registry.nav("reports.monitoring", _l("Monitoring"), order=70, prefix="reports.", menu="more")
    registry.nav("reports_network.graph_page", _l("Network picture"), order=85, menu="more",
                 prefix="reports_network.")
    registry.demo_data(demo.generate_report, order=99)
    # After the contacts (the municipalities and their AGS).
    registry.demo_data(municipality_map.generate_demo_shapes, order=99)
    registry.labels(
        entities={"activity_report": _l("Activity report"), "municipality_map": _l("Municipality map")},
        fields={"activity_report.title": _l("Title"), "activity_report.period_start": _l("From"),
                "activity_report.period_end": _l("To"), "activity_report.field_of_action_id": _l("Field of action"),
                "activity_report.introduction": _l("Introduction"), "activity_report.outlook": _l("Outlook"),
                "activity_report.created_by_id": _l("Created by"),
                "filename": _l("File name"), "feature_count": _l("Shapes in the file"),
                "matched_count": _l("Shapes matched to a municipality"), "uploaded_by_id": _l("Uploaded by")},
        values={"job.kind": {jobs.KIND: _l("Activity report (Word)")}},
        record_urls={"activity_report": lambda i: url_for("reports.report_edit", report_id=i),
                     jobs.RECORD: lambda i: url_for("reports.job_page", report_job_id=i)},
    )
    _ = models
