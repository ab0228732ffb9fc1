"""The export downloads as a user of the office gets them."""
import csv
import io
import zipfile

import vobject
from openpyxl import load_workbook


def test_csv_and_xlsx_exports_follow_the_list_filters(client, login, make_person, make_org, session):
    login("staff")
    org = make_org("Müller & Söhne GmbH", kind="company", sector="economy")
    make_person("Bäcker", "Änne", organisation=org, notes="a;b")
    make_person("Huber", "Hans", gender="male")
    response = client.get("/export/personen.csv?sector=economy")
    assert response.headers["Content-Type"].startswith("text/csv")
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 2 and "Bäcker" in rows[1] and "Müller & Söhne GmbH" in rows[1]
    response = client.get("/export/personen.xlsx")
    assert response.is_streamed and response.content_length == len(response.get_data())
    ws = load_workbook(io.BytesIO(response.get_data())).active
    assert ws.max_row == 3
    response = client.get("/export/organisationen.xlsx")
    assert load_workbook(io.BytesIO(response.get_data())).active["B2"].value == "Müller & Söhne GmbH"
    response = client.get("/export/organisationen.csv")
    assert "Müller & Söhne GmbH" in response.get_data().decode("utf-8-sig")
    assert client.get("/export/personen.pdf").status_code == 404


def test_vcard_exports_single_list_selection_and_zip(client, login, make_person, session):
    login("staff")
    a = make_person("Bäcker", "Änne")
    b = make_person("Huber", "Hans", gender="male")
    response = client.get(f"/vcard/personen/{a.id}.vcf")
    assert response.headers["Content-Type"].startswith("text/vcard")
    assert vobject.readOne(response.get_data(as_text=True)).n.value.family == "Bäcker"
    cards = list(vobject.readComponents(client.get("/export/personen.vcf").get_data(as_text=True)))
    assert {c.n.value.family for c in cards} == {"Bäcker", "Huber"}
    cards = list(vobject.readComponents(client.get(f"/export/personen.vcf?ids={b.id}").get_data(as_text=True)))
    assert [c.n.value.family for c in cards] == ["Huber"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/export/personen.zip").get_data()))
    names = archive.namelist()
    assert len(names) == 2 and all(n.endswith(".vcf") for n in names)
    assert all(archive.read(n).count(b"BEGIN:VCARD") == 1 for n in names)


def test_viewer_gets_a_single_vcard_but_no_bulk_export(client, login, make_person, session):
    login("viewer")
    a = make_person("Bäcker", "Änne")
    assert client.get(f"/vcard/personen/{a.id}.vcf").status_code == 200
    assert client.get("/export/personen.csv").status_code == 403
