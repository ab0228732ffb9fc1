"""vCard import of what real clients write: the project's own cards of each dialect (tests/imports/vcards),
the shared interop corpus when it is there, broken cards, round trips."""
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.contacts.models import Organisation, Person
from crm.extensions import db
from crm.imports.models import ContactDetail, ImportRow
from crm.interop.dedupe import phone_key
from crm.interop.vcard import parse_vcards

FIXTURES = Path(__file__).resolve().parent / "vcards"
OWN_FILES = sorted(FIXTURES.glob("*.vcf"))
# The shared corpus (real exports of Outlook, iPhone, Android, Gmail ...) lives next to the
# repository in ../shared; a fresh clone has only the project's own cards above.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "vcard"
FILES = sorted(CORPUS.glob("*.vcf"))
MISSING = f"the shared interop corpus is not at {CORPUS} (a clone without ../shared): corpus tests skipped"


def corpus(name: str | None = None) -> Path:
    """A corpus file, or skip the test (fail under CI, where the corpus is always present)."""
    if not FILES:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(MISSING.replace("skipped", "required under CI"))
        print(MISSING)
        pytest.skip(MISSING)
    return CORPUS / name if name else CORPUS


def _everything_of(person: Person) -> tuple[set, set, list, set]:
    """All e-mail addresses, phone numbers (as digits), address lines and websites held for a person."""
    details = db.session.scalars(select(ContactDetail).where(ContactDetail.person_id == person.id)).all()
    emails = {person.email.lower()} | {a.email.lower() for a in person.affiliations}
    emails |= {d.value.lower() for d in details if d.kind == "email"}
    phones = {person.phone, person.mobile} | {a.phone for a in person.affiliations} | {a.mobile for a in person.affiliations}
    phones |= {d.value for d in details if d.kind == "phone"}
    orgs = {a.organisation_id: a.organisation for a in person.affiliations}
    phones |= {o.phone for o in orgs.values()} | {o.fax for o in orgs.values()}
    addresses = [f"{person.street} {person.postcode} {person.city}"]
    addresses += [f"{a.street} {a.postcode} {a.city}" for a in person.affiliations]
    addresses += [f"{o.street} {o.postcode} {o.city}" for o in orgs.values()]
    addresses += [d.value for d in details if d.kind == "address"]
    websites = {d.value for d in details if d.kind == "web"} | {o.website for o in orgs.values() if o.website}
    return ({e for e in emails if e}, {phone_key(p) or "".join(p.split()) for p in phones if p}, addresses, websites)


def _check_file_imports_with_all_its_data(path, run_import):
    parsed = parse_vcards(path.read_bytes())
    assert parsed.errors == []
    batch = run_import(path.name, path.read_bytes())
    assert batch.status == "committed"
    person_cards = [c for c in parsed.contacts if not c.is_organisation]
    assert batch.counts["created"] == len(parsed.contacts)
    rows = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.position)).all()
    assert len(batch.created_persons) == len(person_cards)
    for contact, row in zip(parsed.contacts, rows):
        assert not row.errors, row.errors
        if contact.is_organisation:
            assert str(row.position) not in batch.created_persons
            continue
        person = db.session.get(Person, batch.created_persons[str(row.position)])
        assert person is not None
        # names
        if contact.family:
            assert contact.family.endswith(person.last_name) and (person.nobility + " " + person.last_name).strip() == contact.family
        if contact.given:
            assert person.first_name.startswith(contact.given)
        if contact.suffix:
            assert person.name_suffix == contact.suffix
        if not contact.family and contact.formatted_name:
            assert person.last_name and person.last_name in contact.formatted_name
        # organisation and title
        orgs = sorted(a.organisation.name for a in person.affiliations)
        assert sorted(o for o, _ in contact.organisations if o) == orgs
        if contact.organisations and contact.titles:
            primary = next(a for a in person.affiliations if a.is_primary)
            assert primary.function_name == contact.titles[0]
            assert primary.department == contact.organisations[0][1]
        # every e-mail address, phone number, address and website is somewhere, with its kind
        emails, phones, addresses, websites = _everything_of(person)
        for email in contact.emails:
            assert email.value.lower() in emails, (email, emails)
        for phone in contact.phones:
            assert (phone_key(phone.value) or "".join(phone.value.split())) in phones | {"".join(phone.value.split())}, (phone, phones)
        for url in contact.urls:
            assert url.value in websites, (url, websites)
        text = " | ".join(addresses)
        for address in contact.addresses:
            for part in (address.street, address.city, address.postcode):
                for piece in (p.strip() for p in part.split(",")):
                    assert piece in text, (piece, text)
        if contact.categories:
            assert {t.name for t in person.tags} == set(contact.categories)
    return parsed, batch


