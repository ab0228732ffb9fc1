"""The monitoring page, its CSV files, the records behind a figure and the Word report: the same numbers
everywhere, German messages for a bad period, an empty period said as such."""
import csv
import io
import re
import time
from datetime import date, datetime, timedelta, timezone

from docx import Document
from docx.oxml.ns import qn

from crm.extensions import db

Y2025 = {"von": "2025-01-01", "bis": "2025-12-31"}


def _csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _page_table(html, key):
    """The rows of one figure table of the page as text."""
    block = html.split(f'data-table="{key}"', 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", block, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
        rows.append([c.replace("&amp;", "&") for c in cells])
    return rows


def test_page_shows_figures_charts_and_links(client, login, region):
    login("viewer")
    response = client.get("/monitoring", query_string=Y2025)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Monitoring" in html and "Kennzahlen" in html and "Termine nach Gremium und Art" in html
    assert _page_table(html, "meetings")[1] == ["AK Klima", "Arbeitskreis", "2", "12", "10"]
    assert _page_table(html, "projects")[-1] == ["Insgesamt", "4", "170.000,00", "140.000,00", "88.000,00"]
    assert html.count('src="/monitoring/diagramm/') == 6
    # each figure links to its records: the interactions list with its filters, or the page of this part
    assert "/interaktionen?kind=advice" in html
    assert "/monitoring/datensaetze/meetings?" in html
    png = client.get(re.search(r'src="(/monitoring/diagramm/activity\.png[^"]*)"', html).group(1).replace("&amp;", "&"))
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"


def test_csv_equals_page(client, login, region):
    login("viewer")
    html = client.get("/monitoring", query_string=Y2025).get_data(as_text=True)
    for key in ("meetings", "projects", "municipalities", "campaigns"):
        rows = _csv(client.get(f"/monitoring/csv/{key}.csv", query_string=Y2025))
        assert rows == _page_table(html, key), key
    chart = _csv(client.get("/monitoring/csv/fields.csv", query_string=Y2025))
    assert chart == [["Handlungsfeld", "Interaktionen"], ["Tourismus", "9"], ["Klima", "4"], ["Kultur", "2"],
                     ["ohne Handlungsfeld", "4"]]
    keys = _csv(client.get("/monitoring/csv/kennzahlen.csv", query_string=Y2025))
    assert ["Förderung dieser Projekte (EUR)", "88.000,00"] in keys
    assert client.get("/monitoring/csv/nichts.csv", query_string=Y2025).status_code == 404


def test_records_behind_a_figure(client, login, region):
    login("viewer")
    html = client.get("/monitoring/datensaetze/meetings", query_string={**Y2025, "body": region["lag"].id,
                                                                          "kind": "session"}).get_data(as_text=True)
    assert "LAG März" in html and "LAG September" in html
    assert "abgesagt" not in html and "Silvester 2024" not in html and "AK Klima" not in html
    html = client.get("/monitoring/datensaetze/participants",
                      query_string={**Y2025, "municipality": "Markt Eschau"}).get_data(as_text=True)
    assert html.count("/personen/") == 5
    html = client.get("/monitoring/datensaetze/projects", query_string={**Y2025, "status": "approved"}).get_data(
        as_text=True)
    assert "Radweg Maintal" in html and "Jugendaustausch" in html and "Dorfladen" not in html
    # the network table's figures: 40 persons and 1 organisation recorded, 135 and 5 in the network at the end
    for kind, link, query, expected in [("persons", "/personen/", {}, 40), ("organisations", "/organisationen/", {}, 1),
                                        ("persons", "/personen/", {"network": 1}, 135),
                                        ("organisations", "/organisationen/", {"network": 1}, 5)]:
        html = client.get(f"/monitoring/datensaetze/{kind}", query_string={**Y2025, **query}).get_data(as_text=True)
        assert html.count(f'href="{link}') == expected, (kind, query)
    assert client.get("/monitoring/datensaetze/unbekannt", query_string=Y2025).status_code == 404


def test_bad_period_is_refused_in_german(client, login, region):
    login("viewer")
    response = client.get("/monitoring", query_string={"von": "2025-12-31", "bis": "2025-01-01"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in html and "Kennzahlen" not in html
    response = client.get("/monitoring", query_string={"von": "2025-01-01", "bis": "31.12."})
    assert "als Datum an" in response.get_data(as_text=True)
    assert client.get("/monitoring/csv/meetings.csv", query_string={"von": "2025-12-31", "bis": "2025-01-01"}
                      ).status_code == 400


def test_empty_period_says_so(client, login, region):
    login("staff")
    html = client.get("/monitoring", query_string={"jahr": "2031"}).get_data(as_text=True)
    assert "In diesem Zeitraum wurden keine Aktivitäten erfasst" in html
    assert "Keine Datensätze in diesem Zeitraum." in html


def _report(client, **data):
    form = {"title": "Tätigkeitsbericht 2025", "period_start": "2025-01-01", "period_end": "2025-12-31",
            "field_id": "0", "introduction": "Erster Absatz.\n\nZweiter Absatz.", "outlook": "Ausblick auf 2026."}
    form.update(data)
    return client.post("/berichte/neu", data=form)


def test_report_saved_and_read_back(client, login, region, report_docx):
    from crm.reports.models import Report

    user = login("staff")
    response = _report(client)
    assert response.status_code == 302
    report = db.session.scalar(db.select(Report))
    assert report.created_by_id == user.id and report.outlook == "Ausblick auf 2026."
    assert "Tätigkeitsbericht 2025" in client.get("/berichte").get_data(as_text=True)
    response = report_docx(report.id)
    assert response.status_code == 200 and response.headers["Content-Disposition"] == (
        'attachment; filename="Taetigkeitsbericht-2025-01-01-2025-12-31.docx"')
    doc = Document(io.BytesIO(response.data))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Einleitung") in headings and ("Heading 1", "Ausblick") in headings
    assert ("Heading 2", "Termine nach Gremium und Art") in headings
    assert ("Heading 1", "Inhalt") in headings
    texts = [p.text for p in doc.paragraphs]
    assert "Erster Absatz." in texts and "Zweiter Absatz." in texts and "Ausblick auf 2026." in texts
    # the table of contents is a field Word updates when it opens the file
    body = doc.element.body.xml
    assert "TOC \\o" in body
    update = doc.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    # charts embedded as pictures
    assert len(doc.inline_shapes) >= 5
    # the tables: the same figures as the page
    html = client.get("/monitoring", query_string=Y2025).get_data(as_text=True)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    for key in ("meetings", "projects", "qualification", "campaigns", "municipalities"):
        assert _page_table(html, key) in tables, key


def test_report_form_refuses_end_before_start(client, login, region):
    from crm.reports.models import Report

    login("staff")
    response = _report(client, period_start="2025-12-31", period_end="2025-01-01")
    assert response.status_code == 200
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Report.id))) == 0


