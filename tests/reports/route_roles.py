"""Who may use the reports routes (see tests/core/test_routes_by_role.py).

Network picture: everyone logged in reads the graph and the map (names and counts, as in the lists);
only admins replace the municipality shapes.
"""

ROUTES = {
    "reports_network.graph_page": ("viewer", "GET"),
    "reports_network.graph_data": ("viewer", "GET"),
    "reports_network.map_page": ("viewer", "GET"),
    "reports_network.shapes_upload": ("admin", "GET POST"),
}
