"""What qualification adds to a person's timeline: registrations and attendance per session."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.core.memo import once_per_request
from crm.core.timeline import TimelineEntry
from crm.extensions import db
from crm.qualification.models import Attendance, OfferSession, Registration
from crm.qualification.services import registrations_of_person


def person_qualification(person) -> list[TimelineEntry]:
    entries = []
    rows = once_per_request(("registrations_of_person", person.id), lambda: registrations_of_person(person))
    for row in rows:
        url = url_for("qualification.offer_detail", offer_id=row.offer_id)
        entries.append(TimelineEntry(row.registered_at, "qualification", _("Registered for an offer"),
                                     row.offer.title, detail=row.status_label, url=url))
    if not rows:
        return entries
    marks = db.session.scalars(select(Attendance).join(Registration)
                               .where(Registration.person_id == person.id)
                               .options(selectinload(Attendance.session).selectinload(OfferSession.offer))).all()
    for mark in marks:
        session = mark.session
        entries.append(TimelineEntry(session.starts_at, "qualification",
                                     _("Attended") if mark.present else _("Absent"), session.offer.title,
                                     detail=session.topic,
                                     url=url_for("qualification.offer_detail", offer_id=session.offer_id)))
    return entries
