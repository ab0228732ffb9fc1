"""The LAG's statement on a project as Word, read back with python-docx."""
import io

from docx import Document

from crm.interop import statement

CRITERIA = ["Beitrag zu den Entwicklungszielen der LES", "Innovation", "Vernetzung und Kooperation",
            "Bürgerbeteiligung", "Klimaschutz und Klimaanpassung", "Demografischer Wandel", "Regionale Wertschöpfung",
            "Nachhaltigkeit nach Förderende", "Inklusion und Chancengleichheit", "Baukultur und Ortsbild", "Jugend",
            "Übertragbarkeit auf andere Orte"]


def _statement(**changes) -> statement.Statement:
    points = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1]
    values = dict(
        heading="Stellungnahme der LAG zum Projekt", sender="LAG Main-Spessart e.V.",
        sender_lines=("Marktplatz 1", "63839 Kleinwallstadt"), place_date="2. Dezember 2026",
        project="Dorfladen <Kleinwallstadt>", sponsor="Müller & Söhne <GmbH>", body="LAG-Entscheidungsgremium",
        meeting="12. Sitzung, 18. März 2027",
        rows=[statement.ScoreRow(title, p, 3, 1 if i < 2 else None, f"Begründung {i + 1}: \"Ort\" & <Umfeld>")
              for i, (title, p) in enumerate(zip(CRITERIA, points))],
        total=17, max_total=36, min_total=18, passed=False,
        problems=["Mindestpunktzahl 18 nicht erreicht (17 Punkte)"],
        result="Das Projekt erfüllt die Mindestanforderungen der Projektauswahlkriterien nicht.",
        decision="Beschluss: noch nicht gefasst",
    )
    values.update(changes)
    return statement.Statement(**values)


def _read(data: bytes):
    doc = Document(io.BytesIO(data))
    return doc, "\n".join(p.text for p in doc.paragraphs)


def test_statement_has_sender_project_sponsor_and_result():
    doc, text = _read(statement.build(_statement()))
    assert "LAG Main-Spessart e.V.\nMarktplatz 1\n63839 Kleinwallstadt" in text
    assert "Projekt: Dorfladen <Kleinwallstadt>" in text
    assert "Projektträger: Müller & Söhne <GmbH>" in text
    assert "Sitzung: 12. Sitzung, 18. März 2027" in text
    assert "Gesamtpunktzahl: 17 von 36 (Mindestpunktzahl 18)" in text
    assert "Mindestpunktzahl 18 nicht erreicht (17 Punkte)" in text
    assert text.rstrip().endswith("Beschluss: noch nicht gefasst")


def test_score_table_one_row_per_criterion_with_reasons():
    doc, _text = _read(statement.build(_statement()))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Nr.", "Kriterium", "Punkte", "Mindestens", "Begründung"]
    assert len(table.rows) == 13
    assert [c.text for c in table.rows[2].cells] == ["2.", "Innovation", "1 / 3", "1",
                                                      "Begründung 2: \"Ort\" & <Umfeld>"]
    assert [c.text for c in table.rows[12].cells][:4] == ["12.", "Übertragbarkeit auf andere Orte", "1 / 3", ""]
    # the header row repeats on the next page
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1


def test_control_characters_and_missing_parts():
    doc, text = _read(statement.build(_statement(sponsor="", meeting="", sender_lines=(), problems=[],
                                                 project="Dorf\x0bladen", decision="Beschluss vom 18.03.2027: "
                                                 "einstimmig ausgewählt", passed=True)))
    assert "Projektträger" not in text and "Sitzung:" not in text
    assert "Projekt: Dorf laden" in text
    assert "Beschluss vom 18.03.2027: einstimmig ausgewählt" in text
