"""E-mail campaigns and consent (issue 14): consents per person and purpose with their proof, the
public newsletter sign-up with double opt-in, unsubscribe links (RFC 8058 one-click), and the
"consent confirmed" condition of the Verteiler. The API for sending: crm/campaigns/consent.py."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def _consent_clause(values, condition):
    """Persons with a confirmed consent for any of the chosen purposes."""
    from crm.campaigns.consent import consented_persons
    from crm.segments.facets import Clause

    return Clause(consented_persons(values))


def register(registry) -> None:
    from crm.campaigns import cli, consent_views, demo, models, timeline
    from crm.segments.facets import Facet, add_facet

    registry.blueprint(consent_views.bp)
    registry.public(*consent_views.PUBLIC_ENDPOINTS)
    registry.nav("campaigns.wordings", _l("Consent texts"), order=92, min_role="admin", prefix="campaigns.wording",
                 menu="more")
    registry.detail_section("person", "campaigns/_person_consents.html", consent_views.person_consents_section,
                            order=90, column="side")

    registry.timeline_source("person", timeline.person_consents)
    registry.command(cli.purge_signups_command)
    registry.demo_data(demo.generate_consents, order=95)

    # "Einwilligung bestätigt (Zweck)": target groups filtered by consent (see crm/segments/facets.py)
    add_facet(Facet("consent", _l("Consent confirmed (purpose)"), "privacy", "choice", _consent_clause,
                    lambda: [(k, str(v)) for k, v in models.PURPOSES.items()]))

    registry.labels(
        entities={"consent": _l("Consent"), "consent_wording": _l("Consent text")},
        fields={
            "consent.purpose": _l("Purpose"), "consent.status": _l("Status"),
            "consent.requested_at": _l("Requested on"), "consent.requested_via": _l("Requested through"),
            "consent.wording_version": _l("Version of the wording"), "consent.wording_text": _l("Wording"),
            "consent.confirmed_at": _l("Confirmed on"), "consent.confirmed_ip": _l("IP address"),
            "consent.withdrawn_at": _l("Withdrawn on"), "consent.withdrawn_via": _l("Withdrawn through"),
            "consent.withdrawn_campaign_id": _l("Campaign"), "consent.recorded_by": _l("Recorded by"),
            "consent.note": _l("Note"), "consent_wording.purpose": _l("Purpose"),
            "consent_wording.version": _l("Version"), "consent_wording.text": _l("Text"),
            "consent_wording.created_by": _l("Created by"),
        },
        values={"consent.purpose": models.PURPOSES, "consent.status": models.CONSENT_STATUSES,
                "consent.requested_via": models.REQUEST_CHANNELS, "consent.withdrawn_via": models.WITHDRAWAL_CHANNELS,
                "consent_wording.purpose": models.PURPOSES},
        record_urls={"consent": _consent_url},
    )
    # "My jobs": the sending of a campaign (a job whose first argument is the campaign's id)
    registry.labels(
        values={"job.kind": {"campaign_send": _l("Sending a campaign")}, "job.record": {"campaign_send": "campaign"}},
        record_urls={"campaign": lambda i: url_for("campaigns.campaign_detail", campaign_id=i)},
    )

    # the campaigns themselves: pages, navigation, timeline, demo (crm/campaigns/campaigns.py)
    from crm.campaigns.campaigns import register_campaigns

    register_campaigns(registry)


def _consent_url(consent_id: int):
    from crm.campaigns.models import Consent
    from crm.extensions import db

    person_id = db.session.scalar(db.select(Consent.person_id).where(Consent.id == consent_id))
    return url_for("contacts.person_detail", person_id=person_id) + "#consents" if person_id else None
