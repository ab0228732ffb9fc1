"""The LAG's statement on a project (Stellungnahme) as a Word file (python-docx): the sender from the
letterhead, the project and its sponsor, the score sheet with points and reasons per criterion, the
total and the result, and the decision (or a placeholder while none is taken). Pure format code:
dataclasses in, bytes out; the texts come translated (the document is German like every letter).

python-docx writes text nodes itself, so "Müller & Söhne <GmbH>" reaches Word as text, never as markup.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from crm.interop.attendance_list import safe

PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 2.0
# Nr., Kriterium, Punkte, Mindestens, Begründung: 17 cm, the width between the margins
COLUMN_WIDTHS_CM = (1.0, 5.0, 1.8, 1.8, 7.4)


@dataclass
class ScoreRow:
    title: str
    points: int
    max_points: int
    min_points: int | None = None
    reason: str = ""


@dataclass
class Statement:
    heading: str  # "Stellungnahme der LAG"
    sender: str  # the organisation of the letterhead
    sender_lines: tuple[str, ...] = ()  # its address
    place_date: str = ""  # "Miltenberg, 2. Dezember 2026"
    project: str = ""
    sponsor: str = ""
    body: str = ""
    meeting: str = ""  # "Sitzung am 18. März 2027"
    rows: list[ScoreRow] = field(default_factory=list)
    total: int = 0
    max_total: int = 0
    min_total: int | None = None
    passed: bool = False
    problems: list[str] = field(default_factory=list)
    result: str = ""  # "Der Projektauswahl wird zugestimmt: die Mindestanforderungen sind erfüllt."
    decision: str = ""  # "Beschluss: noch nicht gefasst" until the body decided
    note: str = ""
    labels: dict[str, str] = field(default_factory=lambda: {
        "project": "Projekt", "sponsor": "Projektträger", "body": "Gremium", "meeting": "Sitzung",
        "sheet": "Bewertungsbogen", "number": "Nr.", "criterion": "Kriterium", "points": "Punkte",
        "minimum": "Mindestens", "reason": "Begründung", "total": "Gesamtpunktzahl", "of": "von",
        "min_total": "Mindestpunktzahl", "result": "Ergebnis", "note": "Anmerkung"})


def build(statement: Statement) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    labels = statement.labels
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)

    sender = doc.add_paragraph()
    sender.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sender.add_run(safe(statement.sender)).bold = True
    for line in statement.sender_lines:
        if safe(line):
            sender.add_run().add_break()
            sender.add_run(safe(line))
    if statement.place_date:
        date_line = doc.add_paragraph(safe(statement.place_date))
        date_line.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    doc.add_heading(safe(statement.heading), level=1)
    for key, value in (("project", statement.project), ("sponsor", statement.sponsor), ("body", statement.body),
                       ("meeting", statement.meeting)):
        if safe(value):
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.add_run(f"{safe(labels.get(key, ''))}: ").bold = True
            paragraph.add_run(safe(value))

    doc.add_heading(safe(labels.get("sheet", "")), level=2)
    _score_table(doc, statement)

    totals = doc.add_paragraph()
    totals.add_run(f"{safe(labels.get('total', ''))}: ").bold = True
    totals.add_run(f"{statement.total} {safe(labels.get('of', ''))} {statement.max_total}")
    if statement.min_total is not None:
        totals.add_run(f" ({safe(labels.get('min_total', ''))} {statement.min_total})")

    result = doc.add_paragraph()
    result.add_run(f"{safe(labels.get('result', ''))}: ").bold = True
    result.add_run(safe(statement.result))
    for problem in statement.problems:
        doc.add_paragraph(safe(problem), style="List Bullet")
    if safe(statement.note):
        note = doc.add_paragraph()
        note.add_run(f"{safe(labels.get('note', ''))}: ").bold = True
        note.add_run(safe(statement.note))

    decision = doc.add_paragraph()
    decision.paragraph_format.space_before = Pt(12)
    decision.add_run(safe(statement.decision)).bold = True

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _score_table(doc, statement: Statement) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    labels = statement.labels
    widths = [Cm(w) for w in COLUMN_WIDTHS_CM]
    heads = [labels.get(k, "") for k in ("number", "criterion", "points", "minimum", "reason")]
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    table.autofit = False
    layout = OxmlElement("w:tblLayout")  # Word keeps the widths instead of fitting the contents
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths):
        column.width = width
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")  # repeated on every page: 15 criteria with reasons run over a page
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, text, width in zip(header.cells, heads, widths):
        cell.width = width
        cell.paragraphs[0].add_run(safe(text)).bold = True
    for number, row in enumerate(statement.rows, start=1):
        cells = table.add_row().cells
        texts = (f"{number}.", row.title, f"{row.points} / {row.max_points}",
                 "" if row.min_points is None else str(row.min_points), row.reason)
        for index, (cell, text, width) in enumerate(zip(cells, texts, widths)):
            cell.width = width
            cell.paragraphs[0].add_run(safe(text))
            if index in (0, 2, 3):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
