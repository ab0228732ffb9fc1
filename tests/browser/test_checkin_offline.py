"""The door of a village hall without network, in a real browser: the check-in page is opened once
online (the service worker keeps it), the network goes, three people are checked in (one of them a
walk-in), the page shows three entries waiting, survives a reload without network, and sends them
when the network is back: exactly three check-ins on the server, also when the first answer is lost
on the way and the tablet sends everything again."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

GUESTS = 12


def _meeting(live_server) -> tuple[int, list[str]]:
    """A network meeting with twelve invited guests (once per run); their names in list order."""
    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.meetings import services
    from crm.meetings.models import Meeting

    with live_server.app.app_context():
        try:
            meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Netzwerktreffen Dorfläden"))
            if meeting is None:
                persons = db.session.scalars(select(Person).where(
                    Person.archived_at.is_(None), Person.contact_objection.is_(False)).order_by(Person.id)
                    .limit(GUESTS)).all()
                meeting = services.save_meeting(None, {
                    "title": "Netzwerktreffen Dorfläden", "kind": "network", "location": "Pfarrsaal Mömlingen",
                    "starts_at": datetime.now(timezone.utc) + timedelta(minutes=30)})
                services.invite(meeting, person_ids=[p.id for p in persons])
                db.session.commit()
            return meeting.id, [i.person.full_name for i in services.invitees_of(meeting)]
        finally:
            db.session.remove()


def _server_state(live_server, meeting_id: int) -> dict:
    from sqlalchemy import func, select

    from crm.extensions import db
    from crm.meetings.models import CheckIn, Invitee

    with live_server.app.app_context():
        try:
            return {
                "check_ins": db.session.scalar(select(func.count()).select_from(CheckIn)
                                               .where(CheckIn.meeting_id == meeting_id)),
                "present": sorted(db.session.scalars(select(Invitee).where(
                    Invitee.meeting_id == meeting_id, Invitee.attended.is_(True))).all(),
                    key=lambda i: i.id).__len__(),
                "walk_ins": [i.person.full_name for i in db.session.scalars(select(Invitee).where(
                    Invitee.meeting_id == meeting_id, Invitee.source == "walk_in"))],
            }
        finally:
            db.session.remove()


def _row(page, name: str):
    return page.locator(".checkin-row", has=page.locator(".checkin-name", has_text=re.compile(f"^{re.escape(name)}$")))


def test_check_in_without_network_and_send_when_it_is_back(page, live_server, log_in, shot):
    meeting_id, names = _meeting(live_server)
    assert len(names) == GUESTS
    context = page.context
    log_in("staff")
    page.goto(f"/termine/{meeting_id}/check-in")
    expect(page.locator("#checkin[data-ready=true]")).to_be_attached()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # this page is served through it
    expect(page.locator("#checkin-counts")).to_have_text(f"0 von {GUESTS} anwesend")
    expect(page.locator("#checkin-sync")).to_have_text("Alles übertragen")
    expect(page.locator(".checkin-row")).to_have_count(GUESTS)
    box = page.locator(".checkin-row").first.bounding_box()
    assert box["height"] >= 48  # a finger's target

    # the village hall: no network
    context.set_offline(True)
    page.locator("#checkin-search").fill(names[3].split()[-1][:4])
    _row(page, names[3]).click()
    page.locator("#checkin-search").fill("")
    _row(page, names[7]).click()
    page.fill("#walkin-last", "Zirngibl")
    page.fill("#walkin-first", "Theresia")
    page.fill("#walkin-org", "Müller & Söhne <GmbH>")
    page.click("#walkin-form button[type=submit]")
    expect(page.locator("#checkin-sync")).to_contain_text("3 Einträge warten auf Übertragung")
    expect(page.locator("#checkin-counts")).to_have_text(f"3 von {GUESTS + 1} anwesend")
    expect(_row(page, "Theresia Zirngibl")).to_have_attribute("aria-pressed", "true")
    assert _server_state(live_server, meeting_id)["check_ins"] == 0
    shot("offline-three-waiting")

    # a reload without network: the page, its script and its list come from the service worker,
    # the three taps from the device's queue
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert response.headers.get("x-checkin-cache") == "offline"  # the kept copy, not the network
    expect(page.locator("#checkin[data-ready=true]")).to_be_attached()
    expect(page.locator("#checkin-sync")).to_contain_text("3 Einträge warten auf Übertragung")
    expect(page.locator("#checkin-sync")).to_contain_text("Kein Netz")
    expect(page.locator(".checkin-row")).to_have_count(GUESTS + 1)
    expect(_row(page, names[3])).to_have_attribute("aria-pressed", "true")
    expect(_row(page, names[7])).to_have_attribute("aria-pressed", "true")
    assert _server_state(live_server, meeting_id)["check_ins"] == 0

    # the network comes back, but the first answer is lost on the way: the server has saved the
    # three entries, the tablet does not know it and keeps them
    lost = []

    def lose_the_answer(route):
        route.fetch()  # reaches the server
        lost.append(route.request.post_data_json)
        route.abort("connectionreset")

    context.route(re.compile(r".*/check-in/sync$"), lose_the_answer)
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('checkin-sync').textContent.includes('fehlgeschlagen')")
    assert len(lost) == 1 and len(lost[0]["entries"]) == 3
    expect(page.locator("#checkin-sync")).to_contain_text("3 Einträge warten auf Übertragung")
    state = _server_state(live_server, meeting_id)
    assert state["check_ins"] == 3 and state["present"] == 3

    # the next try (the tablet sends again on "online" and every 15 s): nothing doubles
    context.unroute(re.compile(r".*/check-in/sync$"))
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#checkin-sync")).to_have_text("Alles übertragen")
    expect(page.locator("#checkin-counts")).to_have_text(f"3 von {GUESTS + 1} anwesend")
    state = _server_state(live_server, meeting_id)
    assert state == {"check_ins": 3, "present": 3, "walk_ins": ["Theresia Zirngibl"]}
    shot("all-sent")

    # sent once more by hand (a second tab, an old queue): every entry is known, nothing added
    again = page.evaluate("""(entries) => fetch(document.getElementById('checkin').dataset.syncUrl, {
        method: 'POST', headers: {'Content-Type': 'application/json',
        'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify(entries)}).then(r => r.json())""", lost[0])
    assert [r["status"] for r in again["results"]] == ["known"] * 3
    page.reload()
    expect(page.locator("#checkin[data-ready=true]")).to_be_attached()
    expect(page.locator("#checkin-counts")).to_have_text(f"3 von {GUESTS + 1} anwesend")
    assert _server_state(live_server, meeting_id) == state

    # a tap taken back: asked first, then sent
    _row(page, names[3]).click()
    expect(page.locator("#checkin-dialog")).to_contain_text(f"Anmeldung von {names[3]} zurücknehmen?")
    with page.expect_response(re.compile(r".*/check-in/sync$")) as answer:
        page.click("#checkin-dialog-yes")
    assert [r["status"] for r in answer.value.json()["results"]] == ["saved"]
    expect(page.locator("#checkin-sync")).to_have_text("Alles übertragen")
    expect(page.locator("#checkin-counts")).to_have_text(f"2 von {GUESTS + 1} anwesend")
    assert _server_state(live_server, meeting_id)["present"] == 2

    # logging out leaves no guest list on the tablet: the offline copy and the service worker go
    stored = "() => caches.keys().then((names) => names.filter((n) => n.startsWith('regionetz-checkin-')))"
    workers = "() => navigator.serviceWorker.getRegistrations().then((r) => r.length)"
    assert page.evaluate(stored) and page.evaluate(workers)
    page.locator(".user-menu").click()
    page.get_by_role("button", name="Abmelden").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    assert page.evaluate(stored) == [] and page.evaluate(workers) == 0
    assert not page.js_errors
