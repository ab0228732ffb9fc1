"""The letter engine (crm.interop.letters): merge values, the built-in DIN 5008 letter and Word
Serienbrief templates, read back with python-docx. Pure: no app, no database."""
import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from crm.contacts.salutation import Addressee, address_block, letter_salutation
from crm.interop import letters
from crm.interop.letters import (
    MERGE_FIELDS,
    LetterError,
    Letterhead,
    LetterText,
    builtin_letters,
    check_template,
    check_text,
    has_postal_address,
    merge_template,
    merge_values,
    template_fields,
)
from tests.interop import word_files
from tests.interop.word_files import para, simple_field, split_field, text, word_file

ROOT = Path(__file__).resolve().parents[2]
MUELLER = "Müller & Söhne <GmbH>"
LETTER_DATE = date(2026, 12, 2)

# Recipients as the letter page will bring them: office holders, degrees, nobility, diverse,
# unknown, abroad, a PO box, an organisation name with "&" and "<".
ADDRESSEES = [
    Addressee(gender="female", degree="Dr.", first_name="Anna", last_name="Huber", office_title="Bürgermeisterin",
              function="Erste Bürgermeisterin", organisation="Markt Elsenfeld", street="Rathausplatz 1",
              postcode="63820", city="Elsenfeld"),
    Addressee(gender="male", degree="Prof. Dr.", first_name="Hans", nobility="von", last_name="Thurn",
              name_suffix="jun.", street="Schlossallee 3", postcode="63897", city="Miltenberg"),
    Addressee(gender="male", first_name="Max", last_name="Meier", office_title="Landrat", function="Landrat",
              organisation="Landratsamt Miltenberg", department="Büro des Landrats", po_box="12 34",
              postcode="63891", city="Miltenberg"),
    Addressee(gender="diverse", first_name="Kim", last_name="Bauer", organisation=MUELLER,
              department="Einkauf & Logistik", street="Industriestraße 7", postcode="63785", city="Obernburg"),
    Addressee(gender="unknown", last_name="Schmitt", street="Am Anger 2", postcode="63820", city="Elsenfeld"),
    Addressee(gender="female", first_name="Eva", nobility="Freiin von", last_name="Gemmingen", degree="Dipl.-Ing.",
              street="Keizersgracht 12", postcode="1015 CJ", city="Amsterdam", country="NL"),
    Addressee(gender="female", first_name="Lena", last_name="Roth", formal=False, street="Mainstraße 5",
              postcode="63820", city="Elsenfeld"),
]
EXPECTED_SALUTATIONS = [
    "Sehr geehrte Frau Bürgermeisterin,",
    "Sehr geehrter Herr Professor von Thurn,",
    "Sehr geehrter Herr Landrat,",
    "Guten Tag Kim Bauer,",
    "Sehr geehrte Damen und Herren,",
    "Sehr geehrte Frau Freiin von Gemmingen,",
    "Liebe Lena,",
]

LETTERHEAD = Letterhead(
    organisation="Regionalmanagement Untermain", address_lines=("Hauptstraße 1", "63820 Elsenfeld"),
    contact="Maria Muster", phone="06022 12345-11", email="info@untermain.example", website="www.untermain.example",
    bank="Sparkasse Miltenberg-Obernburg · IBAN DE12 7965 0000 0000 1234 56", footer="Vereinsregister VR 1234",
)
TEXT = LetterText(
    subject="Einladung zur Regionalkonferenz",
    body="wir laden Sie herzlich ein.\n\nBitte bringen Sie {Vorname} {Nachname} von {Organisation} mit.\n"
         "Die Einladung geht an {Anschrift}.",
    signature="Maria Muster\nRegionalmanagerin",
)


def rows_for(addressees, subject=TEXT.subject):
    return [merge_values(a, f"person{i}@example.org", LETTER_DATE, subject) for i, a in enumerate(addressees)]


