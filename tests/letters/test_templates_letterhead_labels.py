"""Word templates users already have, the letterhead an administrator sets, address labels."""
import io
import re
import shutil
import zipfile

import pytest
from docx import Document
from sqlalchemy import func, select

from crm.extensions import db
from crm.letters.models import Letterhead, LetterRun, LetterTemplate
from tests.interop.word_files import png, serienbrief


def _csrf(client, url):
    """CSRF is off in tests (tests/auth checks it); the page must still open."""
    assert client.get(url).status_code == 200
    return ""


def _upload(client, name, data, filename="vorlage.docx"):
    return client.post("/briefe/vorlagen", data={"csrf_token": _csrf(client, "/briefe/vorlagen"), "name": name,
                                                  "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _all_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                         if n.startswith("word/") and n.endswith(".xml"))


def test_a_word_template_with_split_fields_is_stored_and_merged(client, login, district, fixed_list):
    login("staff")
    response = _upload(client, "Einladung Regionalforum", serienbrief())
    assert response.status_code == 302
    template = db.session.scalars(select(LetterTemplate)).one()
    assert {"Anschrift", "Briefanrede", "Organisation", "PLZ", "Ort", "Datum"} <= set(template.fields)
    listing = client.get("/briefe/vorlagen").get_data(as_text=True)
    assert "Einladung Regionalforum" in listing and "«Briefanrede»" in listing

    html = client.get(f"/briefe/neu?segment={fixed_list.id}&template={template.id}").get_data(as_text=True)
    csrf = ""
    once = re.search(r'data-once-token="([0-9a-f]{32})"', html).group(1)
    created = client.post("/briefe/neu", data={
        "csrf_token": csrf, "once_token": once, "segment_id": fixed_list.id, "ids": "", "rule": "at_organisation",
        "template": str(template.id), "letter_date": "2026-12-02", "subject": "Regionalforum", "body": "",
        "closing": "", "signature": "", "action": "create"})
    assert created.status_code == 302
    run = db.session.scalars(select(LetterRun)).one()
    assert run.template_name == "Einladung Regionalforum" and run.recipient_count == 120
    assert run.body == ""  # the template's own text, not the form's
    text = _all_text(run.document)
    assert "Sehr geehrte Frau Bürgermeisterin," in text and "Markt Musterhausen 1" in text
    assert "MERGEFIELD" not in text and "«" not in text
    assert len(Document(io.BytesIO(run.document)).sections) == 120


@pytest.mark.parametrize("data, filename, message", [
    (b"%PDF-1.7\n...", "vorlage.pdf", "Das ist eine PDF-Datei"),
    (b"Sehr geehrte Damen und Herren", "vorlage.docx", "kein Word-Dokument"),
])
def test_files_that_are_not_word_documents_are_refused(client, login, data, filename, message):
    login("staff")
    html = _upload(client, "Kaputt", data, filename).get_data(as_text=True)
    assert message in html
    assert db.session.scalar(select(func.count()).select_from(LetterTemplate)) == 0


def test_unknown_fields_are_named_before_anything_is_stored(client, login):
    from tests.interop.word_files import para, simple_field, word_file

    login("staff")
    data = word_file(para(simple_field("Briefanrede")) + para(simple_field("Kundennummer")))
    html = _upload(client, "Mit Kundennummer", data).get_data(as_text=True)
    assert "Kundennummer" in html and "Unbekannte Seriendruckfelder" in html
    assert db.session.scalar(select(func.count()).select_from(LetterTemplate)) == 0


def test_the_letterhead_is_for_administrators_and_appears_in_every_letter(client, login, district, fixed_list):
    login("staff")
    assert client.get("/briefe/briefkopf").status_code == 403
    client.post("/abmelden")
    login("admin")
    csrf = _csrf(client, "/briefe/briefkopf")
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"',
                        client.get("/briefe/briefkopf").get_data(as_text=True)).group(1)
    bad_logo = client.post("/briefe/briefkopf", data={
        "csrf_token": csrf, "version": version, "sender_name": "LAG Spessart-Mainland e.V.",
        "logo_file": (io.BytesIO(b"GIF89a..."), "logo.gif")}, content_type="multipart/form-data")
    assert "Das Logo muss ein PNG- oder JPEG-Bild sein." in bad_logo.get_data(as_text=True)
    assert db.session.scalars(select(Letterhead)).one().sender_name == ""
    saved = client.post("/briefe/briefkopf", data={
        "csrf_token": csrf, "version": version, "sender_name": "LAG Spessart-Mainland e.V.",
        "address": "Hauptstraße 1\n63820 Elsenfeld", "contact_person": "Sabine Keller", "phone": "06022 12345",
        "email": "info@lag-spessart.de", "bank": "Sparkasse · IBAN DE12 3456", "logo_file": (io.BytesIO(png()), "logo.png")},
        content_type="multipart/form-data")
    assert saved.status_code == 302
    assert db.session.scalars(select(Letterhead)).one().logo_type == "image/png"
    client.post("/abmelden")
    login("staff")
    html = client.get(f"/briefe/neu?segment={fixed_list.id}").get_data(as_text=True)
    csrf = ""
    once = re.search(r'data-once-token="([0-9a-f]{32})"', html).group(1)
    assert "Sabine Keller</textarea>" in html  # the signature defaults to the letterhead's contact
    client.post("/briefe/neu", data={
        "csrf_token": csrf, "once_token": once, "segment_id": fixed_list.id, "ids": "", "rule": "at_organisation",
        "template": "builtin", "letter_date": "2026-12-02", "subject": "Regionalforum", "body": "{Briefanrede}",
        "closing": "Mit freundlichen Grüßen", "signature": "Sabine Keller", "action": "create"})
    text = _all_text(db.session.scalars(select(LetterRun)).one().document)
    assert "LAG Spessart-Mainland e.V." in text and "Hauptstraße 1" in text and "IBAN DE12 3456" in text


def test_labels_for_a_half_used_sheet(client, login, district, fixed_list):
    login("staff")
    csrf = _csrf(client, "/briefe/etiketten")
    response = client.post("/briefe/etiketten", data={
        "csrf_token": csrf, "segment_id": fixed_list.id, "ids": "", "rule": "at_organisation",
        "sheet": "zweckform-3474", "start_position": 5})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    doc = Document(io.BytesIO(response.data))
    first_sheet = doc.tables[0]
    cells = [cell.text for row in first_sheet.rows for cell in row.cells]
    assert cells[:4] == ["", "", "", ""] and cells[4].startswith("Markt Musterhausen 1")
    # 120 labels from position 5: 20 on the first sheet of 24, then 24 per sheet -> 6 sheets
    assert len(doc.tables) == 6
    too_far = client.post("/briefe/etiketten", data={
        "csrf_token": csrf, "segment_id": fixed_list.id, "ids": "", "rule": "at_organisation",
        "sheet": "avery-l7160", "start_position": 22}).get_data(as_text=True)
    assert "Das erste Etikett muss zwischen 1 und 21 liegen." in too_far


@pytest.mark.skipif(shutil.which("soffice") is None and not __import__("os").environ.get("CI"),
                    reason="LibreOffice (soffice) is not installed; PDF download not tested")
def test_pdf_of_a_run_has_a_page_per_short_letter(client, login, district):
    from crm.segments import services as segments

    segment = segments.save_segment(None, {"name": "Drei", "kind": "fixed"})
    segments.add_members(segment, [p.id for p in district["letters"][:3]])
    db.session.commit()
    login("staff")
    html = client.get(f"/briefe/neu?segment={segment.id}").get_data(as_text=True)
    csrf = ""
    once = re.search(r'data-once-token="([0-9a-f]{32})"', html).group(1)
    client.post("/briefe/neu", data={
        "csrf_token": csrf, "once_token": once, "segment_id": segment.id, "ids": "", "rule": "at_organisation",
        "template": "builtin", "letter_date": "2026-12-02", "subject": "Kurz", "body": "{Briefanrede}\n\nKurz.",
        "closing": "Mit freundlichen Grüßen", "signature": "", "action": "create"})
    run = db.session.scalars(select(LetterRun)).one()
    # the PDF is made by a job (inline here) and kept with the run; the page then offers it
    page = client.get(f"/briefe/{run.id}").get_data(as_text=True)
    assert f'action="/briefe/{run.id}/pdf-erstellen"' in page and f"/briefe/{run.id}/briefe.pdf" not in page
    made = client.post(f"/briefe/{run.id}/pdf-erstellen", follow_redirects=True).get_data(as_text=True)
    assert "Die PDF-Datei zu „Kurz“ ist fertig (3 Briefe)." in made and f"/briefe/{run.id}/briefe.pdf" in made
    pdf = client.get(f"/briefe/{run.id}/briefe.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf.data)) == 3


def test_a_large_run_says_how_to_get_its_pdf(client, login, district, fixed_list):
    login("staff")
    html = client.get(f"/briefe/neu?segment={fixed_list.id}").get_data(as_text=True)
    once = re.search(r'data-once-token="([0-9a-f]{32})"', html).group(1)
    client.post("/briefe/neu", data={
        "once_token": once, "segment_id": fixed_list.id, "ids": "", "rule": "at_organisation", "template": "builtin",
        "letter_date": "2026-12-02", "subject": "Viele", "body": "{Briefanrede}", "closing": "", "signature": "",
        "action": "create"})
    run = db.session.scalars(select(LetterRun)).one()
    assert run.recipient_count == 120
    page = client.get(f"/briefe/{run.id}").get_data(as_text=True)
    assert f"/briefe/{run.id}/briefe.pdf" not in page
    answer = client.get(f"/briefe/{run.id}/briefe.pdf", follow_redirects=True).get_data(as_text=True)
    assert "für bis zu 100 Briefe" in answer and "Speichern unter" in answer
