"""Imports that never damage data (issue 8): organisation names, field-by-field updates,
strong matches, caps on costly files, German messages, one commit per batch."""
import io
import re
import zipfile

import pytest
from sqlalchemy import func, select, update

from crm.contacts.models import Affiliation, Organisation, Person
from crm.extensions import db
from crm.imports import services
from crm.imports.compare import person_changes
from crm.imports.fields import organisation_key
from crm.imports.models import ImportBatch, ImportRow
from crm.interop import tabular
from crm.interop.tabular import TableError, read_csv, read_xlsx


def rows_of(batch):
    return db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id)
                              .order_by(ImportRow.position)).all()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def upload(client, data, name):
    return client.post("/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


# ----------------------------------------------------------------------------- organisations


@pytest.mark.parametrize("a, b", [
    ("Ritter-Software GmbH & Co. KG", "Ritter Software GmbH & Co.KG"),
    ("Löwer Logistik GmbH & Co.KG", "Loewer Logistik GmbH & Co. KG"),
    ("Gumprich Holzbau", "Gumprich Holzbau GmbH"),
    ("Barth Logistik eK", "Barth Logistik e.K."),
    ("Tourismusverband Spessart-Mainland e.V.", "Tourismusverband Spessart Mainland eV"),
    ("Müller & Söhne GmbH", "Mueller und Soehne GmbH"),
    ("Brückner Elektro UG (haftungsbeschränkt)", "Brückner Elektro UG"),
    ("Weinbau Klotz OHG", "Weinbau Klotz GbR"),
    ("Agrar AG", "Agrar mbH"),
])
def test_organisation_names_compare_without_legal_form_punctuation_and_umlauts(a, b):
    assert organisation_key(a) == organisation_key(b)


def test_different_organisations_stay_different():
    assert organisation_key("Markt Eschau") != organisation_key("Gemeinde Eschau")
    assert organisation_key("Barth Logistik eK") != organisation_key("Barth Holzbau eK")


def test_a_known_organisation_in_another_spelling_is_used_not_created(make_org, make_person, session):
    org = make_org("Ritter-Software GmbH & Co. KG", kind="company", sector="economy", street="Industriestraße 4",
                   postcode="63741", city="Aschaffenburg")
    person = make_person("Heß", "Jürgen", gender="male", organisation=org)
    data = ("Vorname;Nachname;Organisation;PLZ;Ort\r\n"
            "Jürgen;Hess;Ritter Software GmbH & Co.KG;63741;Aschaffenburg\r\n"
            "Lea;Kühn;Ritter Software GmbH&Co. KG;;\r\n").encode("cp1252")
    batch = services.start_import("liste.csv", data)
    services.apply_mapping(batch, services.mapping_for(batch))
    known, new = rows_of(batch)
    assert known.data["organisation_id"] == org.id and new.data["organisation_id"] == org.id
    # same name at the same organisation: proposed as an update, not "create new"
    assert known.action == "update" and known.target_id == person.id
    orgs = count(Organisation)
    services.commit_import(batch)
    session.commit()
    db.session.expire_all()
    assert count(Organisation) == orgs  # what the preview promised: no new organisation
    person = db.session.get(Person, person.id)
    assert person.last_name == "Heß"
    assert len(person.affiliations) == 1  # no extra "(keine Funktion)" entry
    kuehn = db.session.scalar(select(Person).where(Person.last_name == "Kühn"))
    assert [a.organisation_id for a in kuehn.affiliations] == [org.id]


def test_same_name_at_the_same_organisation_defaults_to_update(make_org, make_person, session):
    org = make_org("Gumprich Holzbau GmbH", kind="company", sector="economy")
    person = make_person("Gumprich", "Anton", gender="male", organisation=org)
    batch = services.start_import("l.csv", "Vorname;Nachname;Firma\r\nAnton;Gumprich;Gumprich Holzbau\r\n".encode())
    services.apply_mapping(batch, services.mapping_for(batch))
    (row,) = rows_of(batch)
    assert 75 <= row.matches[0]["score"] < 90
    assert (row.action, row.target_id) == ("update", person.id)


# ----------------------------------------------------------------------------- field by field


def test_update_rules_field_by_field():
    current = {"first_name": "Jürgen", "last_name": "Heß", "degree": "", "email": "j@hess.de", "phone": "",
               "street": "Hauptstraße 4", "postcode": "63741", "city": "Aschaffenburg", "country": "DE", "notes": "alt"}
    wanted = {"first_name": "Juergen", "last_name": "Hess", "degree": "Dr.", "email": "", "phone": "+49 6021 1234",
              "street": "", "postcode": "63741", "city": "Aschaffenburg", "country": "DE", "notes": "neu",
              "gender": "unknown"}
    changes = {c.key: c for c in person_changes(wanted, current)}
    assert changes["last_name"].default == "old" and changes["first_name"].default == "old"  # spelling only
    assert "email" not in changes  # an empty value never blanks a filled one
    assert changes["phone"].default == "new"  # an empty field is filled
    assert changes["degree"].default == "old" and changes["degree"].new == ("Dr.",)  # shown, added only if chosen
    assert "address" not in changes  # postcode and town as stored: no change
    assert changes["notes"].default == "new" and changes["notes"].new_text == "… neu"
    wanted.update(street="", postcode="63739", city="Aschaffenburg")
    address = {c.key: c for c in person_changes(wanted, current)}["address"]
    assert address.default == "old" and address.columns == ("street", "postcode", "city", "country")
    wanted.update(street="Bahnhofstraße 1", postcode="63739")
    assert {c.key: c for c in person_changes(wanted, current)}["address"].default == "new"


def test_update_keeps_good_data_and_counts_real_changes(make_org, make_person, session):
    org = make_org("Löwer Logistik GmbH & Co. KG", kind="company", sector="economy")
    person = make_person("Döring", "Käthe", organisation=org, email="k.doering@privat.de", street="Am Bächle 3",
                         postcode="63741", city="Aschaffenburg")
    aff = person.affiliations[0]
    aff.street, aff.postcode, aff.city = "Hafenstraße 12", "63739", "Aschaffenburg"
    same = make_person("Weiß", "Günther", gender="male", organisation=org)
    session.commit()
    data = ("Anrede;Vorname;Nachname;Organisation;Straße;PLZ;Ort;E-Mail (privat);Mobil\r\n"
            "Frau Dr.;Kaethe;Doering;Loewer Logistik GmbH & Co.KG;;63739;Aschaffenburg;;0171 1234567\r\n"
            "Herr;Günther;Weiß;Löwer Logistik GmbH & Co. KG;;;;;\r\n").encode("cp1252")
    batch = services.start_import("l.csv", data)
    services.apply_mapping(batch, services.mapping_for(batch))
    first, second = rows_of(batch)
    assert (first.action, first.target_id) == ("update", person.id)
    assert (second.action, second.target_id) == ("update", same.id)
    services.set_field_choices(batch, {second.id: {"gender": "new"}})  # (no such change: ignored)
    counts = services.commit_import(batch)
    session.commit()
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert (person.first_name, person.last_name, person.degree) == ("Käthe", "Döring", "")
    assert person.email == "k.doering@privat.de"
    assert (person.street, person.postcode, person.city) == ("Am Bächle 3", "63741", "Aschaffenburg")
    aff = person.affiliations[0]
    assert (aff.street, aff.postcode, aff.city) == ("Hafenstraße 12", "63739", "Aschaffenburg")
    assert aff.mobile == "+49 171 1234567"
    assert counts["updated"] == 1 and counts["unchanged"] == 1  # Weiß had nothing new
    assert count(Affiliation) == 2


# ----------------------------------------------------------------------------- commit once


def test_a_batch_committed_meanwhile_is_not_committed_again(session):
    batch = services.start_import("l.csv", "Vorname;Nachname\r\nAnna;Huber\r\n".encode())
    services.apply_mapping(batch, services.mapping_for(batch))
    session.commit()
    # another request (a second tab) carried it out meanwhile; this one still holds "preview"
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id).values(status="committed")
                       .execution_options(synchronize_session=False))
    assert batch.status == "preview"
    with pytest.raises(services.ImportProblem):
        services.commit_import(batch)
    session.rollback()
    assert count(Person) == 0


