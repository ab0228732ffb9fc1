"""CSV and XLSX: export that German Excel opens correctly, import of what German users send.

Export: CSV in UTF-8 with BOM, ";" as delimiter and CRLF (German Excel reads that without the
import wizard), streamed; XLSX through openpyxl in write-only mode.
Import: bytes in, a header and rows of strings out; the encoding (UTF-8, UTF-8 with BOM,
Windows-1252) and the delimiter (";", ",", tab) are detected.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO, Iterable, Iterator

from crm.interop.messages import N_, MessageError

BOM = "\ufeff"
CSV_DELIMITER = ";"
CHUNK_ROWS = 500

# A cell that starts like a formula is neutralised (CSV injection), except plain numbers and
# phone numbers such as "+49 6022 1234" that Excel users need to see unchanged.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBERISH = re.compile(r"^[+-]?[\d\s()/.,-]*$")


# Caps checked while reading, before a file can cost much time or memory: a small .xlsx may
# declare a million rows, a small CSV twenty thousand columns.
MAX_ROWS = 200_000
MAX_COLUMNS = 250
MAX_CELL_CHARS = 10_000


class TableError(MessageError):
    """The file cannot be read as a table; the message is for the user (English msgid)."""


def cell_text(value) -> str:
    """A value as text for a CSV cell: German dates, lists joined by commas, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell_text(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBERISH.match(text):
        return "'" + text
    return text


def csv_response_rows(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """CSV for German Excel (UTF-8 with BOM, ";", CRLF), yielded in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([cell_text(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
        count += 1
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, (bool, int, float, Decimal, datetime, date)):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(cell_text(v) for v in value)
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def xlsx_bytes(header: list[str], rows: Iterable[list], sheet_title: str = "Export") -> bytes:
    """An .xlsx workbook with one sheet: a bold, frozen header row and the rows."""
    stream = io.BytesIO()
    write_xlsx(stream, header, rows, sheet_title)
    return stream.getvalue()


def xlsx_file(header: list[str], rows: Iterable[list], sheet_title: str = "Export") -> BinaryIO:
    """xlsx_bytes() written to an anonymous temporary file (rewound), for workbooks of any size: the
    rows go to disk as they come (openpyxl's write-only sheet), and so does the packed file."""
    handle = tempfile.TemporaryFile()
    try:
        write_xlsx(handle, header, rows, sheet_title)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def file_chunks(handle: BinaryIO, size: int = 64 * 1024) -> Iterator[bytes]:
    """The file's bytes in pieces of `size`; closes it at the end or when the reader stops early."""
    try:
        while piece := handle.read(size):
            yield piece
    finally:
        handle.close()


def write_xlsx(stream: BinaryIO, header: list[str], rows: Iterable[list], sheet_title: str = "Export") -> None:
    """Write the workbook of xlsx_bytes() to `stream` (seekable)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    title = _SHEET_TITLE_BAD.sub(" ", sheet_title or "Export").strip()[:31] or "Export"
    ws = wb.create_sheet(title=title)
    ws.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        from openpyxl.utils import get_column_letter

        ws.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(name)) + 4))
    bold = Font(bold=True)
    head_cells = []
    for name in header:
        cell = WriteOnlyCell(ws, value=_xlsx_value(name))
        cell.font = bold
        head_cells.append(cell)
    ws.append(head_cells)
    date_cells = {}
    for row in rows:
        out = []
        for value in row:
            value = _xlsx_value(value)
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text that starts with "=" must not become a formula
                out.append(cell)
            elif isinstance(value, (date, datetime)):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "DD.MM.YYYY HH:MM" if isinstance(value, datetime) else "DD.MM.YYYY"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
    del date_cells
    wb.save(stream)


# ----------------------------------------------------------------------------- import


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    encoding: str = ""
    delimiter: str = ""
    kind: str = "csv"  # csv or xlsx
    warnings: list[str] = field(default_factory=list)


def looks_binary(data: bytes) -> bool:
    """True for files that are not text: NUL bytes or many control characters in the first KB."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > max(8, len(sample) // 50)


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding name: UTF-8 with BOM, UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(text: str) -> str:
    """";" or "," or tab: the one that splits the first lines into the same number of columns."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if not lines:
        return CSV_DELIMITER
    best, best_score = CSV_DELIMITER, -1
    for delimiter in (";", ",", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = consistent * 100 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean_header(header: list[str]) -> list[str]:
    out, seen = [], {}
    for index, name in enumerate(header):
        name = " ".join(str(name or "").replace(BOM, "").split())
        if not name:
            name = f"Spalte {index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _rows_without_empties(rows: Iterable[list], width: int) -> list[list[str]]:
    out = []
    for row in rows:
        cells = ["" if v is None else str(v).strip() for v in row]
        if not any(cells):
            continue
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        out.append(cells[:width] if len(cells) > width and not any(cells[width:]) else cells)
    return out


def _fit_width(rows: list[list[str]], width: int) -> list[list[str]]:
    """_rows_without_empties() for rows of stripped strings with a value each (as read_csv keeps them)."""
    for index, cells in enumerate(rows):
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        elif len(cells) > width and not any(cells[width:]):
            rows[index] = cells[:width]
    return rows


def _check_cells(cells, line: int) -> None:
    if len(cells) > MAX_COLUMNS and any(str(c).strip() for c in cells[MAX_COLUMNS:] if c is not None):
        raise TableError(N_("The file has more than %(max)s columns. Please remove the columns that are not needed "
                            "for the import."), max=MAX_COLUMNS)
    for cell in cells:
        if cell is not None and len(str(cell)) > MAX_CELL_CHARS:
            raise TableError(N_("Line %(line)s has a cell with more than %(max)s characters. Please shorten it."),
                             line=line, max=MAX_CELL_CHARS)


def _too_many_rows() -> TableError:
    return TableError(N_("The file has more than %(max)s rows. Please split it into several files."), max=MAX_ROWS)


def read_csv(data: bytes) -> Table:
    if not data.strip():
        raise TableError(N_("The file is empty."))
    if looks_binary(data):
        raise TableError(N_("This is not a text file. Please upload a CSV file (or an Excel .xlsx file)."))
    text, encoding = decode_text(data)
    delimiter = detect_delimiter(text)
    # the caps are checked row by row while reading, so a huge table stops early
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    all_rows = []
    try:
        for row in reader:
            if len(all_rows) > MAX_ROWS:
                raise _too_many_rows()
            if len(row) > MAX_COLUMNS or (row and max(map(len, row)) > MAX_CELL_CHARS):
                _check_cells(row, reader.line_num)
                row = row[:MAX_COLUMNS]
            cells = [c.strip() for c in row]
            if any(cells):
                all_rows.append(cells)
    except csv.Error:
        raise TableError(N_("The CSV file cannot be read from line %(line)s on (a quotation mark that is not "
                            "closed?)."), line=reader.line_num) from None
    if not all_rows:
        raise TableError(N_("The file is empty."))
    header = _clean_header(all_rows[0])
    rows = _fit_width(all_rows[1:], len(header))
    if not rows:
        raise TableError(N_("The file has a header line but no rows."))
    return Table(header=header, rows=rows, encoding=encoding, delimiter=delimiter, kind="csv")


def _xlsx_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y") if value.time() == datetime.min.time() else value.strftime(
            "%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


MAX_XLSX_SHEET_BYTES = 400 * 1024 * 1024  # the first sheet's XML, unpacked


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    if not data:
        raise TableError(N_("The file is empty."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
        if unpacked > MAX_XLSX_SHEET_BYTES:
            raise _too_many_rows()
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(N_("This is not a readable Excel file (.xlsx).")) from exc
    try:
        ws = wb.worksheets[0]
        # The declared size ("A1:XFD8000") is not trusted: only the rows that are there are read,
        # and no row wider than the column cap is built.
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        iterator = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        header = None
        line = 0
        for row in iterator:
            line += 1
            if line > MAX_ROWS:
                raise _too_many_rows()
            if row and any(v not in (None, "") for v in row):
                _check_cells(row, line)
                header = list(row[:MAX_COLUMNS])
                break
        if header is None:
            raise TableError(N_("The file is empty."))
        while header and header[-1] in (None, ""):
            header.pop()
        header = _clean_header([str(h) if h is not None else "" for h in header])

        width = len(header)

        def rows():
            nonlocal line
            for row in iterator:
                line += 1
                if line > MAX_ROWS + 1:
                    raise _too_many_rows()
                tail = row[width:]
                if tail and tail.count(None) != len(tail):  # values right of the header (rare)
                    if len(row) > MAX_COLUMNS and row[MAX_COLUMNS] not in (None, ""):
                        _check_cells(row, line)
                    cells = [_xlsx_text(v) for v in row[:MAX_COLUMNS]]
                else:
                    cells = [_xlsx_text(v) for v in row[:width]]
                if cells and max(map(len, cells)) > MAX_CELL_CHARS:
                    _check_cells(cells, line)
                yield cells

        rows = _rows_without_empties(rows(), len(header))
    finally:
        wb.close()
    if not rows:
        raise TableError(N_("The file has a header line but no rows."))
    return Table(header=header, rows=rows, kind="xlsx")


def read_table(data: bytes, filename: str = "") -> Table:
    """A CSV or XLSX file (by content, not by name) as header + rows of strings."""
    if not data or not data.strip():
        raise TableError(N_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise TableError(N_("This is not a readable Excel file (.xlsx)."))
    if filename.lower().endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableError(N_("Old Excel files (.xls) cannot be read. Please save the file as .xlsx or CSV."))
    return read_csv(data)