def test_the_projects_own_cards_are_there():
    names = {p.name for p in OWN_FILES}
    assert {"outlook-2007-21.vcf", "ios-30.vcf", "google-30.vcf", "nextcloud-40.vcf", "apple-company-30.vcf",
            "thunderbird-40.vcf", "android-21.vcf"} <= names


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: p.name)
def test_every_own_card_imports_with_all_its_data(path, run_import, session):
    _check_file_imports_with_all_its_data(path, run_import)


def test_corpus_is_there():
    assert len(list(corpus().glob("*.vcf"))) >= 17


@pytest.mark.parametrize("name", [p.name for p in FILES] or ["(corpus missing)"])
def test_every_corpus_file_imports_with_all_its_data(name, run_import, session):
    _check_file_imports_with_all_its_data(corpus(name), run_import)


def test_outlook_2007_card_in_detail(run_import, session):
    run_import("outlook-2007.vcf", corpus("outlook-2007.vcf").read_bytes())
    person = db.session.scalar(select(Person).where(Person.last_name == "Angstadt"))
    assert (person.gender, person.first_name, person.name_suffix) == ("male", "Michael", "Jr.")
    aff = person.affiliations[0]
    assert aff.organisation.name == "TheCompany" and aff.department == "TheDepartment"
    assert aff.function_name == "TheJobTitle"
    # an untyped address on a card with an organisation is the business address
    assert aff.email == "mike.angstadt@gmail.com" and person.email == ""
    assert "I assume it encodes this text inside a NOTE vCard type." in person.notes  # quoted-printable, soft breaks
    assert person.data_source == "Import: outlook-2007.vcf"


def test_android_quoted_printable_utf8_names(run_import, session):
    batch = run_import("android.vcf", corpus("John_Doe_ANDROID.vcf").read_bytes())
    names = {p.last_name for p in db.session.scalars(select(Person))}
    assert "ÑÑÑÑ" in names and "Ñ Ñ" in names
    assert batch.counts["created"] == 6


def test_iphone_item_groups_and_labels(run_import, session):
    run_import("iphone.vcf", corpus("John_Doe_IPHONE.vcf").read_bytes())
    person = db.session.scalar(select(Person).where(Person.last_name == "Doe"))
    details = db.session.scalars(select(ContactDetail).where(ContactDetail.person_id == person.id)).all()
    assert any(d.value == "905-222-1234" and d.label == "AssistantPhone" for d in details)
    assert person.street == "Silicon Alley 5" and person.city == "New York" and person.country == "US"


def test_a_broken_card_is_reported_by_position_and_the_others_import(run_import, session):
    data = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Huber;Anna;;;\r\nFN:Anna Huber\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Kaputt;Karl;;;\r\nthis line is garbage\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Schäfer;Jürgen\r\nEMAIL;INTERNET:j.schaefer@example.org\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ohne;Ende\r\n"
    )
    batch = run_import("kontakte.vcf", data)
    assert [p[0] for p in batch.problems] == [2, 4]
    assert batch.counts["created"] == 2
    assert {p.last_name for p in db.session.scalars(select(Person))} == {"Huber", "Schäfer"}


