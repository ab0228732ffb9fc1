"""CSV/XLSX for German Excel, and reading what German users upload."""
import csv
import io

import pytest
from openpyxl import load_workbook

from crm.interop.tabular import TableError, csv_response_rows, file_chunks, read_table, xlsx_bytes, xlsx_file


def test_csv_has_bom_semicolons_crlf_and_keeps_umlauts_and_separators():
    data = b"".join(csv_response_rows(["Name", "Ort"], [["Müller & Söhne GmbH", "Kahl; am Main"],
                                                         ["Bäcker, Anna", "Großostheim"]]))
    assert data.startswith(b"\xef\xbb\xbfName;Ort\r\n")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows == [["Name", "Ort"], ["Müller & Söhne GmbH", "Kahl; am Main"], ["Bäcker, Anna", "Großostheim"]]


def test_csv_is_streamed_in_chunks():
    chunks = list(csv_response_rows(["n"], ([str(i)] for i in range(2000))))
    assert len(chunks) > 2


def test_csv_neutralises_formulas_but_keeps_phone_numbers():
    text = b"".join(csv_response_rows(["a"], [["=HYPERLINK(\"x\")"], ["+49 6022 1234"], ["-"]])).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\r\n+49 6022 1234\r\n" in text


def test_xlsx_has_bold_header_and_text_stays_text():
    data = xlsx_bytes(["Name", "Notiz"], [["Müller & Söhne GmbH", "=1+1"], ["Ärger", None]], sheet_title="Personen")
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Personen"]
    assert ws["A1"].value == "Name" and ws["A1"].font.bold
    assert ws["A2"].value == "Müller & Söhne GmbH"
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"
    assert ws.freeze_panes == "A2"


def test_xlsx_file_is_the_same_workbook_handed_out_in_pieces():
    rows = [[f"Müller {i}", i] for i in range(3000)]
    handle = xlsx_file(["Name", "Nr"], rows, sheet_title="Personen")
    pieces = list(file_chunks(handle, size=8 * 1024))
    assert len(pieces) > 1 and handle.closed
    ws = load_workbook(io.BytesIO(b"".join(pieces)))["Personen"]
    assert ws.max_row == 3001 and ws["A1"].font.bold and ws["A3001"].value == "Müller 2999"
    handle = xlsx_file(["Name"], [["Ärger"]])
    stream = file_chunks(handle, size=16)
    next(stream)
    stream.close()  # the client went away: the temporary file is closed (and gone) all the same
    assert handle.closed


def test_read_excel_csv_in_windows_1252_with_semicolons():
    data = "Nachname;Vorname;Ort\r\nMüller;Jörg;Großostheim\r\nSchäfer;Anna;Wörth a. Main\r\n".encode("cp1252")
    table = read_table(data, "liste.csv")
    assert table.encoding == "cp1252" and table.delimiter == ";"
    assert table.header == ["Nachname", "Vorname", "Ort"]
    assert table.rows[0] == ["Müller", "Jörg", "Großostheim"]


def test_read_utf8_bom_with_commas_and_quoted_values():
    data = '\ufeffName,Organisation\r\n"Bauer, Kim","Müller & Söhne GmbH"\r\n'.encode("utf-8")
    table = read_table(data, "x.csv")
    assert table.delimiter == "," and table.encoding == "utf-8-sig"
    assert table.rows == [["Bauer, Kim", "Müller & Söhne GmbH"]]


def test_read_xlsx_round_trip():
    data = xlsx_bytes(["Nachname", "PLZ"], [["Müller", "01067"]])
    table = read_table(data, "liste.xlsx")
    assert table.kind == "xlsx" and table.rows == [["Müller", "01067"]]


@pytest.mark.parametrize("data, name, message", [
    (b"", "leer.csv", "empty"),
    (b"   \r\n", "leer.csv", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "bild.csv", "not a text file"),
    (b"Nachname;Vorname\r\n", "kopf.csv", "no rows"),
    (b"PK\x03\x04garbage", "kaputt.xlsx", "not a readable Excel file"),
])
def test_bad_files_give_a_clear_message(data, name, message):
    with pytest.raises(TableError) as info:
        read_table(data, name)
    assert message in str(info.value)
