"""Real list sizes in a real browser (issue 8): a 140-row Excel list and a 1,000-row CSV from
German Excel through upload, column assignment, preview pages, choices per row and per field
(the counters and the confirm question follow them), commit and undo. Screenshots at 1280x800."""
import re

import pytest
from playwright.sync_api import expect

from tests.imports import listgen

pytestmark = pytest.mark.browser


def _db(live_server, fn):
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


@pytest.fixture(scope="module")
def seeded(live_server):
    def seed(db):
        from crm.contacts.models import Organisation

        if db.session.scalar(db.select(Organisation).where(Organisation.name == listgen.ORGANISATIONS[0][0])):
            return
        listgen.seed_contacts(db.session)

    _db(live_server, seed)


@pytest.fixture
def small_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="de-DE")
    context.set_default_timeout(20_000)
    context.set_default_navigation_timeout(60_000)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    yield tab
    context.close()


def _log_in(page, username="staff"):
    from tests.browser.conftest import PASSWORD

    page.goto("/anmelden")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def _shot(page, screenshot_dir, name):
    path = screenshot_dir / f"real-lists-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def _no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _counts(live_server):
    from crm.contacts.models import Organisation, Person

    return _db(live_server, lambda db: (db.session.scalar(db.select(db.func.count()).select_from(Person)),
                                        db.session.scalar(db.select(db.func.count()).select_from(Organisation))))


def _number(page, selector) -> int:
    return int(page.locator(selector).inner_text().replace(".", ""))


def _upload_and_map(page, path):
    page.goto("/import")
    page.set_input_files("#file", str(path))
    page.click("main form[enctype] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/import/\d+/spalten$"))
    expect(page.locator("#col-3")).to_have_value("last_name")
    expect(page.locator("#col-5")).to_have_value("organisation")
    page.click("main form button.btn-primary[type=submit]")
    expect(page).to_have_url(re.compile(r"/import/\d+/vorschau"))


def test_140_row_excel_list_in_the_browser(small_page, live_server, seeded, screenshot_dir, tmp_path):
    page = small_page
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    path = tmp_path / "Wirtschaftsförderung Adressen.xlsx"
    path.write_bytes(listgen.xlsx_bytes(listgen.make_rows(140)))
    persons, orgs = _counts(live_server)
    _log_in(page)
    _upload_and_map(page, path)

    # preview: the known person in row 4 is proposed as an update, with the field comparison
    expect(page.locator("#row-4 select.row-action")).to_have_value(re.compile(r"^update:\d+$"))
    expect(page.locator("#row-4")).to_contain_text("vorhandene Organisation")
    changes = page.locator("tr.changes-row").first
    expect(changes).to_contain_text("Was die Aktualisierung ändert")
    expect(changes).to_contain_text("bisherigen Wert behalten")
    assert _no_sideways_scrolling(page)
    _shot(page, screenshot_dir, "01-preview-top")
    page.locator("#row-4").scroll_into_view_if_needed()
    _shot(page, screenshot_dir, "02-preview-update-row")

    # a per-row choice moves the counters and the confirm question at once
    create_before, skip_before = _number(page, "#count-create"), _number(page, "#count-skip")
    page.locator("#row-1 select.row-action").select_option("skip")
    expect(page.locator("#count-create")).to_have_text(str(create_before - 1))
    expect(page.locator("#count-skip")).to_have_text(str(skip_before + 1))
    confirm = page.locator("#commit-import").get_attribute("data-confirm")
    assert f"{create_before - 1} Kontakte werden angelegt" in confirm and f"{skip_before + 1} Zeilen" in confirm

    # a per-field choice, saved with the row choices
    field = page.locator("select.field-choice").first
    field_id = field.get_attribute("id")
    field.select_option("new")
    page.click("button[name=save]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(f"#{field_id}")).to_have_value("new")
    expect(page.locator("#row-1 select.row-action")).to_have_value("skip")

    # the pages of the preview
    page.click("nav[aria-label=Seiten] a.page-link:text-is('2')")
    expect(page).to_have_url(re.compile(r"/vorschau\?.*page=2"))
    expect(page.locator("#row-51")).to_be_visible()
    assert _no_sideways_scrolling(page)
    _shot(page, screenshot_dir, "03-preview-page-2")
    page.click("nav[aria-label=Seiten] a.page-link:text-is('3')")
    expect(page.locator("#row-140")).to_be_visible()

    page.click("#commit-import")
    expect(page).to_have_url(re.compile(r"/import/\d+$"))
    assert dialogs and "Jetzt importieren?" in dialogs[-1]
    expect(page.locator(".alert-success")).to_contain_text("Import abgeschlossen")
    expect(page.locator("main")).not_to_contain_text("nichts gespeichert")
    created = _number(page, "#count-created")
    assert _counts(live_server)[0] == persons + created
    _shot(page, screenshot_dir, "04-imported")
    page.click("nav[aria-label=Seiten] a.page-link:text-is('3')")
    expect(page.locator("main table")).to_contain_text("140")

    page.click("form[action$='/rueckgaengig'] button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    assert _counts(live_server) == (persons, orgs)
    assert not page.js_errors


def test_1000_row_csv_in_the_browser(small_page, live_server, seeded, screenshot_dir, tmp_path):
    page = small_page
    page.on("dialog", lambda dialog: dialog.accept())
    path = tmp_path / "Export aus Excel.csv"
    path.write_bytes(listgen.csv_bytes(listgen.make_rows(1000)))
    persons, orgs = _counts(live_server)
    _log_in(page)
    _upload_and_map(page, path)
    expect(page.locator(".import-summary")).to_contain_text("1.000")
    assert _no_sideways_scrolling(page)
    _shot(page, screenshot_dir, "05-csv-preview")
    page.click("nav[aria-label=Seiten] a.page-link:text-is('20')")
    expect(page.locator("#row-1000")).to_be_visible()
    page.click("#commit-import")
    expect(page).to_have_url(re.compile(r"/import/\d+$"), timeout=60_000)
    expect(page.locator(".alert-success")).to_contain_text("Import abgeschlossen")
    assert _counts(live_server)[0] > persons + 800
    page.click("form[action$='/rueckgaengig'] button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible(timeout=60_000)
    assert _counts(live_server) == (persons, orgs)
    assert not page.js_errors
