"""Who may use the project routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "projects.project_list": ("viewer", "GET"),
    "projects.board": ("viewer", "GET"),
    "projects.project_detail": ("viewer", "GET"),
    "projects.project_history": ("viewer", "GET"),
    "projects.project_create": ("staff", "GET POST"),
    "projects.project_edit": ("staff", "GET POST"),
    "projects.project_status": ("staff", "POST"),
    "projects.project_archive": ("staff", "POST"),
    "projects.project_restore": ("staff", "POST"),
    "projects.contact_add": ("staff", "POST"),
    "projects.contact_remove": ("staff", "POST"),
    "projects.funding_defaults": ("manager", "GET POST"),
    "projects.funding_default_edit": ("manager", "POST"),
    "projects.funding_default_delete": ("manager", "POST"),
}


def url_values(fixture):
    """Records for the URL parameters of these routes; `fixture` gets a pytest fixture by name."""
    from decimal import Decimal

    from crm.extensions import db
    from crm.projects.models import FundingDefault, Project, ProjectContact

    org = fixture("make_org")("Markt Sweepheim", kind="municipality", sector="public", ags="09676199")
    person = fixture("make_person")("Projektsweep", organisation=org)
    project = Project(title="Sweep-Projekt", sponsor_organisation=org)
    contact = ProjectContact(project=project, person=person, role="Ansprechpartner")
    default = FundingDefault(programme="other", project_type="Sweep", rate=Decimal("50"))
    db.session.add_all([project, contact, default])
    db.session.commit()
    return {"project_id": project.id, "contact_id": contact.id, "default_id": default.id}
