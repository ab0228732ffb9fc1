"""The network picture's graph: nodes and edges of a hand-built region, exactly; filters; the cut; the page."""
from datetime import date

import pytest

from crm.reports.graph import GraphFilter, build_graph
from tests.reports.network_fixture import build_region


@pytest.fixture
def region(app, make_org, make_person, make_function):
    return build_region(make_org, make_person, make_function)


def _edges(graph) -> set:
    return {(frozenset((e["source"], e["target"])), e["kind"], e["weight"]) for e in graph.edges}


def _expect(region, *edges) -> set:
    return {(frozenset((region.node(a), region.node(b))), kind, weight) for a, b, kind, weight in edges}


def _nodes(graph) -> set:
    return {n["id"] for n in graph.nodes}


def test_today_the_graph_has_current_functions_seats_projects_and_shared_interactions(app, region):
    with app.test_request_context():
        graph = build_graph(GraphFilter())
    assert _nodes(graph) == {region.node(n) for n in
                             ("anna", "bert", "clara", "verein", "firma", "astadt", "body", "museum")}
    assert _edges(graph) == _expect(
        region,
        ("anna", "verein", "function", 1), ("bert", "verein", "function", 1), ("bert", "firma", "function", 1),
        ("clara", "astadt", "function", 1),
        ("anna", "body", "seat", 1), ("verein", "body", "seat", 1), ("clara", "body", "seat", 1),
        ("astadt", "body", "seat", 1),
        ("anna", "museum", "project", 1), ("verein", "museum", "project", 1), ("bert", "museum", "project", 1),
        ("anna", "bert", "interaction", 2), ("anna", "clara", "interaction", 1), ("bert", "clara", "interaction", 1),
    )
    assert not graph.truncated and graph.total_nodes == 8 and graph.total_edges == 14
    anna = next(n for n in graph.nodes if n["id"] == region.node("anna"))
    assert anna == {"id": region.node("anna"), "kind": "person", "label": "Anna Acker", "degree": 5,
                    "url": f"/personen/{region.ids['anna'][1]}"}
    labels = {n["label"] for n in graph.nodes}
    assert {"LAG-Entscheidungsgremium", "Dorfmuseum Astadt", "Heimatverein Astadt"} <= labels
    # the archived person and project, and the former employee, are no nodes
    assert not {region.node("ernst"), region.node("old"), region.node("dieter")} & _nodes(graph)


def test_a_period_shows_what_was_active_then(app, region):
    with app.test_request_context():
        graph = build_graph(GraphFilter(start=date(2022, 1, 1), end=date(2022, 12, 31)))
    assert _edges(graph) == _expect(
        region,
        ("anna", "verein", "function", 1), ("bert", "verein", "function", 1), ("bert", "firma", "function", 1),
        ("clara", "astadt", "function", 1), ("dieter", "firma", "function", 1),
        ("bert", "body", "seat", 1),
    )
    with app.test_request_context():
        spring_2025 = build_graph(GraphFilter(start=date(2025, 4, 1), end=date(2025, 5, 31),
                                              kinds=frozenset({"person"})))
    assert _edges(spring_2025) == _expect(region, ("anna", "bert", "interaction", 1))


def test_the_field_of_action_keeps_the_connections_in_it(app, region):
    culture, economy = region.ids["culture"][1], region.ids["economy"][1]
    with app.test_request_context():
        in_culture = build_graph(GraphFilter(field_id=culture))
        in_economy = build_graph(GraphFilter(field_id=economy))
    assert _edges(in_culture) == _expect(
        region,
        ("anna", "museum", "project", 1), ("verein", "museum", "project", 1), ("bert", "museum", "project", 1),
        ("anna", "bert", "interaction", 1), ("anna", "clara", "interaction", 1), ("bert", "clara", "interaction", 1),
    )
    assert _edges(in_economy) == _expect(
        region,
        ("anna", "body", "seat", 1), ("verein", "body", "seat", 1), ("clara", "body", "seat", 1),
        ("astadt", "body", "seat", 1),
    )


