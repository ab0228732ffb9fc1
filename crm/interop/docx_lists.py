"""Word documents with a list as a real table (python-docx): landscape A4, the header row
repeated on every page, line breaks inside cells. Pure format code: texts in, bytes out."""
from __future__ import annotations

import io


def table_document(title: str, subtitle: str, header: list[str], rows: list[list[str]], widths_cm: list[float],
                   empty_text: str = "") -> bytes:
    """A .docx with a heading, one paragraph below it and the table; `empty_text` when there are no rows.

    A value may hold several lines ("\\n"); each becomes a line of its own in the cell.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)

    doc.add_heading(title, level=1)
    doc.add_paragraph(subtitle)

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    widths = [Cm(w) for w in widths_cm]
    head = table.rows[0]
    mark = OxmlElement("w:tblHeader")  # repeat the header row on every page
    mark.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(mark)
    for cell, text, width in zip(head.cells, header, widths):
        cell.width = width
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, values, widths):
            cell.width = width
            lines = text.split("\n")
            paragraph = cell.paragraphs[0]
            for i, line in enumerate(lines):
                run = paragraph.add_run(line)
                if i < len(lines) - 1:
                    run.add_break()
    if not rows and empty_text:
        doc.add_paragraph(empty_text)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
