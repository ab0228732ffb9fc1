"""The Word table document (crm.interop.docx_lists): pure python-docx, no app needed."""
import io

from docx import Document

from crm.interop.docx_lists import table_document


def test_table_with_repeated_header_and_lines_in_cells():
    data = table_document("Mitglieder: LAG", "Stand 02.12.2026", ["Name", "Kontakt"],
                          [["Anna Huber", "anna@example.org\n06022 1234"]], [5.0, 6.0])
    doc = Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "Mitglieder: LAG" and doc.paragraphs[1].text == "Stand 02.12.2026"
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Name", "Kontakt"]
    assert table.rows[1].cells[1].text == "anna@example.org\n06022 1234"
    assert "w:tblHeader" in table.rows[0]._tr.xml
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape


def test_an_empty_list_says_so():
    doc = Document(io.BytesIO(table_document("T", "S", ["Name"], [], [5.0], empty_text="Keine Mitglieder.")))
    assert doc.paragraphs[-1].text == "Keine Mitglieder." and len(doc.tables[0].rows) == 1