def read_letters(data: bytes) -> list[dict]:
    """The letters of a built-in letter file: address field, information block, paragraphs."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(io.BytesIO(data))
    found = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:tbl"):
            table = Table(child, doc._body)
            found.append({"return_line": table.cell(0, 0).text, "address": table.cell(1, 0).text,
                          "info": table.cell(0, 2).text, "paragraphs": [], "table": table})
        elif child.tag == qn("w:p"):
            paragraph_text = Paragraph(child, doc._body).text  # line breaks as "\n"
            if paragraph_text:
                found[-1]["paragraphs"].append(paragraph_text)
    return found


def all_text(data: bytes) -> str:
    """Every text of the package: body, headers, footers."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                         if n.startswith("word/") and n.endswith(".xml"))


# ---------------------------------------------------------------- merge values


def test_merge_values_come_from_salutation_rules():
    values = merge_values(ADDRESSEES[0], " anna.huber@elsenfeld.example ", LETTER_DATE, "Einladung")
    assert list(values) == list(MERGE_FIELDS)
    assert values == {
        "Anrede": "Frau", "Briefanrede": "Sehr geehrte Frau Bürgermeisterin,", "Titel": "Dr.", "Vorname": "Anna",
        "Nachname": "Huber", "Namenszusatz": "", "Name": "Dr. Anna Huber", "Funktion": "Erste Bürgermeisterin",
        "Organisation": "Markt Elsenfeld", "Abteilung": "", "Straße": "Rathausplatz 1", "PLZ": "63820",
        "Ort": "Elsenfeld", "Land": "",
        "Anschrift": "Markt Elsenfeld\nFrau Erste Bürgermeisterin\nDr. Anna Huber\nRathausplatz 1\n63820 Elsenfeld",
        "E-Mail": "anna.huber@elsenfeld.example", "Datum": "2. Dezember 2026", "Betreff": "Einladung",
    }
    thurn = merge_values(ADDRESSEES[1])
    assert (thurn["Anrede"], thurn["Nachname"], thurn["Namenszusatz"], thurn["Datum"]) == ("Herr", "von Thurn", "jun.", "")
    landrat = merge_values(ADDRESSEES[2])
    assert landrat["Straße"] == "Postfach 12 34"
    assert merge_values(ADDRESSEES[3])["Anrede"] == ""  # diverse: no Herr/Frau
    abroad = merge_values(ADDRESSEES[5])
    assert abroad["Land"] == "Niederlande" and abroad["Anschrift"].endswith("1015 CJ AMSTERDAM\nNIEDERLANDE")


def test_postal_address_needs_street_or_po_box_and_town():
    assert has_postal_address(ADDRESSEES[2])  # PO box
    assert not has_postal_address(Addressee(gender="male", last_name="Ohne", city="Elsenfeld"))
    assert not has_postal_address(Addressee(gender="male", last_name="Ohne", street="Weg 1"))


def test_field_names_match_as_word_changes_them():
    assert letters.merge_field("E-Mail") == letters.merge_field("EMail") == letters.merge_field("e_mail") == "E-Mail"
    assert letters.merge_field("Strasse") == letters.merge_field("STRASSE") == "Straße"
    assert letters.merge_field("Postleitzahl") == "PLZ"
    assert letters.merge_field("Geburtstag") is None


# ---------------------------------------------------------------- built-in letter


