"""German letters as Word files: the built-in DIN 5008 letter, Word Serienbrief templates, address
labels and PDF through LibreOffice. Pure format code: texts and bytes in, bytes out (no Flask, no
database).

Every engine takes the recipients as *rows of merge values*: one dict per recipient with the
German merge-field names of :data:`MERGE_FIELDS` as keys, made by :func:`merge_values` from an
:class:`~crm.contacts.salutation.Addressee` (address block and Briefanrede come from
``crm/contacts/salutation.py``, the date from ``crm.core.formatting.long_date``).

* :func:`builtin_letters` (letterhead, text, rows) -> .docx: a DIN 5008 form B letter per
  recipient, each in its own section (next page), so "Seite X von Y" restarts per letter.
  Rendered with docxtpl and written into the file :data:`LETTER_CHUNK` letters at a time
  (:func:`render_letters`): the working memory does not grow with the number of letters.
  Subject, body, closing and signature may contain merge fields written ``{Feldname}``
  (``{{`` and ``}}`` write a brace); :func:`check_text` names unknown fields before anything
  is built.
* :func:`template_fields` / :func:`merge_template`: a Word template with Serienbrief fields
  (MERGEFIELD, also when Word split them over several runs) merged with docx-mailmerge2, one
  section per recipient, likewise written :data:`LETTER_CHUNK` letters at a time. Unknown
  fields are named before anything is merged.
* :func:`address_labels`: address labels on the sheets of :data:`LABEL_SHEETS`, starting at a
  given position of the first sheet.
* :func:`pdf_available` / :func:`to_pdf`: PDF through LibreOffice headless. For many letters,
  build one .docx per slice of :func:`in_chunks` and pass the list: LibreOffice's import slows
  down with the square of the sections in one document.

Field names match without regard to case, spaces, hyphens and underscores ("E-Mail", "EMail",
"e_mail"; "Straße" and "Strasse"), as Word changes them when it takes them from a data source.

Errors are :class:`LetterError` with an English msgid and parameters (translated where they are
shown, like ``crm.interop.tabular.TableError``). The text of the letter itself (labels of the
information block, "Seite 1 von 2") is German: these are German letters whatever the UI language.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice
from pathlib import Path
from xml.sax.saxutils import escape

from crm.contacts.salutation import (
    Addressee,
    address_block,
    clean_text,
    country_name,
    display_name,
    form_of_address,
    letter_salutation,
    street_line,
)
from crm.core.formatting import long_date
from crm.interop.messages import N_, MessageError


class LetterError(MessageError):
    """The letters cannot be made; the message is for the user (English msgid + params)."""


# ---------------------------------------------------------------- merge fields

# The CRM's merge fields in the order the letter page lists them; the names are German because
# users write them into their Word templates (Einfügen > Seriendruckfeld).
MERGE_FIELDS: dict[str, str] = {
    "Anrede": N_('"Herr" or "Frau" (empty for diverse or unknown gender)'),
    "Briefanrede": N_('The complete letter salutation, e.g. "Sehr geehrte Frau Dr. Huber,"'),
    "Titel": N_('Academic degree as stored, e.g. "Dr." or "Prof. Dr."'),
    "Vorname": N_("First name"),
    "Nachname": N_('Last name with the nobility particle, e.g. "von Thurn"'),
    "Namenszusatz": N_('Name suffix, e.g. "jun."'),
    "Name": N_('Full name, e.g. "Prof. Dr. Hans von Thurn jun."'),
    "Funktion": N_('Function at the organisation, e.g. "Erste Bürgermeisterin"'),
    "Organisation": N_("Organisation (when writing to the person at an organisation)"),
    "Abteilung": N_("Department"),
    "Straße": N_('Street and number, or "Postfach ..."'),
    "PLZ": N_("Postcode"),
    "Ort": N_("City"),
    "Land": N_("Country (empty for Germany)"),
    "Anschrift": N_("The whole address block after DIN 5008, one line per line"),
    "E-Mail": N_("E-mail address"),
    "Datum": N_('Date of the letter, e.g. "2. Dezember 2026"'),
    "Betreff": N_("Subject of the letter"),
}

# Other names real Serienbrief templates use for the same data.
_ALIASES = {
    "Postleitzahl": "PLZ",
    "Stadt": "Ort",
    "Wohnort": "Ort",
    "Firma": "Organisation",
    "Institution": "Organisation",
    "Strasse_Hausnummer": "Straße",
    "Straße_und_Hausnummer": "Straße",
    "Mail": "E-Mail",
    "Titel_akademisch": "Titel",
}


def _field_key(name: str) -> str:
    """"E-Mail", "EMail", "e_mail" -> "email"; "Straße" -> "strasse"."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name).casefold())


_FIELD_BY_KEY = {_field_key(n): n for n in MERGE_FIELDS} | {_field_key(a): n for a, n in _ALIASES.items()}


def merge_field(name: str) -> str | None:
    """The CRM's merge field for a name as a template or a text writes it; None if unknown."""
    return _FIELD_BY_KEY.get(_field_key(name))


def _unknown_fields_error(names: Sequence[str]) -> LetterError:
    return LetterError(N_("Unknown merge fields: %(fields)s. Known fields: %(known)s."),
                       fields=", ".join(names), known=", ".join(MERGE_FIELDS))


def merge_values(addressee: Addressee, email: str = "", letter_date: date | None = None,
                 subject: str = "") -> dict[str, str]:
    """The merge values of one recipient, keyed by the names of :data:`MERGE_FIELDS`."""
    a = addressee
    return {
        "Anrede": form_of_address(a),
        "Briefanrede": letter_salutation(a),
        "Titel": clean_text(a.degree),
        "Vorname": clean_text(a.first_name),
        "Nachname": clean_text(f"{clean_text(a.nobility)} {clean_text(a.last_name)}"),
        "Namenszusatz": clean_text(a.name_suffix),
        "Name": display_name(a),
        "Funktion": clean_text(a.function) or clean_text(a.office_title),
        "Organisation": clean_text(a.organisation),
        "Abteilung": clean_text(a.department),
        "Straße": street_line(a),
        "PLZ": clean_text(a.postcode),
        "Ort": clean_text(a.city),
        "Land": country_name(a.country),
        "Anschrift": "\n".join(address_block(a)),
        "E-Mail": clean_text(email),
        "Datum": long_date(letter_date),
        "Betreff": clean_text(subject),
    }


def has_postal_address(addressee: Addressee) -> bool:
    """A letter can reach the addressee: a street or PO box, and a town."""
    return bool(street_line(addressee) and clean_text(addressee.city))


