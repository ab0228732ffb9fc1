// The network picture: draws the graph of who works with whom with Cytoscape.js (vendored).
// The data comes from the page (#graph-data, the same JSON as /netzwerkbild/daten.json); the list
// below the graph shows everything without JavaScript.
(function () {
  "use strict";
  var box = document.getElementById("network-graph");
  var dataEl = document.getElementById("graph-data");
  if (!box || !dataEl || typeof cytoscape !== "function") { return; }
  var data = JSON.parse(dataEl.textContent);
  var texts = JSON.parse(document.getElementById("graph-texts").textContent);
  var colours = JSON.parse(box.dataset.colours);
  var maxDegree = data.nodes.reduce(function (m, n) { return Math.max(m, n.degree); }, 1);
  // Names of the 25 best-connected nodes are always shown, the others once zoomed in (or on a click).
  var hubs = {};
  data.nodes.slice().sort(function (a, b) { return b.degree - a.degree; }).slice(0, 25)
    .forEach(function (n) { hubs[n.id] = true; });

  var elements = data.nodes.map(function (n) {
    return { group: "nodes", classes: hubs[n.id] ? "hub" : "", data: { id: n.id, label: n.label, kind: n.kind,
      url: n.url, degree: n.degree, size: 14 + 34 * Math.sqrt(n.degree / maxDegree), colour: colours[n.kind] } };
  }).concat(data.edges.map(function (e, i) {
    return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target, kind: e.kind,
      width: Math.min(1 + Math.log2(e.weight), 6) } };
  }));

  var cy = cytoscape({
    container: box,
    elements: elements,
    wheelSensitivity: 0.3,
    minZoom: 0.15,
    maxZoom: 4,
    style: [
      { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
        label: "data(label)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 2, color: "#222",
        "text-outline-color": "#fff", "text-outline-width": 1.5, "min-zoomed-font-size": 11,
        "border-width": 1, "border-color": "#fff" } },
      { selector: "node.hub", style: { "font-size": 11, "font-weight": "bold" } },
      { selector: "node:selected, node.near", style: { "min-zoomed-font-size": 0 } },
      { selector: "node[kind = 'body']", style: { shape: "round-rectangle" } },
      { selector: "node[kind = 'project']", style: { shape: "diamond" } },
      { selector: "node[kind = 'organisation']", style: { shape: "round-triangle" } },
      { selector: "edge", style: { width: "data(width)", "line-color": "#b8c2cc", "curve-style": "haystack",
        opacity: 0.8 } },
      { selector: "edge[kind = 'interaction']", style: { "line-style": "dashed", "line-color": "#8fa3b8" } },
      { selector: ".faded", style: { opacity: 0.15 } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#000" } }
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 60000; },
      idealEdgeLength: function () { return 70; }, nodeOverlap: 20, gravity: 0.6, componentSpacing: 60,
      numIter: data.nodes.length > 300 ? 700 : 2000, fit: true, padding: 24 }
  });

  var panel = document.getElementById("graph-selection");

  function show(node) {
    cy.elements().addClass("faded").removeClass("near");
    node.closedNeighborhood().removeClass("faded").nodes().addClass("near");
    panel.textContent = "";
    var title = document.createElement("h2");
    title.className = "h6";
    var link = document.createElement("a");
    link.href = node.data("url");
    link.textContent = node.data("label");
    link.id = "graph-selected-link";
    title.appendChild(link);
    panel.appendChild(title);
    var kind = document.createElement("div");
    kind.className = "text-muted mb-2";
    kind.textContent = texts.kinds[node.data("kind")];
    panel.appendChild(kind);
    var open = document.createElement("a");
    open.href = node.data("url");
    open.className = "btn btn-sm btn-outline-primary mb-2";
    open.textContent = texts.open;
    panel.appendChild(open);
    var head = document.createElement("div");
    head.className = "fw-semibold";
    head.textContent = texts.connections + " (" + node.degree() + ")";
    panel.appendChild(head);
    var list = document.createElement("ul");
    list.className = "list-unstyled mb-0";
    node.neighborhood("node").sort(function (a, b) { return a.data("label").localeCompare(b.data("label"), "de"); })
      .forEach(function (other) {
        var item = document.createElement("li");
        var a = document.createElement("a");
        a.href = other.data("url");
        a.textContent = other.data("label");
        a.style.borderLeft = "4px solid " + other.data("colour");
        a.style.paddingLeft = "4px";
        item.appendChild(a);
        list.appendChild(item);
      });
    panel.appendChild(list);
  }

  cy.on("tap", "node", function (evt) { show(evt.target); });
  cy.on("tap", function (evt) { if (evt.target === cy) { cy.elements().removeClass("faded near"); } });
  cy.on("dbltap", "node", function (evt) { window.location.href = evt.target.data("url"); });
  box.dataset.rendered = String(cy.nodes().length);
  window.networkGraph = cy;  // for the browser test and the curious
})();
