"""Briefanrede, display name and DIN 5008 address block (pure functions, no app needed)."""

import pytest

from crm.contacts.salutation import Addressee, address_block, display_name, letter_salutation

A = Addressee
DAMEN_HERREN = "Sehr geehrte Damen und Herren,"


# ----------------------------------------------------------------- display_name

@pytest.mark.parametrize(
    "addressee, expected",
    [
        pytest.param(A(degree="Prof. Dr.", first_name="Hans", nobility="von", last_name="Thurn",
                       name_suffix="jun."), "Prof. Dr. Hans von Thurn jun.", id="all-parts"),
        pytest.param(A(first_name="Anna", last_name="Huber"), "Anna Huber", id="skip-empties"),
        pytest.param(A(first_name="Hans", nobility="Freiherr von", last_name="Thurn"),
                     "Hans Freiherr von Thurn", id="rank-word-between-first-and-last"),
        pytest.param(A(degree="  Dr.   med. ", first_name=" Anna\t", last_name=" Huber  "),
                     "Dr. med. Anna Huber", id="whitespace-collapsed"),
        pytest.param(A(last_name="Mu\u0308ller"), "Müller", id="decomposed-umlaut-nfc"),
        pytest.param(A(organisation="Gemeinde Musterdorf"), "", id="no-person"),
    ],
)
def test_display_name(addressee, expected):
    assert display_name(addressee) == expected


# ------------------------------------------------------------ letter_salutation