# XML 1.0 allows no other control characters; Excel pastes bring vertical tabs and the like.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe(value: object) -> str:
    """Text that can go into a Word file: line ends as "\\n", no control characters."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text)


# ---------------------------------------------------------------- texts with {fields}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")


def _compile(text: str) -> list[str | tuple[str]]:
    """Literal parts and (field,) tuples; unknown names are collected by the caller."""
    parts: list[str | tuple[str]] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        parts.append(text[pos:match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        else:
            parts.append((match.group(1),))
        pos = match.end()
    parts.append(text[pos:])
    return [p for p in parts if p != ""]


def _fill(parts: list, row: Mapping[str, str]) -> str:
    return "".join(p if isinstance(p, str) else row.get(p[0], "") for p in parts)


@dataclass(frozen=True)
class LetterText:
    """What the writer types once for all recipients; every part may contain {fields}."""

    subject: str
    body: str  # paragraphs separated by an empty line; a single line end stays a line break
    closing: str = "Mit freundlichen Grüßen"
    signature: str = ""  # name (and function) below the closing, one line per line


@dataclass
class _CompiledText:
    subject: list
    paragraphs: list[list]
    closing: list
    signature: list


def check_text(text: LetterText) -> list[str]:
    """The merge fields the text uses (CRM names); LetterError naming the unknown ones."""
    _compiled, used = _compile_text(text)
    return used


def fill_text(text: LetterText, row: Mapping[str, str]) -> str:
    """The body of one recipient's letter as plain text (paragraphs apart by an empty line), for a
    preview on screen; LetterError naming unknown fields, as for the letters themselves."""
    compiled, _used = _compile_text(text)
    return "\n\n".join(_fill(parts, row) for parts in compiled.paragraphs)


def _compile_text(text: LetterText) -> tuple[_CompiledText, list[str]]:
    body = _safe(text.body).strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n+", body) if p.strip()]
    compiled = _CompiledText(
        subject=_compile(_safe(text.subject).strip()),
        paragraphs=[_compile(p) for p in paragraphs],
        closing=_compile(_safe(text.closing).strip()),
        signature=_compile(_safe(text.signature).strip()),
    )
    used, unknown = [], []
    for parts in (compiled.subject, *compiled.paragraphs, compiled.closing, compiled.signature):
        for i, part in enumerate(parts):
            if isinstance(part, tuple):
                name = merge_field(part[0])
                if name is None:
                    if part[0].strip() not in unknown:
                        unknown.append(part[0].strip())
                else:
                    parts[i] = (name,)
                    if name not in used:
                        used.append(name)
    if unknown:
        raise _unknown_fields_error(["{" + n + "}" for n in unknown])
    return compiled, used


# ---------------------------------------------------------------- letterhead


@dataclass(frozen=True)
class Letterhead:
    """The sender as an admin configures it; shown in the header, information block and footer."""

    organisation: str
    address_lines: tuple[str, ...] = ()  # ("Hauptstraße 1", "63820 Elsenfeld")
    return_address: str = ""  # the one line above the address field; built from the above when empty
    contact: str = ""  # name of the person to contact, in the information block
    phone: str = ""
    email: str = ""
    website: str = ""
    bank: str = ""  # "Sparkasse Miltenberg-Obernburg · IBAN DE12 ... · BIC BYLADEM1MIL"
    footer: str = ""  # further lines of the footer (register, tax number ...)
    logo: bytes | None = field(default=None, repr=False)  # PNG or JPEG

    def return_line(self) -> str:
        given = clean_text(_safe(self.return_address))
        if given:
            return given
        return " · ".join(p for p in (clean_text(self.organisation), *map(clean_text, self.address_lines)) if p)

    def footer_lines(self) -> list[str]:
        lines = [" · ".join(p for p in (clean_text(self.organisation), *map(clean_text, self.address_lines)) if p)]
        contact = [f"Telefon {clean_text(self.phone)}" if clean_text(self.phone) else "",
                   clean_text(self.email), clean_text(self.website)]
        lines.append(" · ".join(p for p in contact if p))
        lines.append(clean_text(self.bank))
        lines += [line.strip() for line in _safe(self.footer).split("\n")]
        return [_safe(line) for line in lines if line.strip()]


# ---------------------------------------------------------------- WordprocessingML helpers

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NSDECLS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def twips(mm: float) -> int:
    """Millimetres in twentieths of a point, the unit of page and table sizes in Word."""
    return round(mm * 1440 / 25.4)


def _edges(start_mm: float, sizes_mm: Sequence[float]) -> list[int]:
    """Widths in twips that add up without drift: each edge rounded from its exact position."""
    edges, position = [twips(start_mm)], start_mm
    for size in sizes_mm:
        position += size
        edges.append(twips(position))
    return [b - a for a, b in zip(edges, edges[1:])]


def _rpr(size_pt: float | None = None, bold: bool = False, color: str = "", underline: bool = False) -> str:
    xml = "<w:b/>" if bold else ""
    xml += f'<w:color w:val="{color}"/>' if color else ""
    xml += f'<w:sz w:val="{round(size_pt * 2)}"/><w:szCs w:val="{round(size_pt * 2)}"/>' if size_pt else ""
    xml += '<w:u w:val="single"/>' if underline else ""
    return f"<w:rPr>{xml}</w:rPr>" if xml else ""


def _run(text: str, rpr: str = "") -> str:
    """A run; `text` is XML text already (escaped, or a template tag)."""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _lines_runs(lines: Sequence[str], rpr: str = "") -> str:
    """Escaped lines of text as runs with line breaks between them."""
    return f"<w:r>{rpr}<w:br/></w:r>".join(_run(escape(line), rpr) for line in lines)


def _ppr(*, align: str = "", before: int = 0, after: int = 0, line: int = 0, exact: bool = False,
         ind_left: int = 0, ind_right: int = 0, extra: str = "", keep_next: bool = False) -> str:
    """Paragraph properties; spacing and indents in twips (line: exact or at least)."""
    xml = "<w:keepNext/>" if keep_next else ""
    xml += extra
    rule = "exact" if exact else "auto"
    xml += f'<w:spacing w:before="{before}" w:after="{after}"' + (
        f' w:line="{line}" w:lineRule="{rule}"/>' if line else "/>")
    if ind_left or ind_right:
        xml += f'<w:ind w:left="{ind_left}" w:right="{ind_right}"/>'
    xml += f'<w:jc w:val="{align}"/>' if align else ""
    return f"<w:pPr>{xml}</w:pPr>"


def _grid(widths: Sequence[int]) -> str:
    return "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)


def _para(runs: str = "", ppr: str = "") -> str:
    return f"<w:p>{ppr}{runs}</w:p>"


def _tiny_para(section_break: str = "") -> str:
    """An empty paragraph 1 pt high, optionally ending a section (the paragraph Word needs after
    a table, or the carrier of a section break), so that it takes no room on the page."""
    return ('<w:p><w:pPr><w:spacing w:after="0" w:line="20" w:lineRule="exact"/>'
            f'<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>{section_break}</w:pPr></w:p>')


def _tag_para(tag: str) -> str:
    """A paragraph holding only a docxtpl tag ({%p ... %}); docxtpl removes the paragraph."""
    return _para(_run(tag))


def _field(instr: str, shown: str, rpr: str = "") -> str:
    """A complex field (PAGE, SECTIONPAGES) as Word writes it, with a shown value."""
    return (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r>{rpr}<w:t>{shown}</w:t></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')


def _parse(xml: str):
    from docx.oxml import parse_xml

    return parse_xml(xml)


def _with_ns(xml: str) -> str:
    """The first element of `xml` with the w: and r: namespaces declared."""
    return re.sub(r"^<(w:\w+)", rf"<\1 {_NSDECLS}", xml, count=1)


def _new_document():
    """A python-docx document without the sample content of its default template: German, Arial,
    no spacing after paragraphs, tables placed at the margin (Word 2013 and later)."""
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    doc = Document()
    body = doc.element.body
    for child in list(body):
        if child.tag != f"{{{W_NS}}}sectPr":
            body.remove(child)
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the default template's preview picture is not ours
            del package.rels[rid]
    styles = doc.styles.element
    defaults = styles.find(f"{{{W_NS}}}docDefaults")
    styles.remove(defaults)
    styles.insert(0, _parse(_with_ns(
        '<w:docDefaults><w:rPrDefault><w:rPr>'
        '<w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/>'
        '<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="de-DE" w:eastAsia="en-US" w:bidi="ar-SA"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
        '</w:pPr></w:pPrDefault></w:docDefaults>')))
    settings = doc.settings.element
    for setting in settings.iter(f"{{{W_NS}}}compatSetting"):
        if setting.get(f"{{{W_NS}}}name") == "compatibilityMode":
            setting.set(f"{{{W_NS}}}val", "15")
    return doc


def _docx_bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- built-in DIN 5008 letter

# DIN 5008 form B, in millimetres from the top left corner of an A4 page.
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210.0, 297.0
LEFT_MARGIN_MM, RIGHT_MARGIN_MM = 25.0, 20.0
ADDRESS_FIELD_TOP_MM, ADDRESS_FIELD_LEFT_MM = 45.0, 20.0
ADDRESS_FIELD_WIDTH_MM = 85.0
RETURN_ZONE_MM, ADDRESS_ZONE_MM = 17.7, 27.3  # Zusatz- und Vermerkzone with the return line, Anschriftzone
INFO_BLOCK_LEFT_MM, INFO_BLOCK_TOP_MM = 125.0, 50.0
# Fold marks (105 and 210 mm) and the hole mark (148.5 mm) at the left edge: (from the top, length).
PAGE_MARKS_MM = ((105.0, 5.0), (148.5, 8.0), (210.0, 5.0))
BOTTOM_MARGIN_MM = 32.0

_GREY = "595959"
_INFO_TAB = twips(17)


def _info_block_xml(letterhead: Letterhead) -> str:
    """The information block: contact, phone, e-mail, website, then the date (values from the context)."""
    ppr = _ppr(line=240, exact=True, extra=f'<w:tabs><w:tab w:val="left" w:pos="{_INFO_TAB}"/></w:tabs>')
    label = _rpr(8, color=_GREY)
    value = _rpr(9)

    def line(name: str, tag: str) -> str:
        return _para(_run(escape(name), label) + f"<w:r>{value}<w:tab/></w:r>" + _run(tag, value), ppr)

    rows = []
    for name, attr in (("Kontakt", "contact"), ("Telefon", "phone"), ("E-Mail", "email"), ("Internet", "website")):
        if clean_text(getattr(letterhead, attr)):
            rows.append(line(name, f"{{{{ lh.{attr} }}}}"))
    if rows:
        rows.append(_para("", ppr))
    rows.append(line("Datum", "{{ l.date }}"))
    return "".join(rows)


def _address_table_xml(letterhead: Letterhead) -> str:
    """The address field (return line above the address) and the information block beside it.

    A table in the text flow with exact row heights, its left edge at 20 mm (the text of the
    address at 25 mm, indented by 5 mm inside the cell) and its top at the top margin (45 mm).
    Cell margins are 0 so that the position does not depend on Word's compatibility mode.
    """
    gap_mm = INFO_BLOCK_LEFT_MM - ADDRESS_FIELD_LEFT_MM - ADDRESS_FIELD_WIDTH_MM
    info_mm = PAGE_WIDTH_MM - RIGHT_MARGIN_MM - INFO_BLOCK_LEFT_MM
    widths = _edges(ADDRESS_FIELD_LEFT_MM, (ADDRESS_FIELD_WIDTH_MM, gap_mm, info_mm))
    heights = _edges(ADDRESS_FIELD_TOP_MM, (RETURN_ZONE_MM, ADDRESS_ZONE_MM))
    inner = twips(LEFT_MARGIN_MM - ADDRESS_FIELD_LEFT_MM)
    zero = "".join(f'<w:{side} w:w="0" w:type="dxa"/>' for side in ("top", "left", "bottom", "right"))

    def cell(width: int, content: str, extra: str = "") -> str:
        return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{extra}</w:tcPr>{content}</w:tc>'

    return_line = _para(_run("{{ lh.return_line }}", _rpr(7, underline=True)),
                        _ppr(line=180, exact=True, ind_left=inner, after=twips(1.5)))
    address = _para(_run("{{ l.address }}", _rpr(10)), _ppr(line=240, exact=True, ind_left=inner))
    info_top = twips(INFO_BLOCK_TOP_MM - ADDRESS_FIELD_TOP_MM)
    info = (f'<w:tcMar><w:top w:w="{info_top}" w:type="dxa"/></w:tcMar>')
    row = '<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{h}" w:hRule="exact"/></w:trPr>{cells}</w:tr>'
    first = row.format(h=heights[0], cells=(
        cell(widths[0], return_line, '<w:vAlign w:val="bottom"/>')
        + cell(widths[1], _para(), '<w:vMerge w:val="restart"/>')
        + cell(widths[2], _info_block_xml(letterhead), f'<w:vMerge w:val="restart"/>{info}')))
    second = row.format(h=heights[1], cells=(
        cell(widths[0], address)
        + cell(widths[1], _para(), '<w:vMerge/>')
        + cell(widths[2], _para(), '<w:vMerge/>')))
    indent = twips(ADDRESS_FIELD_LEFT_MM - LEFT_MARGIN_MM)
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f'<w:tblInd w:w="{indent}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar>{zero}</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
            f"<w:tblGrid>{_grid(widths)}</w:tblGrid>"
            f"{first}{second}</w:tbl>")


def _letter_body_xml(letterhead: Letterhead, section_break: str) -> str:
    """One letter per entry of `letters`; a section break after every letter but the last of the run."""
    body = _ppr(after=220, line=264)
    return "".join((
        _tag_para("{%p for l in letters %}"),
        _address_table_xml(letterhead),
        _para(_run("{{ l.subject }}", _rpr(bold=True)), _ppr(before=twips(8.5), after=480, line=264)),
        _para(_run("{{ l.salutation }}"), body),
        _tag_para("{%p for paragraph in l.paragraphs %}"),
        _para(_run("{{ paragraph }}"), body),
        _tag_para("{%p endfor %}"),
        _tag_para("{%p if l.closing %}"),
        _para(_run("{{ l.closing }}"), _ppr(after=0, line=264, keep_next=True)),
        _tag_para("{%p endif %}"),
        _tag_para("{%p if l.signature %}"),
        _para(_run("{{ l.signature }}"), _ppr(before=840, line=264)),
        _tag_para("{%p endif %}"),
        # `more`: further chunks of letters follow this one (see render_letters)
        _tag_para("{%p if not loop.last or more %}"),
        _tiny_para(section_break),
        _tag_para("{%p endif %}"),
        _tag_para("{%p endfor %}"),
    ))


def _fold_marks_xml() -> str:
    """Fold marks (105 and 210 mm) and the hole mark (148.5 mm) at the left edge, as framed lines."""
    marks = []
    for top_mm, length_mm in PAGE_MARKS_MM:
        frame = (f'<w:framePr w:w="{twips(length_mm)}" w:h="{twips(0.5)}" w:hRule="exact" w:wrap="around" '
                 f'w:vAnchor="page" w:hAnchor="page" w:x="{twips(4)}" w:y="{twips(top_mm)}"/>'
                 '<w:pBdr><w:top w:val="single" w:sz="4" w:space="0" w:color="808080"/></w:pBdr>')
        marks.append(_para(_run("", _rpr(1)), _ppr(line=20, exact=True, extra=frame)))
    return "".join(marks)


def _header_first_xml(letterhead: Letterhead) -> str:
    """The letterhead on the first page: logo, organisation, address lines; fold and hole marks.
    With a logo the first paragraph is left empty for it (python-docx adds the picture)."""
    # The marks first: LibreOffice anchors a frame to the paragraph after it.
    parts = [_fold_marks_xml()]
    if letterhead.logo:
        parts.append(_para("", _ppr(align="right")))
    parts.append(_para(_run("{{ lh.organisation }}", _rpr(14, bold=True)), _ppr(align="right", before=60)))
    if letterhead.address_lines:
        parts.append(_para(_run("{{ lh.address }}", _rpr(8, color=_GREY)), _ppr(align="right", before=40)))
    return "".join(parts)


def _footer_xml() -> str:
    """"Seite X von Y" (the pages of this letter's section) and the sender's details."""
    small = _rpr(8)
    page = _para(_run("Seite ", small) + _field("PAGE", "1", small) + _run(" von ", small)
                 + _field("SECTIONPAGES", "1", small), _ppr(align="right", after=80))
    border = '<w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="A6A6A6"/></w:pBdr>'
    details = _para(_run("{{ lh.footer }}", _rpr(7, color=_GREY)),
                    _ppr(align="center", line=200, exact=True, extra=border))
    return page + details


def _sect_pr(refs: str) -> str:
    return (f"<w:sectPr>{refs}<w:type w:val=\"nextPage\"/>"
            f'<w:pgSz w:w="{twips(PAGE_WIDTH_MM)}" w:h="{twips(PAGE_HEIGHT_MM)}"/>'
            f'<w:pgMar w:top="{twips(ADDRESS_FIELD_TOP_MM)}" w:right="{twips(RIGHT_MARGIN_MM)}" '
            f'w:bottom="{twips(BOTTOM_MARGIN_MM)}" w:left="{twips(LEFT_MARGIN_MM)}" w:header="{twips(10)}" '
            f'w:footer="{twips(8)}" w:gutter="0"/>'
            '<w:pgNumType w:start="1"/><w:cols w:space="708"/><w:titlePg/></w:sectPr>')


def _fill_part(part_element, xml: str) -> None:
    """Replace the content of a header or footer part with `xml` (paragraphs and tables)."""
    for child in list(part_element):
        part_element.remove(child)
    for element in _parse(_with_ns(f"<w:hdr>{xml}</w:hdr>")):
        part_element.append(element)


LOGO_MAX_MM = (80.0, 18.0)  # width, height in the letterhead


def _logo_size(logo: bytes) -> tuple[int, int]:
    """Width and height (EMU) of the logo scaled into LOGO_MAX_MM, keeping its proportions."""
    from docx.image.image import Image
    from docx.shared import Mm

    try:
        image = Image.from_blob(logo)
    except Exception:
        raise LetterError(N_("The logo cannot be read. Please upload a PNG or JPEG image."))
    if image.content_type not in ("image/png", "image/jpeg"):
        raise LetterError(N_("The logo cannot be read. Please upload a PNG or JPEG image."))
    natural_w, natural_h = image.width, image.height  # EMU at the image's resolution
    scale = min(Mm(LOGO_MAX_MM[0]) / natural_w, Mm(LOGO_MAX_MM[1]) / natural_h)
    return round(natural_w * scale), round(natural_h * scale)


@lru_cache(maxsize=8)
def letter_template(letterhead: Letterhead) -> bytes:
    """The built-in letter as a docxtpl template for this letterhead (cached: a run uses it once).

    The letterhead's texts are not in the template but in the context (escaped when rendered),
    so that braces or "<" in them are harmless; only which lines exist depends on the letterhead.
    """

    doc = _new_document()
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    _fill_part(section.first_page_header._element, _header_first_xml(letterhead))
    if letterhead.logo:
        width, height = _logo_size(letterhead.logo)
        logo_paragraph = section.first_page_header.paragraphs[len(PAGE_MARKS_MM)]
        logo_paragraph.add_run().add_picture(io.BytesIO(letterhead.logo), width=width, height=height)
    _fill_part(section.header._element, _para(_run("{{ lh.organisation }}", _rpr(8, color=_GREY)),
                                              _ppr(align="right")))
    _fill_part(section.footer._element, _footer_xml())
    _fill_part(section.first_page_footer._element, _footer_xml())

    sect_pr = doc.element.body.sectPr
    refs = "".join(_xml_string(ref) for ref in sect_pr if ref.tag.endswith(("headerReference", "footerReference")))
    refs = re.sub(r' xmlns:\w+="[^"]*"', "", refs)
    final = _parse(_with_ns(_sect_pr(refs)))
    body = doc.element.body
    body.remove(sect_pr)
    for element in _parse(_with_ns(f"<w:body>{_letter_body_xml(letterhead, _sect_pr(refs))}</w:body>")):
        body.append(element)
    body.append(final)
    return _docx_bytes(doc)


def _xml_string(element) -> str:
    from lxml import etree

    return etree.tostring(element, encoding="unicode")


def _letterhead_context(letterhead: Letterhead) -> dict[str, str]:
    return {
        "organisation": clean_text(_safe(letterhead.organisation)),
        "address": " · ".join(clean_text(_safe(line)) for line in letterhead.address_lines if clean_text(line)),
        "return_line": _safe(letterhead.return_line()),
        "contact": clean_text(_safe(letterhead.contact)),
        "phone": clean_text(_safe(letterhead.phone)),
        "email": clean_text(_safe(letterhead.email)),
        "website": clean_text(_safe(letterhead.website)),
        "footer": "\n".join(letterhead.footer_lines()),
    }


def letter_context(letterhead: Letterhead, text: LetterText, rows: Sequence[Mapping[str, str]]) -> dict:
    """The docxtpl context of the built-in letter: the letterhead and one entry per recipient."""
    if not rows:
        raise LetterError(N_("There are no recipients."))
    compiled, _used = _compile_text(text)
    return {"lh": _letterhead_context(letterhead), "letters": list(_letter_entries(compiled, rows))}


def _letter_entries(compiled: _CompiledText, rows: Iterable[Mapping[str, str]]) -> Iterator[dict]:
    """The context entry of each recipient's letter, made when it is rendered."""
    for number, raw in enumerate(rows, start=1):
        row = {name: _safe(value) for name, value in raw.items()}
        address = row.get("Anschrift", "").strip()
        if not address:
            raise LetterError(N_("Recipient %(number)s has no postal address."), number=number)
        salutation = row.get("Briefanrede", "")
        paragraphs = [_fill(p, row) for p in compiled.paragraphs]
        # the letter sets the Briefanrede itself: a text that begins with {Briefanrede} must not repeat it
        if paragraphs and salutation and paragraphs[0].strip() == salutation.strip():
            paragraphs = paragraphs[1:]
        yield {
            "address": address,
            "subject": _fill(compiled.subject, row),
            "salutation": salutation,
            "paragraphs": paragraphs,
            "closing": _fill(compiled.closing, row),
            "signature": _fill(compiled.signature, row),
            "date": row.get("Datum", ""),
        }


def render_template(template: bytes, context: dict) -> bytes:
    """docxtpl with autoescape (so that "Müller & Söhne <GmbH>" stays text), all letters at once."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(io.BytesIO(template))
    document.render(context, autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Letters rendered and written at a time: the working memory holds the XML of one chunk, never that
# of the whole run (about 100 KB a letter as lxml tree and strings).
LETTER_CHUNK = 100


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@lru_cache(maxsize=1)
def _compiling_once():
    """A Jinja environment class that compiles each template source once: docxtpl compiles the
    body anew on every render, and a run renders the same body once per chunk."""
    from jinja2 import Environment

    class CompilingOnce(Environment):
        def from_string(self, source, *args, **kwargs):
            if args or kwargs or not isinstance(source, str):
                return super().from_string(source, *args, **kwargs)
            compiled = self.__dict__.setdefault("_compiled_once", {})
            if source not in compiled:
                compiled[source] = super().from_string(source)
            return compiled[source]

    return CompilingOnce


def render_letters(letterhead: Letterhead, letters: Iterable[Mapping]) -> bytes:
    """One .docx of the built-in letter, one section per entry of `letters` (the entries of
    :func:`letter_context`), the same file :func:`render_template` makes of all of them at once.

    Streamed: docxtpl renders the template's body (the loop over the letters) for LETTER_CHUNK
    letters at a time, lxml parses it as docxtpl does, and the chunk's XML goes straight into the
    compressed word/document.xml of the file. Everything else (headers and footers, styles, the
    head of document.xml and its last section) is the template rendered for no letter.
    """
    from docxtpl import DocxTemplate

    batches = _batches(letters, LETTER_CHUNK)
    batch = next(batches, None)
    if batch is None:
        raise LetterError(N_("There are no recipients."))
    template = DocxTemplate(io.BytesIO(letter_template(letterhead)))
    template.init_docx()
    body_source = template.patch_xml(template.get_xml())
    lh = _letterhead_context(letterhead)
    jinja_env = _compiling_once()(autoescape=True)
    template.render({"lh": lh, "letters": []}, jinja_env=jinja_env, autoescape=True)
    frame = io.BytesIO()
    template.save(frame)

    def chunks() -> Iterator[bytes]:
        nonlocal batch
        while batch is not None:
            following = next(batches, None)
            context = {"lh": lh, "letters": batch, "more": following is not None}
            body = template.fix_tables(template.render_xml_part(body_source, template.docx.part, context, jinja_env))
            template.fix_docpr_ids(body)
            body.remove(body[-1])  # the last section: the frame's
            yield _inner_xml(body)
            batch = following

    return _stream_body(frame.getvalue(), chunks())


def _inner_xml(element) -> bytes:
    """The serialised children of `element` (without its tag), namespaces declared by its ancestors."""
    from lxml import etree

    if not len(element):
        return b""
    xml = etree.tostring(element, encoding="UTF-8", with_tail=False)
    return xml[xml.index(b">") + 1:xml.rindex(b"</")]


def _stream_body(package: bytes, chunks: Iterable[bytes]) -> bytes:
    """The Word file `package` with `chunks` written into word/document.xml before its last section
    (its only section), compressed as they come."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info))
                continue
            xml = source.read(info)
            last_section = xml.rindex(b"<w:sectPr")
            with target.open(_entry(info.filename), "w") as stream:
                stream.write(xml[:last_section])
                for chunk in chunks:
                    stream.write(chunk)
                stream.write(xml[last_section:])
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    import time

    info = zipfile.ZipInfo(name, time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def builtin_letters(letterhead: Letterhead, text: LetterText, rows: Sequence[Mapping[str, str]]) -> bytes:
    """One .docx with a DIN 5008 letter per row of merge values, each letter its own section."""
    if not rows:
        raise LetterError(N_("There are no recipients."))
    compiled, _used = _compile_text(text)
    return render_letters(letterhead, _letter_entries(compiled, rows))


# ---------------------------------------------------------------- Word Serienbrief templates

MAX_TEMPLATE_BYTES = 20 * 1024 * 1024  # unpacked; a letter template with a logo is far below
_MAIN_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_TEMPLATE_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_MACRO_DOCUMENTS = ("application/vnd.ms-word.document.macroEnabled.main+xml",
                    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")
_WORD_ONLY_FIELDS = re.compile(r"\b(ADDRESSBLOCK|GREETINGLINE)\b")
_SECT_PR_ORDER = ("headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar",
                  "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote",
                  "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange")


def _word_package(data: bytes) -> io.BytesIO:
    """The file as a Word package docx-mailmerge2 can open, or a LetterError saying what it is.

    A Word template (.dotx) is opened as the document it describes.
    """
    if not data:
        raise LetterError(N_("The file is empty."))
    if data.startswith(b"%PDF"):
        raise LetterError(N_("This is a PDF file, not a Word document. Please upload the template as .docx."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LetterError(N_("Old Word files (.doc) cannot be read. Please save the template in Word as .docx."))
    not_word = LetterError(N_("This is not a Word document (.docx). Please upload the template as .docx."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "[Content_Types].xml" not in archive.namelist():
            raise not_word
        if sum(info.file_size for info in archive.infolist()) > MAX_TEMPLATE_BYTES:
            raise LetterError(N_("The Word document is too large (more than %(mb)s MB unpacked)."),
                              mb=MAX_TEMPLATE_BYTES // (1024 * 1024))
        content_types = archive.read("[Content_Types].xml").decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise not_word
    if not any(kind in content_types for kind in (_MAIN_DOCUMENT, _TEMPLATE_DOCUMENT, *_MACRO_DOCUMENTS)):
        raise not_word
    if any(kind in content_types for kind in _MACRO_DOCUMENTS):
        raise LetterError(N_("Word files with macros (.docm) are not accepted. Please save the template as .docx."))
    if _TEMPLATE_DOCUMENT not in content_types:
        return io.BytesIO(data)
    # .dotx: the same package with the main part declared as a document
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            content = archive.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(_TEMPLATE_DOCUMENT.encode(), _MAIN_DOCUMENT.encode())
            target.writestr(info, content)
    out.seek(0)
    return out


class _Template:
    """A Word template opened with docx-mailmerge2: its fields, checked against MERGE_FIELDS."""

    def __init__(self, data: bytes):
        from mailmerge import MailMerge

        package = _word_package(data)
        try:
            self.merge = MailMerge(package)
        except Exception:  # a damaged file (missing part, broken XML, a field without end) in any way
            raise LetterError(N_("This is not a Word document (.docx). Please upload the template as .docx."))
        self.parts = [info["part"] for info in self.merge.docx.get_parts()]
        if not self.merge.docx.category_part_map.get("main"):
            raise LetterError(N_("This is not a Word document (.docx). Please upload the template as .docx."))

    def fields(self) -> list[str]:
        """The MERGEFIELD names in the order of their first appearance (body, headers, footers)."""
        names: list[str] = []
        for part in self.parts:
            for element in part.iter("MergeField"):
                name = element.get("name") or ""
                if name and name not in names:
                    names.append(name)
        return names

    def check(self) -> dict[str, str]:
        """Template field name -> CRM field; LetterError for unknown, unsupported or typed-in fields."""
        names = self.fields()
        unknown = [f"«{n}»" for n in names if merge_field(n) is None]
        if unknown:
            raise _unknown_fields_error(unknown)
        word_only = set()
        typed = []
        for part in self.parts:
            instructions = "".join(part.getroot().itertext(f"{{{W_NS}}}instrText")).upper()
            instructions += " ".join(e.get(f"{{{W_NS}}}instr", "") for e in part.iter(f"{{{W_NS}}}fldSimple")).upper()
            word_only.update(_WORD_ONLY_FIELDS.findall(instructions))
            for paragraph in part.iter(f"{{{W_NS}}}p"):
                text = "".join(t.text or "" for t in paragraph.iter(f"{{{W_NS}}}t")
                               if not any(a.tag == "MergeField" for a in t.iterancestors()))
                typed += [f"«{m}»" for m in re.findall(r"«([^«»]{1,60})»", text)
                          if merge_field(m) is not None and f"«{m}»" not in typed]
        if word_only:
            raise LetterError(N_("The template uses Word's address block or greeting line (%(fields)s). Please use "
                                 "the merge fields «Anschrift» and «Briefanrede» instead."),
                              fields=", ".join(sorted(word_only)))
        if typed:
            raise LetterError(N_("The template contains %(fields)s as typed text, not as merge fields. Please insert "
                                 "them in Word with Mailings > Insert Merge Field."), fields=", ".join(typed))
        if not names:
            raise LetterError(N_("The template contains no merge fields."))
        return {name: merge_field(name) for name in names}

    def restart_page_numbers(self) -> None:
        """Each letter's first section starts at page 1 (docx-mailmerge2 copies the section properties)."""
        for info in self.merge.docx.get_parts(["main"]):
            first = next(info["part"].getroot().iter(f"{{{W_NS}}}sectPr"), None)
            if first is not None and first.find(f"{{{W_NS}}}pgNumType") is None:
                first.append(first.makeelement(f"{{{W_NS}}}pgNumType", {f"{{{W_NS}}}start": "1"}))

    def detach_data_source(self) -> None:
        """The merged file is a plain document: without this, Word asks for the template's data source.
        (docx-mailmerge2 keeps the setting when the template's own header parts, which the merged
        sections no longer use, still hold fields.)"""
        for info in self.merge.docx.get_parts(["settings"]):
            settings = info["part"].getroot()
            for element in settings.findall(f"{{{W_NS}}}mailMerge"):
                settings.remove(element)

    def merge_streamed(self, rows: Sequence[Mapping[str, str]]) -> bytes:
        """The merged file, one section per row: docx-mailmerge2's merge_templates(rows,
        "nextPage_section") and write(), with the letters written into word/document.xml
        LETTER_CHUNK at a time (and the headers and footers copied for them) instead of all
        being kept in one tree. The rows are the template's field values (all its fields)."""
        from lxml import etree
        from mailmerge.field import SkipRecord
        from mailmerge.part import MergeDocument, MergeHeaderFooterDocument

        separator = "nextPage_section"
        merge, docx = self.merge, self.merge.docx
        data = merge.merge_data
        empty = {name: "" for name in merge.get_merge_fields()}  # write() merges what is left with ""
        headers = []
        for info in docx.get_parts(["header_footer"]):
            header = MergeHeaderFooterDocument(info, merge.get_relations(info["zi"]), separator)
            headers.append(header)
            data.unique_id_manager.register_id(header.id_type, int(header.part_id))
        main = docx.get_parts(["main"])[0]
        root = main["part"].getroot()
        relations = merge.get_relations(main["zi"])
        # What the letters add besides their body, kept small until the body is written: the header
        # and footer copies (path, compressed XML), their relationships and content types (XML).
        copies: list[tuple[str, bytes]] = []
        rels_root, rels_known = relations.rel_part.getroot(), len(relations.rel_part.getroot())
        content_types_root = merge.get_content_types().getroot()
        added = {rels_root: [], content_types_root: []}

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            with target.open(_entry(main["zi"].filename), "w") as stream:
                with MergeDocument(data, root, relations, separator) as document:
                    body = document._body  # emptied: the letters are appended to it
                    stream.write(_around(root, body, 0)[0])

                    def flush() -> None:
                        data.replace(body, empty)
                        _order_section_properties(body)
                        stream.write(_inner_xml(body))
                        del body[:]
                        for header in headers:
                            for part in header.new_parts:
                                data.replace(part.content, empty)
                                copies.append((part.path, zlib.compress(etree.tostring(
                                    part.content.getroot(), encoding="UTF-8", xml_declaration=True))))
                                added[content_types_root].append(_outer_xml(content_types_root,
                                                                            [part.part_content_type]))
                            header.new_parts.clear()
                        added[rels_root].append(_outer_xml(rels_root, rels_root[rels_known:]))

                    row, count = data.start_merge(rows), 0
                    while row is not None:  # merge_templates' loop
                        document.prepare(data, first=data.is_first())
                        finished = []
                        for header in headers:
                            header.prepare(data, first=data.is_first())
                            header.merge(data, row)
                            finished.extend(header.finish(data))
                        try:
                            document.merge(data, row)
                            document.finish(finished)
                        except SkipRecord:
                            document.finish(finished, abort=True)
                        row, count = data.next_row(), count + 1
                        if count % LETTER_CHUNK == 0:
                            flush()
                    flush()
                # leaving MergeDocument appended the last section
                for info in docx.get_parts():
                    data.replace(info["part"], empty)
                _order_section_properties(body)
                stream.write(_around(root, body, 0)[1])
            self.detach_data_source()
            for info in docx.zip.filelist:
                if info is main["zi"]:
                    continue
                if info in docx.parts:
                    part = docx.parts[info]["part"].getroot()
                    if part in added:  # what the letters added goes after what was there
                        head, tail = _around(part, part, rels_known if part is rels_root else len(part))
                        content = head + b"".join(added[part]) + tail
                    else:
                        content = etree.tostring(part, encoding="UTF-8", xml_declaration=True)
                else:
                    content = docx.zip.read(info)
                target.writestr(info.filename, content)
            for path, compressed in copies:
                target.writestr(path, zlib.decompress(compressed))
        return out.getvalue()

    def close(self) -> None:
        self.merge.docx.close()


def _around(root, parent, index: int) -> tuple[bytes, bytes]:
    """The serialised document `root` before and after position `index` of `parent`'s children."""
    from lxml import etree

    marker = etree.Comment("here")
    parent.insert(index, marker)
    try:
        xml = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    finally:
        parent.remove(marker)
    head, _marker, tail = xml.partition(b"<!--here-->")
    return head, tail


def _outer_xml(parent, elements) -> bytes:
    """`elements` (taken out of `parent`) serialised as they would be inside it."""
    holder = parent.makeelement(parent.tag, nsmap=parent.nsmap)
    holder.extend(elements)
    return _inner_xml(holder)


def _order_section_properties(element) -> None:
    """Section properties in the order of the schema (docx-mailmerge2 appends <w:type> last)."""
    rank = {name: i for i, name in enumerate(_SECT_PR_ORDER)}
    for sect_pr in element.iter(f"{{{W_NS}}}sectPr"):
        sect_pr[:] = sorted(sect_pr, key=lambda e: rank.get(e.tag.rsplit("}", 1)[-1], len(rank)))


class _TemplateRows(Sequence):
    """The template's field values of each row, made when docx-mailmerge2 comes to the row."""

    def __init__(self, rows: Sequence[Mapping[str, str]], fields: Mapping[str, str]):
        self.rows, self.fields = rows, fields

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        row = self.rows[index]
        return {name: _safe(row.get(crm_name, "")) for name, crm_name in self.fields.items()}


def template_fields(docx: bytes) -> list[str]:
    """The Serienbrief field names of a Word template, as written in it (LetterError if not Word)."""
    template = _Template(docx)
    try:
        return template.fields()
    finally:
        template.close()


def check_template(docx: bytes) -> list[str]:
    """The CRM fields a template uses; LetterError naming unknown fields (nothing merged yet)."""
    template = _Template(docx)
    try:
        return list(dict.fromkeys(template.check().values()))
    finally:
        template.close()


def merge_template(docx: bytes, rows: Sequence[Mapping[str, str]]) -> bytes:
    """The template merged once per row of merge values, each letter a section of its own (next page),
    written LETTER_CHUNK letters at a time (see _Template.merge_streamed)."""
    template = _Template(docx)
    try:
        fields = template.check()
        if not rows:
            raise LetterError(N_("There are no recipients."))
        template.restart_page_numbers()
        return template.merge_streamed(_TemplateRows(rows, fields))
    finally:
        template.close()


# ---------------------------------------------------------------- address labels


@dataclass(frozen=True)
class LabelSheet:
    """An A4 sheet of labels; sizes in millimetres as the maker prints them on the box."""

    key: str
    name: str
    columns: int
    rows: int
    width_mm: float  # of one label
    height_mm: float
    top_mm: float  # from the top edge of the sheet to the first row
    left_mm: float  # from the left edge to the first column
    column_gap_mm: float = 0.0
    row_gap_mm: float = 0.0
    padding_mm: float = 4.0  # text inset from the label's left and right edge

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows


LABEL_SHEETS: dict[str, LabelSheet] = {sheet.key: sheet for sheet in (
    LabelSheet("zweckform-3474", "Zweckform 3474 (70 × 36 mm, 24 je Blatt)", columns=3, rows=8,
               width_mm=70.0, height_mm=36.0, top_mm=4.5, left_mm=0.0, padding_mm=5.0),
    LabelSheet("avery-l7160", "Avery L7160 (63,5 × 38,1 mm, 21 je Blatt)", columns=3, rows=7,
               width_mm=63.5, height_mm=38.1, top_mm=15.1, left_mm=7.2, column_gap_mm=2.5),
)}


def _label_sheet(sheet: LabelSheet | str) -> LabelSheet:
    if isinstance(sheet, LabelSheet):
        return sheet
    if sheet not in LABEL_SHEETS:
        raise LetterError(N_("Unknown label sheet: %(sheet)s."), sheet=sheet)
    return LABEL_SHEETS[sheet]


def _label_font_pt(sheet: LabelSheet, lines: Sequence[str]) -> float:
    """10 pt, or smaller (down to 8 pt, the least DIN 5008 allows) when the longest line would
    otherwise wrap: an address line belongs on one line. Arial averages about 0.5 em a character."""
    width_mm = sheet.width_mm - 2 * sheet.padding_mm
    longest = max((len(line) for line in lines), default=0)
    for size in (10.0, 9.5, 9.0, 8.5):
        if longest * size * 0.5 * 25.4 / 72 <= width_mm:
            return size
    return 8.0


def _label_table_xml(sheet: LabelSheet, cells: Sequence[Sequence[str] | None]) -> str:
    """One sheet as a table: fixed column widths and exact row heights (gaps as empty columns/rows),
    cell margins 0 and the text inset by paragraph indents, so the table lies where the labels are."""
    sizes: list[float] = []  # label, gap, label, gap, label
    for column in range(sheet.columns):
        if column and sheet.column_gap_mm:
            sizes.append(sheet.column_gap_mm)
        sizes.append(sheet.width_mm)
    label_columns = [i for i in range(len(sizes)) if not sheet.column_gap_mm or i % 2 == 0]
    widths = _edges(sheet.left_mm, sizes)
    heights_mm: list[float] = []
    for row in range(sheet.rows):
        if row and sheet.row_gap_mm:
            heights_mm.append(sheet.row_gap_mm)
        heights_mm.append(sheet.height_mm)
    heights = _edges(sheet.top_mm, heights_mm)
    inset = twips(sheet.padding_mm)
    text_ppr = _ppr(line=240, exact=True, ind_left=inset, ind_right=inset)
    zero = "".join(f'<w:{side} w:w="0" w:type="dxa"/>' for side in ("top", "left", "bottom", "right"))
    rows_xml = []
    position = 0
    for row_index, height in enumerate(heights):
        is_gap_row = sheet.row_gap_mm and row_index % 2 == 1
        tcs = []
        for column_index, width in enumerate(widths):
            content = _para("", text_ppr)
            if not is_gap_row and column_index in label_columns:
                lines = cells[position] if position < len(cells) else None
                position += 1
                if lines:
                    lines = [clean_text(_safe(line)) for line in lines]
                    content = _para(_lines_runs(lines, _rpr(_label_font_pt(sheet, lines))), text_ppr)
            tcs.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                       f"{content}</w:tc>")
        rows_xml.append(f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{height}" w:hRule="exact"/></w:trPr>'
                        f'{"".join(tcs)}</w:tr>')
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblInd w:w="0" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/><w:tblCellMar>{zero}</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
            f'<w:tblGrid>{_grid(widths)}</w:tblGrid>{"".join(rows_xml)}</w:tbl>')


def _label_sect_pr(sheet: LabelSheet) -> str:
    """A4 with the sheet's top and left edge as margins; the rest of the page below the table."""
    table_mm = sheet.rows * sheet.height_mm + (sheet.rows - 1) * sheet.row_gap_mm
    width_mm = sheet.columns * sheet.width_mm + (sheet.columns - 1) * sheet.column_gap_mm
    right = max(0, twips(PAGE_WIDTH_MM) - twips(sheet.left_mm) - sum(_edges(sheet.left_mm, [width_mm])))
    # the paragraph Word needs after a table (1 pt high) must still fit on the page
    bottom = max(0, twips(PAGE_HEIGHT_MM) - twips(sheet.top_mm + table_mm) - 60)
    return (f'<w:sectPr><w:type w:val="nextPage"/><w:pgSz w:w="{twips(PAGE_WIDTH_MM)}" w:h="{twips(PAGE_HEIGHT_MM)}"/>'
            f'<w:pgMar w:top="{twips(sheet.top_mm)}" w:right="{right}" w:bottom="{bottom}" '
            f'w:left="{twips(sheet.left_mm)}" w:header="0" w:footer="0" w:gutter="0"/><w:cols w:space="708"/>'
            "</w:sectPr>")


def address_labels(sheet: LabelSheet | str, blocks: Sequence[Sequence[str]], start_position: int = 1) -> bytes:
    """A .docx of address labels, one sheet per page; the first `start_position - 1` labels of the
    first sheet stay empty (a sheet that is partly used). Positions count row by row from 1."""
    sheet = _label_sheet(sheet)
    if not blocks:
        raise LetterError(N_("There are no recipients."))
    if not 1 <= start_position <= sheet.per_sheet:
        raise LetterError(N_("The first label must be between 1 and %(count)s."), count=sheet.per_sheet)
    cells: list[Sequence[str] | None] = [None] * (start_position - 1) + list(blocks)
    sheets = [cells[i:i + sheet.per_sheet] for i in range(0, len(cells), sheet.per_sheet)]
    section = _label_sect_pr(sheet)
    parts = []
    for index, sheet_cells in enumerate(sheets):
        parts.append(_label_table_xml(sheet, sheet_cells))
        # Word needs a paragraph after a table; it ends the sheet's section (next page) but the last
        parts.append(_tiny_para(section if index < len(sheets) - 1 else ""))
    doc = _new_document()
    body = doc.element.body
    body.remove(body.sectPr)
    for element in _parse(_with_ns(f"<w:body>{''.join(parts)}{section}</w:body>")):
        body.append(element)
    return _docx_bytes(doc)


# ---------------------------------------------------------------- PDF through LibreOffice

PDF_TIMEOUT_S = 300
# Letters per document handed to LibreOffice: it turns each section into a page style, and its
# import slows down with the square of their number (100 letters ~4 s, 400 ~30 s, 1,000 > 5 min).
PDF_CHUNK = 100


def soffice_path() -> str | None:
    """LibreOffice's soffice (Debian: libreoffice-writer-nogui), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def in_chunks(rows: Sequence, size: int = PDF_CHUNK) -> list[Sequence]:
    """The rows in slices of `size`: make one .docx per slice and hand them all to :func:`to_pdf`."""
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def to_pdf(docx: bytes | Sequence[bytes], timeout: float = PDF_TIMEOUT_S) -> bytes:
    """One PDF of the document(s), converted by LibreOffice headless in one run with a profile of
    its own (so conversions can run side by side and leave nothing behind), then joined in order.

    LibreOffice 7.4 does not count the pages of a section (Word's SECTIONPAGES field, the "von Y"
    of "Seite X von Y"): it prints the value Word stored, 1. Where a document has more pages than
    sections, the page counts are read from the first PDF ("Seite X von") and the document is
    converted once more with each letter's count stored in its field.
    """
    files = [docx] if isinstance(docx, bytes | bytearray) else list(docx)
    if not files:
        raise LetterError(N_("There are no recipients."))
    deadline = _monotonic() + timeout
    pdfs = _soffice_convert(files, deadline)
    again = {}
    for index, (document, pdf) in enumerate(zip(files, pdfs)):
        corrected = _with_section_page_counts(document, pdf)
        if corrected is not None:
            again[index] = corrected
    if again:
        for index, pdf in zip(again, _soffice_convert(list(again.values()), deadline)):
            pdfs[index] = pdf
    return pdfs[0] if len(pdfs) == 1 else _join_pdfs(pdfs)


def _monotonic() -> float:
    import time

    return time.monotonic()


def _soffice_convert(files: Sequence[bytes], deadline: float) -> list[bytes]:
    soffice = soffice_path()
    if soffice is None:
        raise LetterError(N_("PDF cannot be made on this server: LibreOffice is not installed "
                             "(Debian package libreoffice-writer-nogui)."))
    timeout = max(1.0, deadline - _monotonic())
    with tempfile.TemporaryDirectory(prefix="regionetz-pdf-") as work:
        work_dir = Path(work)
        sources = []
        for number, content in enumerate(files, start=1):
            source = work_dir / f"letters-{number:04d}.docx"
            source.write_bytes(content)
            sources.append(source)
        out_dir = work_dir / "out"
        command = [soffice, f"-env:UserInstallation={(work_dir / 'profile').as_uri()}", "--headless",
                   "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, sources)]
        env = dict(os.environ, HOME=str(work_dir))
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                   cwd=work, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice starts soffice.bin: end the whole group
            process.communicate()
            raise LetterError(N_("The PDF could not be made within %(seconds)s seconds."), seconds=round(timeout))
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        pdfs = []
        for source in sources:
            pdf = out_dir / f"{source.stem}.pdf"
            if process.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
                lines = output.decode("utf-8", errors="replace").strip().splitlines() if output else []
                raise LetterError(N_("LibreOffice could not convert the document to PDF (%(detail)s)."),
                                  detail=lines[-1] if lines else f"exit {process.returncode}")
            pdfs.append(pdf.read_bytes())
        return pdfs


def _join_pdfs(pdfs: Sequence[bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_PAGE_OF = re.compile(r"Seite\s*(\d+)\s*von")


def _with_section_page_counts(docx: bytes, pdf: bytes) -> bytes | None:
    """The document with each section's page count stored in its SECTIONPAGES fields, or None
    when nothing needs to change (every section one page) or the counts cannot be read."""
    from pypdf import PdfReader

    if b"SECTIONPAGES" not in b"".join(_xml_parts(docx).values()):
        return None
    pages = PdfReader(io.BytesIO(pdf)).pages
    sections = _xml_parts(docx)["word/document.xml"].count(b"<w:sectPr")
    if len(pages) <= sections:
        return None
    counts: list[int] = []
    for page in pages:
        match = _PAGE_OF.search(page.extract_text() or "")
        if match is None:
            return None
        if match.group(1) == "1":
            counts.append(0)
        if not counts:
            return None
        counts[-1] += 1
    if len(counts) != sections:
        return None
    return _store_section_pages(docx, counts)


def _xml_parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()
                if name.startswith("word/") and name.endswith(".xml")}


def _store_section_pages(docx: bytes, counts: Sequence[int]) -> bytes:
    """Sections of more than one page get copies of their headers and footers whose SECTIONPAGES
    fields show the count (one copy per original part and count, shared by equal letters)."""
    from copy import deepcopy

    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.parts.hdrftr import FooterPart, HeaderPart

    doc = Document(io.BytesIO(docx))
    copies: dict[tuple[str, int], str] = {}
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    for section, count in zip(doc.sections, counts):
        if count == 1:
            continue
        for reference in section._sectPr:
            if not reference.tag.endswith(("}headerReference", "}footerReference")):
                continue
            original_id = reference.get(r_id)
            original = doc.part.related_parts[original_id]
            if b"SECTIONPAGES" not in original.blob:
                continue
            key = (original_id, count)
            if key not in copies:
                is_header = reference.tag.endswith("}headerReference")
                part = (HeaderPart if is_header else FooterPart).new(doc.part.package)
                part.element[:] = [deepcopy(child) for child in original.element]
                for rel in original.rels.values():
                    target = rel.target_ref if rel.is_external else rel.target_part
                    part.rels.add_relationship(rel.reltype, target, rel.rId, rel.is_external)
                _set_field_results(part.element, "SECTIONPAGES", str(count))
                copies[key] = doc.part.relate_to(part, RT.HEADER if is_header else RT.FOOTER)
            reference.set(r_id, copies[key])
    return _docx_bytes(doc)


def _set_field_results(root, field_name: str, value: str) -> None:
    """The shown result of every `field_name` field (complex or simple) set to `value`."""
    w = f"{{{W_NS}}}"
    for simple in root.iter(f"{w}fldSimple"):
        if field_name in simple.get(f"{w}instr", ""):
            texts = list(simple.iter(f"{w}t"))
            for i, t in enumerate(texts):
                t.text = value if i == 0 else ""
    instruction, showing, first = "", False, True
    for element in root.iter(f"{w}fldChar", f"{w}instrText", f"{w}t"):
        if element.tag == f"{w}fldChar":
            kind = element.get(f"{w}fldCharType")
            if kind == "begin":
                instruction, showing, first = "", False, True
            elif kind == "separate":
                showing = field_name in instruction
            else:
                showing = False
        elif element.tag == f"{w}instrText":
            instruction += element.text or ""
        elif showing:
            element.text = value if first else ""
            first = False