def test_builtin_letters_one_section_per_recipient_with_address_and_salutation():
    rows = rows_for(ADDRESSEES)
    data = builtin_letters(LETTERHEAD, TEXT, rows)
    doc = Document(io.BytesIO(data))
    assert len(doc.sections) == len(ADDRESSEES)
    found = read_letters(data)
    assert len(found) == len(ADDRESSEES)
    for letter, addressee, salutation in zip(found, ADDRESSEES, EXPECTED_SALUTATIONS):
        assert letter["address"] == "\n".join(address_block(addressee))
        assert letter_salutation(addressee) == salutation
        assert letter["paragraphs"][0] == TEXT.subject
        assert letter["paragraphs"][1] == salutation
        assert letter["return_line"] == "Regionalmanagement Untermain · Hauptstraße 1 · 63820 Elsenfeld"
        assert "Datum\t2. Dezember 2026" in letter["info"] and "Telefon\t06022 12345-11" in letter["info"]
    second = found[1]["paragraphs"]
    assert second[2:] == [
        "wir laden Sie herzlich ein.",
        "Bitte bringen Sie Hans von Thurn von  mit.\nDie Einladung geht an Herrn Prof. Dr. Hans von Thurn jun.\n"
        "Schlossallee 3\n63897 Miltenberg.",
        "Mit freundlichen Grüßen",
        "Maria Muster\nRegionalmanagerin",
    ]
    # every section restarts its page numbers and has the letterhead on its first page only
    for section in doc.sections:
        sect_pr = section._sectPr
        assert sect_pr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert section.different_first_page_header_footer
        assert "Seite" in section.first_page_footer.paragraphs[0].text
    footer_xml = doc.sections[0].footer._element.xml
    assert "SECTIONPAGES" in footer_xml and " PAGE " in footer_xml
    leftovers = all_text(data)
    assert "{{" not in leftovers and "{%" not in leftovers and "MERGEFIELD" not in leftovers
    assert not re.search(r"\{[A-Za-zÄÖÜäöüß-]+\}", leftovers)


def test_address_field_sits_where_din_5008_form_b_puts_it():
    data = builtin_letters(LETTERHEAD, TEXT, rows_for(ADDRESSEES[:1]))
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm, 1) == 45.0 and round(section.left_margin.mm, 1) == 25.0
    table = read_letters(data)[0]["table"]._tbl
    indent = int(table.tblPr.find(qn("w:tblInd")).get(qn("w:w")))
    widths = [int(c.get(qn("w:w"))) for c in table.tblGrid.iter(qn("w:gridCol"))]
    heights = [int(r.trPr.find(qn("w:trHeight")).get(qn("w:val"))) for r in table.tr_lst]
    rules = {r.trPr.find(qn("w:trHeight")).get(qn("w:hRule")) for r in table.tr_lst}
    twip = 25.4 / 1440
    assert round(25 + indent * twip, 1) == 20.0  # the field's left edge
    assert round(widths[0] * twip, 1) == 85.0 and round(sum(heights) * twip, 1) == 45.0 and rules == {"exact"}
    assert round((section.left_margin.twips + indent + widths[0] + widths[1]) * twip, 1) == 125.0  # info block
    assert table.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


def test_ampersand_and_angle_brackets_survive_everywhere():
    head = Letterhead(organisation=MUELLER, address_lines=("Weg 1 <Hinterhaus>",), footer="Bank & Co <KG>")
    text_ = LetterText(subject=f"Angebot von {MUELLER}", body="{Organisation} & Partner <Entwurf>",
                       signature="A & B <C>")
    data = builtin_letters(head, text_, rows_for([ADDRESSEES[3]]))
    letter = read_letters(data)[0]
    assert letter["address"].startswith(MUELLER + "\nEinkauf & Logistik\n")
    assert letter["paragraphs"][0] == f"Angebot von {MUELLER}"
    assert f"{MUELLER} & Partner <Entwurf>" in letter["paragraphs"]
    assert letter["return_line"] == f"{MUELLER} · Weg 1 <Hinterhaus>"
    doc = Document(io.BytesIO(data))
    assert MUELLER in doc.sections[0].first_page_header._element.xml.replace("&amp;", "&").replace(
        "&lt;", "<").replace("&gt;", ">")
    footer = "\n".join(p.text for p in doc.sections[0].first_page_footer.paragraphs)
    assert "Bank & Co <KG>" in footer and MUELLER in footer


