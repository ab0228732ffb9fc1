"""flask crm find-duplicates."""


def test_find_duplicates(app, make_person, session):
    make_person("Schmidt", "Anna", email="anna@schmidt.de")
    make_person("Schmitt", "Anna", email="anna@schmidt.de")
    result = app.test_cli_runner().invoke(args=["crm", "find-duplicates"])
    assert result.exit_code == 0 and "1 mögliche Dubletten gefunden." in result.output
