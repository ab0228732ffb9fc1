"""Recipient resolution: rules, channels, exclusions with their reasons, recorded uses, query counts."""
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Affiliation, Person
from crm.contacts.salutation import address_block, letter_salutation
from crm.core.errors import DomainError
from crm.extensions import db
from crm.segments import services
from crm.segments.models import SegmentUse, SegmentUseEntry
from crm.segments.services import Selection


@pytest.fixture
def mixed_list(region):
    """A fixed list with a mayor, an objector, a person without any address, a private person, a chair
    whose association has no street, an archived person, a newspaper without address and a municipality."""
    segment = services.save_segment(None, {"name": "Weihnachtspost", "kind": "fixed"})
    p = region.person
    services.add_members(segment, [p["Anna"], p["Uwe"], p["Tina"], p["Stefan"], p["Hans"], p["Zoe"]],
                         [region.org["P1"], region.org["M2"]])
    db.session.commit()
    return segment


def names(items):
    return [item.name for item in items]


def reasons(resolution):
    return {e.name: e.reason for e in resolution.excluded}


def test_letters_to_the_person_fall_back_to_the_business_address(region, mixed_list):
    resolution = services.resolve(mixed_list, "person", "letter")
    assert names(resolution.recipients) == ["Anna Albrecht", "Markt Elsenfeld", "Stefan Sauer"]
    assert reasons(resolution) == {
        "Uwe Ulrich": "Widerspruch gegen Kontaktaufnahme",
        "Tina Thiel": "keine Postanschrift",
        "Hans Huber": "keine Postanschrift",  # no private address, his association has no street
        "Zoe Zimmer": "Archiviert",
        "Main-Echo": "keine Postanschrift",
    }
    anna, elsenfeld, stefan = resolution.recipients
    # Anna has no private address: her letter goes to the town hall
    assert anna.address_lines == ["Markt Eschau", "Frau Erste Bürgermeisterin", "Anna Albrecht", "Rathausplatz 1",
                                  "63863 Eschau"]
    assert anna.affiliation_id == region.affiliation[("Anna", "M1")]
    assert stefan.address_lines == ["Herrn Stefan Sauer", "Lindenweg 4", "63897 Miltenberg"]
    assert stefan.affiliation_id is None and stefan.salutation == "Sehr geehrter Herr Sauer,"
    assert elsenfeld.person_id is None and elsenfeld.organisation_id == region.org["M2"]
    assert elsenfeld.salutation == "Sehr geehrte Damen und Herren,"
    assert elsenfeld.address_lines == ["Markt Elsenfeld", "Marktplatz 2", "63820 Elsenfeld"]
    assert all(r.address_lines for r in resolution.recipients)  # never a blank address block


def test_e_mail_at_the_organisation(region, mixed_list):
    resolution = services.resolve(mixed_list, "at_organisation", "email")
    assert [(r.name, r.email) for r in resolution.recipients] == [
        ("Anna Albrecht", "info@eschau.de"),  # the municipality's address (her function has none)
        ("Main-Echo", "redaktion@main-echo.de"),
        ("Stefan Sauer", "s.sauer@web.de"),  # no function: privately
    ]
    assert reasons(resolution) == {
        "Uwe Ulrich": "Widerspruch gegen Kontaktaufnahme", "Tina Thiel": "keine E-Mail-Adresse",
        "Hans Huber": "keine E-Mail-Adresse", "Zoe Zimmer": "Archiviert", "Markt Elsenfeld": "keine E-Mail-Adresse",
    }
    anna = resolution.recipients[0]
    assert anna.salutation == "Sehr geehrte Frau Bürgermeisterin,"
    person = db.session.get(Person, region.person["Anna"])
    assert anna.addressee == person.addressee(db.session.get(Affiliation, region.affiliation[("Anna", "M1")]))
    assert letter_salutation(anna.addressee) == anna.salutation and address_block(anna.addressee) == anna.address_lines


def test_the_organisations_each_once(region, mixed_list):
    resolution = services.resolve(mixed_list, "organisation", "letter")
    assert names(resolution.recipients) == ["Markt Elsenfeld", "Markt Eschau"]
    assert reasons(resolution) == {
        "Uwe Ulrich": "Widerspruch gegen Kontaktaufnahme",
        "Tina Thiel": "keine aktuelle Funktion bei einer Organisation",
        "Stefan Sauer": "keine aktuelle Funktion bei einer Organisation",
        "Heimatverein Eschau": "keine Postanschrift",  # Hans's association
        "Zoe Zimmer": "Archiviert",
        "Main-Echo": "keine Postanschrift",
    }
    eschau = resolution.recipients[1]
    assert eschau.salutation == "Sehr geehrte Damen und Herren,"
    assert eschau.address_lines == ["Markt Eschau", "Rathausplatz 1", "63863 Eschau"]


def test_a_dynamic_list_of_municipal_staff_gives_each_town_hall_once(region):
    segment = services.save_segment(None, {"name": "Rathäuser", "filter": {"op": "and", "items": [
        {"facet": "org_kind", "values": ["municipality"]}]}})
    resolution = services.resolve(segment, "organisation", "letter")
    assert names(resolution.recipients) == ["Gemeinde Hausen", "Markt Elsenfeld", "Markt Eschau"]
    assert resolution.recipients[0].address_lines == ["Gemeinde Hausen", "Postfach 12 34", "97262 Hausen"]
    assert resolution.excluded == []


