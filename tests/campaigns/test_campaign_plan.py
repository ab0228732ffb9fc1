"""Who gets a campaign and how, person by person (the hand-built fixture of campaign_fixtures.py), and
the drafts that cannot be sent: nobody allowed, unknown merge fields, attachments too large or false."""
import pytest
from sqlalchemy import func, select

from crm.campaigns import campaigns
from crm.campaigns.campaign_models import Campaign, CampaignAttachment, CampaignRecipient
from crm.core.errors import DomainError
from crm.extensions import db
from tests.campaigns.campaign_fixtures import *  # noqa: F403 (fixtures)
from tests.campaigns.campaign_fixtures import make_campaign

PDF = b"%PDF-1.4\n%test\n"


def _by_name(planned) -> dict:
    return {p.name.split()[-1]: p for p in planned}


def test_email_only_newsletter(people, request_ctx):
    plan = campaigns.plan(make_campaign(people.segment, channel="email"))
    email = _by_name(plan.email)
    assert set(email) == {"Auer", "Groß", "Huber"}
    assert email["Auer"].email == "anna.auer@heimatverein-moenchberg.de"  # the business address at the club
    assert email["Groß"].email == "groß@example.org"
    assert plan.letter == []
    reasons = {p.name.split()[-1]: p.reason for p in plan.excluded}
    assert reasons == {
        "Beck": "Keine bestätigte Einwilligung (Newsletter)",
        "Christ": "Einwilligung widerrufen am 20.11.2026",
        "Dorn": "Widerspruch gegen Kontaktaufnahme",
        "Ernst": "Keine E-Mail-Adresse",
        "Fink": "Keine bestätigte Einwilligung (Newsletter)",
        "Jäger": "Archiviert",
        "Mönchberg": "Organisation: Kampagnen gehen an Personen",
    }


def test_both_channels_letter_where_no_email_may_go(people, request_ctx):
    plan = campaigns.plan(make_campaign(people.segment, channel="both"))
    assert set(_by_name(plan.email)) == {"Auer", "Groß", "Huber"}
    letter = _by_name(plan.letter)
    assert set(letter) == {"Beck", "Ernst"}
    assert letter["Beck"].reason == "Keine bestätigte Einwilligung (Newsletter)"  # why a letter, not an e-mail
    assert letter["Ernst"].reason == "Keine E-Mail-Adresse"
    reasons = {p.name.split()[-1]: p.reason for p in plan.excluded}
    assert reasons["Christ"] == "Einwilligung widerrufen am 20.11.2026"  # no printed newsletter either
    assert reasons["Fink"] == "Keine bestätigte Einwilligung (Newsletter); Keine Postanschrift"
    assert reasons["Dorn"] == "Widerspruch gegen Kontaktaufnahme"
    assert plan.total == 10


def test_letters_only_and_a_purpose_without_consent(people, request_ctx):
    plan = campaigns.plan(make_campaign(people.segment, channel="letter"))
    # a letter needs a postal address, not a newsletter consent; the withdrawal still counts
    assert set(_by_name(plan.letter)) == {"Auer", "Groß", "Beck", "Ernst"}
    assert {p.name.split()[-1]: p.reason for p in plan.excluded}["Huber"] == "Keine Postanschrift"
    invitations = campaigns.plan(make_campaign(people.segment, channel="email", purpose="invitations"))
    # invitations need no consent: Beck gets an e-mail now; nobody without an address does
    assert set(_by_name(invitations.email)) == {"Auer", "Groß", "Huber", "Beck", "Christ"}


def test_a_campaign_nobody_may_get_is_refused_and_nothing_changes(people, request_ctx, make_user):
    from crm.segments import services as segments

    segment = segments.save_segment(None, {"name": "Nur Widersprüche", "kind": "fixed"})
    segments.add_members(segment, [people.id("Dorn"), people.id("Christ"), people.id("Fink")])
    db.session.commit()
    campaign = make_campaign(segment, channel="both")
    with pytest.raises(DomainError) as raised:
        campaigns.start_sending(campaign, make_user())
    db.session.rollback()
    assert "Niemand in dieser Zielgruppe" in raised.value.message
    assert db.session.get(Campaign, campaign.id).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)
                             .where(CampaignRecipient.campaign_id == campaign.id)) == 0


def test_unknown_merge_field_is_named(people, request_ctx):
    with pytest.raises(DomainError) as raised:
        make_campaign(people.segment, body="{Briefanrede}\n\nHallo {Spitzname}!")
    assert "{Spitzname}" in raised.value.message and raised.value.field == "body"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_attachments_too_large_together_or_not_what_they_claim(app, people, request_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "CAMPAIGN_ATTACHMENTS_MAX_BYTES", 100_000)
    campaign = make_campaign(people.segment)
    campaigns.add_attachment(campaign, "Einladung.pdf", PDF + b"x" * 60_000)
    db.session.commit()
    with pytest.raises(DomainError) as raised:
        campaigns.add_attachment(campaign, "Programm.pdf", PDF + b"x" * 50_000)
    assert raised.value.message.startswith("Alle Anhänge einer Kampagne zusammen dürfen höchstens 0,1 MB")
    assert "„Programm.pdf“" in raised.value.message and "nicht angehängt" in raised.value.message
    with pytest.raises(DomainError) as raised:
        campaigns.add_attachment(campaign, "gross.pdf", PDF + b"x" * 200_000)
    assert "zu groß" in raised.value.message
    with pytest.raises(DomainError) as raised:
        campaigns.add_attachment(campaign, "rechnung.pdf", b"MZ\x90\x00 not a pdf")
    assert "keine echte PDF-Datei" in raised.value.message
    db.session.rollback()
    assert [a.filename for a in db.session.scalars(select(CampaignAttachment))] == ["Einladung.pdf"]
