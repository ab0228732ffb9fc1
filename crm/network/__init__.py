"""Bodies of the process structure, their seats and interest groups, and the LEADER composition rules."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.network import demo, timeline, views
    from crm.network.models import BODY_KINDS, SEAT_ROLES

    registry.blueprint(views.bp)
    registry.nav("network.body_list", _l("Bodies"), order=30, prefix="network.")

    registry.detail_section("person", "network/_person_seats.html", views.person_seats_section, order=20)
    registry.detail_section("organisation", "network/_organisation_seats.html", views.organisation_seats_section,
                            order=20)
    registry.timeline_source("person", timeline.seats_taken_and_ended)

    registry.labels(
        entities={"body": _l("Body"), "seat": _l("Seat"), "interest_group": _l("Interest group"),
                  "body_field": _l("Fields of action of a body")},
        decimal_fields={"quorum_share", "max_group_share", "min_non_public_share"},
        fields={
            "body_id": _l("Body"), "description": _l("Description"), "position": _l("Position in lists"),
            "quorum_share": _l("Quorum (%)"), "max_group_share": _l("Maximum share of one interest group (%)"),
            "min_non_public_share": _l("Minimum non-public share (%)"), "voting": _l("Voting right"),
            "interest_group_id": _l("Interest group"), "deputy_id": _l("Deputy"), "resolution": _l("Resolution"),
            "end_resolution": _l("Resolution ending the seat"),
        },
        values={"body.kind": BODY_KINDS, "seat.role": SEAT_ROLES},
        record_urls={"body": lambda i: url_for("network.body_detail", body_id=i)},
    )
    registry.demo_data(demo.generate_bodies, order=20)
