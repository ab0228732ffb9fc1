"""Lists filtered by a query show the same rows in the same order on every page, whether the database
sorts the few matches or reads them in list order from an index (search.few_matches decides)."""
import pytest

from crm.contacts import search, services
from crm.contacts.services import ContactFilters
from crm.extensions import db


@pytest.fixture
def region(make_org, make_person):
    """140 persons: Müllers and others, a third of them working in Mülheim (a match through the town)."""
    towns = [make_org(f"Gemeinde {name}", kind="municipality", sector="public", city=name)
             for name in ("Mülheim", "Amorbach", "Wörth")]
    for i in range(140):
        make_person(("Müller", "Bauer", "Müllerschön", "Zöller", "Adam")[i % 5], first_name=f"Kim{i % 9}",
                    organisation=towns[i % 3] if i % 4 else None)
    return towns


def pages(query, model="person"):
    """Ids on pages 1-3 (50 each) of the person or organisation list."""
    list_query = services.person_list_query if model == "person" else services.organisation_list_query
    return [[r.id for r in db.paginate(list_query(query), page=page, per_page=50, error_out=False).items]
            for page in (1, 2, 3)]


@pytest.mark.parametrize("sort", ["name", "city", "updated"])
def test_person_list_by_query_is_the_same_sorted_or_read_in_index_order(region, monkeypatch, sort):
    query = ContactFilters(q="mül", sort=sort)
    assert search.few_matches((search.PERSON,), "mül")
    sorted_here = pages(query)
    monkeypatch.setattr(search, "_COUNT_CAP", 0)  # every query now matches "many": read in index order
    assert not search.few_matches((search.PERSON,), "mül")
    assert pages(query) == sorted_here

    listed = [db.session.get(services.Person, i) for page in sorted_here for i in page]
    assert 50 < len(listed) < 140 and len(sorted_here[2]) == 0
    assert {p.last_name for p in listed} == {"Müller", "Müllerschön", "Bauer", "Zöller", "Adam"}  # Mülheim staff
    keys = {
        "name": lambda p: (p.sort_name, p.id),
        "city": lambda p: (p.sort_city is None, p.sort_city or "", p.sort_name, p.id),
        "updated": lambda p: (-p.updated_at.timestamp(), -p.id),
    }[sort]
    assert listed == sorted(listed, key=keys)


def test_organisation_list_by_query_is_the_same_sorted_or_read_in_index_order(make_org, monkeypatch):
    for i in range(60):
        make_org(f"{('Musikverein', 'Sportverein', 'Musikschule')[i % 3]} {i:02d}", city="Wörth")
    query = ContactFilters(q="musik")
    sorted_here = pages(query, "organisation")
    monkeypatch.setattr(search, "_COUNT_CAP", 0)
    assert pages(query, "organisation") == sorted_here
    names = [db.session.get(services.Organisation, i).name for page in sorted_here for i in page]
    assert len(names) == 40 and names == sorted(names)
