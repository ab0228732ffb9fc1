"""What meetings add to a person's and an organisation's timeline: invitations sent, answers, attendance."""
from functools import cache

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.meetings.models import DELIVERY_STATES, MESSAGE_KINDS, Invitee, Meeting


def _entries(invitees: list[Invitee], with_name: bool) -> list:
    from crm.core.timeline import TimelineEntry

    entries = []
    for invitee in invitees:
        meeting = invitee.meeting
        url = url_for("meetings.detail", meeting_id=meeting.id)
        who = f"{invitee.person.full_name}: " if with_name else ""
        when = meeting.starts_at
        for message in invitee.messages:
            detail = str(DELIVERY_STATES.get(message.status, message.status))
            if message.error:
                detail += f" ({message.error[:120]})"
            entries.append(TimelineEntry(message.sent_at or message.created_at, "meeting",
                                         str(MESSAGE_KINDS.get(message.kind, message.kind)), who + meeting.title,
                                         detail=detail, url=url))
        if invitee.rsvp != "needs_action" and invitee.rsvp_at is not None:
            entries.append(TimelineEntry(invitee.rsvp_at, "meeting", _("Answer: %(answer)s", answer=invitee.rsvp_label),
                                         who + meeting.title, detail=invitee.rsvp_comment, url=url))
        if invitee.attended and when is not None:
            entries.append(TimelineEntry(invitee.checked_in_at or when, "meeting", _("Took part"),
                                         who + meeting.title, url=url))
        elif meeting.status == "held" and when is not None and invitee.role != "deputy":
            entries.append(TimelineEntry(when, "meeting", _("Absent"), who + meeting.title, url=url))
    return entries


def _load(*conditions) -> list[Invitee]:
    return list(db.session.scalars(
        select(Invitee).join(Meeting).where(*conditions)
        .options(selectinload(Invitee.meeting), selectinload(Invitee.messages), selectinload(Invitee.person))))


@cache
def _person_invitees_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    return (select(Invitee).join(Meeting).where(Invitee.person_id == bindparam("person_id"))
            .options(selectinload(Invitee.meeting), selectinload(Invitee.messages), selectinload(Invitee.person)))


def person_meetings(person) -> list:
    invitees = list(db.session.scalars(_person_invitees_statement(), {"person_id": person.id}))
    return _entries(invitees, with_name=False)


def organisation_meetings(organisation) -> list:
    return _entries(_load(Invitee.organisation_id == organisation.id), with_name=True)
