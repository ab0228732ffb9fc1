"""Daily use at 1280 x 800 (issue 9, items 10-18): the not-contacted list, the city sort, the quick
search that opens a municipality with Enter, a saved interaction sent again, a second municipality
with a taken AGS and the person form with all its mistakes at once."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SAVE = "form.entity-form button[type=submit]"


def _count(live_server, model) -> int:
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            return db.session.scalar(db.select(db.func.count()).select_from(model))
        finally:
            db.session.remove()


def test_not_contacted_panel_links_to_the_full_sortable_list(page, live_server, log_in, shot):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("viewer")
    total = page.locator("#not-contacted-total")
    expect(total).to_contain_text(re.compile(r"\d+ von \d+ angezeigt"))
    total.scroll_into_view_if_needed()
    shot("start-page-not-contacted-count")
    total.locator("a").click()
    expect(page).to_have_url(re.compile(r"/interaktionen/nicht-kontaktiert\?monate=6"))
    rows = page.locator("#not-contacted tbody tr")
    expect(rows.first).to_be_visible()
    shot("not-contacted-full-list")
    page.locator("#not-contacted thead a", has_text="Name").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    names = [n.split()[-1] for n in page.locator("#not-contacted tbody td:first-child a").all_inner_texts()]
    assert len(names) > 15
    shot("not-contacted-by-name")


def test_person_list_sorted_by_city(page, live_server, log_in, shot):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("staff")  # the office sees the private city the list sorts by; a viewer does not (confidential)
    page.goto("/personen?sort=city")
    cities = [c.strip() for c in page.locator("table.contact-table tbody td:last-child").all_inner_texts()]
    filled = [c for c in cities if c]
    assert filled, "no city shown"
    from crm.core.text import fold
    assert [fold(c) for c in filled] == sorted(fold(c) for c in filled)
    assert cities[: len(filled)] == filled  # persons without a city come last
    shot("persons-by-city")


def test_quick_search_opens_the_municipality_with_enter(page, live_server, log_in, shot):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("staff")
    search = page.locator("#quicksearch")
    search.press_sequentially("Rueden", delay=20)
    first = page.locator("#quicksearch-results.show a.dropdown-item[role=option]").first
    expect(first).to_contain_text("Rüdenau")
    shot("quicksearch-rueden")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/organisationen/\d+$"))
    expect(page.locator("main h1")).to_contain_text("Rüdenau")
    shot("organisation-ruedenau")


def test_interaction_saved_twice_is_one_interaction(page, live_server, log_in, shot):
    from crm.interactions.models import Interaction

    page.set_viewport_size({"width": 1280, "height": 800})

    def no_store(route):  # pages with personal data are not cached: going back fetches the form anew
        if route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "cache-control": "no-store"})

    page.route(re.compile(r".*/interaktionen/neu.*"), no_store)
    log_in("staff")
    page.goto("/personen")
    page.locator("table.contact-table tbody a").first.click()
    page.click("#log-interaction")
    page.select_option("#kind", "phone")
    page.fill("#subject", "Rückruf wegen Dorffest")
    page.fill("#results", "Termin steht.")
    before = _count(live_server, Interaction)
    page.click(SAVE)
    expect(page.locator(".alert-success")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/interaktionen/neu"))
    expect(page.locator("#subject")).to_have_value("Rückruf wegen Dorffest")  # restored by the browser
    shot("interaction-form-after-back")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/interaktionen/\d+$"))
    expect(page.locator(".alert-info")).to_contain_text("bereits gespeichert")
    shot("interaction-sent-again")
    assert _count(live_server, Interaction) == before + 1


def test_second_municipality_with_a_taken_ags_and_person_form_errors(page, live_server, log_in, shot):
    from crm.contacts.models import Organisation, Person

    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("staff")
    with live_server.app.app_context():
        from crm.extensions import db
        town = db.session.scalar(db.select(Organisation).where(Organisation.kind == "municipality",
                                                                Organisation.ags != "").limit(1))
        name, ags = town.name, town.ags
        db.session.remove()
    orgs = _count(live_server, Organisation)
    page.goto("/organisationen/neu")
    page.fill("#name", name)
    page.select_option("#kind", "municipality")
    page.select_option("#sector", "public")
    page.fill("#ags", ags)
    page.click(SAVE)
    expect(page.locator("#similar-contacts")).to_contain_text(name)
    expect(page.locator("#ags ~ .invalid-feedback")).to_contain_text(f"Der AGS {ags} gehört bereits zu {name}")
    shot("organisation-taken-ags")
    page.check("#create_anyway")
    page.click(SAVE)
    expect(page.locator("#ags ~ .invalid-feedback")).to_contain_text("gehört bereits")
    assert _count(live_server, Organisation) == orgs

    persons = _count(live_server, Person)
    page.goto("/personen/neu")
    page.fill("#last_name", "Huber")
    page.fill("#email", "anna@")
    page.fill("#mobile", "0170 12")
    page.fill("#postcode", "6383")
    page.fill("#aff_organisation_label", "Irgendein Verein")
    page.keyboard.press("Escape")
    page.click(SAVE)
    feedback = page.locator(".invalid-feedback")
    expect(feedback.filter(has_text="gültige E-Mail-Adresse")).to_have_count(1)
    expect(feedback.filter(has_text="Telefonnummer kann es nicht geben")).to_have_count(1)
    expect(feedback.filter(has_text="5 Ziffern")).to_have_count(1)
    expect(feedback.filter(has_text="Organisation aus der Liste")).to_have_count(1)
    shot("person-form-all-errors")
    assert _count(live_server, Person) == persons
