"""Rough edges of daily use in the contact database (issue 9, items 11, 12, 13, 15, 17, 18)."""
import csv
import io
import re
from datetime import date

import pytest

from crm.contacts import services
from crm.contacts.models import Organisation, Person
from crm.contacts.search import quick_search
from crm.core.errors import DomainError
from crm.core.formatting import display_phone, normalise_phone
from crm.extensions import db


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def feedback_after(html: str, field_id: str) -> str:
    """The error messages shown under one field."""
    part = html.split(f'id="{field_id}"', 1)[1]
    return " ".join(re.findall(r'invalid-feedback d-block">([^<]*)<', part.split('class="mb-3', 1)[0]))


def rows_of(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


# ------------------------------------------------------------------ 11: sort by city


def test_person_list_sorts_by_the_city_it_shows(client, login, make_org, make_person):
    aschaffenburg = make_org("Stadt Aschaffenburg", kind="municipality", sector="public", city="Aschaffenburg")
    woerth = make_org("Stadt Wörth a.Main", kind="municipality", sector="public", city="Wörth a.Main")
    miltenberg = make_org("Landratsamt Miltenberg", kind="authority", sector="public", city="Miltenberg")
    make_person("Adler", organisation=woerth)                # Wörth (from the organisation)
    make_person("Bauer", organisation=aschaffenburg)         # Aschaffenburg
    make_person("Christ", city="Klingenberg")                # Klingenberg (own address)
    make_person("Dorn")                                      # no city: last
    make_person("Eck", organisation=miltenberg, city="Erlenbach")  # own city wins, as shown
    login("staff")

    html = client.get("/personen?sort=city").get_data(as_text=True)
    order = re.findall(r'/personen/\d+">(\w+)', rows_of(html))
    assert order == ["Bauer", "Eck", "Christ", "Adler", "Dorn"]
    cities = re.findall(r"<td>([^<]*)</td>\s*</tr>", rows_of(html))
    assert cities == ["Aschaffenburg", "Erlenbach", "Klingenberg", "Wörth a.Main", ""]

    # a viewer does not see the private city (confidential): the organisation's, or nothing
    client.post("/abmelden")
    login("viewer")
    html = client.get("/personen?sort=city").get_data(as_text=True)
    cities = re.findall(r"<td>([^<]*)</td>\s*</tr>", rows_of(html))
    assert cities == ["Aschaffenburg", "Miltenberg", "", "Wörth a.Main", ""]


def test_city_sort_follows_a_moved_organisation_and_an_ended_function(client, login, make_org, make_person, session):
    verein = make_org("Heimatverein", city="Zell")
    other = make_org("Sportverein", city="Amorbach")
    zoe = make_person("Zoe", organisation=verein)
    make_person("Yannick", organisation=other)
    login("viewer")
    assert re.findall(r'/personen/\d+">(\w+)', rows_of(client.get("/personen?sort=city").get_data(as_text=True))) == [
        "Yannick", "Zoe"]
    verein.city = "Alzenau"
    session.commit()
    assert re.findall(r'/personen/\d+">(\w+)', rows_of(client.get("/personen?sort=city").get_data(as_text=True))) == [
        "Zoe", "Yannick"]
    services.end_affiliation(zoe.affiliations[0], date(2024, 1, 1))
    session.commit()
    assert re.findall(r'/personen/\d+">(\w+)', rows_of(client.get("/personen?sort=city").get_data(as_text=True))) == [
        "Yannick", "Zoe"]  # no current function, no city: last


# ------------------------------------------------------------------ 12: AGS and look-alikes


def org_data(**overrides):
    data = {"name": "Markt Mömlingen", "kind": "municipality", "sector": "public", "ags": "09676141",
            "parent_id": 0, "municipality_id": 0, "country": "DE", "city": "Mömlingen"}
    data.update(overrides)
    return data


def test_a_second_municipality_with_the_same_ags_is_refused(client, login, make_org):
    make_org("Markt Mömlingen", kind="municipality", sector="public", ags="09676141")
    login("staff")
    # even confirmed as "not one of these", the AGS stays taken
    html = client.post("/organisationen/neu", data=org_data(name="Gemeinde Mömlingen", create_anyway="y")).get_data(
        as_text=True)
    assert "Der AGS 09676141 gehört bereits zu Markt Mömlingen." in feedback_after(html, "ags")
    assert count(Organisation) == 1


def test_the_service_enforces_the_unique_ags_too(make_org, session):
    first = make_org("Markt Mömlingen", kind="municipality", sector="public", ags="09676141")
    other = make_org("Markt Eschau", kind="municipality", sector="public", ags="09676120")
    with pytest.raises(DomainError) as error:
        services.save_organisation(None, org_data(name="Mömlingen (neu)", tags=[]))
    assert error.value.field == "ags"
    with pytest.raises(DomainError):
        services.save_organisation(other, org_data(name="Markt Eschau", tags=[]))
    session.rollback()
    services.save_organisation(first, org_data(notes="unchanged AGS", tags=[]))  # its own AGS is no conflict


def test_an_archived_municipality_leaves_its_ags_free(client, login, make_org, session):
    old = make_org("Gemeinde Mömlingen (bis 2025)", kind="municipality", sector="public", ags="09676141")
    services.archive(old)
    session.commit()
    login("staff")
    response = client.post("/organisationen/neu", data=org_data(create_anyway="y"))
    assert response.status_code == 302
    assert count(Organisation) == 2


def test_restoring_a_municipality_whose_ags_was_taken_meanwhile_is_refused(client, login, make_org, session):
    old = make_org("Gemeinde Mömlingen", kind="municipality", sector="public", ags="09676141")
    services.archive(old)
    session.commit()
    make_org("Markt Mömlingen", kind="municipality", sector="public", ags="09676141")
    login("staff")
    html = client.post(f"/organisationen/{old.id}/wiederherstellen", follow_redirects=True).get_data(as_text=True)
    assert "Der AGS 09676141 gehört bereits zu Markt Mömlingen." in html
    assert old.archived_at is not None


def test_a_look_alike_needs_a_confirmation(client, login, make_org):
    existing = make_org("Heimat- und Geschichtsverein Mömlingen", kind="association", sector="civil_society")
    login("staff")
    data = org_data(name="Heimat und Geschichtsverein Mömlingen", kind="association", sector="civil_society", ags="")
    html = client.post("/organisationen/neu", data=data).get_data(as_text=True)
    assert "Ähnliche Organisationen gibt es bereits" in html
    assert f'/organisationen/{existing.id}"' in html
    assert "Trotzdem anlegen" in html
    assert count(Organisation) == 1
    response = client.post("/organisationen/neu", data=dict(data, create_anyway="y"))
    assert response.status_code == 302
    assert count(Organisation) == 2


def test_an_unlike_organisation_is_saved_without_asking(client, login, make_org):
    make_org("Sportverein Elsenfeld")
    login("staff")
    assert client.post("/organisationen/neu", data=org_data()).status_code == 302
    assert "Trotzdem anlegen" not in client.get("/organisationen/neu").get_data(as_text=True)


# ------------------------------------------------------------------ 13: phones


@pytest.mark.parametrize("raw, stored, shown", [
    ("06022 38245-12", "+49 6022 38245-12", "06022 38245-12"),
    ("(06022) 38245-0", "+49 6022 38245-0", "06022 38245-0"),
    ("06022/38245-12", "+49 6022 38245-12", "06022 38245-12"),
    ("06022 38245 ext. 12", "+49 6022 38245-12", "06022 38245-12"),
    ("06022-38245", "+49 6022 38245", "06022 38245"),  # the old way of writing the area code
    ("0170 1234567", "+49 170 1234567", "0170 1234567"),
    ("+43 1 234567", "+43 1 234567", "+43 1 234567"),
])
def test_phone_numbers_keep_their_extension(raw, stored, shown):
    assert normalise_phone(raw) == stored
    assert display_phone(stored) == shown


@pytest.mark.parametrize("raw", ["0170 12", "0151 1234567", "06022 1"])
def test_impossible_numbers_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_person_form_refuses_an_impossible_mobile_number_in_german(client, login):
    login("staff")
    html = client.post("/personen/neu", data={"gender": "female", "last_name": "Huber", "formal": "1",
                                              "country": "DE", "legal_basis": "art6_1e", "mobile": "0170 12"}
                       ).get_data(as_text=True)
    assert "Eine solche Telefonnummer kann es nicht geben" in feedback_after(html, "mobile")
    assert count(Person) == 0


def test_every_export_writes_a_number_the_same_way(client, login, make_org, make_person, session):
    from crm.network.models import Body, Seat

    org = make_org("Markt Mömlingen", kind="municipality", sector="public", phone=normalise_phone("06022 38245-0"))
    person = make_person("Huber", "Anna", organisation=org, mobile=normalise_phone("0170 1234567"))
    person.affiliations[0].phone = normalise_phone("06022 38245-12")
    body = Body(name="Lenkungsgruppe", kind="steering_group")
    session.add_all([body, Seat(body=body, person=person, valid_from=date(2024, 1, 1))])
    session.commit()
    login("staff")
    exports = {
        "person CSV": client.get("/export/personen.csv").get_data(as_text=True),
        "person vCard": client.get("/export/personen.vcf").get_data(as_text=True),
        "member list CSV": client.get(f"/gremien/{body.id}/mitglieder.csv").get_data(as_text=True),
        "member vCards": client.get(f"/gremien/{body.id}/mitglieder.vcf").get_data(as_text=True),
    }
    for name, text in exports.items():
        assert "06022 38245-12" in text, name
        assert "+49" not in text, name
    person_csv = list(csv.reader(io.StringIO(exports["person CSV"].lstrip("\ufeff")), delimiter=";"))
    row = dict(zip(person_csv[0], person_csv[1]))
    assert row["Telefon"] == "06022 38245-12" and row["Mobil (privat)"] == "0170 1234567"


# ------------------------------------------------------------------ 15: all errors at once


def test_person_form_shows_every_error_in_one_round(client, login, make_org):
    make_org("Markt Mömlingen", kind="municipality", sector="public", ags="09676141")
    login("staff")
    html = client.post("/personen/neu", data={
        "gender": "female", "last_name": "Huber", "formal": "1", "country": "DE", "legal_basis": "art6_1e",
        "email": "anna@", "phone": "0170 12", "postcode": "6383",
        "aff_organisation_label": "Markt Mömlingen", "aff_organisation_id": "",  # typed, not picked
    }).get_data(as_text=True)
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in feedback_after(html, "email")
    assert "Eine solche Telefonnummer kann es nicht geben" in feedback_after(html, "phone")
    assert "Eine deutsche Postleitzahl hat genau 5 Ziffern." in feedback_after(html, "postcode")
    assert "Bitte wählen Sie eine Organisation aus der Liste." in feedback_after(html, "aff_organisation_label")
    assert "Bitte wählen Sie eine Funktion aus oder geben Sie sie als Freitext ein." in feedback_after(
        html, "aff_function_id")
    assert count(Person) == 0


def test_business_details_without_an_organisation_are_not_dropped_silently(client, login):
    login("staff")
    html = client.post("/personen/neu", data={
        "gender": "female", "last_name": "Huber", "formal": "1", "country": "DE", "legal_basis": "art6_1e",
        "aff_email": "a.huber@moemlingen.de",
    }).get_data(as_text=True)
    assert "Bitte wählen Sie eine Organisation aus der Liste." in feedback_after(html, "aff_organisation_label")
    assert count(Person) == 0


def test_person_with_a_picked_organisation_and_function_is_created(client, login, make_org):
    org = make_org("Markt Mömlingen", kind="municipality", sector="public", ags="09676141")
    login("staff")
    response = client.post("/personen/neu", data={
        "gender": "female", "last_name": "Huber", "formal": "1", "country": "DE", "legal_basis": "art6_1e",
        "aff_organisation_label": org.name, "aff_organisation_id": str(org.id), "aff_function_id": 0,
        "aff_function_label": "Kämmerin", "aff_phone": "06022 38245-12",
    })
    assert response.status_code == 302
    person = db.session.scalar(db.select(Person))
    assert person.affiliations[0].phone == "+49 6022 38245-12"


# ------------------------------------------------------------------ 17: quick search


@pytest.fixture
def ruedenau(make_org, make_person, make_function):
    town = make_org("Gemeinde Rüdenau", kind="municipality", sector="public", city="Rüdenau")
    clerk = make_function("Sachbearbeiter", "Sachbearbeiterin")
    for i in range(9):
        make_person(f"Bürger{i}", "Max", city="Rüdenau")
    make_person("Amtmann", organisation=town, function=clerk)
    make_org("Obst- und Gartenbauverein", city="Rüdenau")
    return town


def test_an_organisation_named_like_the_query_comes_first(ruedenau, client, login):
    result = quick_search("Rueden")
    assert result.organisations[0] == ruedenau and result.organisations_first
    login("viewer")
    data = client.get("/suche/schnell?q=Rueden").get_json()
    assert data["organisations_first"] is True and data["named_organisations"] == 1
    assert data["organisations"][0]["label"] == "Gemeinde Rüdenau"
    html = client.get("/suche?q=Rueden").get_data(as_text=True)
    assert "order-first" in html


def test_persons_stay_first_when_no_organisation_is_named_like_the_query(ruedenau, make_person):
    make_person("Rüdiger", "Eva")
    assert quick_search("Amtmann").organisations_first is False
    assert quick_search("Rüdenau Bürger1").organisations_first is False


# ------------------------------------------------------------------ 18: office phones in lists


def test_office_phone_shows_in_person_list_and_on_the_organisation_page(client, login, make_org, make_person):
    org = make_org("Markt Mömlingen", kind="municipality", sector="public", phone=normalise_phone("06022 38245-0"))
    make_person("Huber", "Anna", organisation=org)  # no own business number: the office's applies
    direct = make_person("Klein", "Otto", organisation=org)
    direct.affiliations[0].phone = normalise_phone("06022 38245-12")
    direct.affiliations[0].mobile = normalise_phone("0170 1234567")
    db.session.commit()
    login("viewer")
    persons = rows_of(client.get("/personen").get_data(as_text=True))
    assert persons.count("06022 38245-0") == 1 and "06022 38245-12" in persons and "0170 1234567" in persons
    page = client.get(f"/organisationen/{org.id}").get_data(as_text=True)
    people = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "06022 38245-0" in people and "06022 38245-12" in people and "0170 1234567" in people
