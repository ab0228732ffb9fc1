"""flask crm export-vcard."""


def test_export_vcard_and_zip(app, tmp_path, make_person, session):
    make_person("Bäcker", "Änne")
    make_person("Huber", "Hans")
    runner = app.test_cli_runner()
    out = tmp_path / "alle.vcf"
    result = runner.invoke(args=["crm", "export-vcard", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().count(b"BEGIN:VCARD") == 2
    import zipfile

    zipped = tmp_path / "alle.zip"
    assert runner.invoke(args=["crm", "export-vcard", str(zipped)]).exit_code == 0
    assert len(zipfile.ZipFile(zipped).namelist()) == 2


def test_export_answers_in_german(app, tmp_path, make_person, session):
    make_person("Schmidt", "Anna")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "export-vcard", str(tmp_path / "alle.vcf")])
    assert result.exit_code == 0 and result.output.startswith("Geschrieben: ")


def test_remove_expired_exports(app, tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setitem(app.config, "EXPORT_DIR", str(tmp_path))
    old, new = tmp_path / "alt", tmp_path / "neu"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    then = time.time() - 25 * 3600
    os.utime(old, (then, then))
    result = app.test_cli_runner().invoke(args=["crm", "remove-expired-exports"])
    assert result.exit_code == 0 and result.output.strip() == "Exportdateien entfernt: 1"
    assert not old.exists() and new.exists()
