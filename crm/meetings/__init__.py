"""Meetings: bodies' sessions and network meetings, date polls, invitations (e-mail with calendar
invitation, Word letter), RSVP, check-in, signature lists, calendar feeds."""
from flask import url_for
from flask_babel import lazy_gettext as _l


def register(registry) -> None:
    from crm.meetings import demo, models, services, timeline, views

    registry.blueprint(views.bp)
    # the routes of the other meeting modules, on the same blueprint
    from crm.meetings import (  # noqa: F401
        checkin_views,
        feed_views,
        mailing_views,
        poll_views,
        public_views,
    )

    registry.public("meetings.feed", "meetings.rsvp", "meetings.poll_answer")
    # between "Bodies" and "Projects": the bodies' meetings are the office's weekly business
    registry.nav("meetings.meeting_list", _l("Meetings"), order=35, prefix="meetings.")
    registry.detail_section("body", "meetings/_body_meetings.html", services.body_meetings, column="side")
    registry.timeline_source("person", timeline.person_meetings)
    registry.timeline_source("organisation", timeline.organisation_meetings)
    registry.demo_data(demo.generate_meetings, order=85)
    registry.labels(actions={"send": _l("sent messages")},
                    fields={"meeting.message_kind": _l("Message"), "meeting.sent": _l("sent by e-mail"),
                            "meeting.failed": _l("not delivered"), "meeting.letter": _l("by letter")})

    registry.labels(
        entities={"meeting": _l("Meeting"), "agenda_item": _l("Agenda item"), "agenda_document": _l("Document"),
                  "invitee": _l("Invitee")},
        fields={
            "title": _l("Title"), "kind": _l("Kind"), "body_id": _l("Body"), "starts_at": _l("Start"),
            "ends_at": _l("End"), "location_organisation_id": _l("Venue"), "location": _l("Place"),
            "online_url": _l("Online link"), "description": _l("Description"), "status": _l("Status"),
            "poll_status": _l("Date poll"), "poll_deadline": _l("Answer by"), "sequence": _l("Version sent"),
            "organiser_id": _l("Organiser"), "invitation_text": _l("Invitation text"),
            "late_confirmed_at": _l("Late invitation confirmed"), "minutes": _l("Minutes"),
            "meeting_id": _l("Meeting"), "position": _l("Position"), "needs_vote": _l("Item with a decision"),
            "agenda_item_id": _l("Agenda item"), "filename": _l("File name"), "content_type": _l("File type"),
            "size": _l("Size"), "uploaded_by_id": _l("Uploaded by"), "person_id": _l("Person"),
            "organisation_id": _l("Organisation"), "role": _l("Role"), "voting": _l("Voting right"),
            "deputy_for_id": _l("Deputy for"), "source": _l("Invited as"), "channel": _l("Invitation by"),
            "rsvp": _l("Answer"), "rsvp_comment": _l("Comment"), "rsvp_at": _l("Answered on"),
            "poll_comment": _l("Comment on the date poll"), "poll_answered_at": _l("Date poll answered on"),
            "attended": _l("Present"), "checked_in_at": _l("Checked in at"),
            "invitation_period_days": _l("Invitation period (days)"),
            "poll_slots": _l("Candidate dates"), "poll_answers": _l("Answers to the date poll"),
        },
        record_urls={"meeting": lambda i: url_for("meetings.detail", meeting_id=i)},
        values={"meeting.kind": models.MEETING_KINDS, "meeting.status": models.MEETING_STATUSES,
                "meeting.poll_status": models.POLL_STATUSES, "invitee.role": models.INVITEE_ROLES,
                "invitee.rsvp": models.RSVP_STATES, "invitee.source": models.INVITEE_SOURCES,
                "invitee.channel": models.CHANNELS},
    )
