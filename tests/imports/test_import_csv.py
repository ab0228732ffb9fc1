"""CSV / Excel import through the services: detection, mapping, validation, duplicates,
per-row choices, one commit, the log and undo. Bad input changes nothing."""
import pytest
from sqlalchemy import func, select

from crm.contacts.models import Affiliation, FieldOfAction, Organisation, Person
from crm.core.audit import AuditLog
from crm.extensions import db
from crm.imports import services
from crm.imports.fields import suggest_mapping
from crm.imports.models import ContactDetail, ImportBatch, ImportRow
from crm.interop.tabular import xlsx_bytes

HEADER = "Anrede;Titel;Vorname;Nachname;Funktion;Organisation;Straße;Hausnummer;PLZ;Ort;E-Mail;Telefon;Mobil;Handlungsfeld;Schlagwort"


def excel_csv(*rows: str) -> bytes:
    """What German Excel writes with "CSV (Trennzeichen-getrennt)": Windows-1252, ";" and CRLF."""
    return ("\r\n".join((HEADER,) + rows) + "\r\n").encode("cp1252")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def rows_of(batch) -> list[ImportRow]:
    return db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.position)).all()


def test_german_headers_are_assigned_automatically():
    header = ["Anrede", "Titel", "Vorname", "Nachname", "Funktion", "Organisation", "Straße", "Hausnummer", "PLZ",
              "Ort", "Gemeinde", "E-Mail", "Telefon", "Mobil", "Handlungsfeld", "Schlagwort", "Zielgruppe",
              "Bemerkung", "Spalte ohne Bedeutung"]
    mapping = suggest_mapping(header)
    assert [mapping.get(i) for i in range(len(header))] == [
        "salutation", "degree", "first_name", "last_name", "function", "organisation", "street", "house_number",
        "postcode", "city", "municipality", "email", "phone", "mobile", "fields_of_action", "tags",
        "target_groups", "notes", None]
    assert suggest_mapping(["E-Mail-Adresse", "Tel.", "Firma", "Straße und Hausnummer", "Postleitzahl"]) == {
        0: "email", 1: "phone", 2: "organisation", 3: "street", 4: "postcode"}


def test_excel_csv_in_windows_1252_imports_persons_and_organisations(run_import, session):
    session.add(FieldOfAction(name="Tourismus und Naherholung", position=1))
    session.commit()
    data = excel_csv(
        "Herr;Dr.;Jörg;Müller;Geschäftsführer;Müller & Söhne GmbH;Hauptstraße;5;1067;Dresden;j.mueller@mueller-soehne.de;0351 123456;0171 1234567;Tourismus und Naherholung;Presse, Kultur",
        'Frau;;Änne;Bäcker;"Vorsitzende; kommissarisch";Heimatverein Wörth e.V.;Am Anger;3;63939;Wörth a. Main;;;;;"Ehrenamt;Kultur"',
    )
    batch = run_import("liste.csv", data)
    assert (batch.encoding, batch.delimiter) == ("cp1252", ";")
    assert batch.counts["created"] == 2 and batch.counts["organisations_created"] == 2
    joerg = db.session.scalar(select(Person).where(Person.last_name == "Müller"))
    assert (joerg.gender, joerg.degree, joerg.first_name) == ("male", "Dr.", "Jörg")
    aff = joerg.affiliations[0]
    assert aff.organisation.name == "Müller & Söhne GmbH" and aff.function_name == "Geschäftsführer"
    assert aff.email == "j.mueller@mueller-soehne.de" and aff.phone == "+49 351 123456"
    assert aff.mobile == "+49 171 1234567"
    org = aff.organisation
    # a new organisation takes the row's address; the leading zero Excel dropped is back
    assert (org.street, org.postcode, org.city, org.kind) == ("Hauptstraße 5", "01067", "Dresden", "company")
    assert [f.name for f in joerg.fields_of_action] == ["Tourismus und Naherholung"]
    assert sorted(t.name for t in joerg.tags) == ["Kultur", "Presse"]
    aenne = db.session.scalar(select(Person).where(Person.last_name == "Bäcker"))
    assert aenne.affiliations[0].function_label == "Vorsitzende; kommissarisch"
    assert aenne.affiliations[0].organisation.kind == "association"
    assert sorted(t.name for t in aenne.tags) == ["Ehrenamt", "Kultur"]
    # every created record is in the audit trail, with who did it
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.entity_type == "person", AuditLog.action == "create")) == 2