SALUTATION_CASES = [
    # override
    pytest.param(A(gender="male", last_name="Meier", salutation_override="Servus Sepp,"),
                 "Servus Sepp,", id="override-as-is"),
    pytest.param(A(gender="male", last_name="Meier", salutation_override="Lieber Herr Kollege"),
                 "Lieber Herr Kollege,", id="override-comma-added"),
    pytest.param(A(salutation_override="  Moin Moin  "), "Moin Moin,", id="override-trimmed"),
    pytest.param(A(gender="female", first_name="Anna", formal=False, office_title="Landrätin",
                   salutation_override="Sehr verehrte Frau Landrätin,"),
                 "Sehr verehrte Frau Landrätin,", id="override-beats-everything"),
    pytest.param(A(gender="male", last_name="Meier", salutation_override="   "),
                 "Sehr geehrter Herr Meier,", id="blank-override-ignored"),
    # unknown person or gender
    pytest.param(A(organisation="Gemeinde Musterdorf"), DAMEN_HERREN, id="organisation-only"),
    pytest.param(A(gender="unknown", degree="Dr.", first_name="Kim", last_name="Bauer"),
                 DAMEN_HERREN, id="unknown-gender-with-degree"),
    pytest.param(A(gender="female", first_name="Anna"), DAMEN_HERREN, id="no-last-name"),
    pytest.param(A(gender="", last_name="Bauer"), DAMEN_HERREN, id="empty-gender-is-unknown"),
    pytest.param(A(gender="other", last_name="Bauer"), DAMEN_HERREN, id="invalid-gender-is-unknown"),
    # informal
    pytest.param(A(gender="female", first_name="Anna", last_name="Huber", formal=False),
                 "Liebe Anna,", id="informal-female"),
    pytest.param(A(gender="male", first_name="Hans", last_name="Meier", formal=False),
                 "Lieber Hans,", id="informal-male"),
    pytest.param(A(gender="diverse", first_name="Kim", last_name="Bauer", formal=False),
                 "Hallo Kim,", id="informal-diverse"),
    pytest.param(A(gender="unknown", first_name="Kim", formal=False), "Hallo Kim,",
                 id="informal-unknown"),
    pytest.param(A(gender="female", first_name="Anna", last_name="Huber", formal=False,
                   office_title="Bürgermeisterin", degree="Dr."),
                 "Liebe Anna,", id="informal-beats-office-and-degree"),
    pytest.param(A(gender="male", last_name="Meier", formal=False),
                 "Sehr geehrter Herr Meier,", id="informal-without-first-name-falls-back"),
    pytest.param(A(gender="unknown", last_name="Bauer", formal=False), DAMEN_HERREN,
                 id="informal-unknown-without-first-name"),
    # diverse, formal: first name + nobility + last name, no degree, no office title
    pytest.param(A(gender="diverse", first_name="Kim", last_name="Bauer"),
                 "Guten Tag Kim Bauer,", id="diverse"),
    pytest.param(A(gender="diverse", degree="Prof. Dr.", first_name="Kim", nobility="von",
                   last_name="Bauer", name_suffix="jun.", office_title="Landrat"),
                 "Guten Tag Kim von Bauer,", id="diverse-no-degree-no-office-no-suffix"),
    pytest.param(A(gender="diverse", last_name="Bauer"), "Guten Tag Bauer,",
                 id="diverse-without-first-name"),
    pytest.param(A(gender="diverse", first_name="Kim"), DAMEN_HERREN,
                 id="diverse-without-last-name"),
    # office title takes precedence over the name (and the degree)
    pytest.param(A(gender="female", first_name="Anna", last_name="Huber",
                   office_title="Bürgermeisterin"),
                 "Sehr geehrte Frau Bürgermeisterin,", id="office-female"),
    pytest.param(A(gender="male", first_name="Max", last_name="Meier", office_title="Landrat"),
                 "Sehr geehrter Herr Landrat,", id="office-male"),
    pytest.param(A(gender="female", degree="Prof. Dr.", last_name="Huber", office_title="Landrätin"),
                 "Sehr geehrte Frau Landrätin,", id="office-beats-professor"),
    pytest.param(A(gender="male", last_name="Meier", office_title="Herr Landrat"),
                 "Sehr geehrter Herr Landrat,", id="office-typed-with-herr-no-double"),
    pytest.param(A(gender="female", office_title="Bürgermeisterin",
                   organisation="Gemeinde Musterdorf"),
                 "Sehr geehrte Frau Bürgermeisterin,", id="office-without-name"),
    pytest.param(A(gender="unknown", last_name="Meier", office_title="Landrat"), DAMEN_HERREN,
                 id="office-unknown-gender"),
    # plain
    pytest.param(A(gender="male", first_name="Max", last_name="Meier"),
                 "Sehr geehrter Herr Meier,", id="male"),
    pytest.param(A(gender="female", first_name="Anna", last_name="Huber"),
                 "Sehr geehrte Frau Huber,", id="female"),
    # professor written out, highest title only
    pytest.param(A(gender="male", degree="Prof. Dr.", last_name="Maier"),
                 "Sehr geehrter Herr Professor Maier,", id="prof-dr-male"),
    pytest.param(A(gender="female", degree="Prof. Dr.", last_name="Maier"),
                 "Sehr geehrte Frau Professorin Maier,", id="prof-dr-female"),
    pytest.param(A(gender="male", degree="Prof.", last_name="Maier"),
                 "Sehr geehrter Herr Professor Maier,", id="prof-only"),
    pytest.param(A(gender="male", degree="Prof. Dr.-Ing.", last_name="Maier"),
                 "Sehr geehrter Herr Professor Maier,", id="prof-dr-ing"),
    pytest.param(A(gender="female", degree="Prof. Dr. Dr. h.c.", last_name="Maier"),
                 "Sehr geehrte Frau Professorin Maier,", id="prof-many-doctorates"),
    # Dr. once
    pytest.param(A(gender="female", degree="Dr.", first_name="Anna", last_name="Huber"),
                 "Sehr geehrte Frau Dr. Huber,", id="dr"),
    pytest.param(A(gender="female", degree="Dr. Dr.", last_name="Huber"),
                 "Sehr geehrte Frau Dr. Huber,", id="dr-dr-once"),
    pytest.param(A(gender="female", degree="Dr. med.", last_name="Huber"),
                 "Sehr geehrte Frau Dr. Huber,", id="dr-med"),
    pytest.param(A(gender="male", degree="Dr.-Ing.", last_name="Meier"),
                 "Sehr geehrter Herr Dr. Meier,", id="dr-ing"),
    pytest.param(A(gender="male", degree="Dipl.-Ing. Dr. rer. nat.", last_name="Meier"),
                 "Sehr geehrter Herr Dr. Meier,", id="diploma-and-dr"),
    # diploma / master / bachelor never
    pytest.param(A(gender="male", degree="Dipl.-Ing.", last_name="Meier"),
                 "Sehr geehrter Herr Meier,", id="dipl-ing"),
    pytest.param(A(gender="female", degree="Dipl.-Kffr.", last_name="Huber"),
                 "Sehr geehrte Frau Huber,", id="dipl-kffr"),
    pytest.param(A(gender="female", degree="M.A.", last_name="Huber"),
                 "Sehr geehrte Frau Huber,", id="master"),
    pytest.param(A(gender="male", degree="B.Sc.", last_name="Meier"),
                 "Sehr geehrter Herr Meier,", id="bachelor"),
    pytest.param(A(gender="male", degree="Drs.", last_name="Jansen"),
                 "Sehr geehrter Herr Jansen,", id="dutch-drs-is-not-a-doctorate"),
    # nobility (rank words stay as given, consistently)
    pytest.param(A(gender="male", first_name="Hans", nobility="von", last_name="Thurn"),
                 "Sehr geehrter Herr von Thurn,", id="nobility"),
    pytest.param(A(gender="female", degree="Dr.", first_name="Ursula", nobility="von der",
                   last_name="Leyen"),
                 "Sehr geehrte Frau Dr. von der Leyen,", id="nobility-with-dr"),
    pytest.param(A(gender="male", first_name="Hans", nobility="Freiherr von", last_name="Thurn"),
                 "Sehr geehrter Herr Freiherr von Thurn,", id="nobility-rank-word-kept"),
    pytest.param(A(gender="female", nobility="Gräfin", last_name="Dönhoff"),
                 "Sehr geehrte Frau Gräfin Dönhoff,", id="nobility-graefin"),
    pytest.param(A(gender="male", degree="Prof. Dr.", nobility="von und zu", last_name="Guttenberg"),
                 "Sehr geehrter Herr Professor von und zu Guttenberg,", id="nobility-with-prof"),
    # suffix never
    pytest.param(A(gender="male", degree="Dr.", first_name="Hans", last_name="Meier",
                   name_suffix="jun."),
                 "Sehr geehrter Herr Dr. Meier,", id="suffix-never"),
    # messy input
    pytest.param(A(gender=" Female ", degree="  Dr.   med. ", last_name="  von  Huber "),
                 "Sehr geehrte Frau Dr. von Huber,", id="whitespace-and-gender-case"),
    pytest.param(A(gender="male", last_name="Mu\u0308ller"), "Sehr geehrter Herr Müller,",
                 id="decomposed-umlaut"),
    pytest.param(A(gender="male", last_name="Meier", degree=None, nobility=None),
                 "Sehr geehrter Herr Meier,", id="none-fields"),
]