def test_round_trip_export_then_import_gives_the_same_contacts(make_org, make_person, make_function, session):
    from crm.contacts.services import resolve_tags
    from crm.exports import services as exports
    from crm.imports import services

    org = make_org("Müller & Söhne GmbH", kind="company", sector="economy", street="Hauptstraße 1",
                   postcode="01067", city="Dresden")
    function = make_function("Geschäftsführer", "Geschäftsführerin")
    a = make_person("Thurn", "Hans", gender="male", organisation=org, function=function, degree="Prof. Dr.",
                    nobility="von", name_suffix="jun.", email="hans@privat.de", mobile="+49 171 1234567",
                    street="Am Anger 3; Hinterhaus", postcode="63785", city="Obernburg a. Main")
    a.affiliations[0].email = "h.thurn@mueller-soehne.de"
    a.affiliations[0].department = "Vertrieb, Export"
    a.tags = resolve_tags(["Presse", "Kultur, Kunst"])
    b = make_person("Bäcker", "Änne", gender="female", email="aenne@example.org")
    session.commit()
    session_ = exports.export_session()
    text = b"".join(exports.vcard_bytes_stream(exports.persons_query(), session_))
    session_.close()
    before = {p.id: _snapshot(p) for p in (a, b)}
    # the same cards into an empty database
    db.session.execute(db.delete(Person).where(Person.id.in_([a.id, b.id])))
    session.commit()
    batch = services.start_import("export.vcf", text)
    services.commit_import(batch)
    session.commit()
    after = sorted((_snapshot(p) for p in db.session.scalars(select(Person))), key=lambda s: s["last_name"])
    assert after == sorted(before.values(), key=lambda s: s["last_name"])


def _snapshot(p: Person) -> dict:
    return {
        "gender": p.gender, "degree": p.degree, "first_name": p.first_name, "nobility": p.nobility,
        "last_name": p.last_name, "name_suffix": p.name_suffix, "email": p.email, "mobile": p.mobile,
        "street": p.street, "postcode": p.postcode, "city": p.city, "tags": sorted(t.name for t in p.tags),
        "functions": sorted((a.organisation.name, a.function_name, a.department, a.email) for a in p.affiliations),
    }


# ----------------------------------------------------------------------------- issue 8.8


def _details(person) -> set:
    return {(d.kind, d.label, d.value) for d in db.session.scalars(
        select(ContactDetail).where(ContactDetail.person_id == person.id))}


def test_outlook_card_keeps_fax_website_and_the_business_mobile(run_import, make_org, session):
    make_org("Holzbau Jäger GmbH", kind="company", sector="economy", fax="")  # the organisation exists already
    run_import("outlook.vcf", (FIXTURES / "outlook-2007-21.vcf").read_bytes())
    person = db.session.scalar(select(Person).where(Person.last_name == "Jäger"))
    assert (person.first_name, person.degree) == ("Jürgen", "Dr.")
    assert person.notes == "Kennt die Straßenbauer.\nZweite Zeile mit ß und ä."
    aff = person.affiliations[0]
    assert (phone_key(aff.phone), phone_key(aff.mobile), aff.email) == (
        "0937147110", "01712345678", "j.jaeger@holzbau-jaeger.de")
    assert person.mobile == "" and phone_key(person.phone) == "093711234"
    details = {(kind, label, phone_key(value) if kind == "phone" else value) for kind, label, value in _details(person)}
    assert ("phone", "FAX,WORK", "09371471199") in details
    assert ("phone", "CAR", "01719999999") in details
    assert ("web", "WORK", "http://www.holzbau-jaeger.de") in details
    assert ("web", "HOME", "http://juergen-jaeger.de") in details


def test_further_details_show_their_kind_in_german(client, login, run_import, session):
    login("staff")
    run_import("outlook.vcf", (FIXTURES / "outlook-2007-21.vcf").read_bytes())
    person = db.session.scalar(select(Person).where(Person.last_name == "Jäger"))
    page = client.get(f"/personen/{person.id}").get_data(as_text=True)
    assert "(Telefon, Fax, dienstlich)" in page
    assert '<a href="http://www.holzbau-jaeger.de"' in page and "(Website, dienstlich)" in page