def test_empty_report_says_so(client, login, region, report_docx):
    from crm.reports.models import Report

    login("staff")
    _report(client, period_start="2031-01-01", period_end="2031-12-31", title="Leeres Jahr")
    report = db.session.scalar(db.select(Report))
    doc = Document(io.BytesIO(report_docx(report.id).data))
    assert any(p.text.startswith("In diesem Zeitraum wurden keine Aktivitäten erfasst") for p in doc.paragraphs)


def test_viewer_reads_figures_but_writes_no_report(client, login, region):
    login("viewer")
    assert client.get("/monitoring").status_code == 200
    assert client.get("/monitoring/csv/meetings.csv").status_code == 200
    assert client.get("/berichte").status_code == 200
    assert client.get("/berichte/neu").status_code == 403
    assert "Neuer Tätigkeitsbericht" not in client.get("/monitoring").get_data(as_text=True)


def test_twenty_years_render(client, login, region, capsys, report_docx):
    """Twenty years of a region with 2,000 interactions and 300 meetings: page, a chart and the report
    (the time is printed, not asserted)."""
    from crm.interactions.models import Interaction
    from crm.meetings.models import Meeting
    from crm.reports.models import Report

    start = datetime(2007, 1, 1, 9, tzinfo=timezone.utc)
    db.session.add_all(Interaction(kind="talk", subject=f"Gespräch {i}", occurred_at=start + timedelta(days=3.6 * i))
                       for i in range(2000))
    db.session.add_all(Meeting(title=f"Sitzung {i}", kind="session", starts_at=start + timedelta(days=24 * i),
                               status="held", uid=f"long-{i}@test") for i in range(300))
    db.session.commit()
    login("staff")
    span = {"von": "2007-01-01", "bis": "2026-12-31"}
    began = time.perf_counter()
    assert client.get("/monitoring", query_string=span).status_code == 200
    assert client.get("/monitoring/diagramm/activity.png", query_string=span).status_code == 200
    page = time.perf_counter() - began
    report = Report(title="20 Jahre", period_start=date(2007, 1, 1), period_end=date(2026, 12, 31))
    db.session.add(report)
    db.session.commit()
    began = time.perf_counter()
    assert report_docx(report.id).status_code == 200
    docx = time.perf_counter() - began
    with capsys.disabled():
        print(f"\n20 years: page and one chart {page:.2f} s, report {docx:.2f} s")
