"""The person and organisation lists show the same rows in the same order on every page, whether a page
is read in list order from an index (many matches) or the matches are sorted (few; services.MANY)."""
import pytest

from crm.contacts import services
from crm.contacts.models import Organisation, Person, Tag
from crm.contacts.services import ContactFilters
from crm.extensions import db


@pytest.fixture
def region(make_org, make_person, session):
    """140 persons: Müllers and others, most working in Mülheim (a match through the town), Amorbach or a
    company; a tag on every third, a few archived."""
    towns = [make_org(f"Gemeinde {name}", kind="municipality", sector="public", city=name)
             for name in ("Mülheim", "Amorbach")] + [make_org("Weingut Adam", kind="company", sector="economy")]
    press = Tag(name="Presse")
    for i in range(140):
        person = make_person(("Müller", "Bauer", "Müllerschön", "Zöller", "Adam")[i % 5], first_name=f"Kim{i % 9}",
                             organisation=towns[i % 3] if i % 4 else None)
        if i % 3 == 0:
            person.tags.append(press)
        if i % 17 == 0:
            services.archive(person)
    session.commit()
    return press


def pages(list_page, query):
    """The total and the ids on pages 1-3 (50 each)."""
    found = [list_page(query, page=page, per_page=50, error_out=False) for page in (1, 2, 3)]
    assert len({p.total for p in found}) == 1
    return found[0].total, [[r.id for r in p.items] for p in found]


def both_ways(monkeypatch, list_page, query):
    """The same total and pages, read in index order and sorted; the pages."""
    monkeypatch.setattr(services, "MANY", 0)  # every list has "many" matches: read in index order
    walked = pages(list_page, query)
    monkeypatch.setattr(services, "MANY", 10**9)  # every list has "few" matches: collected and sorted
    assert pages(list_page, query) == walked
    return walked


ORDER = {
    "name": lambda p: (p.sort_name, p.id),
    "city": lambda p: (p.sort_city is None, p.sort_city or "", p.sort_name, p.id),
    "updated": lambda p: (-p.updated_at.timestamp(), -p.id),
}


@pytest.mark.parametrize("filters", [{}, {"q": "mül"}, {"tag": True}, {"sector": "public"},
                                     {"archived": "archived"}, {"archived": "all", "q": "adam"},
                                     {"q": "mül kim3"}, {"q": "mül kim3", "archived": "all"}])
def test_person_list_is_the_same_read_in_index_order_or_sorted(region, monkeypatch, filters):
    for sort in ("name", "city", "updated"):
        query = ContactFilters(sort=sort, **{**filters, **({"tag": region.id} if "tag" in filters else {})})
        total, found = both_ways(monkeypatch, services.person_list_page, query)
        listed = [db.session.get(Person, i) for page in found for i in page]
        assert len(listed) == total and total > 0
        assert listed == sorted(listed, key=ORDER[sort]), sort
        assert len(found[0]) == min(total, 50)


def test_a_query_finds_names_and_staff_of_a_town(region, monkeypatch):
    total, found = both_ways(monkeypatch, services.person_list_page, ContactFilters(q="mül"))
    names = {db.session.get(Person, i).last_name for page in found for i in page}
    assert 50 < total < 140 and names == {"Müller", "Müllerschön", "Bauer", "Zöller", "Adam"}


def test_organisation_list_is_the_same_read_in_index_order_or_sorted(make_org, monkeypatch):
    for i in range(60):
        make_org(f"{('Musikverein', 'Sportverein', 'Musikschule')[i % 3]} {i:02d}", city="Wörth")
    for query in (ContactFilters(q="musik"), ContactFilters(), ContactFilters(q="verein", sort="city")):
        total, found = both_ways(monkeypatch, services.organisation_list_page, query)
        names = [db.session.get(Organisation, i).sort_name for page in found for i in page]
        assert len(names) == total and (names == sorted(names) or query.sort == "city")
