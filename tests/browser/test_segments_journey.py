"""Verteiler in a real browser: the office builds "all first mayors in the district + chairs of the
working groups" with the condition editor (partly by keyboard), watches the live count, saves, and
exports the list as Excel; then ticks persons in the person list and makes a fixed list of them.

Selectors avoid button texts where they can (German or English, depending on the compiled catalogue).
"""
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAME = "Bürgermeister im Landkreis und AK-Vorsitz"
WORKING_GROUPS = ("AK Radwege und Mobilität", "AK Dorfläden")


def _prepare(live_server) -> dict:
    """Two working groups with a chair and a member each (once); the answer the editor must show."""
    from datetime import date

    from sqlalchemy import select

    from crm.contacts.models import FunctionTitle, Organisation, Person
    from crm.extensions import db
    from crm.network import services as network
    from crm.network.models import Body
    from crm.segments import facets, services

    with live_server.app.app_context():
        try:
            if db.session.scalar(select(Body.id).where(Body.name == WORKING_GROUPS[0])) is None:
                persons = [p for p in db.session.scalars(select(Person).order_by(Person.id.desc())).all()
                           if p.primary_affiliation is not None and not p.degree][:4]
                for i, name in enumerate(WORKING_GROUPS):
                    body = network.save_body(None, {"name": name, "short_name": "", "kind": "working_group",
                                                    "description": "", "parent_id": None, "quorum_share": 50,
                                                    "max_group_share": 49, "min_non_public_share": 50})
                    for person, role in ((persons[2 * i], "chair"), (persons[2 * i + 1], "member")):
                        network.add_seat(body, {
                            "person_id": person.id, "organisation_id": None, "role": role, "voting": False,
                            "interest_group_id": None, "deputy_id": None, "valid_from": date(2024, 2, 1),
                            "valid_to": None, "resolution": ""})
                db.session.commit()
            mayor = db.session.scalar(select(FunctionTitle).where(FunctionTitle.name_male == "Erster Bürgermeister"))
            district = db.session.scalar(select(Organisation).where(Organisation.kind == "district"))
            tree = {"op": "or", "items": [
                {"op": "and", "items": [{"facet": "function", "values": [mayor.id]},
                                        {"facet": "district", "values": [district.ags[:5]]}]},
                {"facet": "body_kind", "values": ["working_group"], "roles": ["chair"]}]}
            count = services.count(facets.parse_filter(tree)).persons
            return {"mayor": str(mayor), "district": district.name, "count": count}
        finally:
            db.session.remove()


