"""The quick search and the list search do not give away confidential fields: a viewer does not find a
person by the private phone, mobile, e-mail or city (nor by the confidential notes, which are not indexed
at all); staff find a caller by the private number. What everyone sees (name, business data of a
function, the organisation) stays findable for everyone, even where the same word is also private."""
import pytest

from crm.contacts.search import RANK_PRIVATE, quick_search
from crm.extensions import db

NEEDLES = {
    "private phone": "06022 918273",
    "private mobile": "+49 170 5550199",
    "private e-mail": "hannelore.privat@example.net",
    "private city": "Mömlingen",
}


@pytest.fixture
def region(make_org, make_person, make_function):
    club = make_org("Heimatverein Sulzbach", city="Sulzbach", email="info@heimat-sulzbach.de")
    person = make_person("Bräuninger", "Hannelore", organisation=club, function=make_function(),
                         phone="06022 918273", mobile="+49 170 5550199", email="hannelore.privat@example.net",
                         street="Lindenweg 4", postcode="63853", city="Mömlingen",
                         confidential_notes="Schwerhörig, bitte laut sprechen")
    # 139 others, so the search has something to tell apart
    for i in range(139):
        make_person(f"Nachbar{i:03d}", "Otto", gender="male", city="Obernburg", phone=f"06022 5{i:05d}")
    # another person who has Mömlingen as the city of her function (business data): findable for all
    town = make_org("Gemeinde Mömlingen", kind="municipality", sector="public", city="Mömlingen")
    clerk = make_person("Amtmann", "Gisela", organisation=town, function=make_function("Sachbearbeiter",
                                                                                       "Sachbearbeiterin"))
    db.session.commit()
    return {"person": person, "clerk": clerk}


def _quick(client, query) -> set[str]:
    data = client.get("/suche/schnell", query_string={"q": query}).get_json()
    return {p["label"] for p in data["persons"]}


def _list(client, query) -> str:
    return client.get("/personen", query_string={"q": query}).get_data(as_text=True)


@pytest.mark.parametrize("field", sorted(NEEDLES))
def test_viewer_does_not_find_by_confidential_fields(region, client, login, field):
    login("viewer")
    needle = NEEDLES[field]
    assert "Hannelore Bräuninger" not in _quick(client, needle)
    assert "Bräuninger" not in _list(client, needle)
    assert "Bräuninger" not in client.get("/suche", query_string={"q": needle}).get_data(as_text=True)
    assert "Hannelore Bräuninger" in _quick(client, "Bräuninger Sulzbach")  # name and club: yes


@pytest.mark.parametrize("field", sorted(NEEDLES))
def test_staff_find_by_confidential_fields(region, client, login, field):
    login("staff")
    assert "Hannelore Bräuninger" in _quick(client, NEEDLES[field])
    assert "Bräuninger" in _list(client, NEEDLES[field])


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_confidential_notes_are_not_searchable_for_anyone(region, client, login, role):
    login(role)
    assert _quick(client, "Schwerhörig") == set()
    assert "Hannelore Bräuninger" in _quick(client, "Hannelore")


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_business_city_stays_findable_for_viewers(region, client, login, role):
    login(role)
    found = _quick(client, "Mömlingen")
    assert "Gisela Amtmann" in found
    assert ("Hannelore Bräuninger" in found) == (role == "staff")


def test_private_words_are_ranked_private(region):
    from sqlalchemy import select

    from crm.contacts.search import SearchToken

    ranks = dict(db.session.execute(select(SearchToken.token, SearchToken.rank).where(
        SearchToken.entity_id == region["person"].id, SearchToken.kind == "p")).all())
    assert ranks["06022918273"] == ranks["491705550199"] == ranks["momlingen"] == RANK_PRIVATE
    assert ranks["brauninger"] == 0 and ranks["sulzbach"] < RANK_PRIVATE
    assert "schwerhorig" not in ranks
    assert quick_search("918273").persons == []  # a prefix needs the start of the number
