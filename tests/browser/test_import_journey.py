"""Import and duplicates, clicked through in a real browser: upload a CSV, assign columns,
preview with a duplicate, choose "update", import, undo; find duplicates and merge two persons."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _db(live_server, fn):
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def _existing_person(live_server) -> dict:
    from crm.contacts.models import Person

    def pick(db):
        person = db.session.scalars(db.select(Person).where(Person.email != "", Person.mobile == "")
                                    .order_by(Person.id)).first()
        return {"id": person.id, "first": person.first_name, "last": person.last_name, "email": person.email}

    return _db(live_server, pick)


def _person(live_server, person_id):
    from crm.contacts.models import Person

    return _db(live_server, lambda db: (lambda p: p and {"mobile": p.mobile, "last": p.last_name})(
        db.session.get(Person, person_id)))


def _count(live_server, **where) -> int:
    from crm.contacts.models import Person

    return _db(live_server, lambda db: db.session.scalar(
        db.select(db.func.count()).select_from(Person).filter_by(**where)))


def test_upload_map_preview_update_commit_undo(page, live_server, log_in, shot, tmp_path):
    known = _existing_person(live_server)
    csv_path = tmp_path / "Adressliste Gemeinde.csv"
    csv_path.write_bytes((
        "Anrede;Vorname;Nachname;E-Mail;Mobil;Organisation\r\n"
        f";{known['first']};{known['last']};{known['email']};0171 2345678;\r\n"
        "Herr;Jürgen;Neuhäuser-Brückner;j.neuhaeuser@example.org;;Obst- und Gartenbauverein Kahl e.V.\r\n"
        "Herr;Fritz;Falsch;fritz@;;\r\n"
    ).encode("cp1252"))
    before = _count(live_server)
    page.on("dialog", lambda dialog: dialog.accept())

    log_in("staff")
    page.click("nav .nav-item.dropdown > a.dropdown-toggle")  # "More"
    page.click("nav a.dropdown-item[href$='/import']")
    expect(page).to_have_url(re.compile(r"/import$"))
    page.set_input_files("#file", str(csv_path))
    shot("upload")
    page.click("main form[enctype] button[type=submit]")

    # --- columns: the German headings are assigned already
    expect(page).to_have_url(re.compile(r"/import/\d+/spalten$"))
    expect(page.locator("#col-2")).to_have_value("last_name")
    expect(page.locator("#col-3")).to_have_value("email")
    expect(page.locator("table.mapping-table")).to_contain_text("Neuhäuser-Brückner")  # Windows-1252 read right
    shot("mapping")
    page.click("main form button.btn-primary[type=submit]")

    # --- preview: the known person is a duplicate, the bad e-mail an error
    expect(page).to_have_url(re.compile(r"/import/\d+/vorschau"))
    duplicate_row = page.locator("#row-1")
    expect(duplicate_row).to_have_class(re.compile("table-warning"))
    expect(duplicate_row.locator("td").nth(3)).to_contain_text(known["last"])
    expect(page.locator("#row-3")).to_have_class(re.compile("table-danger"))
    expect(page.locator("#row-3 select")).to_be_disabled()
    assert _count(live_server) == before  # nothing changed yet
    select = duplicate_row.locator("select.row-action")
    select.select_option(f"update:{known['id']}")
    shot("preview")
    page.click("#commit-import")

    # --- the import log
    expect(page).to_have_url(re.compile(r"/import/\d+$"))
    expect(page.locator("#count-created")).to_have_text("1")
    expect(page.locator("#count-updated")).to_have_text("1")
    assert _count(live_server) == before + 1
    assert _person(live_server, known["id"])["mobile"] == "+49 171 2345678"
    shot("imported")

    # --- undo
    page.click("form[action$='/rueckgaengig'] button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    assert _count(live_server) == before
    assert _person(live_server, known["id"])["mobile"] == ""
    expect(page.locator("form[action$='/rueckgaengig']")).to_have_count(0)
    shot("undone")
    assert not page.js_errors


def test_duplicates_found_compared_and_merged(page, live_server, log_in, shot):
    from crm.contacts.models import Person

    def make(db):
        a = Person(last_name="Schäfer", first_name="Gudrun", gender="female", email="gudrun.schaefer@example.org",
                   city="Großwallstadt")
        b = Person(last_name="Schaefer", first_name="Gudrun", gender="female", email="gudrun.schaefer@example.org",
                   mobile="+49 160 1234567")
        db.session.add_all([a, b])
        db.session.commit()
        return a.id, b.id

    a_id, b_id = _db(live_server, make)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in("staff")
    page.goto("/duplikate")
    page.click("main form[action$='/duplikate/suchen'] button[type=submit]")
    row = page.locator("table.duplicate-table tr", has_text="Gudrun")
    expect(row.first).to_be_visible()
    shot("duplicates")
    row.first.locator(f"a[href*='/zusammenfuehren/person/{a_id}/{b_id}']").click()
    expect(page).to_have_url(re.compile(rf"/zusammenfuehren/person/{a_id}/{b_id}"))
    page.check("#f-mobile-b")  # take the mobile number of the other record
    shot("merge")
    page.click("#merge-button")
    expect(page).to_have_url(re.compile(rf"/personen/{a_id}$"))
    assert _person(live_server, b_id) is None
    assert _person(live_server, a_id)["mobile"] == "+49 160 1234567"
    # the merged-away address leads to the merged record; the merge log undoes the merge
    page.goto(f"/personen/{b_id}")
    expect(page).to_have_url(re.compile(rf"/personen/{a_id}$"))
    page.goto("/duplikate/protokoll")
    shot("merge-log")
    page.click("main form[action*='/duplikate/protokoll/'] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("wieder zwei Datensätze")
    assert _person(live_server, b_id)["mobile"] == "+49 160 1234567"
    assert _person(live_server, a_id)["mobile"] == ""
    page.goto(f"/personen/{b_id}")
    expect(page).to_have_url(re.compile(rf"/personen/{b_id}$"))
    assert not page.js_errors


def test_new_person_form_warns_about_similar_contacts(page, live_server, log_in):
    known = _existing_person(live_server)
    log_in("staff")
    page.goto("/personen/neu")
    page.fill("#last_name", known["last"])
    page.fill("#first_name", known["first"])
    warning = page.locator("#similar-contacts")
    expect(warning).to_be_visible()
    expect(warning.locator(f"a[href$='/personen/{known['id']}']")).to_be_visible()
    assert not page.js_errors
