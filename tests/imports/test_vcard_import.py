"""vCard import of what real clients write: the whole interop corpus, broken cards, round trips."""
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.contacts.models import Person
from crm.extensions import db
from crm.imports.models import ContactDetail, ImportRow
from crm.interop.dedupe import phone_key
from crm.interop.vcard import parse_vcards

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "interop" / "vcard"
FILES = sorted(CORPUS.glob("*.vcf"))


def _everything_of(person: Person) -> tuple[set, set, list]:
    """All e-mail addresses, phone numbers (as digits) and address lines the database holds for a person."""
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
    return ({e for e in emails if e}, {phone_key(p) or "".join(p.split()) for p in phones if p}, addresses)


def test_corpus_is_there():
    assert len(FILES) >= 17, f"interop corpus missing at {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_imports_with_all_its_data(path, run_import, session):
    parsed = parse_vcards(path.read_bytes())
    assert parsed.errors == []
    batch = run_import(path.name, path.read_bytes())
    assert batch.status == "committed"
    assert batch.counts["created"] == len(parsed.contacts)
    rows = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.position)).all()
    for contact, row in zip(parsed.contacts, rows):
        assert not row.errors, row.errors
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
        # every e-mail address, phone number and address is somewhere
        emails, phones, addresses = _everything_of(person)
        for email in contact.emails:
            assert email.value.lower() in emails, (email, emails)
        for phone in contact.phones:
            assert (phone_key(phone.value) or "".join(phone.value.split())) in phones | {"".join(phone.value.split())}, (phone, phones)
        text = " | ".join(addresses)
        for address in contact.addresses:
            for part in (address.street, address.city, address.postcode):
                for piece in (p.strip() for p in part.split(",")):
                    assert piece in text, (piece, text)
        if contact.categories:
            assert {t.name for t in person.tags} == set(contact.categories)


def test_outlook_2007_card_in_detail(run_import, session):
    run_import("outlook-2007.vcf", (CORPUS / "outlook-2007.vcf").read_bytes())
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
    batch = run_import("android.vcf", (CORPUS / "John_Doe_ANDROID.vcf").read_bytes())
    names = {p.last_name for p in db.session.scalars(select(Person))}
    assert "ÑÑÑÑ" in names and "Ñ Ñ" in names
    assert batch.counts["created"] == 6


def test_iphone_item_groups_and_labels(run_import, session):
    run_import("iphone.vcf", (CORPUS / "John_Doe_IPHONE.vcf").read_bytes())
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
    from crm.imports import exports, services

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
