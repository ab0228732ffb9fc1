"""The network picture in a real browser: the graph of who works with whom is drawn (Cytoscape.js on a
canvas, served from the app), a click on a node offers its page; the map shows the demo region's
municipalities coloured by activity, and a click on one opens its contacts.

Selectors avoid button texts (German or English, depending on the compiled catalogue).
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (1024, 768)]


def _demo_shapes(live_server) -> None:
    """The demo region's shapes (the browser tests' region is seeded without the parts' demo data)."""
    from crm.extensions import db
    from crm.reports import municipality_map

    with live_server.app.app_context():
        try:
            if municipality_map.current_map() is None:
                municipality_map.generate_demo_shapes(seed=3)
                db.session.commit()
        finally:
            db.session.remove()


def test_the_graph_is_drawn_and_a_node_leads_to_its_page(page, log_in, shot):
    log_in("viewer")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/netzwerkbild")
        graph = page.locator("#network-graph")
        expect(graph).to_have_attribute("data-rendered", re.compile(r"^[1-9]\d*$"))
        expect(graph.locator("canvas").first).to_be_attached()
        drawn = page.evaluate("() => window.networkGraph.nodes().length")
        listed = page.locator("#graph-list li").count()
        assert drawn == listed > 20  # the list says the same as the picture
        # the nodes lie inside the visible box after the layout
        box = page.evaluate("() => { const b = window.networkGraph.nodes().renderedBoundingBox(); "
                            "const c = document.getElementById('network-graph'); "
                            "return [b.x1, b.y1, b.x2, b.y2, c.clientWidth, c.clientHeight]; }")
        assert box[0] >= -5 and box[1] >= -5 and box[2] <= box[4] + 5 and box[3] <= box[5] + 5
        shot(f"graph-{width}")
    assert not page.js_errors

    # a click on the best-connected node shows its connections and the link to its page
    x, y = page.evaluate("() => { const n = window.networkGraph.nodes().max(n => n.degree()).ele; "
                         "const p = n.renderedPosition(); const b = document.getElementById('network-graph')"
                         ".getBoundingClientRect(); return [b.left + p.x, b.top + p.y]; }")
    page.mouse.click(x, y)
    link = page.locator("#graph-selected-link")
    expect(link).to_be_visible()
    name = link.inner_text()
    shot("graph-node-clicked")
    link.click()
    expect(page.locator("h1")).to_contain_text(name)


def test_the_map_shows_the_municipalities_coloured_by_activity(page, log_in, shot, live_server):
    _demo_shapes(live_server)
    log_in("viewer")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/netzwerkbild/karte")
        shapes = page.locator("#municipality-map path")
        expect(shapes.first).to_be_visible()
        assert shapes.count() == 28  # every demo municipality has its shape
        fills = set(page.eval_on_selector_all("#municipality-map path", "els => els.map(e => e.getAttribute('fill'))"))
        legend = set(page.eval_on_selector_all("#map-legend .legend-box", "els => els.map(e => e.style.background)"))
        # every demo municipality has contacts: coloured, none grey, in colours of the legend ("none" + classes)
        assert fills and "#eeeeee" not in fills and len(legend) >= 2
        assert page.locator("#map-table tbody tr").count() == 28
        shot(f"map-{width}")
    page.select_option("#f-mass", "projects")
    page.locator("form.no-print button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"mass=projects"))
    shot("map-projects")

    first = page.locator("#municipality-map a").first
    value = first.locator("path").get_attribute("data-value")
    page.goto("/netzwerkbild/karte")
    first = page.locator("#municipality-map a").first
    municipality = first.get_attribute("aria-label").split(":")[0]
    first.click()
    expect(page).to_have_url(re.compile(r"/personen\?municipality=\d+"))
    shot("map-municipality-contacts")
    assert municipality and value is not None
    assert not page.js_errors