def test_braces_and_jinja_like_text_are_written_as_typed():
    text_ = LetterText(subject="Budget {{2027}}", body="Der Platzhalter {{Vorname}} bleibt; {{% if x %}} auch.")
    row = rows_for([ADDRESSEES[0]])[0] | {"Anschrift": "{{ lh.organisation }} {% raw %}\nWeg 1\n63820 Elsenfeld"}
    letter = read_letters(builtin_letters(LETTERHEAD, text_, [row]))[0]
    assert letter["paragraphs"][0] == "Budget {2027}"
    assert letter["paragraphs"][2] == "Der Platzhalter {Vorname} bleibt; {% if x %} auch."
    assert letter["address"].startswith("{{ lh.organisation }} {% raw %}")


def test_unknown_fields_in_the_text_are_named_before_anything_is_built():
    with pytest.raises(LetterError) as info:
        builtin_letters(LETTERHEAD, LetterText(subject="{Betref}", body="Hallo {Geburtstag}, {Vorname} {Geburtstag}"),
                        rows_for(ADDRESSEES))
    assert info.value.params["fields"] == "{Betref}, {Geburtstag}"
    assert "Briefanrede" in info.value.params["known"]
    assert check_text(LetterText(subject="{betreff}", body="{ Vorname } {E-Mail} {email}")) == [
        "Betreff", "Vorname", "E-Mail"]


def test_control_characters_from_pasted_text_do_not_break_the_file():
    row = rows_for([ADDRESSEES[0]])[0] | {"Organisation": "Markt\x0bElsenfeld\x07"}
    letter = read_letters(builtin_letters(LETTERHEAD, LetterText("Betreff\x0c", "Text\x01 mit {Organisation}"), [row]))[0]
    assert letter["paragraphs"][0] == "Betreff" and letter["paragraphs"][2] == "Text mit MarktElsenfeld"


def test_no_recipients_or_no_address_is_refused():
    with pytest.raises(LetterError) as info:
        builtin_letters(LETTERHEAD, TEXT, [])
    assert info.value.msgid == "There are no recipients."
    rows = rows_for(ADDRESSEES[:2])
    rows[1]["Anschrift"] = ""
    with pytest.raises(LetterError) as info:
        builtin_letters(LETTERHEAD, TEXT, rows)
    assert info.value.params == {"number": 2}


def test_logo_in_the_letterhead_keeps_its_proportions():
    data = builtin_letters(Letterhead(organisation="LAG", logo=word_files.png(400, 100)), TEXT,
                           rows_for(ADDRESSEES[:1]))
    doc = Document(io.BytesIO(data))
    header = doc.sections[0].first_page_header
    shapes = header._element.xpath(".//wp:extent")
    assert len(shapes) == 1
    cx, cy = int(shapes[0].get("cx")), int(shapes[0].get("cy"))
    assert round(cx / 36000) == 72 and round(cy / 36000) == 18  # 4:1, at most 80 x 18 mm
    with pytest.raises(LetterError):
        builtin_letters(Letterhead(organisation="LAG", logo=b"GIF89a not an image"), TEXT, rows_for(ADDRESSEES[:1]))


def test_a_thousand_letters_in_one_file():
    addressees = [ADDRESSEES[i % len(ADDRESSEES)] for i in range(1000)]
    data = builtin_letters(LETTERHEAD, TEXT, rows_for(addressees))
    doc = Document(io.BytesIO(data))
    assert len(doc.sections) == 1000
    found = read_letters(data)
    assert len(found) == 1000
    for index in (0, 1, 499, 998, 999):
        assert found[index]["address"] == "\n".join(address_block(addressees[index]))
        assert found[index]["paragraphs"][1] == letter_salutation(addressees[index])


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("count, chunk", [(1, 3), (3, 3), (7, 3), (250, letters.LETTER_CHUNK)])
def test_builtin_letters_written_in_chunks_are_the_file_docxtpl_makes_at_once(monkeypatch, count, chunk):
    """The letters are rendered and written a chunk at a time; the file is the same, part for part,
    as docxtpl rendering the letter template for all of them at once (a section break after every
    letter but the last, also at the end of a chunk)."""
    monkeypatch.setattr(letters, "LETTER_CHUNK", chunk)
    head = Letterhead(organisation="LAG", address_lines=("Weg 1",), contact="A", logo=word_files.png())
    rows = rows_for([ADDRESSEES[i % len(ADDRESSEES)] for i in range(count)])
    streamed = parts_of(builtin_letters(head, TEXT, rows))
    at_once = parts_of(letters.render_template(letters.letter_template(head), letters.letter_context(head, TEXT, rows)))
    assert streamed == at_once
    assert streamed["word/document.xml"].count(b"<w:sectPr") == count


