"""What qualification adds to a person's timeline: registrations and attendance per session."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from crm.core.timeline import TimelineEntry
from crm.extensions import db
from crm.qualification.models import Attendance, Registration


def person_qualification(person) -> list[TimelineEntry]:
    entries = []
    rows = db.session.scalars(select(Registration).where(Registration.person_id == person.id)).all()
    for row in rows:
        url = url_for("qualification.offer_detail", offer_id=row.offer_id)
        entries.append(TimelineEntry(row.registered_at, "qualification", _("Registered for an offer"),
                                     row.offer.title, detail=row.status_label, url=url))
    marks = db.session.scalars(select(Attendance).join(Registration)
                               .where(Registration.person_id == person.id)).all()
    for mark in marks:
        session = mark.session
        entries.append(TimelineEntry(session.starts_at, "qualification",
                                     _("Attended") if mark.present else _("Absent"), session.offer.title,
                                     detail=session.topic,
                                     url=url_for("qualification.offer_detail", offer_id=session.offer_id)))
    return entries
