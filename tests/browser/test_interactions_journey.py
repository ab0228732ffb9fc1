"""Monday 8:25 in journeys.md: from a person's page log a phone call with a follow-up,
see the follow-up on the start page, close it."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from crm.core import time as clock

pytestmark = pytest.mark.browser

SAVE = "form.entity-form button[type=submit]"


def test_log_a_call_with_follow_up_and_close_it(page, live_server, log_in, shot):
    log_in("staff")
    # Find a mayor through the quick search and open the page with the keyboard: the municipality
    # named like the query comes first (issue 9, item 17), its mayor right below.
    search = page.locator("#quicksearch")
    search.press_sequentially("kleinw", delay=20)
    options = page.locator("#quicksearch-results.show a.dropdown-item[role=option]")
    expect(options.first).to_contain_text("Markt Kleinwallstadt")
    expect(options.nth(1)).to_contain_text(re.compile(r"Bürgermeister"))
    search.press("ArrowDown")
    search.press("ArrowDown")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/personen/\d+$"))
    person_url = page.url
    person_name = page.locator("main h1").inner_text().strip()

    page.click("#log-interaction")
    expect(page).to_have_url(re.compile(r"/interaktionen/neu\?"))
    # The person and their municipality are already filled in.
    expect(page.locator(".multipicker[data-group=persons] .chip")).to_have_count(1)
    expect(page.locator(".multipicker[data-group=organisations] .chip")).to_contain_text("Kleinwallstadt")
    page.select_option("#kind", "phone")
    page.fill("#subject", "Dorfladen Kleinwallstadt")
    page.fill("#results", "Kostenschätzung kommt bis Donnerstag.")
    due = clock.today() + timedelta(days=3)
    page.fill("#followup_title", "Kostenschätzung nachfragen")
    page.fill("#followup_due", due.isoformat())
    shot("interaction-form")
    page.click(SAVE)

    expect(page).to_have_url(person_url)
    expect(page.locator(".alert-success")).to_be_visible()
    timeline = page.locator("#timeline li.timeline-entry")
    expect(timeline.filter(has_text="Dorfladen Kleinwallstadt")).to_have_count(1)
    expect(timeline.filter(has_text="Kostenschätzung nachfragen")).to_have_count(1)
    shot("person-with-call")

    # The follow-up waits on the start page ...
    page.goto("/")
    task = page.locator("li.task", has_text="Kostenschätzung nachfragen")
    expect(task).to_be_visible()
    expect(task).to_contain_text(person_name)
    shot("start-page-task")
    # ... and is closed with one click.
    task.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("li.task", has_text="Kostenschätzung nachfragen")).to_have_count(0)
    page.goto("/aufgaben?status=done")
    expect(page.locator("li.task", has_text="Kostenschätzung nachfragen")).to_have_count(1)


def test_interaction_needs_a_contact(page, live_server, log_in):
    log_in("staff")
    page.goto("/interaktionen/neu")
    page.fill("#subject", "Niemand dabei")
    page.click(SAVE)
    expect(page.locator(".multipicker .invalid-feedback")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/interaktionen/neu$"))
