"""The project pipeline clicked through in a real browser: defaults, a new project with a sponsor,
contacts, the board, the list filter.

Selectors avoid button texts (the UI is German or English depending on the compiled catalogue).
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TITLE = "Dorfladen Kleinwallstadt (Browsertest)"
SAVE = "form.project-form button[type=submit]"


def _project_count(live_server, **where) -> int:
    from crm.extensions import db
    from crm.projects.models import Project

    with live_server.app.app_context():
        try:
            return db.session.scalar(db.select(db.func.count()).select_from(Project).filter_by(**where))
        finally:
            db.session.remove()


def _column_of(page, project_id: int):
    return page.locator(f"article.board-card[data-project-id='{project_id}']").locator(
        "xpath=ancestor::section[contains(@class,'board-column')]")


def test_project_from_idea_to_selection(page, live_server, log_in, shot):
    log_in("manager")

    # --- the manager sets the default rate for municipal LEADER projects
    page.click("nav a.nav-link[href$='/projekte']")
    expect(page).to_have_url(re.compile(r"/projekte$"))
    page.click("main a[href$='/projekte/foerdersaetze']")
    page.select_option("#programme", "leader")
    page.fill("#project_type", "Kommune")
    page.fill("#rate", "60")
    page.fill("#max_amount", "200.000")
    page.click("form.add-default button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    row = page.locator("table.funding-defaults-table tr", has_text="Kommune")
    expect(row.locator("input[name$='-rate']")).to_have_value("60")
    expect(row.locator("input[name$='-max_amount']")).to_have_value("200.000,00")
    # changed in its row (each row is a form of its own, with its own CSRF token)
    row.locator("input[name$='-rate']").fill("62,5")
    row.locator("button[form^='edit-']").click()
    expect(page.locator(".alert-success")).to_contain_text("62,5")
    expect(page.locator("table.funding-defaults-table tr", has_text="Kommune").locator("input[name$='-rate']")
           ).to_have_value("62,5")
    shot("funding-defaults")

    # --- a new project, first with mistakes
    page.click("nav a.nav-link[href$='/projekte']")
    page.click("main a[href$='/projekte/neu']")
    expect(page).to_have_url(re.compile(r"/projekte/neu$"))
    before = _project_count(live_server)
    page.fill("#title", TITLE)
    page.select_option("#project_type", "Kommune")
    sponsor = page.locator("#sponsor_organisation_label")
    sponsor.press_sequentially("Kleinwall", delay=20)
    option = page.locator(".picker-results.show a.dropdown-item", has_text="Markt Kleinwallstadt")
    expect(option).to_be_visible()
    option.click()
    expect(sponsor).to_have_value("Markt Kleinwallstadt")
    org_id = page.locator("#sponsor_organisation_id").input_value()
    assert org_id.isdigit()
    page.fill("#total_cost", "420.000")
    page.fill("#eligible_cost", "500.000")  # more than the total
    page.fill("#start_date", "2027-03-01")
    page.fill("#end_date", "2026-12-31")  # before the start
    page.locator("form.project-form").get_by_label("Daseinsvorsorge", exact=True).check()
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/projekte/neu$"))
    expect(page.locator("main .alert-danger")).to_be_visible()
    for field in ("#eligible_cost", "#end_date"):
        expect(page.locator(field)).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(page.locator(f"{field} ~ .invalid-feedback")).to_be_visible()
    expect(page.locator("#total_cost")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#eligible_cost")).to_have_value("500.000")  # what was typed is kept
    expect(sponsor).to_have_value("Markt Kleinwallstadt")
    expect(page.locator("#sponsor_organisation_id")).to_have_value(org_id)
    shot("project-form-errors")
    assert _project_count(live_server) == before

    # --- corrected: rate and amount left empty, so the defaults apply (60 %, capped at 200,000)
    page.fill("#eligible_cost", "350.000")
    page.fill("#end_date", "2028-06-30")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/projekte/\d+$"))
    project_id = int(re.search(r"/projekte/(\d+)$", page.url).group(1))
    expect(page.locator("main h1")).to_contain_text(TITLE)
    expect(page.locator("main h1 .project-status")).to_have_attribute("data-status", "idea")
    expect(page.locator(f"#sponsor a[href$='/organisationen/{org_id}']")).to_have_text("Markt Kleinwallstadt")
    expect(page.locator("#funding-rate")).to_contain_text("62,5\u00a0%")
    expect(page.locator("#funding-amount")).to_contain_text("200.000,00\u00a0€")
    expect(page.locator("#total-cost")).to_contain_text("420.000,00\u00a0€")
    expect(page.locator("#own-share")).to_contain_text("220.000,00\u00a0€")
    expect(page.locator("main .badge.text-bg-success", has_text="Daseinsvorsorge")).to_be_visible()

    # --- the mayor joins as contact person, picked from the person search
    person = page.locator("#person_label")
    person.press_sequentially("Kleinwallstadt", delay=20)
    first = page.locator(".add-contact .picker-results.show a.dropdown-item").first
    expect(first).to_be_visible()
    name = first.locator(".fw-semibold").inner_text().strip()
    first.click()
    expect(person).to_have_value(name)
    page.fill("#role", "Ansprechpartner Gemeinde")
    page.click("form.add-contact button[type=submit]")
    contacts = page.locator("table.project-contacts tbody tr")
    expect(contacts).to_have_count(1)
    expect(contacts.first).to_contain_text(name)
    expect(contacts.first).to_contain_text("Ansprechpartner Gemeinde")
    shot("project-page")

    # --- on the board, two steps to the right: idea -> advice -> selected
    page.click("nav a.nav-link[href$='/projekte']")
    page.click(".view-switch a[href*='/projekte/board']")
    expect(page).to_have_url(re.compile(r"/projekte/board"))
    card = page.locator(f"article.board-card[data-project-id='{project_id}']")
    expect(_column_of(page, project_id)).to_have_attribute("data-status", "idea")
    expect(card).to_contain_text("Markt Kleinwallstadt")
    expect(card.locator(".card-funding")).to_have_text("200.000\u00a0€")
    expect(card.locator("button.move-previous")).to_have_count(0)
    shot("board-before")
    card.locator("button.move-next").click()
    expect(page).to_have_url(re.compile(r"/projekte/board"))
    expect(_column_of(page, project_id)).to_have_attribute("data-status", "advice")
    page.locator(f"article.board-card[data-project-id='{project_id}'] button.move-next").click()
    expect(_column_of(page, project_id)).to_have_attribute("data-status", "selected")
    expect(page.locator(".alert-success")).to_contain_text(TITLE)
    shot("board-after")

    # --- the project page shows the new status and both steps in the timeline
    page.locator(f"article.board-card[data-project-id='{project_id}'] .card-title a").click()
    expect(page.locator("main h1 .project-status")).to_have_attribute("data-status", "selected")
    expect(page.locator("#timeline li.timeline-status")).to_have_count(3)  # created, two steps
    expect(page.locator("#timeline li.timeline-status").first).to_contain_text("→")

    # --- the list filter by status finds it under "selected", not under "idea"
    page.click("nav a.nav-link[href$='/projekte']")
    page.select_option("#f-status", "selected")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"status=selected"))
    expect(page.locator("table.project-table tbody tr", has_text=TITLE)).to_have_count(1)
    shot("list-filtered")
    page.select_option("#f-status", "idea")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"status=idea"))
    expect(page.locator("main", has_text=TITLE)).to_have_count(0)
    page.select_option("#f-status", "")
    page.select_option("#f-sponsor", f"organisation:{org_id}")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.project-table tbody tr", has_text=TITLE)).to_have_count(1)

    # --- and the sponsor's page lists it
    page.goto(f"/organisationen/{org_id}")
    expect(page.locator("#projects")).to_contain_text(TITLE)
    assert page.js_errors == []


def test_viewer_sees_the_board_without_move_buttons(page, live_server, log_in, shot):
    log_in("viewer")
    page.goto("/projekte/board")
    expect(page.locator(".board-column")).to_have_count(8)
    expect(page.locator("button.move-next, button.move-previous")).to_have_count(0)
    expect(page.locator("main a[href$='/projekte/neu']")).to_have_count(0)
    shot("viewer-board")
    assert page.js_errors == []