def test_a_work_mobile_is_never_a_private_one(run_import, session):
    run_import("android.vcf", (FIXTURES / "android-21.vcf").read_bytes())
    person = db.session.scalar(select(Person).where(Person.last_name == "Müller"))
    assert phone_key(person.mobile) == "01715556667"  # TEL;CELL;PREF on a card without organisation: private
    assert ("phone", "CELL,WORK", "01512223334") in {(k, label, phone_key(v)) for k, label, v in _details(person)}
    assert ("web", "", "http://www.mueller-imkerei.example") in _details(person)


def test_ios_labels_that_say_work_mobile_are_the_business_mobile(run_import, session):
    run_import("ios.vcf", (FIXTURES / "ios-30.vcf").read_bytes())
    person = db.session.scalar(select(Person).where(Person.last_name == "Schäfer"))
    assert phone_key(person.affiliations[0].mobile) == "01601112223" and person.mobile == ""
    assert ("web", "HomePage", "https://www.eschau.de") in _details(person)  # "http\\:" unescaped


def test_a_nextcloud_organisation_card_makes_an_organisation_only(run_import, session):
    batch = run_import("nextcloud.vcf", (FIXTURES / "nextcloud-40.vcf").read_bytes())
    persons = db.session.scalars(select(Person)).all()
    assert [(p.first_name, p.last_name) for p in persons] == [("Carla", "Neumann")]
    assert not db.session.scalar(select(Person).where(Person.last_name.in_(["e.V.", "Tourismusverband Spessart-Mainland"])))
    orgs = db.session.scalars(select(Organisation)).all()
    assert [o.name for o in orgs] == ["Tourismusverband Spessart-Mainland e.V."]
    org = orgs[0]
    assert (org.email, phone_key(org.phone), phone_key(org.fax), org.website) == (
        "info@spessart-mainland.de", "0602226110", "06022261199", "https://www.spessart-mainland.de")
    assert (org.street, org.postcode, org.city) == ("Bayernstraße 18", "63739", "Aschaffenburg")
    assert "presse@spessart-mainland.de" in org.notes  # a second address has no field: kept in the notes
    assert persons[0].affiliations[0].organisation_id == org.id
    assert batch.counts["created"] == 2


def test_an_apple_company_card_makes_an_organisation_only(run_import, session):
    run_import("apple.vcf", (FIXTURES / "apple-company-30.vcf").read_bytes())
    assert db.session.scalars(select(Person)).all() == []
    org = db.session.scalar(select(Organisation))
    assert (org.name, org.email, phone_key(org.phone), org.website, org.city) == (
        "Obst- und Gartenbauverein Eschau", "vorstand@ogv-eschau.de", "093741212", "https://ogv-eschau.de", "Eschau")


def test_organisations_exported_as_company_cards_import_as_organisations(client, login, make_org, session):
    from crm.imports import services

    login("staff")
    make_org("Markt Eschau", kind="municipality", sector="public", email="info@eschau.de", phone="09374 9730-0",
             fax="09374 9730-99", website="https://www.eschau.de", street="Elsenfelder Str. 2", postcode="63863",
             city="Eschau")
    response = client.get("/export/organisationen.vcf")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    text = response.get_data()
    assert b"X-ABShowAs:COMPANY" in text
    db.session.execute(db.delete(Organisation))
    session.commit()
    batch = services.start_import("organisationen.vcf", text)
    services.commit_import(batch)
    session.commit()
    assert db.session.scalars(select(Person)).all() == []
    org = db.session.scalar(select(Organisation))
    assert (org.name, org.email, phone_key(org.phone), phone_key(org.fax), org.website, org.postcode) == (
        "Markt Eschau", "info@eschau.de", "0937497300", "09374973099", "https://www.eschau.de", "63863")
