"""Address labels (crm.interop.letters.address_labels) read back with python-docx: positions,
sheets, exact cell sizes. Pure: no app needed."""
import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from crm.interop.letters import LABEL_SHEETS, LetterError, address_labels, twips

MUELLER = "Müller & Söhne <GmbH>"


def blocks(count: int) -> list[list[str]]:
    return [[f"Empfänger {i}", MUELLER, "Herrn Dr. Max Meier", "Hauptstraße 1", "63820 Elsenfeld"]
            for i in range(1, count + 1)]


def label_texts(table, sheet) -> list[str]:
    """The labels of one table in reading order (gap columns and rows left out)."""
    step = 2 if sheet.column_gap_mm else 1
    row_step = 2 if sheet.row_gap_mm else 1
    texts = []
    for row in table.rows[::row_step]:
        cells = row._tr.tc_lst[::step]
        texts += [_cell_text(tc) for tc in cells]
    return texts


def _cell_text(tc) -> str:
    from docx.table import _Cell

    return _Cell(tc, None).text


def sizes(table) -> tuple[list[int], list[tuple[int, str]]]:
    widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    heights = [(int(tr.trPr.find(qn("w:trHeight")).get(qn("w:val"))), tr.trPr.find(qn("w:trHeight")).get(qn("w:hRule")))
               for tr in table._tbl.tr_lst]
    return widths, heights


def test_zweckform_3474_starting_at_label_5():
    sheet = LABEL_SHEETS["zweckform-3474"]
    doc = Document(io.BytesIO(address_labels("zweckform-3474", blocks(10), start_position=5)))
    assert len(doc.tables) == 1 and len(doc.sections) == 1
    table = doc.tables[0]
    assert (len(table.rows), len(table.columns)) == (8, 3)
    texts = label_texts(table, sheet)
    assert texts[:4] == ["", "", "", ""]
    assert texts[4] == f"Empfänger 1\n{MUELLER}\nHerrn Dr. Max Meier\nHauptstraße 1\n63820 Elsenfeld"
    assert texts[13].startswith("Empfänger 10\n") and texts[14:] == [""] * 10
    widths, heights = sizes(table)
    # 70 x 36 mm in twips (1 mm = 56.7 twips), the page filled from edge to edge without drift
    assert all(abs(w - twips(70)) <= 1 for w in widths) and sum(widths) == twips(210)
    assert all(abs(h - twips(36)) <= 1 and rule == "exact" for h, rule in heights)
    assert sum(h for h, _ in heights) == twips(4.5 + 8 * 36) - twips(4.5)
    section = doc.sections[0]
    assert (section.top_margin.twips, section.left_margin.twips) == (twips(4.5), 0)
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
    assert {int(m.get(qn("w:w"))) for m in margins} == {0}
    # the table and the 1 pt paragraph after it fit on the page (no empty page after each sheet)
    assert section.top_margin.twips + sum(h for h, _ in heights) + 20 <= section.page_height.twips - section.bottom_margin.twips


def test_avery_l7160_with_margins_and_gaps():
    sheet = LABEL_SHEETS["avery-l7160"]
    doc = Document(io.BytesIO(address_labels(sheet, blocks(21))))
    table = doc.tables[0]
    assert (len(table.rows), len(table.columns)) == (7, 5)  # label, gap, label, gap, label
    widths, heights = sizes(table)
    assert [round(w / 56.6929, 1) for w in widths] == [63.5, 2.5, 63.5, 2.5, 63.5]
    assert all(abs(h - twips(38.1)) <= 1 and rule == "exact" for h, rule in heights)
    section = doc.sections[0]
    assert (section.top_margin.twips, section.left_margin.twips) == (twips(15.1), twips(7.2))
    texts = label_texts(table, sheet)
    assert [t.split("\n")[0] for t in texts] == [f"Empfänger {i}" for i in range(1, 22)]
    assert all(_cell_text(tc) == "" for tr in table._tbl.tr_lst for tc in tr.tc_lst[1::2])  # gaps stay empty


def test_more_labels_than_a_sheet_continue_on_the_next_sheet():
    sheet = LABEL_SHEETS["zweckform-3474"]
    doc = Document(io.BytesIO(address_labels(sheet, blocks(50), start_position=20)))
    assert len(doc.tables) == 3 and len(doc.sections) == 3  # 19 empty + 50 = 69 positions: 3 sheets
    first, second, third = (label_texts(t, sheet) for t in doc.tables)
    assert first[:19] == [""] * 19 and first[19].startswith("Empfänger 1\n") and first[23].startswith("Empfänger 5\n")
    assert second[0].startswith("Empfänger 6\n") and second[23].startswith("Empfänger 29\n")
    assert third[0].startswith("Empfänger 30\n") and third[20].startswith("Empfänger 50\n") and third[21:] == ["", "", ""]
    for section in doc.sections:
        assert section.start_type == 2  # each sheet on a new page


@pytest.mark.parametrize("sheet, start, labels, message", [
    ("zweckform-3474", 0, 3, "between 1 and 24"),
    ("zweckform-3474", 25, 3, "between 1 and 24"),
    ("avery-l7160", 22, 3, "between 1 and 21"),
    ("zweckform-3474", 1, 0, "no recipients"),
    ("herma-4226", 1, 3, "Unknown label sheet"),
])
def test_bad_label_requests_are_refused(sheet, start, labels, message):
    with pytest.raises(LetterError) as info:
        address_labels(sheet, blocks(labels), start_position=start)
    assert message in str(info.value)


def test_long_address_lines_get_a_smaller_font_instead_of_wrapping():
    lines = ["Frau Dipl.-Ing. Eva Freiin von Gemmingen", "Keizersgracht 12", "1015 CJ AMSTERDAM", "NIEDERLANDE"]
    doc = Document(io.BytesIO(address_labels("avery-l7160", [lines, ["Herrn Max Meier", "Weg 1", "63820 Elsenfeld"]])))
    first, second = doc.tables[0].rows[0].cells[0], doc.tables[0].rows[0].cells[2]
    sizes_pt = [{run.font.size.pt for p in cell.paragraphs for run in p.runs} for cell in (first, second)]
    assert sizes_pt[1] == {10.0}
    assert len(sizes_pt[0]) == 1 and 8.0 <= sizes_pt[0].pop() < 10.0
