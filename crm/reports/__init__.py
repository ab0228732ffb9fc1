"""Reports: the network picture (who works with whom, the municipalities on a map)."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.reports import municipality_map, network_views

    registry.blueprint(network_views.bp)
    registry.nav("reports_network.graph_page", _l("Network picture"), order=85, menu="more",
                 prefix="reports_network.")
    registry.labels(
        entities={"municipality_map": _l("Municipality map")},
        fields={"filename": _l("File name"), "feature_count": _l("Shapes in the file"),
                "matched_count": _l("Shapes matched to a municipality"), "uploaded_by_id": _l("Uploaded by")},
    )
    # After the contacts (the municipalities and their AGS).
    registry.demo_data(municipality_map.generate_demo_shapes, order=99)
