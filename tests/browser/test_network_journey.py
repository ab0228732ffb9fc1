"""Bodies in a real browser: a manager sets up interest groups, creates a LAG decision body, adds
seats with the person picker, sees the composition, a warning when one group reaches half, and
the body as it was on an earlier day.

Selectors avoid button texts (German or English, depending on the compiled catalogue).
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BODY_NAME = "LAG Kahlgrund-Süd: Entscheidungsgremium"
SAVE = "form.entity-form button[type=submit]"
GROUPS = [("Gemeinden", "public"), ("Betriebe", "economy"), ("Vereine", "civil_society")]


def _people(live_server, n: int) -> list[tuple[str, str, str]]:
    """(full name, last name, organisation) of n persons with a current function, from the seeded region."""
    from crm.contacts.models import Person
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            persons = db.session.scalars(db.select(Person).order_by(Person.id)).all()
            found, names = [], set()
            for p in persons:
                aff = p.primary_affiliation
                # unique last names, so that typing the name finds exactly this person
                if aff is None or p.last_name in names or p.degree or p.nobility:
                    continue
                names.add(p.last_name)
                found.append((p.full_name, p.last_name, aff.organisation.name))
                if len(found) == n:
                    return found
            raise AssertionError("the demo region has too few persons")
        finally:
            db.session.remove()


def _seat_count(live_server, body_name: str) -> int:
    from crm.extensions import db
    from crm.network.models import Body, Seat

    with live_server.app.app_context():
        try:
            return db.session.scalar(db.select(db.func.count(Seat.id)).join(Body).where(Body.name == body_name))
        finally:
            db.session.remove()


def _pick(page, input_selector: str, typed: str, option_text: str) -> None:
    field = page.locator(input_selector)
    field.fill("")
    field.press_sequentially(typed, delay=20)
    option = page.locator(".picker-results.show a.dropdown-item", has_text=option_text).first
    expect(option).to_be_visible()
    option.click()
    expect(field).to_have_value(option_text)


def _add_seat(page, person, group_label: str, deputy=None, role="member", since="2025-01-01"):
    full_name, last_name, org = person
    page.click("main a[href$='/sitze/neu']")
    expect(page).to_have_url(re.compile(r"/gremien/\d+/sitze/neu$"))
    _pick(page, "#person_label", last_name, full_name)
    _pick(page, "#organisation_label", org[:12], org)
    page.select_option("#role", role)
    page.locator("#interest_group_id option", has_text=group_label).first.wait_for(state="attached")
    value = page.locator("#interest_group_id option", has_text=group_label).first.get_attribute("value")
    page.select_option("#interest_group_id", value)
    if deputy is not None:
        _pick(page, "#deputy_label", deputy[1], deputy[0])
    page.fill("#valid_from", since)
    page.fill("#resolution", "LAG-Beschluss 2025/01")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/gremien/\d+$"))
    expect(page.locator(".alert-success.alert-dismissible")).to_contain_text(full_name)


def test_manager_builds_a_lag_and_sees_the_composition(page, live_server, log_in, shot):
    log_in("manager")
    people = _people(live_server, 6)

    # --- interest groups, from the body list
    page.click("nav a.nav-link[href$='/gremien']")
    expect(page).to_have_url(re.compile(r"/gremien$"))
    page.click("main a[href$='/interessengruppen']")
    for name, sector in GROUPS:
        page.fill("#name", name)
        page.select_option("#sector", sector)
        page.click("form.entity-form button[type=submit]")
        expect(page.locator(".alert-success.alert-dismissible")).to_contain_text(name)
    expect(page.locator("table.interest-groups tbody tr")).to_have_count(len(GROUPS))
    shot("interest-groups")

    # --- a share rule outside 0-100 % is refused next to the field, nothing saved
    page.click("nav a.nav-link[href$='/gremien']")
    page.click("main a[href$='/gremien/neu']")
    page.fill("#name", BODY_NAME)
    page.select_option("#kind", "lag_decision")
    expect(page.locator("#max_group_share")).to_have_value("49")
    page.fill("#max_group_share", "149")
    page.click(SAVE)
    expect(page.locator("#max_group_share")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#max_group_share ~ .invalid-feedback")).to_be_visible()
    expect(page.locator("#name")).to_have_value(BODY_NAME)
    shot("body-form-bad-share")
    page.fill("#max_group_share", "49")
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/gremien/\d+$"))
    body_url = page.url
    expect(page.locator("main h1")).to_contain_text(BODY_NAME)
    expect(page.locator("#composition [data-kind=no_voting_members]")).to_be_visible()

    # --- three seats, one per sector: each group a third, no warning
    _add_seat(page, people[0], "Gemeinden", role="chair", deputy=people[4])
    _add_seat(page, people[1], "Betriebe")
    _add_seat(page, people[2], "Vereine")
    expect(page.locator("#members tbody tr")).to_have_count(3)
    expect(page.locator("#members tbody tr").first).to_contain_text(people[0][0])  # the chair first
    expect(page.locator("#members tbody tr").first).to_contain_text(people[4][0])  # with the deputy
    expect(page.locator(".composition-total")).to_have_text("3")
    expect(page.locator("#composition .composition-ok")).to_be_visible()
    expect(page.locator("#composition .composition-warning")).to_have_count(0)
    expect(page.locator("#composition tr[data-sector=public]")).to_contain_text("33,3")
    shot("composition-ok")

    # --- the same person twice in the same period: refused next to the date, nothing saved
    before = _seat_count(live_server, BODY_NAME)
    page.click("main a[href$='/sitze/neu']")
    _pick(page, "#person_label", people[1][1], people[1][0])
    page.fill("#valid_from", "2025-06-01")
    page.click(SAVE)
    expect(page.locator("#valid_from")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#valid_from ~ .invalid-feedback")).to_contain_text(people[1][0])
    shot("seat-overlap")
    assert _seat_count(live_server, BODY_NAME) == before
    page.goto(body_url)

    # --- a fourth seat for the municipalities: 2 of 4 = 50 %: two clear warnings
    _add_seat(page, people[3], "Gemeinden")
    warnings = page.locator("#composition .composition-warning")
    expect(warnings).to_have_count(2)
    expect(page.locator("#composition [data-kind=group_over_limit]")).to_contain_text("Gemeinden")
    expect(page.locator("#composition [data-kind=group_over_limit]")).to_contain_text("50\xa0%")
    expect(page.locator("#composition [data-kind=public_control]")).to_be_visible()
    expect(page.locator("#composition tr.table-danger[data-group=Gemeinden]")).to_be_visible()
    expect(page.locator("#composition .composition-ok")).to_have_count(0)
    shot("composition-warning")

    # --- end that seat: today the warning is gone, the day before it is still there
    page.locator("#members tbody tr", has_text=people[3][0]).locator("a[href$='/aendern']").click()
    expect(page).to_have_url(re.compile(r"/sitze/\d+/aendern$"))
    page.fill("#end_valid_to", "2025-12-31")
    page.fill("#end_resolution", "Rücktritt")
    shot("end-seat")
    page.click("form.end-seat-form button[type=submit]")
    expect(page).to_have_url(body_url)
    expect(page.locator("#composition .composition-warning")).to_have_count(0)
    expect(page.locator(".former-members")).to_contain_text(people[3][0])
    page.fill("#stichtag", "2025-12-31")
    page.click("form.stichtag-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"stichtag=2025-12-31"))
    expect(page.locator("#stichtag-note")).to_contain_text("31.12.2025")
    expect(page.locator("#members tbody tr")).to_have_count(4)
    expect(page.locator("#composition .composition-warning")).to_have_count(2)
    shot("as-of-date")

    # --- the person page shows the seat
    page.goto(body_url)
    page.locator("#members tbody tr").first.locator("a[href*='/personen/']").first.click()
    # the person may hold seats elsewhere too (another journey gives demo persons seats): the new one is listed
    expect(page.locator("#seats .seat-current", has_text=BODY_NAME)).to_have_count(1)
    shot("person-seats")

    # --- the process structure, printable
    page.goto("/gremien/struktur")
    expect(page.locator(".structure-body", has_text=BODY_NAME)).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    shot("structure-print")
    page.emulate_media(media="screen")
    assert page.js_errors == []


def test_viewer_sees_bodies_but_no_change_buttons(page, live_server, log_in, shot):
    log_in("viewer")
    page.click("nav a.nav-link[href$='/gremien']")
    expect(page).to_have_url(re.compile(r"/gremien$"))
    expect(page.locator("main a[href$='/gremien/neu']")).to_have_count(0)
    expect(page.locator("main a[href$='/interessengruppen']")).to_have_count(0)
    assert page.goto("/gremien/neu").status == 403
    assert page.js_errors == []