def test_xlsx_with_comma_separated_columns(run_import, session):
    data = xlsx_bytes(["Name", "Organisation", "E-Mail"],
                      [["Müller, Hans", "Gemeinde Kleinwallstadt", "hans.mueller@kleinwallstadt.de"],
                       ["Dr. Eva von Thurn", "", "eva@thurn.de"]])
    batch = run_import("liste.xlsx", data, mapping={0: "full_name", 1: "organisation", 2: "email"})
    assert batch.source == "xlsx" and batch.counts["created"] == 2
    eva = db.session.scalar(select(Person).where(Person.last_name == "Thurn"))
    assert (eva.degree, eva.first_name, eva.nobility, eva.email) == ("Dr.", "Eva", "von", "eva@thurn.de")
    hans = db.session.scalar(select(Person).where(Person.last_name == "Müller"))
    assert hans.first_name == "Hans" and hans.affiliations[0].organisation.kind == "municipality"


def test_a_row_without_person_name_is_an_organisation(run_import, make_org, session):
    data = "Organisation;Straße;PLZ;Ort;E-Mail\r\nSpessartbund e.V.;Am Markt 1;63897;Miltenberg;info@spessartbund.de\r\n"
    batch = run_import("orgs.csv", data)
    row = rows_of(batch)[0]
    assert row.kind == "organisation" and row.result["created"]
    org = db.session.get(Organisation, row.result["organisation_id"])
    assert (org.email, org.city) == ("info@spessartbund.de", "Miltenberg")


def test_bad_email_is_an_error_in_its_row_only_and_nothing_is_saved_before_the_commit(session):
    before = count(Person)
    batch = services.start_import("liste.csv", excel_csv(
        "Herr;;Hans;Huber;;;;;;;hans.huber@;;;;",
        "Frau;;Anna;Schmitt;;;;;;;anna@example.org;;;;",
    ))
    services.apply_mapping(batch, services.mapping_for(batch))
    session.commit()
    bad, good = rows_of(batch)
    assert bad.errors == [["email", "“%(value)s” is not a valid e-mail address.", {"value": "hans.huber@"}]]
    # the summary counted while the rows were written is what the stored rows say
    assert batch.counts == services.preview_counts(batch) == {
        "create": 1, "update": 0, "skip": 1, "errors": 1, "warnings": 0, "duplicates": 0}
    assert bad.action == "skip" and good.action == "create" and not good.errors
    assert count(Person) == before  # the preview changes no contact
    # a row with errors cannot be switched to "create"
    services.set_row_actions(batch, {bad.id: "create"})
    assert db.session.get(ImportRow, bad.id).action == "skip"
    services.commit_import(batch)
    session.commit()
    assert {p.last_name for p in db.session.scalars(select(Person))} >= {"Schmitt"}
    assert db.session.scalar(select(Person).where(Person.last_name == "Huber")) is None


@pytest.mark.parametrize("name, data, message", [
    ("leer.csv", b"", "The file is empty."),
    ("bild.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
     "This is not a text file. Please upload a CSV file (or an Excel .xlsx file)."),
    ("nur-kopf.csv", b"Nachname;Vorname\r\n", "The file has a header line but no rows."),
    ("kaputt.xlsx", b"PK\x03\x04 not really a zip", "This is not a readable Excel file (.xlsx)."),
    ("alt.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Old Excel files (.xls) cannot be read. Please save the file as .xlsx or CSV."),
    ("leer.vcf", b"hello", "This file contains no vCard."),
])
def test_bad_files_are_refused_with_a_clear_message(name, data, message, session):
    with pytest.raises(services.ImportProblem) as info:
        services.start_import(name, data)
    assert info.value.msgid == message


def test_a_file_over_the_size_limit_is_refused(app, session):
    app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        with pytest.raises(services.ImportProblem) as info:
            services.start_import("gross.csv", b"Nachname\r\n" + b"Muster\r\n" * 200)
        assert info.value.msgid == "The file is larger than %(limit)s MB."
    finally:
        app.config.pop("IMPORT_MAX_BYTES")


def test_mapping_without_a_name_column_is_refused(session):
    batch = services.start_import("x.csv", b"Ort;PLZ\r\nKahl;63796\r\n")
    with pytest.raises(services.ImportProblem):
        services.apply_mapping(batch, {0: "city", 1: "postcode"})


