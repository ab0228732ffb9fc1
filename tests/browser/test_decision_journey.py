"""After a LAG session, in a real browser: the office opens the minutes from the meeting page, corrects
the attendance from the check-in, ticks a conflict of interest, types the votes, sees the check in words,
saves the decision and downloads the minutes as Word."""
import io
import re
from datetime import date, datetime, timezone

import pytest
from docx import Document
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _session(live_server) -> dict:
    """A decision body of ten voting members (four public partners, from the demo region) and a session
    with one vote; seven members checked in at the door."""
    from sqlalchemy import select

    from crm.contacts.models import Organisation, Person
    from crm.extensions import db
    from crm.meetings import services
    from crm.meetings.models import AgendaItem
    from crm.network.models import Body, Seat

    with live_server.app.app_context():
        try:
            persons = list(db.session.scalars(select(Person).order_by(Person.id).limit(10)))
            public = db.session.scalar(select(Organisation).where(Organisation.sector == "public"))
            society = db.session.scalar(select(Organisation).where(Organisation.sector == "civil_society"))
            body = Body(name="LAG-Entscheidungsgremium (Protokolltest)", kind="lag_decision")
            db.session.add(body)
            for i, person in enumerate(persons):
                db.session.add(Seat(body=body, person=person, organisation=public if i < 4 else society, voting=True,
                                    valid_from=date(2024, 1, 1)))
            db.session.flush()
            meeting = services.save_meeting(None, {
                "title": "Sitzung zur Projektauswahl", "kind": "session", "body_id": body.id, "location": "Pfarrsaal",
                "starts_at": datetime(2026, 10, 14, 16, 0, tzinfo=timezone.utc),
                "ends_at": datetime(2026, 10, 14, 18, 0, tzinfo=timezone.utc)})
            db.session.add(AgendaItem(meeting=meeting, position=1, title="Projekt Bürgerbus", needs_vote=True))
            for invitee in meeting.invitees:
                invitee.attended = invitee.person_id in {p.id for p in persons[:7]}
            db.session.commit()
            return {"meeting": meeting.id, "late": persons[7].id, "late_name": persons[7].full_name,
                    "conflicted": persons[0].id, "conflicted_name": persons[0].full_name}
        finally:
            db.session.remove()


def test_office_records_a_decision_and_downloads_the_minutes(page, live_server, log_in, shot):
    data = _session(live_server)
    log_in("staff")
    page.goto(f"/termine/{data['meeting']}")
    page.get_by_role("link", name="Protokoll", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Protokoll: Sitzung zur Projektauswahl")
    item = page.locator("section.card").filter(has_text="Projekt Bürgerbus")
    # seven ticked from the check-in; one came late without checking in
    expect(item.locator("input[name=present]:checked")).to_have_count(7)
    item.locator(f"input[name=present][value='{data['late']}']").check()
    item.locator(f"input[name=conflicted][value='{data['conflicted']}']").check()
    item.get_by_label("Ja").fill("5")
    item.get_by_label("Nein").fill("1")
    item.get_by_label("Enthaltungen").fill("1")
    item.get_by_role("button", name="Prüfen").click()
    check = page.locator(".decision-check")
    expect(check).to_contain_text("Beschlussfähig: 8 von 10 stimmberechtigten Mitgliedern anwesend (80 %).")
    expect(check).to_contain_text(f"ausgeschlossen: 1 Mitglied ({data['conflicted_name']})")
    expect(check).to_contain_text("Ergebnis: angenommen mit 5 Ja, 1 Nein, 1 Enthaltung.")
    shot("check")
    # too many votes: refused, with the numbers
    item = page.locator("section.card").filter(has_text="Projekt Bürgerbus")
    item.get_by_label("Ja").fill("7")
    item.get_by_role("button", name="Beschluss speichern").click()
    expect(page.locator(".alert-danger")).to_contain_text("9 Stimmen, aber nur 7")
    item = page.locator("section.card").filter(has_text="Projekt Bürgerbus")
    item.get_by_label("Ja").fill("5")
    item.get_by_role("button", name="Beschluss speichern").click()
    expect(page.locator(".alert-success").first).to_contain_text("Beschluss gespeichert: angenommen")
    expect(page.locator(".stored-check")).to_contain_text("8 von 10")
    shot("saved")

    with page.expect_download() as download:
        page.get_by_role("link", name="Protokoll als Word").click()
    doc = Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Protokoll: Sitzung zur Projektauswahl" in text
    assert "14. Oktober 2026" in text
    assert data["late_name"] in text
    assert "Beschluss: angenommen" in text
    assert re.search(r"Beschlussfähig: 8 von 10", text)
