"""Art. 21: one button blocks every campaign and invitation by e-mail; campaign planning and the
Verteiler resolution then leave the person out and say why."""
from sqlalchemy import select

from crm.campaigns import campaigns, consent
from crm.campaigns.models import Consent
from crm.core.audit import AuditLog
from crm.extensions import db
from crm.segments import services as segments
from tests.campaigns.campaign_fixtures import *  # noqa: F403 (fixtures)
from tests.campaigns.campaign_fixtures import make_campaign

OBJECTION = "Widerspruch gegen Kontaktaufnahme"


def test_objection_blocks_campaigns_and_invitations(people, request_ctx, client, login):
    auer = people.by_name["Auer"]
    db.session.add(Consent(person=auer, purpose="invitations", status="confirmed", requested_via="paper"))
    db.session.commit()
    before = campaigns.plan(make_campaign(people.segment, channel="email"))
    assert "Anna Auer" in {p.name for p in before.email}
    assert auer.id not in consent.email_blocks([auer.id], "invitations")

    login("staff")
    page = client.get(f"/personen/{auer.id}").get_data(as_text=True)
    assert "Datenschutz-Anfragen" in page and "data-confirm" in page
    response = client.post(f"/personen/{auer.id}/widerspruch")
    assert response.status_code == 302
    assert "Einwilligungen widerrufen: 2" in client.get(response.headers["Location"]).get_data(as_text=True)

    db.session.expire_all()
    assert auer.contact_objection is True
    consents = db.session.scalars(select(Consent).where(Consent.person_id == auer.id)).all()
    assert {(c.purpose, c.status, c.withdrawn_via) for c in consents} == {
        ("newsletter", "withdrawn", "objection"), ("invitations", "withdrawn", "objection")}
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "person", AuditLog.entity_id == auer.id,
                                                      AuditLog.action == "objection")).all()
    assert len(audit) == 1 and audit[0].changes["consents_withdrawn"] == [None, ["invitations", "newsletter"]]

    after = campaigns.plan(make_campaign(people.segment, channel="both"))
    assert "Anna Auer" not in {p.name for p in after.email + after.letter}
    assert {p.name: p.reason for p in after.excluded}["Anna Auer"] == OBJECTION
    resolution = segments.resolve(people.segment, "person", "email")
    assert auer.id not in {r.person_id for r in resolution.recipients}
    assert {e.person_id: e.reason for e in resolution.excluded}[auer.id] == OBJECTION
    for purpose in ("newsletter", "invitations", "photos", "data_transfer"):
        assert consent.email_blocks([auer.id], purpose) == {auer.id: OBJECTION}


def test_a_second_objection_changes_nothing(people, client, login):
    dorn = people.by_name["Dorn"]  # objects already, and has a confirmed newsletter consent
    login("staff")
    client.post(f"/personen/{dorn.id}/widerspruch")
    db.session.expire_all()
    assert db.session.scalar(select(Consent.status).where(Consent.person_id == dorn.id)) == "withdrawn"
    response = client.post(f"/personen/{dorn.id}/widerspruch", follow_redirects=True)
    assert "Der Widerspruch ist bereits erfasst" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "objection").order_by(AuditLog.id.desc())
                             .offset(1).limit(1)) is None


def test_viewer_sees_no_privacy_buttons(people, client, login):
    login("viewer")
    page = client.get(f"/personen/{people.id('Auer')}").get_data(as_text=True)
    assert "widerspruch" not in page and "Datenschutz-Anfragen" not in page
    assert client.post(f"/personen/{people.id('Auer')}/widerspruch").status_code == 403
