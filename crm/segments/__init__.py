"""Verteiler (saved target groups): dynamic filters and fixed lists, the selection in the contact
lists, and the recipient resolution that exports, letters, invitations and campaigns share."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.segments import demo, views
    from crm.segments.models import SEGMENT_KINDS

    registry.blueprint(views.bp)
    registry.nav("segments.segment_list", _l("Mailing lists"), order=45, prefix="segments.", menu="more")

    # The selection bar (tick contacts, put them on a list, export them) and the Verteiler as an
    # export source, on the contact lists of crm/contacts.
    registry.detail_section("person_list", "segments/_selection_bar.html", views.person_selection_bar)
    registry.detail_section("organisation_list", "segments/_selection_bar.html", views.organisation_selection_bar)
    registry.detail_section("person_export_menu", "segments/_export_menu.html", views.person_export_menu)
    registry.detail_section("organisation_export_menu", "segments/_export_menu.html", views.organisation_export_menu)

    registry.labels(
        entities={"segment": _l("Mailing list")},
        fields={"segment.kind": _l("Kind"), "filter_summary": _l("Conditions"), "owner_id": _l("Owner"),
                "members_added": _l("Added"), "members_removed": _l("Removed"), "member_count": _l("Members")},
        values={"segment.kind": SEGMENT_KINDS},
        record_urls={"segment": lambda i: url_for("segments.segment_detail", segment_id=i)},
    )
    registry.demo_data(demo.generate_segments, order=70)
