"""Project pipeline from idea to done: sponsors, contacts, costs and funding defaults."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def _project_contact_url(contact_id: int) -> str | None:
    from sqlalchemy import select

    from crm.extensions import db
    from crm.projects.models import ProjectContact

    project_id = db.session.scalar(select(ProjectContact.project_id).where(ProjectContact.id == contact_id))
    return url_for("projects.project_detail", project_id=project_id) if project_id else None


def register(registry) -> None:
    from crm.projects import demo, timeline, views
    from crm.projects.models import COOPERATION, PROGRAMMES, PROJECT_STATUSES

    registry.blueprint(views.bp)
    registry.nav("projects.project_list", _l("Projects"), order=40)

    registry.detail_section("person", "projects/_person_section.html", views.person_projects_section, order=40)
    registry.detail_section("organisation", "projects/_organisation_section.html",
                            views.organisation_projects_section, order=40)
    registry.timeline_source("project", timeline.project_status_and_changes)

    # Field names are shared by every record type: keep the project's wording generic ("Title", "Status").
    registry.labels(
        entities={"project": _l("Project"), "project_contact": _l("Project contact"),
                  "funding_default": _l("Funding default"), "project_field": _l("Fields of action of a project")},
        decimal_fields={"total_cost", "eligible_cost", "funding_rate", "funding_amount", "rate", "max_amount"},
        fields={
            "title": _l("Title"), "description": _l("Description"), "status": _l("Status"),
            "programme": _l("Programme"), "project_type": _l("Project type"), "cooperation": _l("Cooperation project"),
            "sponsor_person_id": _l("Sponsor (person)"), "sponsor_organisation_id": _l("Sponsor (organisation)"),
            "total_cost": _l("Total cost"), "eligible_cost": _l("Eligible cost"), "funding_rate": _l("Funding rate"),
            "funding_amount": _l("Funding amount"), "start_date": _l("Start date"), "end_date": _l("End date"),
            "selected_on": _l("Selected by the LAG on"), "approved_on": _l("Approved on"),
            "project_id": _l("Project"), "rate": _l("Default rate"), "max_amount": _l("Cap per project"),
        },
        values={
            "project.status": PROJECT_STATUSES,
            "project.programme": PROGRAMMES,
            "project.cooperation": {k: v for k, v in COOPERATION.items() if k},
            "funding_default.programme": PROGRAMMES,
        },
        record_urls={
            "project": lambda i: url_for("projects.project_detail", project_id=i),
            "project_contact": _project_contact_url,
            "funding_default": lambda i: url_for("projects.funding_defaults"),
        },
    )
    registry.demo_data(demo.generate_projects, order=40)
