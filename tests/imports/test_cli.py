"""flask crm import."""
from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.extensions import db
from crm.imports.models import ImportBatch


def count():
    return db.session.scalar(select(func.count()).select_from(Person))


def test_import_dry_run_changes_nothing_then_import(app, tmp_path, session):
    path = tmp_path / "liste.csv"
    path.write_bytes("Vorname;Nachname;E-Mail\r\nÄnne;Bäcker;aenne@example.org\r\nHans;Huber;kaputt@\r\n".encode("cp1252"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "neu anlegen 1" in result.output and "Zeile 2:" in result.output
    assert "Probelauf: Es wurde nichts geändert." in result.output
    assert "„kaputt@“ ist keine gültige E-Mail-Adresse." in result.output
    assert count() == 0 and db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    result = runner.invoke(args=["crm", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 angelegt" in result.output and count() == 1


def test_import_with_a_saved_mapping_and_an_unknown_one(app, tmp_path, session):
    from crm.imports import services

    batch = services.start_import("x.csv", b"Familie;Rufname\r\nKraus;Uli\r\n")
    services.save_mapping("Familienliste", batch, {0: "last_name", 1: "first_name"})
    session.commit()
    path = tmp_path / "familie.csv"
    path.write_bytes(b"Familie;Rufname\r\nRoth;Ina\r\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import", str(path), "--mapping", "Gibtsnicht"])
    assert result.exit_code != 0 and "Keine gespeicherte Spaltenzuordnung mit dem Namen „Gibtsnicht“" in result.output
    result = runner.invoke(args=["crm", "import", str(path), "--mapping", "Familienliste"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Person.first_name).where(Person.last_name == "Roth")) == "Ina"


def test_import_refuses_an_empty_file(app, tmp_path, session):
    path = tmp_path / "leer.csv"
    path.write_bytes(b"")
    result = app.test_cli_runner().invoke(args=["crm", "import", str(path)])
    assert result.exit_code != 0 and "Die Datei ist leer." in result.output


