"""The import pages as a user of the office sees them."""
import io
import re

from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.extensions import db
from crm.imports.models import ImportBatch, ImportRow

CSV = ("Anrede;Vorname;Nachname;Organisation;E-Mail;Telefon\r\n"
       "Frau;Änne;Bäcker;Müller & Söhne GmbH;aenne@mueller-soehne.de;06022 1234\r\n"
       "Herr;Hans;Huber;;kaputt@;\r\n").encode("cp1252")


def upload(client, data, name="liste.csv", **extra):
    return client.post("/import", data={"file": (io.BytesIO(data), name), **extra},
                       content_type="multipart/form-data")


def person_count():
    return db.session.scalar(select(func.count()).select_from(Person))


def test_upload_map_preview_commit_and_undo(client, login, session):
    login("staff")
    response = upload(client, CSV)
    assert response.status_code == 302 and "/spalten" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bäcker" in page  # examples from the file, decoded from Windows-1252
    assert re.search(r'<select[^>]*name="col-2"[^>]*>.*?<option value="last_name" selected', page, re.S)
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    response = client.post(f"/import/{batch.id}/spalten", data={
        "col-0": "salutation", "col-1": "first_name", "col-2": "last_name", "col-3": "organisation",
        "col-4": "email", "col-5": "phone", "save": "y", "mapping_name": "Testliste"})
    assert response.status_code == 302 and "/vorschau" in response.headers["Location"]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "„kaputt@“ ist keine gültige E-Mail-Adresse" in preview
    assert person_count() == 0  # nothing changed before the commit
    rows = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch.id).order_by(ImportRow.position)).all()
    response = client.post(f"/import/{batch.id}/vorschau", data={f"action-{rows[0].id}": "create", "commit": "1"})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import abgeschlossen: 1 angelegt" in detail
    assert person_count() == 1
    response = client.post(f"/import/{batch.id}/rueckgaengig", follow_redirects=True)
    assert response.status_code == 200
    assert person_count() == 0
    assert db.session.get(ImportBatch, batch.id).status == "undone"


def test_bad_uploads_are_answered_next_to_the_field(client, login, session):
    login("staff")
    for data, name in ((b"", "leer.csv"), (b"\x00\x01\x02\x03" * 300, "binaer.csv")):
        response = upload(client, data, name)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "invalid-feedback" in html
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_vcard_upload_goes_straight_to_the_preview(client, login, session):
    login("staff")
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Huber;Anna;;;\r\nFN:Anna Huber\r\nEND:VCARD\r\n"
    response = upload(client, card, "anna.vcf")
    assert "/vorschau" in response.headers["Location"]
    assert "Anna" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_person_page_offers_the_vcard_and_further_details(client, login, make_person, session):
    from crm.imports.models import ContactDetail

    login("viewer")
    p = make_person("Vogel", "Ute")
    session.add(ContactDetail(person_id=p.id, kind="email", value="ute@verein.de"))
    session.commit()
    html = client.get(f"/personen/{p.id}").get_data(as_text=True)
    assert f"/vcard/personen/{p.id}.vcf" in html and "ute@verein.de" in html
