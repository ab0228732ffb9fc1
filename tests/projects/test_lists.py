"""Project list (filters, sorting, pages, sums) and the board by status."""
import re
from decimal import Decimal

import pytest

from crm.extensions import db
from crm.projects.models import Project


def titles(html: str) -> list[str]:
    """Project titles in list order."""
    body = html.split('<tbody>')[1].split('</tbody>')[0] if '<tbody>' in html else ""
    return re.findall(r'<a class="fw-semibold" href="/projekte/\d+">([^<]*)</a>', body)


def column(html: str, status: str) -> str:
    return html.split(f'id="column-{status}"')[1].split("</section>")[0]


@pytest.fixture
def region(make_org, make_person, make_project, make_field):
    """A few projects across statuses, programmes, sponsors and fields."""
    kleinwallstadt = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", ags="09676139")
    naturpark = make_org("Naturpark Spessart e.V.")
    farmer = make_person("Hofmann", "Georg", "male")
    basic = make_field("Daseinsvorsorge", 1)
    tourism = make_field("Tourismus und Naherholung", 0)
    projects = {
        "shop": make_project("Dorfladen Kleinwallstadt", status="advice", programme="leader",
                             sponsor_organisation=kleinwallstadt, fields_of_action=[basic],
                             total_cost=Decimal("420000"), funding_amount=Decimal("200000")),
        "trail": make_project("Streuobst-Erlebnispfad", status="applied", programme="leader",
                              sponsor_organisation=naturpark, fields_of_action=[tourism], cooperation="regional",
                              total_cost=Decimal("85000"), funding_amount=Decimal("48000")),
        "cold": make_project("Kühlzelle für den Hofladen", status="idea", programme="ile_regionalbudget",
                             sponsor_person=farmer, total_cost=Decimal("18000"), funding_amount=Decimal("10000")),
        "route": make_project("Kulturerbe Main–Donau", status="in_progress", programme="leader",
                              cooperation="transnational", fields_of_action=[tourism],
                              description="Gemeinsame Route historischer Handelswege mit Österreich"),
        "dropped": make_project("Mehrgenerationentreff Amorbach", status="dropped", programme="other"),
    }
    return {"projects": projects, "kleinwallstadt": kleinwallstadt, "farmer": farmer, "tourism": tourism}


def test_default_order_follows_the_pipeline(client, login, region):
    login("viewer")
    html = client.get("/projekte?status=all").get_data(as_text=True)
    assert titles(html) == ["Kühlzelle für den Hofladen", "Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad",
                            "Kulturerbe Main–Donau", "Mehrgenerationentreff Amorbach"]
    assert "420.000,00\u00a0€" in html and "200.000,00\u00a0€" in html


def test_list_and_its_sums_leave_out_dropped_projects_by_default(client, login, region, make_project):
    login("viewer", locale="de")
    make_project("Freibad Amorbach", status="dropped", total_cost=Decimal("900000"), funding_amount=Decimal("450000"))
    html = client.get("/projekte").get_data(as_text=True)
    assert "Mehrgenerationentreff Amorbach" not in titles(html) and "Freibad Amorbach" not in titles(html)
    assert "Summe aller 4 passenden Projekte" in html
    assert "523.000,00\u00a0€" in html.split('id="sum-total-cost"')[1][:40]
    assert "alle außer verworfenen" in html
    everything = client.get("/projekte?status=all").get_data(as_text=True)
    assert "1.423.000,00\u00a0€" in everything.split('id="sum-total-cost"')[1][:40]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=advice", ["Dorfladen Kleinwallstadt"]),
        ("status=open", ["Kühlzelle für den Hofladen", "Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad",
                         "Kulturerbe Main–Donau"]),
        ("programme=ile_regionalbudget", ["Kühlzelle für den Hofladen"]),
        ("cooperation=any", ["Streuobst-Erlebnispfad", "Kulturerbe Main–Donau"]),
        ("cooperation=transnational", ["Kulturerbe Main–Donau"]),
        ("cooperation=none&status=open", ["Kühlzelle für den Hofladen", "Dorfladen Kleinwallstadt"]),
        ("q=dorfladen", ["Dorfladen Kleinwallstadt"]),
        ("q=kuehlzelle", ["Kühlzelle für den Hofladen"]),  # umlauts folded
        ("q=osterreich", ["Kulturerbe Main–Donau"]),  # in the description
        ("q=Hofmann", ["Kühlzelle für den Hofladen"]),  # the sponsor's name
        ("q=naturpark", ["Streuobst-Erlebnispfad"]),
        ("q=100%25", []),  # LIKE wildcards are taken literally
        ("status=nonsense", ["Kühlzelle für den Hofladen", "Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad",
                             "Kulturerbe Main–Donau"]),
        ("status=all", ["Kühlzelle für den Hofladen", "Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad",
                        "Kulturerbe Main–Donau", "Mehrgenerationentreff Amorbach"]),
        ("status=dropped", ["Mehrgenerationentreff Amorbach"]),
    ],
)
def test_filters(client, login, region, query, expected):
    login("viewer")
    assert titles(client.get(f"/projekte?{query}").get_data(as_text=True)) == expected


def test_filter_by_field_of_action_and_sponsor(client, login, region):
    login("viewer")
    html = client.get(f"/projekte?field={region['tourism'].id}").get_data(as_text=True)
    assert titles(html) == ["Streuobst-Erlebnispfad", "Kulturerbe Main–Donau"]
    html = client.get(f"/projekte?sponsor=organisation:{region['kleinwallstadt'].id}").get_data(as_text=True)
    assert titles(html) == ["Dorfladen Kleinwallstadt"]
    html = client.get(f"/projekte?sponsor=person:{region['farmer'].id}").get_data(as_text=True)
    assert titles(html) == ["Kühlzelle für den Hofladen"]
    # the sponsor filter offers exactly the sponsors in use
    options = re.findall(r'<option value="(organisation|person):\d+"[^>]*>([^<]*)</option>', html)
    assert sorted(name for _kind, name in options) == ["Georg Hofmann", "Markt Kleinwallstadt",
                                                       "Naturpark Spessart e.V."]


