"""vCard 3.0 export: what iOS, Android, Outlook and Thunderbird need to read our cards."""
from datetime import datetime, timezone

import vobject

from crm.core.formatting import display_phone
from crm.interop.vcard import escape_text, fold_line, vcard_for, vcards


def _person(make_org, make_person, make_function, **fields):
    org = make_org("Müller & Söhne GmbH", kind="company", sector="economy", street="Hauptstraße 1",
                   postcode="01067", city="Dresden", email="info@mueller-soehne.de", phone="+49 351 1234")
    function = make_function("Geschäftsführer", "Geschäftsführerin")
    person = make_person("Müller", "Jörg", gender="male", organisation=org, function=function, degree="Dr.",
                         email="joerg@privat.de", mobile="+49 171 1234567", **fields)
    return person


def test_card_has_names_org_title_and_contact_data(make_org, make_person, make_function, session):
    person = _person(make_org, make_person, make_function)
    from crm.contacts.services import resolve_tags

    person.tags = resolve_tags(["Tourismus", "Presse; Medien"])
    session.commit()
    text = vcard_for(person)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert text.endswith("END:VCARD\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    assert "N:Müller;Jörg;;Dr.;\r\n" in text
    assert "FN:Dr. Jörg Müller\r\n" in text
    assert f"UID:regionetz-person-{person.id}\r\n" in text

    card = vobject.readOne(text)
    assert card.n.value.family == "Müller" and card.n.value.prefix == "Dr."
    assert card.org.value == ["Müller & Söhne GmbH"]
    assert card.title.value == "Geschäftsführer"
    emails = {e.value: e.params.get("TYPE") for e in card.contents["email"]}
    assert "info@mueller-soehne.de" in emails and "joerg@privat.de" in emails
    tels = [t.value for t in card.contents["tel"]]
    assert "0351 1234" in tels and "0171 1234567" in tels  # as on every page and export
    adr = card.adr.value
    assert adr.street == "Hauptstraße 1" and adr.code == "01067" and adr.city == "Dresden"
    assert adr.country == "Deutschland"
    assert card.categories.value == ["Presse; Medien", "Tourismus"]


def test_uid_is_stable_and_rev_follows_the_last_change(make_person, session):
    person = make_person("Huber", "Anna")
    person.updated_at = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
    first = vcard_for(person)
    assert first == vcard_for(person)
    assert "REV:20261126T093000Z\r\n" in first


def test_values_with_commas_semicolons_and_newlines_are_escaped(make_org, make_person, session):
    org = make_org("Verein Kultur, Kunst; Heimat e.V.")
    person = make_person("Bauer", "Kim", organisation=org)
    person.affiliations[0].department = "AK Jugend; Sport"
    card = vobject.readOne(vcard_for(person))
    assert card.org.value == ["Verein Kultur, Kunst; Heimat e.V.", "AK Jugend; Sport"]
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_are_folded_at_75_octets_without_splitting_umlauts():
    line = "NOTE:" + "Größenverhältnis äöü ß " * 20
    folded = fold_line(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    for part in physical:
        assert len(part.encode("utf-8")) <= 75
        part.encode("utf-8").decode("utf-8")  # no half character
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join([physical[0]] + [p[1:] for p in physical[1:]]) == line


def test_long_organisation_name_round_trips_through_vobject(make_org, make_person, session):
    org = make_org("Arbeitsgemeinschaft für Ländliche Entwicklung Spessart-Mainland Zweckverband Öffentlichkeit")
    person = make_person("Schäfer", "Jürgen", organisation=org)
    text = vcard_for(person)
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75
    assert vobject.readOne(text).org.value == [org.name]


def test_many_cards_in_one_stream_parse_back(make_person, session):
    people = [make_person(f"Person{i}", "Vorname") for i in range(3)]
    text = "".join(vcards(people))
    parsed = list(vobject.readComponents(text))
    assert [c.n.value.family for c in parsed] == ["Person0", "Person1", "Person2"]


def test_person_without_function_writes_home_data_and_no_org(make_person, session):
    person = make_person("von Thurn", "Hans", gender="male", street="Am Anger 3", postcode="63785",
                         city="Obernburg", phone="+49 6022 1234")
    person.last_name, person.nobility = "Thurn", "von"
    text = vcard_for(person)
    card = vobject.readOne(text)
    assert card.n.value.family == "von Thurn"
    assert "ORG" not in text and "TITLE" not in text
    assert card.adr.params["TYPE"] == ["HOME"]


def test_organisations_are_written_as_company_cards(make_org, session):
    from crm.contacts.services import resolve_tags
    from crm.interop.vcard import organisation_vcard_for, parse_vcards

    org = make_org("Tourismusverband Spessart-Mainland e.V.", email="info@spessart-mainland.de",
                   phone="+49 6022 2611-0", fax="+49 6022 2611-99", website="https://www.spessart-mainland.de/?a=1,2",
                   street="Bayernstraße 18", postcode="63739", city="Aschaffenburg")
    org.tags = resolve_tags(["Tourismus"])
    session.commit()
    v3 = organisation_vcard_for(org)
    assert "VERSION:3.0\r\n" in v3 and "X-ABShowAs:COMPANY\r\n" in v3 and "KIND" not in v3
    card = vobject.readOne(v3)
    assert card.org.value == ["Tourismusverband Spessart-Mainland e.V."]
    assert card.url.value == "https://www.spessart-mainland.de/?a=1,2"
    assert {t.value for t in card.contents["tel"]} == {"+49 6022 2611-0", "+49 6022 2611-99"}
    v4 = organisation_vcard_for(org, version="4.0")
    assert "VERSION:4.0\r\nPRODID:-//RegioNetz//RegioNetz CRM//DE\r\nKIND:org\r\n" in v4
    for text in (v3, v4):  # and our own import reads both back as an organisation
        contact = parse_vcards(text.encode()).contacts[0]
        assert contact.is_organisation and contact.urls[0].value == "https://www.spessart-mainland.de/?a=1,2"
        assert contact.addresses[0].postcode == "63739"


def test_a_persons_websites_and_private_mobile_are_written(make_org, make_person, make_function, session):
    person = _person(make_org, make_person, make_function)
    text = vcard_for(person, extra=[("web", "WORK", "https://www.example.org/a,b"), ("phone", "FAX,WORK", "0351 99")])
    card = vobject.readOne(text)
    assert card.url.value == "https://www.example.org/a,b"
    assert f"TEL;TYPE=HOME,CELL:{display_phone('+49 171 1234567')}\r\n" in text  # as every export writes it
    assert "TEL;TYPE=FAX,WORK:0351 99\r\n" in text
