"""The minutes of a meeting as a Word document (python-docx): plain values in, bytes out.

No Flask, no database: the caller fills `Minutes` (sender from the letterhead, dates already in
German words) and gets the .docx.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from docx import Document
from docx.shared import Pt

from crm.interop.letters import clean_text


@dataclass(frozen=True)
class VoteRecord:
    present: int
    excluded: list[str]
    yes: int
    no: int
    abstain: int
    reasons: list[str]
    result: str  # "angenommen" ...
    project: str = ""


@dataclass(frozen=True)
class ItemRecord:
    number: str
    title: str
    text: str = ""
    vote: VoteRecord | None = None


@dataclass(frozen=True)
class Minutes:
    sender: str
    title: str
    when: str  # "Donnerstag, 18. März 2027, 18:00 Uhr"
    place: str
    members: list[str] = field(default_factory=list)
    deputies: list[str] = field(default_factory=list)  # "Carla Vertreter1 (in Vertretung für Anna Heß)"
    guests: list[str] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)


def _t(value) -> str:
    return clean_text(str(value or ""))


def _people(doc, label: str, names: list[str]) -> None:
    p = doc.add_paragraph()
    p.add_run(f"{label}: ").bold = True
    p.add_run(", ".join(_t(n) for n in names) if names else "–")


def build(minutes: Minutes) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    if _t(minutes.sender):
        sender = doc.add_paragraph(_t(minutes.sender))
        sender.runs[0].font.size = Pt(9)
    doc.add_heading(f"Protokoll: {_t(minutes.title)}", level=1)
    doc.add_paragraph(f"Datum: {_t(minutes.when)}")
    if _t(minutes.place):
        doc.add_paragraph(f"Ort: {_t(minutes.place)}")

    doc.add_heading("Anwesenheit", level=2)
    _people(doc, "Anwesende Mitglieder", minutes.members)
    _people(doc, "Stellvertretungen", minutes.deputies)
    _people(doc, "Gäste", minutes.guests)

    doc.add_heading("Tagesordnung", level=2)
    for item in minutes.items:
        doc.add_heading(f"{_t(item.number)} {_t(item.title)}".strip(), level=3)
        for line in _t(item.text).split("\n\n"):
            if line.strip():
                doc.add_paragraph(line.strip())
        vote = item.vote
        if vote is None:
            continue
        if _t(vote.project):
            doc.add_paragraph(f"Projekt: {_t(vote.project)}")
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in (("Anwesend (stimmberechtigt)", str(vote.present)),
                             ("Ausgeschlossen wegen persönlicher Beteiligung",
                              ", ".join(_t(n) for n in vote.excluded) if vote.excluded else "–"),
                             ("Ja", str(vote.yes)), ("Nein", str(vote.no)), ("Enthaltungen", str(vote.abstain))):
            row = table.add_row().cells
            row[0].text = label
            row[1].text = value
        doc.add_paragraph("Prüfung:")
        for reason in vote.reasons:
            doc.add_paragraph(_t(reason), style="List Bullet")
        p = doc.add_paragraph()
        p.add_run("Beschluss: ").bold = True
        p.add_run(_t(vote.result)).bold = True
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
