"""What bodies add to a person's timeline: seats taken, changed and ended."""
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _

from crm.core.timeline import TimelineEntry


def seats_taken_and_ended(person):
    from crm.core.memo import once_per_request
    from crm.network.services import seats_of_person

    own, _deputy = once_per_request(("seats_of_person", person.id), lambda: seats_of_person(person))
    # A change ends a seat and starts the next one the day after: one "changed" entry, not two.
    starts = {(s.body_id, s.valid_from) for s in own}
    next_days = {(s.body_id, s.valid_to + timedelta(days=1)) for s in own if s.valid_to is not None}
    entries = []
    for seat in own:
        title = f"{seat.role_label} · {seat.body.name}"
        url = url_for("network.body_detail", body_id=seat.body_id)
        follows = (seat.body_id, seat.valid_from) in next_days
        label = _("Seat changed") if follows else _("Seat taken")
        entries.append(TimelineEntry(seat.valid_from, "seat", label, title, detail=seat.resolution, url=url))
        continued = seat.valid_to is not None and (seat.body_id, seat.valid_to + timedelta(days=1)) in starts
        if seat.is_past and not continued:
            entries.append(TimelineEntry(seat.valid_to, "seat", _("Seat ended"), title, detail=seat.end_resolution,
                                         url=url))
    return entries
