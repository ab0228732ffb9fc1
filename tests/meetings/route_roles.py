"""Who may use the meeting routes (see tests/core/test_routes_by_role.py)."""

ROUTES = {
    "meetings.poll": ("staff", "GET POST"),
    "meetings.poll_close": ("staff", "POST"),
    "meetings.rsvp_list": ("viewer", "GET"),
    "meetings.rsvp_set": ("staff", "POST"),
}
# personal links and feeds: no login, each guarded by its own secret token
PUBLIC = {"meetings.poll_answer", "meetings.rsvp"}


def url_values(fixture):
    from crm.contacts.models import Person
    from crm.extensions import db
    from crm.meetings import services
    from crm.meetings.models import Invitee

    meeting = services.save_meeting(None, {"title": "Sweep-Sitzung", "kind": "network"})
    person = Person(first_name="Sven", last_name="Sweep", gender="male")
    db.session.add(person)
    db.session.flush()
    invitee = Invitee(meeting=meeting, person=person, token=services.new_token(), role="guest")
    db.session.add(invitee)
    db.session.commit()
    return {"meeting_id": meeting.id, "invitee_id": invitee.id}
