"""The attendance and signature list of a meeting as a Word file (python-docx), for the funding
paperwork: A4 portrait, 2 cm margins, a heading with the meeting, its body, date and place, then one
table per section (voting members, deputies, guests; one table for a free meeting) with a wide empty
signature column, rows tall enough to sign in, the header row repeated on every page and no row
split across two pages. Pure format code: dataclasses in, bytes out; the texts come translated.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

# XML 1.0 allows no other control characters; names pasted from Excel bring vertical tabs and the like.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 2.0
# Nr., Name, Organisation, Funktion, Unterschrift: 17 cm, the width between the margins
COLUMN_WIDTHS_CM = (1.0, 4.0, 4.2, 3.0, 4.8)
ROW_HEIGHT_CM = 1.2  # room for a signature


@dataclass
class Row:
    name: str
    organisation: str = ""
    function: str = ""


@dataclass
class Section:
    title: str  # "" for the single table of a free meeting
    rows: list[Row] = field(default_factory=list)
    blank_rows: int = 0  # for those who come without notice


@dataclass
class Sheet:
    heading: str  # "Anwesenheits- und Unterschriftenliste"
    title: str  # the meeting
    body: str = ""
    when: str = ""
    place: str = ""
    sections: list[Section] = field(default_factory=list)
    columns: tuple[str, str, str, str, str] = ("Nr.", "Name", "Organisation", "Funktion", "Unterschrift")
    labels: dict[str, str] = field(default_factory=lambda: {"body": "Gremium", "when": "Datum", "place": "Ort",
                                                            "page": "Seite", "of": "von"})


def safe(value: object) -> str:
    """Text that can go into a Word file: one line, control characters (a vertical tab from Excel) as spaces."""
    if value is None:
        return ""
    return " ".join(_NOT_XML.sub(" ", str(value)).split())


def build(sheet: Sheet) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    _page_footer(section, sheet.labels)

    doc.add_heading(safe(sheet.heading), level=1)
    title = doc.add_paragraph()
    title.add_run(safe(sheet.title)).bold = True
    facts = [(sheet.labels.get("body", ""), sheet.body), (sheet.labels.get("when", ""), sheet.when),
             (sheet.labels.get("place", ""), sheet.place)]
    for label, value in facts:
        if value:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.add_run(f"{safe(label)}: ").bold = True
            paragraph.add_run(safe(value))

    number = 0
    for part in sheet.sections:
        if part.title:
            doc.add_heading(safe(part.title), level=2)
        else:
            doc.add_paragraph()
        number = _table(doc, sheet.columns, part, number)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc, columns, part: Section, number: int) -> int:
    """One section's table, numbered on from `number`; returns the last number."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    widths = [Cm(w) for w in COLUMN_WIDTHS_CM]
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")  # Word keeps the widths instead of fitting the contents
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths):
        column.width = width  # the grid: LibreOffice reads the widths from there, Word from the cells

    head = table.rows[0]
    _row_flag(head, "w:tblHeader")  # repeated on every page
    _row_flag(head, "w:cantSplit")
    for cell, text, width in zip(head.cells, columns, widths):
        cell.width = width
        cell.paragraphs[0].add_run(safe(text)).bold = True

    values = [[r.name, r.organisation, r.function] for r in part.rows] + [["", "", ""]] * part.blank_rows
    for name, organisation, function in values:
        number += 1
        row = table.add_row()
        row.height = Cm(ROW_HEIGHT_CM)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        _row_flag(row, "w:cantSplit")
        cells = row.cells
        for cell, text, width in zip(cells, (f"{number}.", name, organisation, function, ""), widths):
            cell.width = width
            if text:
                cell.paragraphs[0].add_run(safe(text))
        cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return number


def _row_flag(row, tag: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _page_footer(section, labels: dict) -> None:
    """"Seite 1 von 3" at the foot of every page: a signed list is stapled, a missing page noticed."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def field_(instruction: str, shown: str) -> None:
        simple = OxmlElement("w:fldSimple")
        simple.set(qn("w:instr"), instruction)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = shown
        run.append(text)
        simple.append(run)
        paragraph._p.append(simple)

    paragraph.add_run(f"{safe(labels.get('page', ''))} ")
    field_("PAGE", "1")
    paragraph._p.append(_run_xml(f" {safe(labels.get('of', ''))} "))
    field_("NUMPAGES", "1")


def _run_xml(text: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    element = OxmlElement("w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run.append(element)
    return run