def merged_at_once(docx: bytes, rows) -> bytes:
    """The template merged as docx-mailmerge2 does it in one tree (merge_templates, write)."""
    template = letters._Template(docx)
    try:
        fields = template.check()
        template.restart_page_numbers()
        template.merge.merge_templates([{name: row[crm] for name, crm in fields.items()} for row in rows],
                                       separator="nextPage_section")
        for part in template.parts:
            letters._order_section_properties(part.getroot())
        template.detach_data_source()
        out = io.BytesIO()
        template.merge.write(out)
        return out.getvalue()
    finally:
        template.close()


@pytest.mark.parametrize("count, chunk", [(1, 3), (3, 3), (7, 3), (250, letters.LETTER_CHUNK)])
def test_template_letters_written_in_chunks_are_the_file_docx_mailmerge2_makes_at_once(monkeypatch, count, chunk):
    """Same for a Word template: every part of the file (the letters, the header copied per letter
    with its e-mail field, relationships, content types, settings) as docx-mailmerge2 makes it."""
    monkeypatch.setattr(letters, "LETTER_CHUNK", chunk)
    rows = rows_for([ADDRESSEES[i % len(ADDRESSEES)] for i in range(count)])
    streamed = parts_of(merge_template(word_files.serienbrief(), rows))
    assert streamed == parts_of(merged_at_once(word_files.serienbrief(), rows))
    assert streamed["word/document.xml"].count(b"<w:sectPr") == count
    assert sum(name.startswith("word/header") for name in streamed) == count + 1  # the template's own and a copy each


GERMAN_DATES = """
import io, sys
from datetime import date
from docx import Document
from crm.contacts.salutation import Addressee
from crm.interop.letters import Letterhead, LetterText, builtin_letters, merge_values
row = merge_values(Addressee(gender="male", last_name="Maier", street="Weg 1", postcode="63820", city="Elsenfeld"),
                   "", date(2026, 3, 3), "")
doc = Document(io.BytesIO(builtin_letters(Letterhead(organisation="LAG"), LetterText("Betreff", "{Datum}"), [row])))
print(row["Datum"], "|", doc.tables[0].cell(0, 2).text.split("\\t")[-1], "|", doc.paragraphs[2].text)
"""