def test_node_kinds_filter_drops_the_others_and_their_edges(app, region):
    with app.test_request_context():
        graph = build_graph(GraphFilter(kinds=frozenset({"person", "organisation"})))
    assert {n["kind"] for n in graph.nodes} == {"person", "organisation"}
    assert _edges(graph) == _expect(
        region,
        ("anna", "verein", "function", 1), ("bert", "verein", "function", 1), ("bert", "firma", "function", 1),
        ("clara", "astadt", "function", 1),
        ("anna", "bert", "interaction", 2), ("anna", "clara", "interaction", 1), ("bert", "clara", "interaction", 1),
    )


def test_a_large_network_is_cut_to_the_best_connected_nodes(app, region):
    with app.test_request_context():
        graph = build_graph(GraphFilter(limit=3))
    # degrees: Anna 5, Bert 5, then Clara, the Verein and the body with 4 each (ties: bodies first)
    assert _nodes(graph) == {region.node("anna"), region.node("bert"), region.node("body")}
    assert _edges(graph) == _expect(region, ("anna", "bert", "interaction", 2), ("anna", "body", "seat", 1))
    assert graph.truncated and graph.total_nodes == 8
    assert graph.as_json()["truncated"] is True


def test_the_json_endpoint_and_its_filters(client, login, region):
    login("viewer")
    data = client.get("/netzwerkbild/daten.json?kind=person&kind=project").get_json()
    assert {n["id"] for n in data["nodes"]} == {region.node(n) for n in ("anna", "bert", "clara", "museum")}
    assert {e["kind"] for e in data["edges"]} == {"project", "interaction"}
    assert data["truncated"] is False and data["problems"] == []
    refused = client.get("/netzwerkbild/daten.json?von=2025-01-01&bis=2024-01-01").get_json()
    assert refused["problems"] and refused["total_nodes"] == 8  # the period is left out, the graph is today's


def test_the_page_shows_the_graph_and_the_same_as_a_list_in_german(client, login, region):
    login("viewer")
    html = client.get("/netzwerkbild?limit=10").get_data(as_text=True)
    assert "Netzwerkbild" in html and "Wer mit wem" in html and "Legende" in html
    assert 'id="network-graph"' in html and "vendor/cytoscape/cytoscape.min.js" in html
    assert "Das Netzwerk als Liste" in html
    assert f'<a href="/personen/{region.ids["anna"][1]}">Anna Acker</a>' in html
    assert "Gremium" in html and "Projekt" in html
    assert "8 Knoten, 14 Verbindungen." in html
    bad = client.get("/netzwerkbild?von=2025-01-01&bis=2024-01-01").get_data(as_text=True)
    assert "Das Ende des Zeitraums liegt vor seinem Beginn" in bad


def test_the_cut_is_said_on_the_page(client, login, region, make_org, make_person):
    org = make_org("Großverein")
    for i in range(12):
        make_person(f"Mitglied{i:02d}", "Max", gender="male", organisation=org)
    login("viewer")
    html = client.get("/netzwerkbild?limit=10").get_data(as_text=True)
    assert "Das Netzwerk hat 21 Knoten; gezeigt werden die 10 am stärksten vernetzten." in html


def test_the_number_of_queries_does_not_grow_with_the_network(client, login, region, make_org, make_person,
                                                               count_queries):
    login("viewer")
    url = "/netzwerkbild/daten.json?limit=600"

    def selects() -> int:
        with count_queries.recording() as statements:
            assert client.get(url).status_code == 200
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))  # not the test's savepoints

    small = selects()
    org = make_org("Großverein")
    for i in range(40):
        make_person(f"Mitglied{i:02d}", "Max", gender="male", organisation=org)
    assert len(client.get(url).get_json()["nodes"]) == 8 + 41
    assert selects() == small
