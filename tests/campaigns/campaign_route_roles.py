"""Who may use the campaign routes (merged into route_roles.py, see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "campaigns.campaign_list": ("viewer", "GET"),
    "campaigns.campaign_create": ("staff", "GET POST"),
    "campaigns.campaign_detail": ("viewer", "GET"),
    "campaigns.campaign_edit": ("staff", "GET POST"),
    "campaigns.campaign_delete": ("staff", "POST"),
    "campaigns.attachment_add": ("staff", "POST"),
    "campaigns.attachment_download": ("viewer", "GET"),
    "campaigns.attachment_remove": ("staff", "POST"),
    "campaigns.campaign_test": ("staff", "POST"),
    "campaigns.campaign_send": ("staff", "POST"),
    "campaigns.campaign_stop": ("staff", "POST"),
    "campaigns.campaign_resume": ("staff", "POST"),
}


def url_values(fixture):
    """A campaign sent already (by letter), with an attachment: every action refuses with a message
    (change, delete, send, stop, resume), nothing goes to a mail server, the routes stay for the next role."""
    from crm.campaigns import campaigns
    from crm.campaigns.campaign_models import CampaignAttachment, CampaignRecipient
    from crm.extensions import db
    from crm.segments import services as segments

    person = fixture("make_person")(last_name="Kampagne", first_name="Karl", email="karl@example.org")
    segment = segments.save_segment(None, {"name": "Sweep-Kampagne", "kind": "fixed"})
    segments.add_members(segment, [person.id])
    campaign = campaigns.save_campaign(None, {
        "segment_id": segment.id, "rule": "person", "channel": "email", "purpose": "newsletter",
        "subject": "Sweep", "body": "{Briefanrede}\n\nText", "sender_name": "", "sender_email": ""})
    attachment = CampaignAttachment(campaign=campaign, filename="a.pdf", content_type="application/pdf", size=9,
                                    content=b"%PDF-1.4\n")
    db.session.add(attachment)
    db.session.add(CampaignRecipient(campaign=campaign, person_id=person.id, name=person.full_name, status="letter"))
    campaign.status = "sent"
    db.session.commit()
    return {"campaign_id": campaign.id, "attachment_id": attachment.id}
