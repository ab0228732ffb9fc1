from datetime import date

import pytest

from crm.contacts.models import Tag
from crm.contacts.search import query_words, quick_search
from crm.contacts.services import archive


@pytest.fixture
def region(make_org, make_person, make_function):
    mayor = make_function("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin", key=True)
    clerk = make_function("Sachbearbeiter", "Sachbearbeiterin")
    kw = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", city="Kleinwallstadt",
                  email="info@kleinwallstadt.de", phone="+49 6022 26940")
    els = make_org("Markt Elsenfeld", kind="municipality", sector="public", city="Elsenfeld")
    people = {
        "clerk": make_person("Albrecht", "Anna", organisation=kw, function=clerk),
        "mayor": make_person("Zöller", "Thomas", gender="male", organisation=kw, function=mayor,
                             email="t.zoeller@example.de", mobile="+49 171 5551234"),
        "mueller": make_person("Müller", "Jürgen", gender="male", organisation=els, function=clerk),
        "mueller2": make_person("Mueller", "Hans", gender="male"),
        "other": make_person("Schmidt", "Petra", city="Obernburg"),
    }
    return {"kw": kw, "els": els, **people}


def names(result):
    return [p.last_name for p in result.persons]


@pytest.mark.parametrize("query", ["Müller", "Mueller", "Muller", "müll", "MUEL", "mu"])
def test_umlaut_spellings_find_both_muellers(region, query):
    assert set(names(quick_search(query))) == {"Müller", "Mueller"}


def test_prefix_of_a_municipality_finds_it_and_its_people_office_holder_first(region):
    result = quick_search("kleinw")
    assert [o.name for o in result.organisations] == ["Markt Kleinwallstadt"]
    assert names(result)[:2] == ["Zöller", "Albrecht"]  # the mayor before the clerk


def test_all_words_must_match(region):
    assert names(quick_search("jürgen müller")) == ["Müller"]
    assert names(quick_search("hans muel")) == ["Mueller"]
    assert names(quick_search("jürgen schmidt")) == []


def test_function_email_phone_and_city_are_searchable(region):
    assert names(quick_search("bürgermeister")) == ["Zöller"]
    assert names(quick_search("t.zoeller@ex")) == ["Zöller"]
    assert names(quick_search("0171 555")) == ["Zöller"]
    assert names(quick_search("+49 171 5551")) == ["Zöller"]
    assert names(quick_search("obernburg")) == ["Schmidt"]
    assert [o.name for o in quick_search("06022 2694").organisations] == ["Markt Kleinwallstadt"]


def test_no_match_and_empty_query(region):
    result = quick_search("xyzzy")
    assert result.persons == [] and result.organisations == []
    assert quick_search("  ,; ").persons == []


def test_tags_are_searchable_after_being_added(region, session):
    person = region["other"]
    person.tags.append(Tag(name="Dorfladen"))
    session.commit()
    assert names(quick_search("dorfl")) == ["Schmidt"]


def test_renaming_an_organisation_updates_its_people(region, session):
    region["els"].name = "Markt Elsenfeld-Rück"
    session.commit()
    assert names(quick_search("rück")) == ["Müller"]


def test_archived_and_ended_do_not_match(region, session):
    archive(region["mueller2"])
    session.commit()
    assert names(quick_search("mueller")) == ["Müller"]
    clerk_aff = region["clerk"].affiliations[0]
    clerk_aff.valid_to = date(2021, 1, 1)
    session.commit()
    assert "Albrecht" not in names(quick_search("kleinwallstadt"))


def test_limit_reports_more(make_person):
    for i in range(5):
        make_person(f"Weber{i}", "Eva")
    result = quick_search("weber", limit=3)
    assert len(result.persons) == 3 and result.more_persons


def test_query_words_join_digit_groups_and_put_longest_first():
    assert query_words("06022 1234") == ["060221234"]
    assert query_words("an Müller") == ["muller", "an"]


def test_quick_search_endpoint_groups_results(region, client, login):
    login("viewer")
    data = client.get("/suche/schnell?q=kleinw").get_json()
    assert data["organisations"][0]["label"] == "Markt Kleinwallstadt"
    assert data["persons"][0]["label"] == "Thomas Zöller"
    assert data["persons"][0]["detail"] == "Erster Bürgermeister · Markt Kleinwallstadt"
    assert data["persons"][0]["url"] == f"/personen/{region['mayor'].id}"


