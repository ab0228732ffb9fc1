"""A person's timeline among many interactions of others: the person page shows their own, newest first,
and reads them from the link table, not by walking every interaction in date order (on SQLite a
correlated EXISTS did that: 1.3 s per person page at 500,000 interactions)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from crm.extensions import db
from crm.interactions import services
from crm.interactions.models import Interaction, interaction_organisation, interaction_person

OTHERS = 2_000


def _bulk_interactions(person_ids, org_id, start):
    now = datetime.now(timezone.utc)
    rows = [{"occurred_at": start + timedelta(hours=i), "kind": "phone", "subject": f"Gespräch {i}",
             "results": "", "version": 1, "created_at": now, "updated_at": now} for i in range(OTHERS)]
    db.session.execute(insert(Interaction), rows)
    ids = db.session.scalars(db.select(Interaction.id).order_by(Interaction.id)).all()
    db.session.execute(insert(interaction_person),
                       [{"interaction_id": i, "person_id": person_ids[n % len(person_ids)]} for n, i in enumerate(ids)])
    db.session.execute(insert(interaction_organisation), [{"interaction_id": i, "organisation_id": org_id} for i in ids])


def test_the_timeline_of_one_person_among_thousands_of_interactions(client, login, make_person, make_org):
    login("viewer")
    town = make_org("Markt Kleinwallstadt", kind="municipality", sector="public")
    quiet = make_org("Heimatverein Hofstetten")
    others = [make_person(last_name=f"Andere{i}", organisation=town) for i in range(5)]
    _bulk_interactions([p.id for p in others], town.id, datetime(2025, 1, 1, 8, tzinfo=timezone.utc))
    erika = make_person(last_name="Heß", organisation=quiet)
    for day, subject in ((3, "Dorfladen Kleinwallstadt"), (9, "Förderantrag Streuobst"), (5, "Ehrenamtsbörse")):
        interaction = Interaction(occurred_at=datetime(2026, 11, day, 9, tzinfo=timezone.utc), kind="talk",
                                  subject=subject, results="")
        interaction.persons.append(erika)
        interaction.organisations.append(quiet)
        db.session.add(interaction)
    db.session.commit()

    interactions, _tasks = services.interactions_and_tasks_of("person", erika.id)
    assert [i.subject for i in interactions] == ["Förderantrag Streuobst", "Ehrenamtsbörse", "Dorfladen Kleinwallstadt"]
    interactions, _tasks = services.interactions_and_tasks_of("organisation", quiet.id)
    assert len(interactions) == 3
    busy, _tasks = services.interactions_and_tasks_of("organisation", town.id)
    assert len(busy) == 50 and busy[0].subject == f"Gespräch {OTHERS - 1}"  # the newest 50 of 2,000
    page = client.get(f"/personen/{erika.id}").get_data(as_text=True)
    assert page.index("Förderantrag Streuobst") < page.index("Ehrenamtsbörse") < page.index("Dorfladen Kleinwallstadt")
    assert "Gespräch 1" not in page

    if db.engine.dialect.name == "sqlite":
        # The plan: the person's interactions found through the link table, the interaction table never
        # scanned (a scan in date order was the slow plan).
        statement = services._timeline_statement("person", 50)
        compiled = statement.compile(db.engine)
        values = compiled.construct_params({"record_id": erika.id})
        parameters = tuple(values[name] for name in compiled.positiontup)
        rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, parameters)
        plan = " | ".join(row[-1] for row in rows)
        assert "SCAN interaction " not in plan + " " and "interaction_person" in plan, plan
