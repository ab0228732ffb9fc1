"""Data protection (DSGVO, issue 16): objection to contact (Art. 21), access export as JSON and letter
(Art. 15), erasure by anonymisation (Art. 17), the review list of contacts not reviewed or not contacted
for years, and the processing record (Art. 30). The work is in crm/privacy/services.py."""
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.privacy import views

    registry.blueprint(views.bp)
    registry.nav("privacy.review_list", _l("Data protection review"), order=88, min_role="staff",
                 prefix="privacy.", menu="more")
    registry.detail_section("person", "privacy/_person_requests.html", views.person_privacy_section, order=95,
                            column="side")
    registry.labels(
        actions={"objection": _l("objection to contact (Art. 21 GDPR)"),
                 "erase": _l("erased (Art. 17 GDPR)")},
        fields={"consents_withdrawn": _l("Consents withdrawn"), "interactions_flagged": _l("Texts flagged for review"),
                "audit_rows_scrubbed": _l("History entries made anonymous")},
    )