def _tick(page, scope, label: str) -> None:
    """Tick a checkbox by keyboard: focus it, press Space."""
    box = scope.get_by_label(label, exact=True)
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def test_office_builds_a_mailing_list_sees_the_count_and_exports_it(page, live_server, log_in, shot, screenshot_dir):
    from openpyxl import load_workbook

    expected = _prepare(live_server)
    assert expected["count"] >= 28 + 2  # the mayors of the demo district and the two new chairs
    log_in("staff")
    page.click("nav a.dropdown-toggle:has-text('Mehr')")  # Verteiler sit in "Mehr" (the bar is full at 1280 px)
    page.click("nav a.dropdown-item[href$='/verteiler']")
    expect(page).to_have_url(re.compile(r"/verteiler$"))
    page.click("main a[href$='/verteiler/neu']")
    page.fill("#name", NAME)

    editor = page.locator("#segment-editor")
    root = editor.locator(".seg-root")
    # the root group: at least one of its conditions (OR)
    root.locator(":scope > .seg-group-head .seg-op").select_option("or")

    # a group "first mayor AND in the district", added by keyboard
    root.locator(":scope > div > .seg-add-group").focus()
    page.keyboard.press("Enter")
    group = root.locator(".seg-group-item .seg-group").first
    expect(group.locator(".seg-facet")).to_be_focused()  # the new condition's field has the focus
    group.locator(":scope > .seg-group-head .seg-op").select_option("and")
    first = group.locator(".seg-condition").nth(0)
    first.locator(".seg-facet").select_option("function")
    _tick(page, first, expected["mayor"])
    group.locator(":scope > div > .seg-add-condition").click()
    second = group.locator(".seg-condition").nth(1)
    second.locator(".seg-facet").select_option("district")
    _tick(page, second, expected["district"])

    # OR: the chairs of the working groups
    root.locator(":scope > div > .seg-add-condition").click()
    chairs = root.locator(":scope > .seg-items > .seg-condition").last
    chairs.locator(".seg-facet").select_option("body_kind")
    _tick(page, chairs.locator(".seg-choice"), "Arbeitskreis")
    _tick(page, chairs.locator(".seg-roles"), "Vorsitz")

    count = page.locator("#live-count")
    expect(count).to_have_text(f"{expected['count']} Personen")
    expect(page.locator("#live-preview li")).to_have_count(20)
    expect(page.locator("#live-summary")).to_contain_text("Art des Gremiums ist Arbeitskreis, Rolle Vorsitz")
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(screenshot_dir / f"segments-editor-{width}x{height}.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    # removing a condition changes the count at once; put it back
    chairs.locator(".seg-remove").click()
    expect(count).not_to_have_text(f"{expected['count']} Personen")
    root.locator(":scope > div > .seg-add-condition").click()
    chairs = root.locator(":scope > .seg-items > .seg-condition").last
    chairs.locator(".seg-facet").select_option("body_kind")
    _tick(page, chairs.locator(".seg-choice"), "Arbeitskreis")
    _tick(page, chairs.locator(".seg-roles"), "Vorsitz")
    expect(count).to_have_text(f"{expected['count']} Personen")

    page.click("#segment-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/verteiler/\d+$"))
    expect(page.locator("main h1")).to_contain_text(NAME)
    expect(page.locator("#conditions")).to_contain_text(f"Funktion ist {expected['mayor']}")
    expect(page.locator("#conditions")).to_contain_text("Art des Gremiums ist Arbeitskreis, Rolle Vorsitz")
    expect(page.locator("#matches .card-header")).to_contain_text(f"{expected['count']} Personen")
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(screenshot_dir / f"segments-detail-{width}x{height}.png"), full_page=True)
        assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    # export it as Excel: one row per recipient, the use recorded on the page
    page.click("#segment-export")
    with page.expect_download() as download:
        page.click("a.dropdown-item[href*='personen.xlsx']")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.max_row == expected["count"] + 1
    page.reload()
    expect(page.locator("#uses li")).to_have_count(1)
    expect(page.locator("#uses")).to_contain_text(f"{expected['count']} Kontakte")
    shot("detail-after-export")
    assert page.js_errors == []


def test_office_ticks_persons_and_makes_a_fixed_list(page, live_server, log_in, screenshot_dir):
    log_in("staff")
    page.goto("/personen")
    rows = page.locator("input.select-row")
    first, second = rows.nth(0), rows.nth(1)
    first.focus()
    page.keyboard.press("Space")
    second.check()
    expect(page.locator("[data-selected-count]")).to_have_text("Auswahl: 2")
    for width, height in ((1280, 800), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(screenshot_dir / f"segments-person-selection-{width}x{height}.png"))
        assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("input.select-all").check()
    expect(page.locator("[data-selected-count]")).to_have_text(f"Auswahl: {rows.count()}")
    page.locator("input.select-all").uncheck()
    first.check()
    second.check()
    page.click("#selection-form button[value=new]")
    expect(page).to_have_url(re.compile(r"/verteiler/neu\?art=fest&personen=\d+,\d+$"))
    expect(page.locator("#chosen-note")).to_contain_text("2 Personen")
    expect(page.locator("#conditions-part")).to_be_hidden()
    page.fill("#name", "Gäste Sommerfest")
    page.click("#segment-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/verteiler/\d+$"))
    expect(page.locator("#members tbody tr")).to_have_count(2)
    assert page.js_errors == []
