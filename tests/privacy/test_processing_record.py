"""The processing record (Verzeichnis der Verarbeitungstätigkeiten) as .docx from the configuration."""
import io
import zipfile


def test_processing_record_from_the_configuration(app, client, login):
    app.config["PRIVACY_CONTROLLER"] = "LAG Spessart e.V., Hauptstraße 1, 63820 Elsenfeld"
    app.config["PRIVACY_OFFICER"] = "Dr. Datenschutz, dsb@lag-spessart.de"
    try:
        login("staff")
        response = client.get("/datenschutz/verzeichnis.docx")
    finally:
        app.config["PRIVACY_CONTROLLER"] = app.config["PRIVACY_OFFICER"] = ""
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        text = z.read("word/document.xml").decode()
    for expected in ("Verzeichnis der Verarbeitungstätigkeiten", "LAG Spessart e.V.", "dsb@lag-spessart.de",
                     "Zwecke", "Newsletter", "Rechtsgrundlagen", "Art. 6 Abs. 1 lit. f DSGVO: berechtigtes Interesse", "Kategorien personenbezogener Daten",
                     "Empfänger", "Löschfristen", "nach 3 Jahren", "Einwilligung", "Gremien", "Kampagnen-Empfänger", "Sitz"):
        assert expected in text, expected


def test_viewer_gets_no_processing_record(client, login):
    login("viewer")
    assert client.get("/datenschutz/verzeichnis.docx").status_code == 403