def test_duplicates_are_shown_and_update_fills_the_existing_contact(run_import, make_org, make_person, session):
    org = make_org("Markt Eschau", kind="municipality", sector="public", street="Rathausplatz 1", postcode="63863",
                   city="Eschau", email="rathaus@eschau.de")
    existing = make_person("Meier", "Gerhard", gender="male", organisation=org, mobile="")
    existing.affiliations[0].email = "g.meier@eschau.de"
    session.commit()
    data = ("Vorname;Nachname;Organisation;E-Mail;Mobil;Schlagwort\r\n"
            "Gerhard;Maier;Markt Eschau;g.meier@eschau.de;0170 5555555;Bürgermeister\r\n"
            "Gerda;Meier;;gerda@example.org;;\r\n")
    batch = services.start_import("update.csv", data.encode())
    services.apply_mapping(batch, services.mapping_for(batch))
    first, second = rows_of(batch)
    assert first.matches[0]["id"] == existing.id and first.matches[0]["score"] >= 90
    reasons = {r[0] for r in first.matches[0]["reasons"]}
    assert {"email", "phonetic", "organisation"} <= reasons
    assert first.action == "update" and first.target_id == existing.id  # proposed for a strong match
    assert second.action == "create"
    assert batch.counts == services.preview_counts(batch) and batch.counts["duplicates"] >= 1
    services.set_row_actions(batch, {first.id: f"update:{existing.id}", second.id: "skip"})
    # a different name is kept unless the user chooses the file's value for that field
    services.set_field_choices(batch, {first.id: {"last_name": "new"}})
    counts = services.commit_import(batch)
    session.commit()
    assert (counts["created"], counts["updated"], counts["skipped"]) == (0, 1, 1)
    db.session.expire_all()
    person = db.session.get(Person, existing.id)
    assert person.last_name == "Maier"  # the file's spelling, as chosen for this field
    assert person.affiliations[0].mobile == "+49 170 5555555"
    assert [t.name for t in person.tags] == ["Bürgermeister"]
    assert count(Affiliation) == 1


def test_undo_removes_what_was_created_and_restores_what_was_updated(run_import, make_person, session):
    kim = make_person("Bauer", "Kim", gender="diverse", email="kim@bauer.de", city="Kahl")
    session.commit()
    data = ("Vorname;Nachname;E-Mail;Ort;Organisation;Schlagwort\r\n"
            "Kim;Bauer;kim@bauer.de;Alzenau;;Neu\r\n"
            "Lea;Neumann;lea@example.org;Mömbris;Neue Firma GmbH;\r\n")
    batch = run_import("undo.csv", data)
    db.session.expire_all()
    assert db.session.get(Person, kim.id).city == "Alzenau"
    assert count(Person) == 2 and db.session.scalar(select(Organisation).where(Organisation.name == "Neue Firma GmbH"))
    counts = services.undo_import(batch)
    session.commit()
    db.session.expire_all()
    assert counts["undo_deleted"] == 1
    kim = db.session.get(Person, kim.id)
    assert kim.city == "Kahl" and kim.tags == []
    assert db.session.scalar(select(Person).where(Person.last_name == "Neumann")) is None
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Neue Firma GmbH")) is None
    assert db.session.get(ImportBatch, batch.id).status == "undone"
    with pytest.raises(services.ImportProblem):
        services.undo_import(batch)


def test_undo_keeps_values_changed_after_the_import(run_import, make_person, session):
    anna = make_person("Huber", "Anna", email="anna@huber.de", city="Kahl")
    session.commit()
    batch = run_import("u.csv", "Vorname;Nachname;E-Mail;Ort\r\nAnna;Huber;anna@huber.de;Alzenau\r\n")
    anna = db.session.get(Person, anna.id)
    anna.city = "Karlstein"  # someone corrected it by hand since
    session.commit()
    counts = services.undo_import(batch)
    session.commit()
    assert counts["undo_kept"] == 1
    assert db.session.get(Person, anna.id).city == "Karlstein"


def test_values_that_do_not_fit_are_kept_as_further_details_from_vcards(run_import, session):
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Vogel;Ute;;;\r\nEMAIL;TYPE=HOME:ute@vogel.de\r\n"
            "EMAIL;TYPE=HOME:ute.vogel@web.de\r\nEMAIL:vogel@verein.de\r\nTEL;TYPE=FAX:06022 99\r\nEND:VCARD\r\n")
    run_import("ute.vcf", card)
    ute = db.session.scalar(select(Person).where(Person.last_name == "Vogel"))
    details = {d.value for d in db.session.scalars(select(ContactDetail).where(ContactDetail.person_id == ute.id))}
    assert ute.email == "ute@vogel.de"
    assert {"ute.vogel@web.de", "vogel@verein.de"} <= details and "06022 99" in details