@pytest.mark.parametrize("addressee, expected", SALUTATION_CASES)
def test_letter_salutation(addressee, expected):
    assert letter_salutation(addressee) == expected


# ---------------------------------------------------------------- address_block

ORG = dict(organisation="Gemeinde Musterdorf", street="Rathausplatz 1", postcode="12345",
           city="Musterdorf")
PRIVATE = dict(street="Lindenweg 3", postcode="12345", city="Musterdorf")

ADDRESS_CASES = [
    # person at an organisation
    pytest.param(A(gender="female", degree="Dr.", first_name="Anna", last_name="Huber",
                   office_title="Bürgermeisterin", department="Hauptamt", **ORG),
                 ["Gemeinde Musterdorf", "Hauptamt", "Frau Bürgermeisterin", "Dr. Anna Huber",
                  "Rathausplatz 1", "12345 Musterdorf"], id="org-dept-office-female"),
    pytest.param(A(gender="male", first_name="Max", last_name="Meier", office_title="Landrat",
                   **ORG),
                 ["Gemeinde Musterdorf", "Herrn Landrat", "Max Meier", "Rathausplatz 1",
                  "12345 Musterdorf"], id="org-office-male"),
    pytest.param(A(gender="male", degree="Dr.", first_name="Max", last_name="Meier", **ORG),
                 ["Gemeinde Musterdorf", "Herrn Dr. Max Meier", "Rathausplatz 1",
                  "12345 Musterdorf"], id="org-no-office-herrn-on-name-line"),
    pytest.param(A(gender="female", degree="Dipl.-Kffr.", first_name="Anna", last_name="Huber",
                   department="Kämmerei", **ORG),
                 ["Gemeinde Musterdorf", "Kämmerei", "Frau Dipl.-Kffr. Anna Huber",
                  "Rathausplatz 1", "12345 Musterdorf"], id="org-dept-diploma-kept-in-address"),
    pytest.param(A(gender="diverse", first_name="Kim", last_name="Bauer", **ORG),
                 ["Gemeinde Musterdorf", "Kim Bauer", "Rathausplatz 1", "12345 Musterdorf"],
                 id="org-diverse-no-form-of-address"),
    pytest.param(A(gender="unknown", degree="Dr.", first_name="Kim", last_name="Bauer", **ORG),
                 ["Gemeinde Musterdorf", "Dr. Kim Bauer", "Rathausplatz 1", "12345 Musterdorf"],
                 id="org-unknown-gender-with-degree"),
    pytest.param(A(gender="unknown", first_name="Max", last_name="Meier", office_title="Landrat",
                   **ORG),
                 ["Gemeinde Musterdorf", "Landrat", "Max Meier", "Rathausplatz 1",
                  "12345 Musterdorf"], id="org-unknown-gender-with-office"),
    pytest.param(A(gender="female", office_title="Bürgermeisterin", **ORG),
                 ["Gemeinde Musterdorf", "Frau Bürgermeisterin", "Rathausplatz 1",
                  "12345 Musterdorf"], id="org-office-without-name"),
    pytest.param(A(gender="male", office_title="Herrn Landrat", last_name="Meier", **ORG),
                 ["Gemeinde Musterdorf", "Herrn Landrat", "Meier", "Rathausplatz 1",
                  "12345 Musterdorf"], id="office-typed-with-herrn-no-double"),
    # the full function on the address line, the short office title only in the Briefanrede
    pytest.param(A(gender="female", first_name="Eva", last_name="Roth", office_title="Bürgermeisterin",
                   function="Zweite Bürgermeisterin", **ORG),
                 ["Gemeinde Musterdorf", "Frau Zweite Bürgermeisterin", "Eva Roth", "Rathausplatz 1",
                  "12345 Musterdorf"], id="second-mayor-full-function-in-address"),
    pytest.param(A(gender="female", first_name="Eva", last_name="Roth", function="Kassiererin", **ORG),
                 ["Gemeinde Musterdorf", "Frau Eva Roth", "Rathausplatz 1", "12345 Musterdorf"],
                 id="function-without-office-title-not-in-address"),
    # organisation only, no person
    pytest.param(A(department="Bauamt", **ORG),
                 ["Gemeinde Musterdorf", "Bauamt", "Rathausplatz 1", "12345 Musterdorf"],
                 id="organisation-only"),
    pytest.param(A(gender="male", degree="Dr.", **ORG),
                 ["Gemeinde Musterdorf", "Rathausplatz 1", "12345 Musterdorf"],
                 id="gender-but-no-name-no-lonely-herrn"),
    # private address
    pytest.param(A(gender="male", degree="Dr.", first_name="Max", last_name="Meier", **PRIVATE),
                 ["Herrn Dr. Max Meier", "Lindenweg 3", "12345 Musterdorf"], id="private-male"),
    pytest.param(A(gender="female", first_name="Anna", last_name="Huber", **PRIVATE),
                 ["Frau Anna Huber", "Lindenweg 3", "12345 Musterdorf"], id="private-female"),
    pytest.param(A(gender="male", first_name="Max", last_name="Meier", office_title="Landrat",
                   **PRIVATE),
                 ["Herrn Landrat", "Max Meier", "Lindenweg 3", "12345 Musterdorf"],
                 id="private-office"),
    pytest.param(A(gender="male", degree="Prof. Dr.", first_name="Hans", nobility="von",
                   last_name="Thurn", name_suffix="jun.", **PRIVATE),
                 ["Herrn Prof. Dr. Hans von Thurn jun.", "Lindenweg 3", "12345 Musterdorf"],
                 id="private-full-name"),
    # PO box
    pytest.param(A(organisation="Landratsamt Musterkreis", po_box="12 34", postcode="12340",
                   city="Musterstadt"),
                 ["Landratsamt Musterkreis", "Postfach 12 34", "12340 Musterstadt"], id="po-box"),
    pytest.param(A(organisation="Landratsamt Musterkreis", po_box="Postfach 12 34",
                   postcode="12340", city="Musterstadt"),
                 ["Landratsamt Musterkreis", "Postfach 12 34", "12340 Musterstadt"],
                 id="po-box-prefix-not-doubled"),
    pytest.param(A(organisation="Landratsamt Musterkreis", street="Am Markt 2", po_box="12 34",
                   postcode="12340", city="Musterstadt"),
                 ["Landratsamt Musterkreis", "Am Markt 2", "12340 Musterstadt"],
                 id="street-wins-over-po-box"),
    # country
    pytest.param(A(gender="female", first_name="Anna", last_name="Huber", street="Hauptstraße 5",
                   postcode="1010", city="Wien", country="AT"),
                 ["Frau Anna Huber", "Hauptstraße 5", "1010 WIEN", "ÖSTERREICH"], id="country-at"),
    pytest.param(A(organisation="Gemeinde Beispiel", street="Dorfstrasse 1", postcode="8000",
                   city="Zürich", country=" ch "),
                 ["Gemeinde Beispiel", "Dorfstrasse 1", "8000 ZÜRICH", "SCHWEIZ"],
                 id="country-lowercase-trimmed"),
    pytest.param(A(last_name="Smith", street="1 High Street", postcode="SW1A 1AA", city="London",
                   country="GB"),
                 ["Smith", "1 High Street", "SW1A 1AA LONDON", "VEREINIGTES KÖNIGREICH"],
                 id="country-gb-umlaut-upper"),
    pytest.param(A(gender="female", first_name="Anna", last_name="de Vries", street="Keizersgracht 1",
                   postcode="1012 ab", city="Amsterdam", country="NL"),
                 ["Frau Anna de Vries", "Keizersgracht 1", "1012 AB AMSTERDAM", "NIEDERLANDE"],
                 id="abroad-town-and-country-in-capitals"),
    pytest.param(A(last_name="Meier", country="de", **PRIVATE),
                 ["Meier", "Lindenweg 3", "12345 Musterdorf"], id="country-de-lowercase"),
    pytest.param(A(last_name="Meier", country="", **PRIVATE),
                 ["Meier", "Lindenweg 3", "12345 Musterdorf"], id="country-empty"),
    # missing fields and messy input
    pytest.param(A(gender="male", first_name="Max", last_name="Meier", city="Dresden",
                   postcode="01067"),
                 ["Herrn Max Meier", "01067 Dresden"], id="no-street-leading-zero-postcode"),
    pytest.param(A(gender="female", last_name="Huber", city="Musterdorf"),
                 ["Frau Huber", "Musterdorf"], id="city-without-postcode"),
    pytest.param(A(gender="female", last_name="Huber", postcode="12345"),
                 ["Frau Huber", "12345"], id="postcode-without-city"),
    pytest.param(A(gender=" MALE ", degree=" Dr. ", first_name="  Jürgen ", last_name="Mu\u0308ller",
                   organisation="  Markt   Oberdorf ", department="   ", street=" Am  Anger 7 ",
                   postcode=" 87654 ", city="  Oberdorf "),
                 ["Markt Oberdorf", "Herrn Dr. Jürgen Müller", "Am Anger 7", "87654 Oberdorf"],
                 id="whitespace-umlauts-blank-department"),
    pytest.param(A(), [], id="empty"),
    # more than 6 lines: the department goes first
    pytest.param(A(gender="male", degree="Dr.", first_name="Max", last_name="Meier",
                   office_title="Landrat", organisation="Landratsamt Musterkreis",
                   department="Büro des Landrats", street="Am Markt 2", postcode="12340",
                   city="Musterstadt", country="AT"),
                 ["Landratsamt Musterkreis", "Herrn Landrat", "Dr. Max Meier", "Am Markt 2",
                  "12340 MUSTERSTADT", "ÖSTERREICH"], id="seven-lines-drops-department"),
]