@pytest.mark.parametrize(
    "sort, expected_first",
    [
        ("title", ["Dorfladen Kleinwallstadt", "Kühlzelle für den Hofladen", "Kulturerbe Main–Donau"]),
        ("funding", ["Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad", "Kühlzelle für den Hofladen"]),
        ("cost", ["Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad", "Kühlzelle für den Hofladen"]),
        ("sponsor", ["Kühlzelle für den Hofladen", "Dorfladen Kleinwallstadt", "Streuobst-Erlebnispfad"]),
    ],
)
def test_sorting(client, login, region, sort, expected_first):
    login("viewer")
    assert titles(client.get(f"/projekte?sort={sort}").get_data(as_text=True))[:3] == expected_first


def test_sums_cover_every_matching_project_not_just_the_page(client, login, make_project):
    login("viewer")
    for i in range(55):
        make_project(f"Projekt {i:02d}", total_cost=Decimal("1000"), funding_amount=Decimal("500.50"))
    first = client.get("/projekte?sort=title").get_data(as_text=True)
    assert len(titles(first)) == 50 and titles(first)[0] == "Projekt 00"
    assert "55.000,00\u00a0€" in first.split('id="sum-total-cost"')[1][:40]
    assert "27.527,50\u00a0€" in first.split('id="sum-funding"')[1][:40]
    second = client.get("/projekte?sort=title&page=2").get_data(as_text=True)
    assert titles(second) == [f"Projekt {i}" for i in range(50, 55)]


def test_board_shows_every_status_with_cards_and_move_buttons(client, login, region):
    login("staff")
    html = client.get("/projekte/board").get_data(as_text=True)
    for status in ("idea", "advice", "selected", "applied", "approved", "in_progress", "done", "dropped"):
        assert f'id="column-{status}"' in html
    advice = column(html, "advice")
    shop = region["projects"]["shop"]
    assert "Dorfladen Kleinwallstadt" in advice and "Markt Kleinwallstadt" in advice and "200.000\u00a0€" in advice
    moves = re.findall(r'name="status" value="(\w+)"', advice)
    assert moves == ["idea", "selected"]
    assert f'action="/projekte/{shop.id}/status"' in advice
    assert 'name="csrf_token"' in advice
    idea = column(html, "idea")
    assert re.findall(r'name="status" value="(\w+)"', idea) == ["advice"]  # no step back from the first
    assert 'name="status"' not in column(html, "dropped")  # dropped projects are reopened on their page
    assert "none" in column(html, "done")


def test_board_filters_keep_every_column(client, login, region):
    login("viewer")
    html = client.get("/projekte/board?programme=leader&status=advice").get_data(as_text=True)
    assert "Streuobst-Erlebnispfad" in column(html, "applied")  # the status filter does not apply
    assert "Kühlzelle" not in html.split('class="project-board"')[1]
    assert 'id="f-status"' not in html


def test_moving_a_card_on_the_board_returns_to_the_board(client, login, region):
    login("staff")
    shop = region["projects"]["shop"]
    response = client.post(f"/projekte/{shop.id}/status", data={"status": "selected",
                                                                "next": "/projekte/board?programme=leader"})
    assert response.headers["Location"].endswith("/projekte/board?programme=leader")
    html = client.get("/projekte/board?programme=leader").get_data(as_text=True)
    assert "Dorfladen Kleinwallstadt" in column(html, "selected")
    assert "Dorfladen Kleinwallstadt" not in column(html, "advice")


@pytest.mark.parametrize("url", ["/projekte", "/projekte/board"])
def test_list_and_board_do_not_query_per_project(client, count_queries, login, make_org, make_person, make_field, make_project,
                                                 url):
    login("viewer")
    field = make_field("Daseinsvorsorge")

    def add(n, start):
        for i in range(start, start + n):
            sponsor = {"sponsor_organisation": make_org(f"Verein {i}")} if i % 2 else {
                "sponsor_person": make_person(f"Person{i}")}
            make_project(f"P{i}", fields_of_action=[field], funding_amount=Decimal(i), **sponsor)

    add(3, 0)
    few = count_queries(url)
    add(20, 3)
    assert count_queries(url) == few


def test_person_and_organisation_sections_do_not_break_on_many_projects(client, login, make_org, make_person,
                                                                         make_project):
    login("viewer")
    org = make_org("Markt Kleinwallstadt", kind="municipality", sector="public", ags="09676139")
    for i in range(12):
        make_project(f"Projekt {i}", sponsor_organisation=org, status="idea" if i % 2 else "done")
    html = client.get(f"/organisationen/{org.id}").get_data(as_text=True)
    section = html.split('id="projects"')[1].split("</section>")[0]
    assert section.count("/projekte/") >= 12
    assert section.index("Projekt 1") < section.index("Projekt 0")  # open ones (idea) before done ones


def test_empty_list_says_so(client, login):
    login("viewer")
    assert "No projects recorded yet." in client.get("/projekte").get_data(as_text=True)
    assert "No project matches these filters." in client.get("/projekte?q=nichts").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Project)) == 0


def test_nonsense_filter_values_are_ignored(client, login, region):
    login("viewer")
    html = client.get("/projekte?field=99999999999999999999&sponsor=person:99999999999999999999&sort=x&page=1"
                      ).get_data(as_text=True)
    assert len(titles(html)) == 4  # every project but the dropped one, as by default