def test_no_channel_needs_no_address(region, mixed_list):
    resolution = services.resolve(mixed_list, "person", None)
    assert names(resolution.recipients) == ["Anna Albrecht", "Hans Huber", "Main-Echo", "Markt Elsenfeld",
                                            "Stefan Sauer", "Tina Thiel"]
    assert reasons(resolution) == {"Uwe Ulrich": "Widerspruch gegen Kontaktaufnahme", "Zoe Zimmer": "Archiviert"}


def test_an_ad_hoc_selection_resolves_the_same_way(region):
    p = region.person
    resolution = services.resolve(Selection.of([p["Karin"], p["Uwe"], p["Jonas"], "x", -1]), "at_organisation",
                                  "letter")
    assert names(resolution.recipients) == ["Jonas Jäger"]
    assert reasons(resolution) == {"Karin Koch": "keine Postanschrift", "Uwe Ulrich": "Widerspruch gegen Kontaktaufnahme"}
    jonas = resolution.recipients[0]
    assert jonas.address_lines[0] == "Müller & Söhne <GmbH>"
    assert jonas.email == "j.jaeger@mueller-soehne.de"


def test_unknown_rule_or_channel_is_refused(region, mixed_list):
    with pytest.raises(DomainError, match="Empfängerregel"):
        services.resolve(mixed_list, "everybody")
    with pytest.raises(DomainError, match="Versandweg"):
        services.resolve(mixed_list, "person", "fax")


def test_a_recorded_use_keeps_its_recipients_when_the_data_changes(region, matching):
    from crm.contacts.models import Tag

    segment = services.save_segment(None, {"name": "Radweg", "filter": {"op": "and", "items": [
        {"facet": "tag", "values": [region.tag["Radweg"]]}]}})
    resolution = services.resolve(segment, "at_organisation", "letter")
    assert names(resolution.recipients) == ["Anna Albrecht", "Bernd Bauer", "Ida Imhof"]
    assert reasons(resolution) == {"Hans Huber": "keine Postanschrift"}
    use = services.record_use(segment, "letter", "at_organisation", resolution)
    db.session.commit()
    assert (use.recipient_count, use.excluded_count, use.segment_name, use.purpose) == (3, 1, "Radweg", "letter")
    assert db.session.scalar(select(func.count()).select_from(SegmentUseEntry)
                             .where(SegmentUseEntry.use_id == use.id)) == 4

    # Afterwards: Bernd loses the tag, Olga gets it, Ida's function ends, Anna marries and is renamed,
    # and the conditions change.
    bernd, olga, anna = (db.session.get(Person, region.person[n]) for n in ("Bernd", "Olga", "Anna"))
    radweg = db.session.get(Tag, region.tag["Radweg"])
    bernd.tags.remove(radweg)
    olga.tags.append(radweg)
    anna.last_name = "Albrecht-Kunz"
    db.session.get(Affiliation, region.affiliation[("Ida", "V2")]).valid_to = date(2025, 1, 31)
    services.save_segment(segment, {"name": "Radweg", "filter": {"op": "and", "items": [
        {"facet": "tag", "values": [region.tag["Presse"]]}]}})
    db.session.commit()
    assert names(services.resolve(segment, "at_organisation", "letter").recipients) == ["Stefan Sauer"]

    again = services.use_resolution(db.session.get(SegmentUse, use.id))
    assert names(again.recipients) == ["Anna Albrecht-Kunz", "Bernd Bauer", "Ida Imhof"]
    assert reasons(again) == {"Hans Huber": "keine Postanschrift"}
    # Ida is written to at the function the run chose, although it has ended since
    assert again.recipients[2].address_lines[0] == "Sportverein Elsenfeld"
    assert [r.affiliation_id for r in again.recipients] == [r.affiliation_id for r in resolution.recipients]
    assert db.session.get(SegmentUse, use.id).filter == {"op": "and", "items": [
        {"facet": "tag", "values": [region.tag["Radweg"]]}]}


def test_record_use_refuses_a_resolution_of_another_rule(region, mixed_list):
    with pytest.raises(ValueError):
        services.record_use(mixed_list, "letter", "organisation", services.resolve(mixed_list, "person"))


def test_resolving_a_thousand_recipients_takes_a_few_queries(app, session, count_queries):
    """Persons, functions, organisations and titles are read per 500 ids, never per recipient."""
    from crm.contacts.demo import generate_region

    generate_region(persons=1000, seed=4)
    db.session.commit()
    segment = services.save_segment(None, {"name": "Alle", "filter": {"op": "and", "items": []}})
    db.session.commit()
    assert segment.filter is not None  # loaded before counting
    with count_queries.recording() as statements:
        resolution = services.resolve(segment, "at_organisation", "letter")
        lines = [r.address_lines for r in resolution.recipients]
    assert len(resolution.recipients) + len(resolution.excluded) == 1000
    assert len(lines) > 900
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 + 4 * 2, selects  # the ids, then 4 loads per 500 persons
    with count_queries.recording() as statements:
        use = services.record_use(segment, "letter", "at_organisation", resolution)
        services.use_resolution(use)
    assert len(statements) <= 12
