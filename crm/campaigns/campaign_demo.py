"""The demo region's campaigns: a press release sent to "Presse und Medien" (the ready target group of
crm/segments/demo.py), with its deliveries, and a newsletter draft. Nothing is really sent. Skipped
where a campaign of the same subject exists."""
from datetime import timedelta

from sqlalchemy import insert, select

from crm.campaigns import campaigns as services
from crm.campaigns.campaign_models import Campaign, CampaignAttachment, CampaignRecipient
from crm.core.models import utcnow
from crm.extensions import db
from crm.segments.models import Segment

PRESS_SUBJECT = "Pressemitteilung: 14 neue LEADER-Projekte in der Region"
NEWSLETTER_SUBJECT = "Newsletter Frühjahr 2027"
PRESS_TEXT = ("{Briefanrede}\n\n"
              "das LAG-Entscheidungsgremium hat in seiner Sitzung 14 neue Projekte mit zusammen 1,2 Millionen Euro "
              "LEADER-Förderung ausgewählt, darunter den Dorfladen in Kleinwallstadt und den Mühlenradweg.\n\n"
              "Die Pressemitteilung und ein Foto zur freien Verwendung finden Sie im Anhang. Für Rückfragen und "
              "Interviews stehen wir gern zur Verfügung.\n\n"
              "Mit freundlichen Grüßen\nIhr Regionalmanagement")
NEWSLETTER_TEXT = ("{Briefanrede}\n\n"
                   "im Frühjahr startet der neue Projektaufruf: Ideen für Dorfgemeinschaft, Tourismus und Klima können "
                   "bis 30. April eingereicht werden.\n\nMit freundlichen Grüßen\nIhr Regionalmanagement")
# the smallest well-formed PDF, as the attached press release
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _segment(name: str) -> Segment | None:
    return db.session.scalar(select(Segment).where(Segment.name == name, Segment.archived_at.is_(None)))


def generate_campaigns(seed: int = 1) -> dict:
    existing = set(db.session.scalars(select(Campaign.subject)))
    made = 0
    press = _segment("Presse und Medien")
    if press is not None and PRESS_SUBJECT not in existing:
        campaign = services.save_campaign(None, {
            "segment_id": press.id, "rule": "at_organisation", "channel": "email", "purpose": services.PRESS_PURPOSE,
            "subject": PRESS_SUBJECT, "body": PRESS_TEXT, "sender_name": "Regionalmanagement",
            "sender_email": ""})
        db.session.add(CampaignAttachment(campaign=campaign, filename="Pressemitteilung.pdf",
                                          content_type="application/pdf", size=len(TINY_PDF), content=TINY_PDF))
        plan = services.plan(campaign)
        when = utcnow() - timedelta(days=9)
        rows = []
        for position, planned in enumerate(plan.email + plan.excluded):
            sent = position < len(plan.email)
            rows.append({"campaign_id": campaign.id, "position": position, "person_id": planned.person_id,
                         "organisation_id": planned.organisation_id, "affiliation_id": planned.affiliation_id,
                         "name": planned.name[:200], "email": planned.email if sent else "",
                         "status": "sent" if sent else "excluded", "reason": "" if sent else planned.reason,
                         "attempts": 1 if sent else 0, "sent_at": when if sent else None, "updated_at": when})
        if rows:
            db.session.execute(insert(CampaignRecipient), rows)
        campaign.status, campaign.sent_at, campaign.finished_at = "sent", when, when + timedelta(minutes=2)
        made += 1
    newsletter = _segment("Lenkungsgruppe und Vorsitz der Arbeitskreise")
    if newsletter is not None and NEWSLETTER_SUBJECT not in existing:
        services.save_campaign(None, {
            "segment_id": newsletter.id, "rule": "at_organisation", "channel": "both", "purpose": "newsletter",
            "subject": NEWSLETTER_SUBJECT, "body": NEWSLETTER_TEXT, "sender_name": "Regionalmanagement",
            "sender_email": ""})
        made += 1
    db.session.flush()
    return {"campaigns": made}
