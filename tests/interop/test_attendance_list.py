"""The attendance and signature list (.docx), read back with python-docx: sections, rows, order, page
layout, names with XML characters. Built from a real LAG meeting: tests/meetings/test_signature_list.py."""
import io

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from crm.interop import attendance_list as fmt

SIGN = "Unterschrift"


def _sheet(sections) -> fmt.Sheet:
    return fmt.Sheet(heading="Anwesenheits- und Unterschriftenliste", title="Sitzung des LAG-Entscheidungsgremiums",
                     body="LAG-Entscheidungsgremium", when="Donnerstag, 18. März 2027, 18:00 Uhr",
                     place="Markt Kleinwallstadt, Marktplatz 1, 63839 Kleinwallstadt; Sitzungssaal", sections=sections)


def _read(data: bytes):
    return Document(io.BytesIO(data))


def _body_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_sections_with_their_people_in_order_and_blank_rows_for_guests():
    members = [fmt.Row(f"Person {n:02d}", f"Markt Gemeinde {n}", "Erster Bürgermeister") for n in range(1, 25)]
    deputies = [fmt.Row(f"Carla Vertreter{n}", f"Markt Gemeinde {n}", f"Vertretung für Person {n:02d}")
                for n in range(1, 7)]
    guests = [fmt.Row("Gustav Gast", "Müller & Söhne <GmbH>", "")]
    doc = _read(fmt.build(_sheet([fmt.Section("Stimmberechtigte Mitglieder", members),
                                  fmt.Section("Stellvertretungen", deputies),
                                  fmt.Section("Gäste", guests, blank_rows=5)])))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Anwesenheits- und Unterschriftenliste", "Stimmberechtigte Mitglieder", "Stellvertretungen",
                        "Gäste"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Sitzung des LAG-Entscheidungsgremiums" in text and "Donnerstag, 18. März 2027, 18:00 Uhr" in text
    assert "Ort: Markt Kleinwallstadt, Marktplatz 1" in text
    assert len(doc.tables) == 3
    member_rows, deputy_rows, guest_rows = (_body_rows(t) for t in doc.tables)
    assert len(member_rows) == 24 and len(deputy_rows) == 6 and len(guest_rows) == 1 + 5
    assert [r[1] for r in member_rows] == [m.name for m in members]
    assert [r[1] for r in deputy_rows] == [d.name for d in deputies]
    # numbered on through the whole list, the signature column empty
    assert [r[0] for r in member_rows + deputy_rows + guest_rows] == [f"{n}." for n in range(1, 37)]
    assert all(r[4] == "" for r in member_rows + deputy_rows + guest_rows)
    assert guest_rows[0][1:3] == ["Gustav Gast", "Müller & Söhne <GmbH>"]
    assert guest_rows[1:] == [[f"{n}.", "", "", "", ""] for n in range(32, 37)]
    for table in doc.tables:
        assert [c.text for c in table.rows[0].cells] == ["Nr.", "Name", "Organisation", "Funktion", SIGN]
    # nothing of the place holders or of the XML left over
    assert "{" not in text and "&amp;" not in text


def test_a4_portrait_2cm_margins_header_repeated_rows_tall_enough_to_sign():
    data = fmt.build(_sheet([fmt.Section("", [fmt.Row(f"Name {n}") for n in range(60)], blank_rows=8)]))
    doc = _read(data)
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    for margin in (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin):
        assert abs(margin - Cm(2)) < Cm(0.05)
    (table,) = doc.tables
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert len(table.rows) == 1 + 60 + 8
    for row in table.rows[1:]:
        assert row.height >= Cm(1.0)
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    widths = [c.width for c in table.rows[1].cells]
    assert widths[4] == max(widths)  # the signature column is the widest
    assert abs(sum(widths, Cm(0)) - Cm(17)) < Cm(0.1)  # exactly between the margins: no overflow
    footer = doc.sections[0].footer._element.xml
    assert "NUMPAGES" in footer and "Seite" in footer


def test_xml_characters_and_control_characters_survive_or_go():
    rows = [fmt.Row("Müller & Söhne <GmbH>", "„Verein“ 'Dorf' & Co.", "Kassier\x0bin"),
            fmt.Row("Ärger\x00los", "", "")]
    doc = _read(fmt.build(_sheet([fmt.Section("Gäste", rows)])))
    body = _body_rows(doc.tables[0])
    assert body[0][1:4] == ["Müller & Söhne <GmbH>", "„Verein“ 'Dorf' & Co.", "Kassier in"]
    assert body[1][1] == "Ärger los"
