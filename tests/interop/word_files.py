"""Word files as Word writes them, built from raw XML for the letter tests: Serienbrief fields
split over several runs (fldChar begin / instrText pieces / separate / shown text / end) and
simple fields (fldSimple), a header with a field, a Word template (.dotx); and a small PNG."""
import io
import struct
import zipfile
import zlib

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TEMPLATE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"


def split_field(*pieces: str, shown: str) -> str:
    """A complex field whose instruction Word wrote over several runs (as it does after edits)."""
    runs = '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    runs += "".join(f'<w:r><w:rPr><w:b/></w:rPr><w:instrText xml:space="preserve">{p}</w:instrText></w:r>'
                    for p in pieces)
    runs += '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    runs += f'<w:r><w:rPr><w:noProof/></w:rPr><w:t>{shown}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    return runs


def simple_field(name: str) -> str:
    return (f'<w:fldSimple w:instr=" MERGEFIELD {name} \\* MERGEFORMAT "><w:r><w:rPr><w:noProof/></w:rPr>'
            f"<w:t>«{name}»</w:t></w:r></w:fldSimple>")


def text(value: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{value}</w:t></w:r>'


def para(*runs: str) -> str:
    return f"<w:p>{''.join(runs)}</w:p>"


def word_file(body: str, header: str = "", content_type: str = DOCUMENT) -> bytes:
    overrides = f'<Override PartName="/word/document.xml" ContentType="{content_type}"/>'
    overrides += ('<Override PartName="/word/settings.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>')
    rels = ('<Relationship Id="rId1" Target="settings.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings"/>')
    reference = ""
    if header:
        overrides += ('<Override PartName="/word/header1.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>')
        rels += ('<Relationship Id="rId2" Target="header1.xml" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"/>')
        reference = '<w:headerReference w:type="default" r:id="rId2"/>'
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    files = {
        "[Content_Types].xml": f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>',
        "_rels/.rels": f'{head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="word/document.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "word/_rels/document.xml.rels": f'{head}<Relationships '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        "word/document.xml": f"{head}<w:document {NS}><w:body>{body}<w:sectPr>{reference}"
        '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1417" w:bottom="1134" w:left="1417" '
        'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>',
        "word/settings.xml": f"{head}<w:settings {NS}><w:mailMerge><w:mainDocumentType w:val=\"formLetters\"/>"
        "</w:mailMerge></w:settings>",
    }
    if header:
        files["word/header1.xml"] = f"{head}<w:hdr {NS}>{header}</w:hdr>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


LETTER_TEXT = ("die Lokale Aktionsgruppe hat in ihrer Sitzung die Auswahl der Vorhaben für das kommende Jahr "
               "beraten. Wir möchten Sie über den Stand informieren und Sie bitten, die Unterlagen bis zum "
               "Monatsende zu prüfen. Rückfragen beantwortet das Regionalmanagement gern telefonisch oder per E-Mail.")


def serienbrief(content_type: str = DOCUMENT, text_paragraphs: int = 0) -> bytes:
    """A letter template as users bring it: the address block, the salutation split over three
    runs, fields inside a sentence, a field in quotes, and the e-mail address in the header;
    `text_paragraphs` paragraphs of letter text after them (each naming the «Organisation»)."""
    body = (
        para(simple_field("Anschrift"))
        + para(split_field(" MERGEFIELD ", "Brief", "anrede ", "\\* MERGEFORMAT ", shown="«Briefanrede»"))
        + para(text("wir schreiben an "), split_field(' MERGEFIELD  "Organisation" ', shown="«Organisation»"),
               text(", Abteilung "), simple_field("Abteilung"), text("."))
        + para(text("Ihr Ort: "), split_field(" MERGEFIELD PLZ ", shown="«PLZ»"), text(" "),
               split_field(" MERGE", "FIELD Ort ", shown="«Ort»"))
        + para(text("Datum: "), simple_field("Datum"))
        + para(text(LETTER_TEXT + " Für "), simple_field("Organisation"), text(" gilt das ebenso.")) * text_paragraphs
    )
    return word_file(body, header=para(text("Kontakt: "), split_field(" MERGEFIELD E-Mail ", shown="«E-Mail»")),
                     content_type=content_type)


def png(width: int = 240, height: int = 80, rgb: tuple[int, int, int] = (0, 102, 153)) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
