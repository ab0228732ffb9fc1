"""Who may use the meeting routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    # check-in at the door, attendance, signature list (crm/meetings/checkin_views.py)
    "meetings.checkin": ("staff", "GET"),
    "meetings.checkin_data": ("staff", "GET"),
    "meetings.checkin_people": ("staff", "GET"),
    "meetings.checkin_worker": ("staff", "GET"),
    "meetings.checkin_sync": ("staff", "POST"),
    "meetings.attendance_form": ("staff", "GET POST"),
    "meetings.signature_list": ("staff", "GET"),
}
# personal links and feeds: no login, each guarded by its own secret token
PUBLIC = set()


def url_values(fixture):
    from datetime import datetime, timezone

    from crm.extensions import db
    from crm.meetings import services

    meeting = services.save_meeting(None, {"title": "Sweep", "kind": "network", "location": "Pfarrsaal",
                                           "starts_at": datetime(2026, 11, 5, 17, 0, tzinfo=timezone.utc)})
    db.session.commit()
    return {"meeting_id": meeting.id}
