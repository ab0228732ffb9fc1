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
