from sqlalchemy import select

from crm.contacts.demo import generate_region
from crm.core.timeline import timeline_for
from crm.extensions import db
from crm.projects.demo import generate_projects
from crm.projects.models import PROJECT_STATUSES, FundingDefault, Project


def snapshot():
    return db.session.execute(
        select(Project.title, Project.status, Project.sponsor_person_id, Project.sponsor_organisation_id,
               Project.funding_amount, Project.selected_on).order_by(Project.title)
    ).all()


def test_demo_projects_fill_the_pipeline(session):
    generate_region(persons=150, seed=3)
    counts = generate_projects(seed=1)
    session.commit()
    assert 8 <= counts["projects"] <= 10 and counts["contacts"] >= 5
    projects = session.scalars(select(Project)).all()
    assert set(PROJECT_STATUSES) == {p.status for p in projects}
    shop = next(p for p in projects if p.title == "Dorfladen Kleinwallstadt")
    assert shop.sponsor_organisation.name == "Markt Kleinwallstadt" and shop.status == "advice"
    assert [f.name for f in shop.fields_of_action] == ["Daseinsvorsorge"]
    assert any("Bürgermeister" in c.person.primary_affiliation.function_name for c in shop.contacts)
    assert shop.funding_amount == 200000  # 60 % of 350,000, capped at 200,000
    assert any(p.sponsor_person is not None for p in projects)
    assert session.scalar(select(FundingDefault).where(FundingDefault.programme == "ile_regionalbudget")).rate == 80
    # the timeline shows the back-dated steps
    approved = next(p for p in projects if p.status == "approved")
    steps = [e.title for e in timeline_for("project", approved) if e.kind == "status"]
    assert len(steps) == 5  # created + four steps (idea → advice → selected → applied → approved)
    assert all("→" in title for title in steps[:4]) and "→" not in steps[4]  # newest first, creation last
    # running it again adds nothing
    assert generate_projects(seed=1)["projects"] == 0


def test_demo_projects_are_deterministic(session):
    generate_region(persons=80, seed=11)
    generate_projects(seed=5)
    first = snapshot()
    session.rollback()
    generate_region(persons=80, seed=11)
    generate_projects(seed=5)
    assert snapshot() == first


def test_demo_projects_without_a_region_have_no_sponsors(session):
    generate_projects(seed=1)
    assert all(p.sponsor_organisation is None for p in session.scalars(select(Project)))
