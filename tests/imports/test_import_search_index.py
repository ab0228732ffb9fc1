"""The import writes the search tokens and the list's city sort key of the persons it creates from
the values it inserted (no reading back). They must be exactly what a rebuild from the database
gives, or a new person would be found by other words than an edited one."""
from sqlalchemy import select

from crm.contacts.models import Person, Tag
from crm.contacts.search import PERSON, SearchToken, quick_search, reindex_persons
from crm.extensions import db
from tests.imports.listgen import csv_bytes, make_rows, seed_contacts


def tokens_of(person_ids) -> set[tuple]:
    t = SearchToken.__table__.c
    return set(db.session.execute(select(t.kind, t.entity_id, t.token, t.rank).where(t.entity_id.in_(person_ids),
                                                                                 t.kind.like("p%"))).all())


def sort_cities(person_ids) -> dict[int, str | None]:
    return dict(db.session.execute(select(Person.id, Person.sort_city).where(Person.id.in_(person_ids))).all())


def test_new_persons_get_the_tokens_and_sort_key_a_rebuild_gives(run_import, make_function, session):
    seed_contacts(session)
    # key functions rank the organisation higher; gendered titles; a tag that exists already
    make_function("Geschäftsführer", "Geschäftsführerin", key=True)
    make_function("Vorsitzender", "Vorsitzende")
    session.add(Tag(name="Newsletter"))
    session.commit()
    batch = run_import("liste.csv", csv_bytes(make_rows(140)))
    created = sorted(batch.created_persons.values())
    assert len(created) > 100
    written, cities = tokens_of(created), sort_cities(created)
    assert {kind for kind, *_ in written} == {PERSON}
    assert any(city for city in cities.values())
    reindex_persons(db.session.connection(), created)  # the rebuild from what the database holds
    assert tokens_of(created) == written
    assert sort_cities(created) == cities
    # and the quick search finds a new person by organisation and function
    row = next(r for r in make_rows(140) if r[4] == "Geschäftsführer" and r[5] and r[3] != "Hess")
    found = quick_search(f"{row[3]} {row[5].split()[0]}").persons
    assert any(p.id in created for p in found)
