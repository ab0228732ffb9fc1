from sqlalchemy import func, select

from crm.contacts.demo import generate_region
from crm.contacts.models import Affiliation, Organisation, Person
from crm.contacts.search import quick_search
from crm.contacts.services import district_of
from crm.extensions import db


def snapshot():
    return db.session.execute(
        select(Person.first_name, Person.last_name, Person.gender, Person.degree).order_by(Person.id)
    ).all()


def test_demo_region_is_realistic(session):
    counts = generate_region(persons=150, seed=7)
    session.commit()
    assert counts["persons"] == 150
    municipalities = session.scalars(select(Organisation).where(Organisation.kind == "municipality")).all()
    assert len(municipalities) == 28
    for m in municipalities:
        assert len(m.ags) == 8 and m.ags[:5] == district_of(m).ags[:5]
        functions = {a.function_name for a in m.current_affiliations}
        assert functions & {"Erster Bürgermeister", "Erste Bürgermeisterin"}, m.name
        assert m.past_affiliations, "a former second mayor keeps the history"
    kinds = set(session.scalars(select(Organisation.kind).distinct()))
    assert {"district", "admin_union", "municipality", "association", "company", "authority", "media",
            "chamber", "federation"} <= kinds
    assert session.scalar(select(func.count()).select_from(Affiliation)) >= 150
    # The search index is filled: the municipality and its mayor are found.
    result = quick_search("kleinw")
    assert result.organisations[0].name == "Markt Kleinwallstadt"
    assert result.persons[0].primary_affiliation.function_name.startswith("Erste")


def test_demo_region_is_deterministic(session):
    generate_region(persons=80, seed=11)
    first = snapshot()
    session.rollback()
    generate_region(persons=80, seed=11)
    assert snapshot() == first


def test_seed_demo_cli(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "seed-demo", "--persons", "200", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "200 Personen" in result.output
    again = runner.invoke(args=["crm", "seed-demo", "--if-empty"])
    assert "Es gibt schon Kontakte; die Demo-Region wurde nicht geladen." in again.output