@pytest.mark.parametrize("addressee, expected", ADDRESS_CASES)
def test_address_block(addressee, expected):
    assert address_block(addressee) == expected


@pytest.mark.parametrize("addressee", [p.values[0] for p in ADDRESS_CASES],
                         ids=[p.id for p in ADDRESS_CASES])
def test_address_block_invariants(addressee):
    lines = address_block(addressee)
    assert len(lines) <= 6
    for line in lines:
        assert line and line == line.strip() and "  " not in line
        assert "Herr Herrn" not in line and "Herrn Herrn" not in line


# fewer lines available: department dropped first, then office line merged into the name line
SEVEN = A(gender="male", degree="Dr.", first_name="Max", last_name="Meier", office_title="Landrat",
          organisation="Landratsamt Musterkreis", department="Büro des Landrats",
          street="Am Markt 2", postcode="12340", city="Musterstadt", country="AT")


@pytest.mark.parametrize(
    "addressee, max_lines, expected",
    [
        pytest.param(SEVEN, 7,
                     ["Landratsamt Musterkreis", "Büro des Landrats", "Herrn Landrat",
                      "Dr. Max Meier", "Am Markt 2", "12340 MUSTERSTADT", "ÖSTERREICH"],
                     id="fits-nothing-dropped"),
        pytest.param(SEVEN, 5,
                     ["Landratsamt Musterkreis", "Herrn Landrat Dr. Max Meier", "Am Markt 2",
                      "12340 MUSTERSTADT", "ÖSTERREICH"], id="merge-office-into-name-line"),
        pytest.param(A(gender="female", first_name="Anna", last_name="Huber",
                       office_title="Bürgermeisterin", organisation="Gemeinde Musterdorf",
                       department="Hauptamt", street="Rathausplatz 1", postcode="12345",
                       city="Musterdorf"), 5,
                     ["Gemeinde Musterdorf", "Frau Bürgermeisterin", "Anna Huber",
                      "Rathausplatz 1", "12345 Musterdorf"], id="dropping-department-is-enough"),
    ],
)
def test_address_block_max_lines(addressee, max_lines, expected):
    assert address_block(addressee, max_lines=max_lines) == expected


def test_address_block_rejects_too_few_lines():
    with pytest.raises(ValueError):
        address_block(SEVEN, max_lines=4)


def test_second_mayor_briefanrede_uses_the_short_office_title():
    a = A(gender="female", last_name="Roth", office_title="Bürgermeisterin", function="Zweite Bürgermeisterin")
    assert letter_salutation(a) == "Sehr geehrte Frau Bürgermeisterin,"


def test_addressee_defaults_and_frozen():
    a = Addressee()
    assert (a.gender, a.formal, a.country) == ("unknown", True, "DE")
    with pytest.raises(AttributeError):
        a.last_name = "Meier"  # type: ignore[misc]
