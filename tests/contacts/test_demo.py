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


def test_demo_region_next_to_existing_contacts_links_its_own_rows(session, make_org, make_person):
    """The generated ids are kept (functions point at the generated persons), also when the database's
    id sequence has moved past the highest id; the stored city sort key is what the index would store."""
    from crm.contacts.search import reindex_persons

    kept = make_person("Vorher", organisation=make_org("Alter Verein", city="Amorbach"))
    for person in [make_person(f"Weg{i}") for i in range(3)]:
        session.delete(person)
    session.commit()
    generate_region(persons=150, seed=5)
    session.commit()
    persons = session.scalars(select(Person).where(Person.id > kept.id)).all()
    assert len(persons) == 150
    mayors = [p for p in persons if any(a.function_name.startswith("Erste") for a in p.current_affiliations)]
    assert len(mayors) == 28 and all(p.primary_affiliation.organisation.kind == "municipality" for p in mayors)
    stored = {p.id: p.sort_city for p in persons}
    reindex_persons(session.connection(), list(stored))
    session.expire_all()
    assert {p.id: p.sort_city for p in session.scalars(select(Person).where(Person.id > kept.id))} == stored
    assert sum(1 for city in stored.values() if city) > 120
    assert quick_search("Vorher").persons == [kept]
