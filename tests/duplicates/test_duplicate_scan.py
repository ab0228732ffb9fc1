"""Issue 8.9: one search covers persons and organisations; no pair is listed twice in effect."""
from sqlalchemy import select

from crm.duplicates.models import DuplicatePair
from crm.extensions import db
from crm.interop.dedupe import Match, drop_echo_pairs


def test_search_again_on_persons_also_searches_organisations(client, login, make_org, make_person):
    login("staff")
    make_person("Schmitt", "Anna", email="anna@example.org")
    make_person("Schmidt", "Anna", email="anna@example.org")
    make_org("Heimatverein Wörth e.V.", email="info@hv-woerth.de")
    make_org("Heimatverein Woerth", email="info@hv-woerth.de")
    page = client.get("/duplikate?kind=organisation").get_data(as_text=True)
    assert "Noch nicht gesucht" in page
    response = client.post("/duplikate/suchen", data={"kind": "person"}, follow_redirects=True)
    assert "1 Personen, 1 Organisationen" in response.get_data(as_text=True)
    page = client.get("/duplikate?kind=organisation").get_data(as_text=True)
    assert "Noch nicht gesucht" not in page
    assert "Heimatverein Woerth" in page


def test_a_search_that_finds_nothing_still_counts_as_done(client, login, make_org):
    login("staff")
    make_org("Feuerwehr Eschau")
    client.post("/duplikate/suchen", data={"kind": "organisation"})
    page = client.get("/duplikate?kind=organisation").get_data(as_text=True)
    assert "Noch nicht gesucht" not in page
    assert "Keine möglichen Dubletten gefunden" in page


def test_an_organisation_listed_twice_does_not_double_its_pairs(client, login, make_org):
    """Two identical records B, B' and a similar A: A-B is listed, A-B' would read the same."""
    login("staff")
    erlenbach = make_org("Heimat- und Geschichtsverein Erlenbach", email="hgv@example.org")
    woerth = make_org("Heimat- und Geschichtsverein Wörth", email="hgv@example.org")
    woerth2 = make_org("Heimat- und Geschichtsverein Wörth", email="hgv@example.org")
    client.post("/duplikate/suchen", data={"kind": "organisation"})
    pairs = {(p.a_id, p.b_id) for p in db.session.scalars(select(DuplicatePair).where(
        DuplicatePair.kind == "organisation"))}
    assert (woerth.id, woerth2.id) in pairs
    assert len([p for p in pairs if erlenbach.id in p]) == 1
    assert len(pairs) == 2


def test_drop_echo_pairs_keeps_pairs_of_different_records():
    matches = [Match(1, 2, 100, []), Match(3, 1, 85, []), Match(3, 2, 85, []), Match(4, 5, 80, []),
               Match(4, 6, 75, []), Match(5, 6, 70, [])]
    kept = [(m.a, m.b) for m in drop_echo_pairs(matches)]
    assert kept == [(1, 2), (3, 1), (4, 5), (4, 6), (5, 6)]
