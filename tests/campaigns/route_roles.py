"""Who may use the consent routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "campaigns.consent_record": ("staff", "GET POST"),
    "campaigns.consent_withdraw": ("staff", "POST"),
    "campaigns.wordings": ("admin", "GET POST"),
}
# the newsletter sign-up and the links in e-mails: no login, each link guarded by its own token
PUBLIC = {"campaigns.newsletter_signup", "campaigns.signup_confirm", "campaigns.unsubscribe"}


def url_values(fixture):
    """A confirmed newsletter consent of a person (withdrawn by the sweep's first allowed role)."""
    from datetime import datetime, timezone

    from crm.campaigns.models import Consent
    from crm.extensions import db

    person = fixture("make_person")(last_name="Einwilligung", first_name="Eva", email="eva@example.org")
    consent = Consent(person=person, purpose="newsletter", status="confirmed", requested_via="paper",
                      wording_version="2026-12", confirmed_at=datetime(2026, 11, 2, 11, 0, tzinfo=timezone.utc))
    db.session.add(consent)
    db.session.commit()
    return {"consent_id": consent.id}


# the campaigns themselves (tests/campaigns/campaign_route_roles.py)
from tests.campaigns import campaign_route_roles as _campaigns  # noqa: E402

ROUTES.update(_campaigns.ROUTES)
_consent_url_values = url_values


def url_values(fixture):  # noqa: F811
    return {**_consent_url_values(fixture), **_campaigns.url_values(fixture)}
