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
    monkeypatch.setattr(services, "SEARCH_IDS", 0)  # a search's matches too
    walked = pages(list_page, query)
    monkeypatch.setattr(services, "MANY", 10**9)  # every list has "few" matches: collected and sorted
    monkeypatch.setattr(services, "SEARCH_IDS", 10**9)
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


@pytest.mark.parametrize("extra", [{}, {"kind": "company"}, {"q": "kim1"}, {"sort": "city"}, {"archived": "all"}])
def test_a_municipality_lists_the_staff_of_the_town_its_organisations_and_those_under_it(
        make_org, make_person, monkeypatch, extra):
    """?municipality= lists the persons with a current function at the municipality itself, at an organisation
    in it (its municipality) or under it (its parent); not those of another town, nor a function that has ended."""
    from datetime import date

    town, other = (make_org(f"Gemeinde {name}", kind="municipality", sector="public") for name in ("Sulzbach", "Leidersbach"))
    firm = make_org("Weingut Sulzbach", kind="company", sector="economy", municipality=town)
    school = make_org("Grundschule Sulzbach", kind="education", sector="public", parent=town)
    elsewhere = make_org("Weingut Leidersbach", kind="company", sector="economy", municipality=other)
    places = {"town": town, "firm": firm, "school": school, "elsewhere": elsewhere, "none": None}
    expected = set()
    for i in range(120):
        place = list(places)[i % 5]
        ended = i % 7 == 0
        person = make_person(f"Person{i:03d}", first_name=f"Kim{i % 3}", organisation=places[place],
                             valid_to=date(2021, 1, 1) if ended else None)
        if i % 11 == 0:
            services.archive(person)
        if place in ("town", "firm", "school") and not ended:
            kind_ok = extra.get("kind") in (None, places[place].kind)
            q_ok = extra.get("q") is None or person.first_name == "Kim1"
            archived_ok = extra.get("archived") == "all" or person.archived_at is None
            if kind_ok and q_ok and archived_ok:
                expected.add(person.id)
    db.session.commit()
    total, found = both_ways(monkeypatch, services.person_list_page, ContactFilters(municipality=town.id, **extra))
    assert total == len(expected) > 0
    assert {i for page in found for i in page} == expected
    # the other town lists the staff of the organisation in it, as does that organisation's own id
    staff_elsewhere = {p.id for p in db.session.scalars(db.select(Person).where(
        Person.last_name.in_([f"Person{i:03d}" for i in range(3, 120, 5) if i % 7 and i % 11])))}
    for place in (other, elsewhere):
        page = services.person_list_page(ContactFilters(municipality=place.id), page=1, per_page=50)
        assert {p.id for p in page.items} == staff_elsewhere and page.total == len(staff_elsewhere) > 0


def test_organisation_list_is_the_same_read_in_index_order_or_sorted(make_org, monkeypatch):
    for i in range(60):
        make_org(f"{('Musikverein', 'Sportverein', 'Musikschule')[i % 3]} {i:02d}", city="Wörth")
    for query in (ContactFilters(q="musik"), ContactFilters(), ContactFilters(q="verein", sort="city")):
        total, found = both_ways(monkeypatch, services.organisation_list_page, query)
        names = [db.session.get(Organisation, i).sort_name for page in found for i in page]
        assert len(names) == total and (names == sorted(names) or query.sort == "city")


def _badge(html: str) -> str:
    return html.split('<span class="badge text-bg-light fs-6">', 1)[1].split("</span>", 1)[0]


@pytest.mark.parametrize("filters", [{}, {"q": "mül"}, {"sector": "public"}, {"archived": "all", "q": "adam"}])
def test_a_long_list_counts_up_to_the_cap_and_says_more_than(region, monkeypatch, filters):
    """Above services.COUNT_CAP the list shows "more than" the cap; its pages stay the same."""
    exact = [services.person_list_page(ContactFilters(**filters), page=n, per_page=30) for n in (1, 2)]
    assert exact[0].more_than is None and exact[0].total > 40
    monkeypatch.setattr(services, "COUNT_CAP", 40)
    capped = [services.person_list_page(ContactFilters(**filters), page=n, per_page=30) for n in (1, 2)]
    assert capped[0].more_than == 40 and capped[0].total == 41 and capped[0].pages == 2
    assert [[p.id for p in page.items] for page in capped] == [[p.id for p in page.items] for page in exact]


def test_the_person_list_says_more_than_the_cap_in_german(region, monkeypatch, client, login):
    login("viewer")
    html = client.get("/personen").get_data(as_text=True)
    total = db.session.scalar(db.select(db.func.count()).select_from(Person).where(Person.archived_at.is_(None)))
    assert _badge(html) == str(total) and "mehr als" not in html
    monkeypatch.setattr(services, "COUNT_CAP", 100)
    html = client.get("/personen").get_data(as_text=True)
    assert _badge(html) == "mehr als 100"
    assert "?page=3" in html and "?page=4" not in html  # 101 counted: three pages of 50
    login("staff")
    html = client.get("/personen?q=m%C3%BCl").get_data(as_text=True)
    assert _badge(html) == str(services.person_list_page(ContactFilters(q="mül"), page=1, per_page=50).total)
    monkeypatch.setattr(services, "COUNT_CAP", 10_000)
    many = services.person_list_page(ContactFilters(), page=1, per_page=50)
    many.more_than, many.total = 10_000, 10_001  # what a list of more than 10,000 persons carries
    with client.application.test_request_context("/personen"):
        from flask import render_template

        from crm.contacts.views import _filter_options
        from crm.core import formatting  # noqa: F401  (filters registered with the app)
        html = render_template("contacts/person_list.html", page=many, filters=ContactFilters(), **_filter_options())
    assert _badge(html) == "mehr als 10.000"