def test_search_page_without_javascript(region, client, login):
    login("viewer")
    html = client.get("/suche?q=Mueller").get_data(as_text=True)
    assert "Jürgen Müller" in html and "Hans Mueller" in html


@pytest.mark.parametrize("query", ["ma", "mar", "markt", "k", "sach", "zz"])
def test_a_broad_word_is_read_rank_by_rank_with_the_same_result(make_org, make_person, make_function, monkeypatch,
                                                                 login, query):
    """One word matching many tokens of a rank is read rank by rank (search._top_by_rank): the same
    persons in the same order as the one sorted query, for an office worker (confidential words too)."""
    from crm.contacts import search

    mayor = make_function("Bürgermeister", "Bürgermeisterin", key=True)
    clerk = make_function("Sachbearbeiter", "Sachbearbeiterin")
    towns = [make_org(f"Markt {name}", kind="municipality", sector="public", city=name)
             for name in ("Kleinwallstadt", "Mömlingen", "Marktheidenfeld")]
    for i in range(140):
        make_person(("Maier", "Martin", "Kunz", "Marx", "Koch", "Mannheimer", "Zorn")[i % 7],
                    first_name=("Maria", "Klaus", "Mathias", "Karin")[i % 4],
                    organisation=towns[i % 3] if i % 5 else None, function=mayor if i % 11 == 0 else clerk,
                    city="Marktheidenfeld" if i % 6 == 0 else "")
    login("staff")
    for visible in (True, False):
        monkeypatch.setattr(search, "private_visible", lambda v=visible: v)
        monkeypatch.setattr(search, "_FEW_IN_RANK", 10**9)  # every rank few: the one sorted query
        sorted_once = [p.id for p in quick_search(query).persons], search.top_matches("p", [query], 30)
        monkeypatch.setattr(search, "_FEW_IN_RANK", 3)  # every rank with matches is "many": rank by rank
        assert search._top_by_rank("p", query, 30) is not None or query == "zz"
        assert ([p.id for p in quick_search(query).persons], search.top_matches("p", [query], 30)) == sorted_once
        assert len(sorted_once[1]) == (0 if query == "zz" else 30)


@pytest.mark.parametrize("query, statements", [
    ("kleinw", 3),  # the counts of both kinds, the persons with their functions, the organisations
    ("jürgen", 2),  # no organisation matches: the counts, the persons with their functions
    ("xyzzy", 1),  # nothing matches: the counts alone
])
def test_a_one_word_quick_search_runs_few_statements(region, count_queries, query, statements):
    """Every statement costs a round trip (about a millisecond on PostgreSQL): the rank counts of persons
    and organisations come in one, a kind without matches costs nothing more, persons come with their functions."""
    with count_queries.recording() as recorded:
        result = quick_search(query)
        shown = [(p.last_name, [(a.organisation.name, a.function.name_male) for a in p.affiliations])
                 for p in result.persons]  # what the drop-down shows, no further query
    assert len([s for s in recorded if s.startswith("SELECT")]) == statements  # the tests' SAVEPOINTs aside
    if query == "kleinw":
        assert shown[:2] == [("Zöller", [("Markt Kleinwallstadt", "Erster Bürgermeister")]),
                             ("Albrecht", [("Markt Kleinwallstadt", "Sachbearbeiter")])]
        assert [o.name for o in result.organisations] == ["Markt Kleinwallstadt"]


def test_the_persons_of_a_quick_search_are_read_by_key_with_their_functions(region, session):
    """The drop-down's persons come with their functions in one statement. On SQLite that statement must
    read the few found persons by key and then their functions: a nested "LEFT OUTER JOIN (affiliation JOIN
    organisation)" made it work out every function of every person first (4.7 s at 100,000 persons)."""
    from crm.contacts import search
    from crm.contacts.models import Person
    from crm.extensions import db

    found = quick_search("müller")
    assert "Müller" in {p.last_name for p in found.persons}
    if db.engine.dialect.name == "sqlite":
        statement = search._few_top_statement(search.PERSON, Person, 9, True)
        compiled = statement.compile(db.engine)
        values = compiled.construct_params(search._word_range("muller"))
        parameters = tuple(values[name] for name in compiled.positiontup)
        plan = [row[-1] for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string,
                                                                            parameters)]
        assert not any(step.startswith("SCAN") and "anon" not in step for step in plan), plan