# ----------------------------------------------------------------------------- pages


def test_51_rows_preview_and_detail_pages_work(client, login, session):
    login("staff")
    data = ("Vorname;Nachname\r\n" + "".join(f"Anna;Huber{i}\r\n" for i in range(51))).encode()
    location = upload(client, data, "l.csv").headers["Location"]
    batch_id = int(re.search(r"/import/(\d+)/", location).group(1))
    client.post(location, data={"col-0": "first_name", "col-1": "last_name"})
    page = client.get(f"/import/{batch_id}/vorschau")
    assert page.status_code == 200 and f"/import/{batch_id}/vorschau?page=2" in page.get_data(as_text=True)
    assert client.get(f"/import/{batch_id}/vorschau?page=2").status_code == 200
    response = client.post(f"/import/{batch_id}/vorschau", data={"commit": "1"})
    detail = client.get(response.headers["Location"])
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "Import abgeschlossen: 51 angelegt" in text
    assert "nichts gespeichert" not in text
    assert client.get(f"/import/{batch_id}?page=2").status_code == 200


def test_preview_shows_the_comparison_and_live_count_hooks(client, login, make_person, session):
    make_person("Heß", "Jürgen", gender="male", email="j@hess.de")
    login("staff")
    location = upload(client, "Vorname;Nachname;E-Mail\r\nJuergen;Hess;j@hess.de\r\n".encode(), "l.csv") \
        .headers["Location"]
    response = client.post(location, data={"col-0": "first_name", "col-1": "last_name", "col-2": "email"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Heß" in page and "Hess" in page and "bisherigen Wert behalten" in page
    assert 'data-confirm-template="Jetzt importieren? {create} Kontakte werden angelegt' in page
    assert 'data-initial="update:' in page
    assert "<script>" not in page  # CSP: no inline scripts


# ----------------------------------------------------------------------------- caps and messages


def _xlsx(declared: str | None = None, rows=(("Vorname", "Nachname"), ("Anna", "Heß"))) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    if declared is None:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{declared}"/>'.encode(), content)
            target.writestr(item, content)
    return out.getvalue()


def test_xlsx_declaring_a_huge_range_reads_only_its_real_rows(monkeypatch):
    data = _xlsx("A1:XFD1048576")
    assert len(data) < 10_000
    built = []
    from openpyxl.worksheet import _read_only

    original = _read_only.ReadOnlyWorksheet._get_row

    def spy(self, row, min_col=1, max_col=None, values_only=False):
        out = original(self, row, min_col, max_col, values_only)
        built.append(len(out))
        return out

    monkeypatch.setattr(_read_only.ReadOnlyWorksheet, "_get_row", spy)
    table = read_xlsx(data)
    assert table.rows == [["Anna", "Heß"]]
    assert len(built) == 2 and max(built) <= tabular.MAX_COLUMNS + 1  # no row as wide as XFD


def test_caps_on_rows_columns_and_cells(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 100)
    with pytest.raises(TableError) as exc:
        read_csv(b"Name;Ort\r\n" + b"Huber;Kahl\r\n" * 102)
    assert exc.value.msgid.startswith("The file has more than %(max)s rows")
    with pytest.raises(TableError) as exc:
        read_xlsx(_xlsx(rows=[("Name",)] + [("Huber",)] * 102))
    assert exc.value.params == {"max": 100}
    with pytest.raises(TableError) as exc:
        read_csv((";".join(f"Spalte {i}" for i in range(300)) + "\r\n" + "x;" * 299 + "x\r\n").encode())
    assert exc.value.msgid.startswith("The file has more than %(max)s columns")
    with pytest.raises(TableError) as exc:
        read_csv(b"Name;Notiz\r\nHuber;" + b"x" * 20_000 + b"\r\n")
    assert exc.value.params["line"] == 2


def test_file_errors_are_german(client, login, session):
    login("staff")
    for data, name, message in (
        (b"\x00\x01\x02\x03" * 300, "binaer.csv", "Das ist keine Textdatei"),
        (b"Vorname;Nachname\r\n", "kopf.csv", "Die Datei hat eine Kopfzeile, aber keine Datenzeilen."),
        ((";".join(f"S{i}" for i in range(400)) + "\r\n" + "x;" * 399 + "x\r\n").encode(), "breit.csv",
         "Die Datei hat mehr als 250 Spalten"),
        (b"PK\x03\x04kaputt", "kaputt.xlsx", "Das ist keine lesbare Excel-Datei (.xlsx)."),
    ):
        text = upload(client, data, name).get_data(as_text=True)
        assert message in text, name
    page = client.get("/import").get_data(as_text=True)
    assert "Höchstens 10 MB" in page and "10.0" not in page
    assert count(ImportBatch) == 0


def test_every_request_has_a_size_limit_with_a_german_answer(app, client, login, session):
    login("staff")
    assert app.config["MAX_CONTENT_LENGTH"]
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for path in ("/import", "/personen/neu"):
        response = client.post(path, data={"file": (io.BytesIO(big), "gross.csv")}, content_type="multipart/form-data")
        assert response.status_code == 413
        assert "Die Datei ist zu groß" in response.get_data(as_text=True)
    assert count(ImportBatch) == 0


def test_a_page_that_fails_to_show_does_not_claim_nothing_was_saved(app, client, login, session, monkeypatch):
    login("staff")

    def boom(**kwargs):
        raise RuntimeError("broken page")

    monkeypatch.setitem(app.view_functions, "imports.import_log", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/import/protokoll")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Beim Anzeigen dieser Seite ist ein Fehler aufgetreten" in text and "nichts gespeichert" not in text