@pytest.mark.parametrize("locale_name", ["C", "en_US.UTF-8"])
def test_german_dates_whatever_the_server_locale(locale_name):
    env = dict(os.environ, LC_ALL=locale_name, LANG=locale_name, LANGUAGE="en", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", GERMAN_DATES], capture_output=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode("utf-8").strip() == "3. März 2026 | 3. März 2026 | 3. März 2026"


# ---------------------------------------------------------------- Word Serienbrief templates


def test_template_fields_in_order_also_when_split_over_runs():
    assert template_fields(word_files.serienbrief()) == [
        "Anschrift", "Briefanrede", "Organisation", "Abteilung", "PLZ", "Ort", "Datum", "E-Mail"]
    assert check_template(word_files.serienbrief()) == [
        "Anschrift", "Briefanrede", "Organisation", "Abteilung", "PLZ", "Ort", "Datum", "E-Mail"]


def test_merge_template_one_section_per_recipient():
    rows = rows_for(ADDRESSEES)
    data = merge_template(word_files.serienbrief(), rows)
    doc = Document(io.BytesIO(data))
    assert len(doc.sections) == len(ADDRESSEES)
    paragraphs = [p.text for p in doc.paragraphs if p.text]
    assert len(paragraphs) == 5 * len(ADDRESSEES)
    for i, (addressee, row) in enumerate(zip(ADDRESSEES, rows)):
        letter = paragraphs[5 * i:5 * i + 5]
        assert letter[0] == "\n".join(address_block(addressee))
        assert letter[1] == EXPECTED_SALUTATIONS[i]
        assert letter[2] == f"wir schreiben an {row['Organisation']}, Abteilung {row['Abteilung']}."
        assert letter[3] == f"Ihr Ort: {row['PLZ']} {row['Ort']}"
        assert letter[4] == "Datum: 2. Dezember 2026"
        assert doc.sections[i].header.paragraphs[0].text == f"Kontakt: person{i}@example.org"
    assert paragraphs[5 * 3 + 2] == f"wir schreiben an {MUELLER}, Abteilung Einkauf & Logistik."
    for section in doc.sections:
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert section.start_type == 2  # WD_SECTION.NEW_PAGE
    leftovers = all_text(data)
    assert "MERGEFIELD" not in leftovers and "«" not in leftovers and "w:mailMerge" not in leftovers


def test_section_properties_keep_the_schema_order():
    data = merge_template(word_files.serienbrief(), rows_for(ADDRESSEES[:2]))
    doc = Document(io.BytesIO(data))
    for sect_pr in doc.element.body.iter(qn("w:sectPr")):
        names = [child.tag.split("}")[1] for child in sect_pr]
        assert names == sorted(names, key=letters._SECT_PR_ORDER.index), names


# The order WordprocessingML prescribes for the children of these elements (Word rejects a file
# that breaks it); only the children the engine writes are listed.
SCHEMA_ORDER = {
    "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "pBdr", "shd",
            "tabs", "spacing", "ind", "jc", "rPr", "sectPr"],
    "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "noProof", "color", "sz", "szCs", "u", "lang"],
    "tblPr": ["tblStyle", "tblpPr", "tblW", "jc", "tblInd", "tblBorders", "tblLayout", "tblCellMar", "tblLook"],
    "tcPr": ["tcW", "gridSpan", "vMerge", "tcBorders", "shd", "tcMar", "vAlign"],
    "sectPr": list(letters._SECT_PR_ORDER),
}


def assert_schema_order(data: bytes) -> None:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not re.fullmatch(r"word/(document|header\d+|footer\d+)\.xml", name):
                continue
            root = etree.fromstring(archive.read(name))
            for parent, order in SCHEMA_ORDER.items():
                for element in root.iter(qn(f"w:{parent}")):
                    names = [child.tag.split("}")[1] for child in element if child.tag.startswith("{" + letters.W_NS)]
                    assert all(n in order for n in names), (name, parent, names)
                    assert names == sorted(names, key=order.index), (name, parent, names)


def test_generated_files_keep_the_schema_order():
    head = Letterhead(organisation="LAG", address_lines=("Weg 1",), contact="A", logo=word_files.png())
    assert_schema_order(builtin_letters(head, TEXT, rows_for(ADDRESSEES[:3])))
    assert_schema_order(letters.address_labels("avery-l7160", [["A", "B"]] * 30, start_position=3))
    assert_schema_order(merge_template(word_files.serienbrief(), rows_for(ADDRESSEES[:3])))


def test_word_template_dotx_is_accepted():
    data = merge_template(word_files.serienbrief(word_files.TEMPLATE), rows_for(ADDRESSEES[:2]))
    assert len(Document(io.BytesIO(data)).sections) == 2


def test_unknown_template_fields_are_named_before_merging():
    body = para(simple_field("Anschrift")) + para(split_field(" MERGEFIELD Kunden", "nummer ", shown="«Kundennummer»"),
                                                  simple_field("Geburtstag"), simple_field("vorname"))
    data = word_file(body)
    assert template_fields(data) == ["Anschrift", "Kundennummer", "Geburtstag", "vorname"]
    with pytest.raises(LetterError) as info:
        merge_template(data, rows_for(ADDRESSEES))
    assert info.value.params["fields"] == "«Kundennummer», «Geburtstag»"


