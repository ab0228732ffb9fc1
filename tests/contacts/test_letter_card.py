"""The letter card on the person page: which address block a user sees."""
from datetime import date

import pytest


def letter_card(client, person):
    html = client.get(f"/personen/{person.id}").get_data(as_text=True)
    start = html.index("id=\"salutation\"")
    return html[start:html.index("</section>", start)]


@pytest.fixture
def second_mayor(make_function):
    return make_function("Zweiter Bürgermeister", "Zweite Bürgermeisterin", "Bürgermeister", "Bürgermeisterin")


def test_second_mayor_full_function_in_address_short_title_in_salutation(client, login, make_org, make_person,
                                                                          second_mayor):
    login("staff")
    org = make_org("Markt Mömlingen", kind="municipality", sector="public", street="Hauptstraße 1",
                   postcode="63853", city="Mömlingen")
    person = make_person("Roth", "Eva", organisation=org, function=second_mayor)
    card = letter_card(client, person)
    assert "Sehr geehrte Frau Bürgermeisterin," in card
    assert "Markt Mömlingen<br>Frau Zweite Bürgermeisterin<br>Eva Roth<br>Hauptstraße 1<br>63853 Mömlingen<br>" in card


def test_ended_function_falls_back_to_the_private_address(client, login, make_org, make_person, second_mayor):
    login("staff")  # a viewer does not see the private address (confidential)
    org = make_org("Markt Mömlingen", street="Hauptstraße 1", postcode="63853", city="Mömlingen")
    person = make_person("Roth", "Eva", organisation=org, function=second_mayor, valid_to=date(2024, 4, 30),
                         street="Lindenweg 3", postcode="63853", city="Mömlingen")
    card = letter_card(client, person)
    assert "Frau Eva Roth<br>Lindenweg 3<br>63853 Mömlingen<br>" in card
    assert "Markt Mömlingen" not in card
    assert "Privatanschrift" not in card  # shown once, not twice
    client.post("/abmelden")
    login("viewer")
    card = letter_card(client, person)
    assert "Lindenweg" not in card and "nur eine Privatanschrift, vertraulich" in card


def test_ended_function_without_private_address_says_there_is_none(client, login, make_org, make_person,
                                                                  second_mayor):
    login("staff")
    org = make_org("Markt Mömlingen", street="Hauptstraße 1", postcode="63853", city="Mömlingen")
    person = make_person("Roth", "Eva", organisation=org, function=second_mayor, valid_to=date(2024, 4, 30))
    card = letter_card(client, person)
    assert "Keine Postanschrift hinterlegt" in card
    assert "Frau Eva Roth<br>" not in card


def test_only_a_private_address_is_shown_once(client, login, make_person):
    login("staff")
    person = make_person("Roth", "Eva", street="Lindenweg 3", postcode="63853", city="Mömlingen")
    card = letter_card(client, person)
    assert card.count("Lindenweg 3") == 1


def test_business_and_private_address_both_shown(client, login, make_org, make_person):
    login("staff")
    org = make_org("Verein Kultur", street="Am Markt 2", postcode="63853", city="Mömlingen")
    person = make_person("Roth", "Eva", organisation=org, street="Lindenweg 3", postcode="63853", city="Mömlingen")
    card = letter_card(client, person)
    assert card.count("Lindenweg 3") == 1 and "Am Markt 2" in card and "Privatanschrift" in card


def test_abroad_private_address_in_capitals(client, login, make_person):
    login("staff")
    person = make_person("de Vries", "Anna", street="Keizersgracht 1", postcode="1012 AB", city="Amsterdam",
                         country="NL")
    card = letter_card(client, person)
    assert "1012 AB AMSTERDAM<br>NIEDERLANDE<br>" in card
