"""Who may use the meeting routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
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
}
# personal links and feeds: no login, each guarded by its own secret token
PUBLIC = {"meetings.feed", "meetings.rsvp", "meetings.poll_answer"}


def url_values(fixture):
    """A dated meeting of a small body: nothing sent yet, so the sweep's empty POSTs send nothing."""
    from datetime import datetime, timezone

    from crm.extensions import db
    from crm.meetings import services
    from crm.network.models import Body

    body = Body(name="Sweep-Gremium", kind="working_group")
    db.session.add(body)
    db.session.flush()
    meeting = services.save_meeting(None, {
        "title": "Sweep-Sitzung", "kind": "session", "body_id": body.id,
        "starts_at": datetime(2031, 5, 6, 16, 0, tzinfo=timezone.utc),
        "ends_at": datetime(2031, 5, 6, 18, 0, tzinfo=timezone.utc)})
    db.session.commit()
    return {"meeting_id": meeting.id}  # body_id: the network sweep gives one
