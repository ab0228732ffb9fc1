"""What an office worker does in a day, clicked through in a real browser.

Selectors avoid button texts (the UI is German or English depending on the compiled
catalogue); where text is unavoidable both languages are accepted.
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ORG_NAME = "Streuobstverein Kahlgrund-Süd e.V."
FIRST, LAST = "Jürgen", "Müller-Lüdenscheidt"
SAVE = "form.entity-form button[type=submit]"
LOGOUT = "form[action$='/abmelden'] button[type=submit]"
USER_MENU = "nav .dropdown > button.dropdown-toggle"


def _id_from(url: str) -> int:
    return int(re.search(r"/(\d+)/?$", url).group(1))


def _person_count(live_server, **where) -> int:
    from crm.contacts.models import Person
    from crm.extensions import db

    with live_server.app.app_context():
        stmt = db.select(db.func.count()).select_from(Person).filter_by(**where)
        try:
            return db.session.scalar(stmt)
        finally:
            db.session.remove()


def _choose_function(page, select: str, male_name: str) -> None:
    option = page.locator(f"{select} option").filter(has_text=re.compile(rf"^\s*{male_name}\b"))
    page.select_option(select, option.first.get_attribute("value"))


def test_staff_journey_organisation_person_search_edit_logout(page, live_server, log_in, shot):
    # --- log in
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/anmelden\?next="))
    shot("login-page")
    display_name = log_in("staff")
    expect(page.locator(USER_MENU)).to_contain_text(display_name)
    shot("dashboard")

    # --- a new organisation from the "+ Organisation" button on the start page
    page.click("main a[href$='/organisationen/neu']")
    expect(page).to_have_url(re.compile(r"/organisationen/neu$"))
    page.fill("#name", ORG_NAME)
    page.select_option("#kind", "association")
    page.select_option("#sector", "civil_society")
    page.fill("#street", "Hauptstraße 12")
    page.fill("#postcode", "63755")
    page.fill("#city", "Alzenau")
    page.fill("#email", "info@streuobst-kahlgrund.de")
    shot("organisation-form")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/organisationen/\d+$"))
    org_id = _id_from(page.url)
    expect(page.locator("main h1")).to_contain_text(ORG_NAME)
    expect(page.locator(".alert-success")).to_contain_text(ORG_NAME)
    expect(page.locator("main address")).to_contain_text("63755 Alzenau")
    shot("organisation-page")

    # --- a new person with a function there: "+ Person" on the organisation page presets the picker
    page.click(f"main a[href$='/personen/neu?organisation={org_id}']")
    expect(page).to_have_url(re.compile(rf"/personen/neu\?organisation={org_id}$"))
    expect(page.locator("#aff_organisation_label")).to_have_value(ORG_NAME)
    page.select_option("#gender", "male")
    page.fill("#first_name", FIRST)
    page.fill("#last_name", LAST)
    # type over the preset and pick the organisation again from the dropdown
    org_input = page.locator("#aff_organisation_label")
    org_input.fill("")
    org_input.press_sequentially("Streuobst kahl", delay=20)
    option = page.locator(".picker-results.show a.dropdown-item", has_text=ORG_NAME)
    expect(option).to_be_visible()
    expect(page.locator(".picker input.picker-id")).to_have_value("")  # typing forgets the old choice
    shot("person-form-picker-open")
    option.click()
    expect(page.locator(".picker-results")).not_to_have_class(re.compile(r"\bshow\b"))
    expect(org_input).to_have_value(ORG_NAME)
    expect(page.locator(".picker input.picker-id")).to_have_value(str(org_id))
    _choose_function(page, "#aff_function_id", "Vorsitzender")
    page.fill("#aff_email", "j.mueller@streuobst-kahlgrund.de")
    page.fill("#aff_valid_from", "2024-03-01")
    shot("person-form-filled")
    page.click(SAVE)

    expect(page).to_have_url(re.compile(r"/personen/\d+$"))
    person_url = page.url
    person_id = _id_from(person_url)
    expect(page.locator("main h1")).to_have_text(f"{FIRST} {LAST}")
    expect(page.locator(".alert-success")).to_contain_text(f"{FIRST} {LAST}")
    function_item = page.locator("main .list-group-item").first
    expect(function_item.locator("strong")).to_have_text("Vorsitzender")
    expect(function_item.locator(f"a[href$='/organisationen/{org_id}']")).to_have_text(ORG_NAME)
    expect(function_item).to_contain_text("01.03.2024")
    expect(function_item.locator("a[href='mailto:j.mueller@streuobst-kahlgrund.de']")).to_be_visible()
    expect(page.locator("#salutation")).to_have_text("Sehr geehrter Herr Müller-Lüdenscheidt,")
    address = page.locator("#address-block")
    expect(address).to_contain_text(ORG_NAME)
    expect(address).to_contain_text("Herrn Jürgen Müller-Lüdenscheidt")
    expect(address).to_contain_text("Hauptstraße 12")
    expect(address).to_contain_text("63755 Alzenau")
    shot("person-page")

    # --- find the person again with the quick search, spelt without umlauts, by keyboard
    page.click("a.navbar-brand")
    expect(page).to_have_url(re.compile(r"/$"))
    search = page.locator("#quicksearch")
    search.click()
    search.press_sequentially("Mueller-Lued", delay=30)
    results = page.locator("#quicksearch-results.show a.dropdown-item[role=option]")
    expect(results.first).to_contain_text(f"{FIRST} {LAST}")
    expect(results.first).to_contain_text(ORG_NAME)
    expect(search).to_have_attribute("aria-expanded", "true")
    search.press("ArrowDown")
    expect(results.first).to_have_class(re.compile(r"\bactive\b"))
    expect(search).to_have_attribute("aria-activedescendant", results.first.get_attribute("id"))
    shot("quicksearch-results")
    search.press("Enter")
    page.wait_for_url(person_url)
    expect(page.locator("main h1")).to_have_text(f"{FIRST} {LAST}")

    # the other spelling folds the same way
    search = page.locator("#quicksearch")
    search.press_sequentially("muller lud", delay=20)
    expect(page.locator("#quicksearch-results.show a.dropdown-item[role=option]").first).to_contain_text(LAST)
    search.press("Escape")
    expect(page.locator("#quicksearch-results")).not_to_have_class(re.compile(r"\bshow\b"))

    # --- edit: private e-mail and tags; the change shows up and lands in the timeline
    page.click(f"main a[href$='/personen/{person_id}/bearbeiten']")
    expect(page).to_have_url(re.compile(rf"/personen/{person_id}/bearbeiten$"))
    expect(page.locator("#last_name")).to_have_value(LAST)
    page.fill("#email", "juergen.mueller@example.org")
    page.fill("#tags", "Streuobst, Obstbaumschnitt")
    shot("person-edit-form")
    page.click(SAVE)
    page.wait_for_url(person_url)
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("main a[href='mailto:juergen.mueller@example.org']")).to_be_visible()
    badges = page.locator("main .badge.text-bg-secondary")
    expect(badges.filter(has_text="Streuobst").first).to_be_visible()
    expect(badges.filter(has_text="Obstbaumschnitt")).to_be_visible()
    timeline = page.locator("#timeline li.timeline-entry")
    expect(timeline.first).to_contain_text(re.compile(r"E-Mail|E-mail"))
    expect(timeline.first).to_contain_text(re.compile(r"Schlagwörter|Tags"))
    expect(timeline.first).to_contain_text(display_name)  # who changed it
    expect(timeline.filter(has_text=re.compile(r"Funktion übernommen|Function taken up"))).to_have_count(1)
    shot("person-after-edit")
    # the full history shows old and new values
    page.click(f"main a[href$='/personen/{person_id}/verlauf']")
    history = page.locator("table.history tbody tr")
    expect(history.first).to_contain_text(display_name)
    expect(history.first.locator("ins", has_text="juergen.mueller@example.org")).to_be_visible()
    expect(history).to_have_count(3)  # person changed; function created; person created
    page.go_back()

    # --- log out through the user menu
    page.click(USER_MENU)
    logout = page.locator(LOGOUT)
    expect(logout).to_be_visible()
    shot("user-menu-open")
    logout.click()
    page.wait_for_url(re.compile(r"/anmelden$"))
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator(".alert-info")).to_be_visible()
    expect(page.locator("#quicksearch")).to_have_count(0)
    shot("logged-out")
    page.goto(person_url)
    expect(page).to_have_url(re.compile(rf"/anmelden\?next=(%2F|/)personen(%2F|/){person_id}\b"))
    expect(page.locator("#password")).to_be_visible()

    assert page.js_errors == []


def test_viewer_sees_no_edit_buttons_and_cannot_post(page, live_server, log_in, shot):
    log_in("viewer")
    expect(page.locator("main a[href$='/neu']")).to_have_count(0)
    page.click("nav a.nav-link[href$='/personen']")
    expect(page.locator("table.contact-table tbody tr").first).to_be_visible()
    expect(page.locator("main a[href$='/personen/neu']")).to_have_count(0)
    # a person with a current function, so that the function's edit/end controls would show for staff
    page.locator("table.contact-table tbody tr").filter(has=page.locator("td .text-muted")).first.locator(
        "a[href*='/personen/']"
    ).first.click()
    expect(page).to_have_url(re.compile(r"/personen/\d+$"))
    person_id = _id_from(page.url)
    name = page.locator("main h1").inner_text().strip()
    expect(page.locator("main .list-group-item").first).to_be_visible()
    expect(page.locator("main a[href$='/bearbeiten']")).to_have_count(0)
    expect(page.locator("main a[href$='/funktionen/neu']")).to_have_count(0)
    expect(page.locator("main form[action$='/archivieren']")).to_have_count(0)
    expect(page.locator("main form[action$='/beenden']")).to_have_count(0)
    expect(page.locator(f"main a[href$='/personen/{person_id}/verlauf']").first).to_be_visible()
    shot("viewer-person-page")

    # The server refuses too, even with a valid CSRF token (so the 403 is the role, not CSRF).
    token = page.locator("form[action$='/abmelden'] input[name=csrf_token]").get_attribute("value")
    edit_url = f"/personen/{person_id}/bearbeiten"
    form = {"csrf_token": token, "gender": "male", "last_name": "Gehackt", "formal": "1", "country": "DE"}
    assert page.request.post(edit_url, form=form, max_redirects=0).status == 403
    assert page.request.post(f"/personen/{person_id}/archivieren", form={"csrf_token": token}, max_redirects=0).status == 403
    assert page.request.post("/personen/neu", form=form, max_redirects=0).status == 403
    response = page.goto(edit_url)
    assert response.status == 403
    shot("viewer-403")
    page.goto(f"/personen/{person_id}")
    expect(page.locator("main h1")).to_have_text(name)
    assert _person_count(live_server, last_name="Gehackt") == 0
    assert page.js_errors == []


def test_invalid_person_form_shows_messages_and_saves_nothing(page, live_server, log_in, shot):
    log_in("staff")
    page.click("nav a.nav-link[href$='/personen']")
    page.click("main a[href$='/personen/neu']")
    expect(page).to_have_url(re.compile(r"/personen/neu$"))
    before = _person_count(live_server)

    # no last name, broken e-mail
    page.select_option("#gender", "female")
    page.fill("#first_name", "Quirinella")
    page.fill("#email", "quirinella@")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/personen/neu$"))
    expect(page.locator("main .alert-danger")).to_be_visible()
    for field in ("#last_name", "#email"):
        expect(page.locator(field)).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(page.locator(f"{field} ~ .invalid-feedback")).to_be_visible()
    expect(page.locator("#last_name ~ .invalid-feedback")).to_have_text(re.compile(r"last name|Nachname", re.I))
    expect(page.locator("#email ~ .invalid-feedback")).to_have_text(re.compile(r"e-mail|E-Mail", re.I))
    expect(page.locator("#first_name")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#first_name")).to_have_value("Quirinella")  # what was typed is kept
    expect(page.locator("#email")).to_have_value("quirinella@")
    shot("invalid-person-form")
    assert _person_count(live_server) == before

    # fixed, but an organisation typed and never picked from the list
    page.fill("#last_name", "Zwirnbichler")
    page.fill("#email", "quirinella@example.org")
    page.locator("#aff_organisation_label").press_sequentially("Gibt es nicht", delay=20)
    expect(page.locator(".picker-results.show")).to_be_visible()  # "no organisation found"
    expect(page.locator(".picker-results.show a.dropdown-item")).to_have_count(0)
    page.locator("#aff_organisation_label").press("Escape")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/personen/neu$"))
    expect(page.locator("#aff_organisation_label")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".picker .invalid-feedback")).to_be_visible()
    expect(page.locator("#last_name")).not_to_have_class(re.compile(r"\bis-invalid\b"))
    shot("invalid-organisation")
    assert _person_count(live_server) == before
    assert _person_count(live_server, last_name="Zwirnbichler") == 0

    page.goto("/personen?q=Quirinella")
    expect(page.locator("table.contact-table")).to_have_count(0)
    assert page.js_errors == []


def test_new_person_with_organisation_picked_from_the_list(page, live_server, log_in, shot):
    log_in("staff")
    page.click("main a[href$='/personen/neu']")
    expect(page).to_have_url(re.compile(r"/personen/neu$"))
    page.select_option("#gender", "female")
    page.fill("#first_name", "Hildegard")
    page.fill("#last_name", "Öttinger-Weiß")
    org = page.locator("#aff_organisation_label")
    org.press_sequentially("Gemeinde", delay=20)
    options = page.locator(".picker-results.show a.dropdown-item[role=option]")
    expect(options.first).to_be_visible()
    org_name = options.first.locator(".fw-semibold").inner_text().strip()
    shot("picker-open")
    options.first.click()
    expect(page.locator(".picker-results")).not_to_have_class(re.compile(r"\bshow\b"))
    expect(org).to_have_value(org_name)
    expect(page.locator(".picker input.picker-id")).to_have_value(re.compile(r"^\d+$"))
    _choose_function(page, "#aff_function_id", "Gemeinderat")
    shot("picker-chosen")
    page.click(SAVE)
    shot("after-save")
    expect(page).to_have_url(re.compile(r"/personen/\d+$"), timeout=5000)
    expect(page.locator("main h1")).to_have_text("Hildegard Öttinger-Weiß")
    expect(page.locator("main .list-group-item strong").first).to_have_text("Gemeinderätin")
    expect(page.locator("main .list-group-item a[href*='/organisationen/']").first).to_have_text(org_name)
    expect(page.locator("#salutation")).to_have_text("Sehr geehrte Frau Öttinger-Weiß,")