def test_saved_mapping_is_reused_by_header_name(session):
    first = services.start_import("a.csv", b"Familienname;Rufname;Verteiler\r\nKraus;Uli;Presse\r\n")
    mapping = {0: "last_name", 1: "first_name", 2: "tags"}
    services.save_mapping("Presseverteiler", first, mapping)
    second = services.start_import("b.csv", b"Verteiler;Rufname;Familienname\r\nPresse;Ina;Roth\r\n")
    saved = services.find_saved_mapping("Presseverteiler")
    assert services.mapping_for(second, saved) == {0: "tags", 1: "first_name", 2: "last_name"}


def test_own_export_reimported_updates_by_id(run_import, make_person, session, app):
    from crm.exports import services as exports

    with app.test_request_context():
        person = make_person("Roth", "Ina", email="ina@roth.de")
        s = exports.export_session()
        from crm.interop.tabular import csv_response_rows

        data = b"".join(csv_response_rows(exports.person_header(), exports.person_rows(exports.persons_query(), s)))
        s.close()
    data = data.decode("utf-8-sig").replace("ina@roth.de", "ina.roth@example.org").encode("utf-8-sig")
    batch = run_import("export.csv", data)
    row = rows_of(batch)[0]
    assert row.matches[0] == {"id": person.id, "score": 100, "reasons": [["id"]], "label": "Ina Roth"}
    assert batch.counts["updated"] == 1 and batch.counts["created"] == 0
    db.session.expire_all()
    assert db.session.get(Person, person.id).email == "ina.roth@example.org"
    assert db.session.get(Person, person.id).salutation_override == ""  # the computed salutation is not an override


def test_rows_repeating_an_earlier_row_get_a_note(session):
    batch = services.start_import("d.csv", b"Vorname;Nachname;E-Mail\r\nUwe;Lang;uwe@lang.de\r\nUwe;Lang;uwe@lang.de\r\n")
    services.apply_mapping(batch, services.mapping_for(batch))
    assert rows_of(batch)[1].warnings[0][1] == "Looks like row %(row)s of this file."
    assert batch.counts == services.preview_counts(batch) and batch.counts["warnings"] == 1


def test_imported_and_updated_persons_are_found_by_the_quick_search(run_import, make_person, session):
    from crm.contacts.search import quick_search

    kim = make_person("Bauer", "Kim", email="kim@bauer.de")
    session.commit()
    run_import("suche.csv", "Vorname;Nachname;E-Mail;Organisation;Schlagwort\r\n"
                            "Kim;Bauer;kim@bauer.de;;Streuobstwiese\r\n"
                            "Xaver;Quirinius;xq@example.org;Obstbau Quirinius GmbH;\r\n")
    assert [p.id for p in quick_search("Streuobstwiese").persons] == [kim.id]
    assert [p.last_name for p in quick_search("Quirinius").persons] == ["Quirinius"]
    assert [o.name for o in quick_search("Obstbau").organisations] == ["Obstbau Quirinius GmbH"]


def test_an_id_column_of_another_list_does_not_pick_a_stranger(make_person, session):
    stranger = make_person("Zimmermann", "Otto")
    batch = services.start_import("mitglieder.csv",
                                  f"ID;Vorname;Nachname\r\n{stranger.id};Rita;Blum\r\n".encode())
    services.apply_mapping(batch, services.mapping_for(batch))
    row = rows_of(batch)[0]
    assert row.matches == [] and row.action == "create"
    assert "belongs to someone else" in row.warnings[0][1]


def test_two_rows_for_one_person_at_a_new_organisation_can_be_undone(run_import, make_person, session):
    """The second row changes the function the first row created (no id before the flush): the undo
    removes that function and restores the person (it once failed on the key "None")."""
    kim = make_person("Bauer", "Kim", gender="diverse", email="kim@bauer.de", city="Kahl")
    session.commit()
    data = ("Vorname;Nachname;E-Mail;Ort;Organisation;Funktion;Telefon\r\n"
            "Kim;Bauer;kim@bauer.de;Alzenau;Neue Firma GmbH;Geschäftsführerin;06023 1111\r\n"
            "Kim;Bauer;kim@bauer.de;Alzenau;Neue Firma GmbH;Prokuristin;06023 2222\r\n")
    batch = run_import("twice.csv", data)
    db.session.expire_all()
    rows = rows_of(batch)
    assert all("None" not in (row.result or {}).get("affiliations", {}) for row in rows)
    assert len([a for a in db.session.get(Person, kim.id).affiliations]) == 1
    services.undo_import(batch)
    session.commit()
    db.session.expire_all()
    kim = db.session.get(Person, kim.id)
    assert kim.city == "Kahl" and kim.affiliations == []
