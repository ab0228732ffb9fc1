"""The activity report (Tätigkeitsbericht) as a Word document (python-docx): title, a table of contents
field that Word fills when the document opens (w:updateFields), the text blocks, and per section the
tables and charts of `figures.compute` — the same numbers as the monitoring page and its CSV files."""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from crm.reports import charts
from crm.reports.figures import Figures, cell_text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(value) -> str:
    """Text Word accepts: no control characters, single spaces."""
    return " ".join(_CONTROL.sub("", str(value or "")).split())


# which chart belongs to which section (by the first table key of the section)
SECTION_CHARTS = {"meetings": ["bodies"], "advice": ["activity", "fields"], "projects": ["funding"],
                  "qualification": ["target_groups"], "network": ["people_over_time"]}


def _toc(doc) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-2" \\h \\z \\u'
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = ("Das Inhaltsverzeichnis wird beim Öffnen in Word aktualisiert "
                        "(sonst: Rechtsklick → Feld aktualisieren).")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, placeholder, end):
        run._r.append(element)
    settings = doc.settings.element
    update = settings.find(qn("w:updateFields"))
    if update is None:
        update = OxmlElement("w:updateFields")
        settings.append(update)
    update.set(qn("w:val"), "true")


def _text_block(doc, text: str) -> None:
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")):
        if block.strip():
            doc.add_paragraph(clean_text(block))


def _table(doc, table) -> None:
    doc.add_heading(table.title, level=2)
    if table.empty:
        doc.add_paragraph(_("No records in this period."))
        return
    rows = table.rows + ([table.total] if table.total is not None else [])
    t = doc.add_table(rows=1 + len(rows), cols=len(table.header))
    t.style = "Table Grid"
    for i, head in enumerate(table.header):
        cell = t.rows[0].cells[i]
        cell.text = clean_text(str(head))
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for r, row in enumerate(rows, start=1):
        for i, value in enumerate(row.cells):
            cell = t.rows[r].cells[i]
            cell.text = clean_text(cell_text(value))
            if not isinstance(value, str):
                cell.paragraphs[0].alignment = 2  # right
            if row is table.total:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    if table.note:
        note = doc.add_paragraph(clean_text(table.note))
        for run in note.runs:
            run.italic = True
            run.font.size = Pt(9)


def build(fig: Figures, title: str, introduction: str = "", outlook: str = "", sender: str = "") -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.2)
    doc.add_heading(clean_text(title), level=0)
    period = _("Period: %(period)s", period=fig.period.label)
    if fig.field_name:
        period += " · " + _("Field of action: %(name)s", name=fig.field_name)
    doc.add_paragraph(clean_text(period + (" · " + sender if sender else "")))
    doc.add_heading(_("Contents"), level=1)
    _toc(doc)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    doc.add_heading(_("Introduction"), level=1)
    _text_block(doc, introduction)
    if fig.empty:
        doc.add_paragraph(_("No activity was recorded in this period: no meetings, advisory sessions, "
                            "interactions, decisions, qualification offers, campaigns or new contacts."))

    doc.add_heading(_("Key figures"), level=1)
    t = doc.add_table(rows=len(fig.key_figures), cols=2)
    t.style = "Table Grid"
    for i, k in enumerate(fig.key_figures):
        t.rows[i].cells[0].text = clean_text(k.label)
        t.rows[i].cells[1].text = cell_text(k.value)
        t.rows[i].cells[1].paragraphs[0].alignment = 2

    for heading, keys in fig.sections:
        doc.add_heading(heading, level=1)
        for key in keys:
            _table(doc, fig.table(key))
        if not fig.empty:
            for chart_key in SECTION_CHARTS.get(keys[0], []):
                chart = fig.chart(chart_key)
                if chart.empty:
                    continue
                doc.add_picture(io.BytesIO(charts.png(chart, width=8.0, dpi=150)), width=Cm(16))

    doc.add_heading(_("Outlook"), level=1)
    _text_block(doc, outlook)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
