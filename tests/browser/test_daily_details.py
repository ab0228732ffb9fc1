"""Small things of daily use in a real browser: ending a function asks first (cancel keeps it), the
seat form takes the represented organisation from the person's current function, and pages load
without a console error (the favicon is there)."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _make_office_holder(live_server, last_name: str, org_name: str) -> tuple[int, int]:
    """(person id, organisation id) of a new person with a current function at a new organisation."""
    from crm.contacts.models import Affiliation, Organisation, Person
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            org = Organisation(name=org_name, kind="chamber", sector="economy")
            person = Person(first_name="Hans", last_name=last_name, gender="male")
            db.session.add_all([org, person, Affiliation(person=person, organisation=org, valid_from=date(2022, 1, 1),
                                                          is_primary=True)])
            db.session.commit()
            return person.id, org.id
        finally:
            db.session.remove()


def _end_date(live_server, person_id: int):
    from crm.contacts.models import Affiliation
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            return db.session.scalar(db.select(Affiliation.valid_to).where(Affiliation.person_id == person_id))
        finally:
            db.session.remove()


def test_ending_a_function_asks_first(page, live_server, log_in):
    person_id, _org = _make_office_holder(live_server, "Quandtmeier", "Handwerkskammer Unterfranken")
    log_in("staff")
    page.goto(f"/personen/{person_id}")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("form.end-function button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/personen/{person_id}$"))
    assert messages and "Handwerkskammer Unterfranken" in messages[0] and "beenden?" in messages[0]
    assert _end_date(live_server, person_id) is None  # cancelled: nothing changed

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.end-function button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    assert _end_date(live_server, person_id) is not None


def test_seat_form_fills_the_organisation_from_the_function(page, live_server, log_in):
    from crm.extensions import db
    from crm.network.models import Body

    person_id, org_id = _make_office_holder(live_server, "Zwirnlechner", "IHK Aschaffenburg")
    with live_server.app.app_context():
        try:
            body = Body(name="AK Wirtschaft und Handwerk", kind="working_group")
            db.session.add(body)
            db.session.commit()
            body_id = body.id
        finally:
            db.session.remove()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in("staff")
    page.goto(f"/gremien/{body_id}/sitze/neu")
    page.locator("#person_label").press_sequentially("Zwirnlechner", delay=20)
    option = page.locator(".picker-results.show a.dropdown-item", has_text="Hans Zwirnlechner").first
    expect(option).to_be_visible()
    option.click()
    expect(page.locator("#organisation_label")).to_have_value("IHK Aschaffenburg")
    expect(page.locator("#organisation_id")).to_have_value(str(org_id))
    assert errors == []  # no 404 for a favicon or anything else