@pytest.mark.parametrize("body, message", [
    (para(text("Sehr geehrte «Anrede» «Nachname»,")), "as typed text"),
    (para(split_field(" ADDRESSBLOCK \\f \"&lt;&lt;_TITLE0_ &gt;&gt;\" ", shown="«AddressBlock»"),
          simple_field("Vorname")), "address block"),
    (para(text("Ein Brief ohne Felder.")), "no merge fields"),
])
def test_templates_that_would_merge_wrongly_are_refused(body, message):
    with pytest.raises(LetterError) as info:
        merge_template(word_file(body), rows_for(ADDRESSEES[:1]))
    assert message in str(info.value)


def _zip(files: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "PDF"),
    ("Sehr geehrte «Anrede»,\nnur Text.".encode(), "not a Word document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "(.doc)"),
    (_zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"}), "not a Word document"),
    (_zip({"[Content_Types].xml": "<Types/>", "word/other.xml": "<x/>"}), "not a Word document"),
    (_zip({"[Content_Types].xml": f'<Types><Override PartName="/word/document.xml" ContentType="{word_files.DOCUMENT}"/>'
           "</Types>", "word/other.xml": "<x/>"}), "not a Word document"),
    (word_file(para(split_field(" MERGEFIELD Vorname ", shown="x")).replace('w:fldCharType="end"', 'w:fldCharType="x"')),
     "not a Word document"),
    (_zip({"[Content_Types].xml": "<Types", "word/document.xml": "<w:document"}), "not a Word document"),
    (b"PK\x03\x04 broken zip", "not a Word document"),
])
def test_files_that_are_not_word_documents_get_a_clear_message(data, message):
    for call in (template_fields, lambda d: merge_template(d, rows_for(ADDRESSEES[:1]))):
        with pytest.raises(LetterError) as info:
            call(data)
        assert message in str(info.value)


def test_template_values_with_line_breaks_and_control_characters():
    row = rows_for(ADDRESSEES[:1])[0] | {"Organisation": "Markt\x0bElsenfeld\x1f"}
    data = merge_template(word_files.serienbrief(), [row])
    paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text]
    assert paragraphs[0].split("\n") == address_block(ADDRESSEES[0])
    assert paragraphs[2].startswith("wir schreiben an MarktElsenfeld,")


def test_a_thousand_letters_from_a_word_template():
    rows = rows_for([ADDRESSEES[i % len(ADDRESSEES)] for i in range(1000)])
    doc = Document(io.BytesIO(merge_template(word_files.serienbrief(), rows)))
    assert len(doc.sections) == 1000
    paragraphs = [p.text for p in doc.paragraphs if p.text]
    assert len(paragraphs) == 5000 and paragraphs[-4] == EXPECTED_SALUTATIONS[999 % len(ADDRESSEES)]


# ---------------------------------------------------------------- messages


def test_messages_read_in_german():
    from babel.support import Translations

    catalogue = ROOT / "crm" / "translations"
    translations = Translations.load(str(catalogue), ["de"])
    for msgid in (letters.N_("There are no recipients."),
                  letters.N_("Unknown merge fields: %(fields)s. Known fields: %(known)s.")):
        assert translations.gettext(msgid) != msgid, msgid
    for description in MERGE_FIELDS.values():
        assert translations.gettext(description) != description, description


def test_a_text_that_begins_with_the_briefanrede_does_not_repeat_it():
    """The built-in letter sets the Briefanrede itself; the letter form's text starts with {Briefanrede}."""
    text = LetterText("Einladung", "{Briefanrede}\n\nwir laden Sie herzlich ein.")
    found = read_letters(builtin_letters(LETTERHEAD, text, rows_for(ADDRESSEES)))
    for letter, salutation in zip(found, EXPECTED_SALUTATIONS):
        assert letter["paragraphs"][1] == salutation
        assert letter["paragraphs"][2] == "wir laden Sie herzlich ein."
        assert letter["paragraphs"].count(salutation) == 1
