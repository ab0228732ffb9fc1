"""Every main page fits a 1280 x 800 laptop and a 1024 x 768 tablet: no sideways scrolling of the
page, no table wider than its box, no word on the project board broken in the middle, and a quick
search drop-down wide enough for the function line. Screenshots of every page and size are kept
(in $BROWSER_SCREENSHOTS or a temp directory) for a look by eye.

The records shown are made here with long, realistic names (a member list with deputies and
resolutions, projects with long compound words); no interest groups, which the network journey counts.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (1024, 768)]
BODY_NAME = "Arbeitskreis Tourismus, Naherholung und Kulturlandschaft im Spessart-Mainland"

# Page problems, as text: the page scrolls sideways, a table is wider than its box.
OVERFLOW_JS = """
() => {
  const problems = [];
  const se = document.scrollingElement;
  if (se.scrollWidth > se.clientWidth) {
    // name the outermost elements that stick out on the right, to know what to fix
    const out = [...document.body.querySelectorAll("*")].filter(el => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > se.clientWidth + 1;
    }).slice(0, 3).map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}#${el.id}`);
    problems.push(`page ${se.scrollWidth} > ${se.clientWidth}: ${out.join(", ")}`);
  }
  for (const table of document.querySelectorAll("main table")) {
    const box = table.parentElement;
    if (table.offsetWidth > box.clientWidth + 1) {
      const head = [...table.querySelectorAll("th")].map(th => th.textContent.trim()).join("|");
      problems.push(`table [${head}] ${table.offsetWidth} > ${box.clientWidth}`);
    }
  }
  return problems;
}
"""

# Words on the board cards that are split over two lines (each word measured with a Range).
BROKEN_WORDS_JS = """
() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest(".board-card, .board .card")) continue;
    const re = /[^\\s\\-–\\/·,]+/g;
    let m;
    while ((m = re.exec(node.textContent))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}
"""


def _seed(live_server) -> dict:
    """A body with eight members, projects with long words, an interaction and a task (made once)."""
    from crm.auth.models import User
    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.interactions import services as interactions
    from crm.network import services as network
    from crm.network.models import Body
    from crm.projects import services as projects

    with live_server.app.app_context():
        try:
            body = db.session.scalar(db.select(Body).where(Body.name == BODY_NAME))
            if body is None:
                body = network.save_body(None, {"name": BODY_NAME, "short_name": "AK Tourismus", "kind": "working_group",
                                                "description": "", "parent_id": None, "quorum_share": 50,
                                                "max_group_share": 49, "min_non_public_share": 50})
                persons = [p for p in db.session.scalars(db.select(Person).order_by(Person.id)).all()
                           if p.primary_affiliation is not None][:16]
                for member, deputy in zip(persons[:8], persons[8:16]):
                    aff = member.primary_affiliation
                    network.add_seat(body, {
                        "person_id": member.id, "organisation_id": aff.organisation_id,
                        "role": "chair" if member is persons[0] else "member", "voting": True,
                        "interest_group_id": None, "deputy_id": deputy.id, "valid_from": date(2023, 1, 1),
                        "valid_to": None, "resolution": "Beschluss der Mitgliederversammlung 2023/01"})
                staff = db.session.scalar(db.select(User).where(User.username == "staff"))
                sponsor = persons[0].primary_affiliation.organisation
                for title, status in [
                    ("Mehrgenerationenbegegnungsstätte mit Dorfgemeinschaftshaus", "advice"),
                    ("Breitbandinfrastrukturausbau im Kahlgrund", "applied"),
                    ("Streuobstwiesenbewirtschaftung Spessart-Mainland", "in_progress"),
                    ("Kulturlandschaftsvermittlung", "dropped"),
                ]:
                    projects.save_project(None, {
                        "title": title, "status": status, "programme": "leader", "project_type": "",
                        "sponsor_organisation_id": sponsor.id, "sponsor_organisation_label": sponsor.name,
                        "total_cost": 250000, "eligible_cost": 200000})
                interaction = interactions.save_interaction(None, {
                    "occurred_at": datetime.now(timezone.utc) - timedelta(days=1), "kind": "talk",
                    "subject": "Abstimmung Förderantrag Mehrgenerationenbegegnungsstätte",
                    "results": "Antragsunterlagen bis Monatsende", "person_ids": [persons[0].id],
                    "persons": [persons[0].id], "organisation_ids": [], "organisations": []}, staff)
                interactions.save_task(None, {"title": "Kostenschätzung für die Mehrgenerationenbegegnungsstätte anfordern",
                                              "due_on": date.today() + timedelta(days=3)}, staff, interaction)
                db.session.commit()
            member = db.session.scalar(db.select(Body).where(Body.name == BODY_NAME)).seats[0].person
            return {"body": body.id, "person": member.id, "organisation": member.primary_affiliation.organisation_id}
        finally:
            db.session.remove()


def _pages(ids: dict) -> list[tuple[str, str]]:
    return [
        ("start", "/"),
        ("persons", "/personen"),
        ("person", f"/personen/{ids['person']}"),
        ("organisations", "/organisationen"),
        ("organisation", f"/organisationen/{ids['organisation']}"),
        ("bodies", "/gremien"),
        ("body", f"/gremien/{ids['body']}"),
        ("projects", "/projekte?status=all"),
        ("board", "/projekte/board"),
        ("interactions", "/interaktionen"),
        ("tasks", "/aufgaben?alle=1"),
        ("import", "/import"),
        ("duplicates", "/duplikate"),
        ("mailing-lists", "/verteiler"),
        ("mailing-list-new", "/verteiler/neu"),
        ("person-history", f"/personen/{ids['person']}/verlauf"),
        ("body-history", f"/gremien/{ids['body']}/verlauf"),
    ]


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_main_pages_fit_without_sideways_scrolling(page, live_server, log_in, screenshot_dir, width, height):
    ids = _seed(live_server)
    page.set_viewport_size({"width": width, "height": height})
    log_in("staff")
    problems = {}
    for name, path in _pages(ids):
        response = page.goto(path)
        assert response.status == 200, path
        page.screenshot(path=str(screenshot_dir / f"layout-{width}x{height}-{name}.png"), full_page=True)
        found = page.evaluate(OVERFLOW_JS)
        if name == "board":
            found += [f"word broken: {w}" for w in page.evaluate(BROKEN_WORDS_JS)]
        if found:
            problems[name] = found
    assert problems == {}, problems
    assert page.js_errors == []


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_quick_search_drop_down_shows_the_function_line(page, live_server, log_in, screenshot_dir, width, height):
    ids = _seed(live_server)
    page.set_viewport_size({"width": width, "height": height})
    log_in("staff")
    from crm.contacts.models import Person
    from crm.extensions import db

    with live_server.app.app_context():
        try:
            last_name = db.session.get(Person, ids["person"]).last_name
        finally:
            db.session.remove()
    if width < 1200:  # the navigation collapses below 1200 px
        page.click("button.navbar-toggler")
    field = page.locator("#quicksearch")
    field.press_sequentially(last_name, delay=20)
    menu = page.locator(".quicksearch-results.show")
    expect(menu).to_be_visible()
    expect(menu.locator("a.dropdown-item").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"layout-{width}x{height}-quicksearch.png"))
    box = menu.bounding_box()
    assert box["width"] >= 320, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    cut = page.evaluate("""() => [...document.querySelectorAll('.quicksearch-results.show .dropdown-item *')]
        .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent.trim())""")
    assert cut == []
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
