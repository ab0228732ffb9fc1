"""Who may use the meeting routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "meetings.meeting_list": ("viewer", "GET"),
    "meetings.meeting_create": ("staff", "GET POST"),
    "meetings.meeting_edit": ("staff", "GET POST"),
    "meetings.detail": ("viewer", "GET"),
    "meetings.meeting_status": ("staff", "POST"),
    "meetings.agenda_add": ("staff", "POST"),
    "meetings.agenda_edit": ("staff", "GET POST"),
    "meetings.agenda_move": ("staff", "POST"),
    "meetings.agenda_delete": ("staff", "POST"),
    "meetings.document_upload": ("staff", "POST"),
    "meetings.document_download": ("viewer", "GET"),
    "meetings.document_delete": ("staff", "POST"),
    "meetings.invitees_add": ("staff", "POST"),
    "meetings.invitee_remove": ("staff", "POST"),
    "meetings.invitee_channel": ("staff", "POST"),
    "meetings.invitation_letters": ("staff", "POST"),
    # check-in at the door, attendance, signature list (crm/meetings/checkin_views.py)
    "meetings.checkin": ("staff", "GET"),
    "meetings.checkin_data": ("staff", "GET"),
    "meetings.checkin_people": ("staff", "GET"),
    "meetings.checkin_worker": ("staff", "GET"),
    "meetings.checkin_sync": ("staff", "POST"),
    "meetings.attendance_form": ("staff", "GET POST"),
    "meetings.signature_list": ("staff", "GET"),
    # invitations, changes, cancellation, message log (crm/meetings/mailing_views.py)
    "meetings.invite_compose": ("staff", "GET POST"),
    "meetings.send_update": ("staff", "POST"),
    "meetings.cancel": ("staff", "POST"),
    "meetings.retry_failed": ("staff", "POST"),
    "meetings.messages": ("viewer", "GET"),
    # calendar files and feed addresses (crm/meetings/feed_views.py)
    "meetings.meeting_ics": ("viewer", "GET"),
    "meetings.feeds_page": ("viewer", "GET"),
    "meetings.user_feed_renew": ("viewer", "POST"),
    "meetings.user_feed_revoke": ("viewer", "POST"),
    "meetings.body_feed_renew": ("staff", "POST"),
    "meetings.body_feed_revoke": ("staff", "POST"),
    # date poll and answers (crm/meetings/poll_views.py)
    "meetings.poll": ("staff", "GET POST"),
    "meetings.poll_close": ("staff", "POST"),
    "meetings.rsvp_list": ("viewer", "GET"),
    "meetings.rsvp_set": ("staff", "POST"),
    "meetings.send_poll": ("staff", "POST"),
    "meetings.remind": ("staff", "POST"),
}
# personal links and feeds: no login, each guarded by its own secret token
PUBLIC = {"meetings.feed", "meetings.rsvp", "meetings.poll_answer"}


def url_values(fixture):
    """A meeting in the past with an agenda document and one invitee, invited by letter."""
    from datetime import datetime, timezone

    from crm.extensions import db
    from crm.meetings import services
    from crm.meetings.models import AgendaDocument, AgendaItem, InvitationMessage

    person = fixture("make_person")(last_name="Sweep", first_name="Sina", email="sweep@example.org")
    meeting = services.save_meeting(None, {"title": "Sweep", "kind": "network", "location": "Pfarrsaal",
                                           "starts_at": datetime(2026, 11, 5, 17, 0, tzinfo=timezone.utc)})
    item = AgendaItem(meeting=meeting, position=1, title="Begrüßung")
    document = AgendaDocument(agenda_item=item, filename="a.pdf", content_type="application/pdf", size=8,
                              content=b"%PDF-1.4")
    db.session.add_all([item, document])
    services.invite(meeting, person_ids=[person.id])
    invitee = meeting.invitees[0]
    # invited by letter already: "remove" refuses (the sweep's later routes still find the invitee) and
    # nothing goes to an SMTP server
    invitee.channel = "letter"
    db.session.add(InvitationMessage(invitee=invitee, kind="invitation", channel="letter", status="letter"))
    db.session.commit()
    return {"meeting_id": meeting.id, "item_id": item.id, "document_id": document.id, "invitee_id": invitee.id}
