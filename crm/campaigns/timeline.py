"""What consents add to the person's timeline: confirmed and withdrawn, with how."""
from flask import url_for
from flask_babel import gettext as _

from crm.campaigns.consent import consents_of
from crm.core.memo import once_per_request
from crm.core.timeline import TimelineEntry


def person_consents(person) -> list[TimelineEntry]:
    entries = []
    url = url_for("contacts.person_detail", person_id=person.id) + "#consents"
    for consent in once_per_request(("consents_of", person.id), lambda: consents_of(person)):  # the card shows them too
        if consent.confirmed_at is not None:
            entries.append(TimelineEntry(consent.confirmed_at, "consent", _("Consent confirmed"), consent.purpose_label,
                                         detail=consent.requested_via_label if consent.requested_via else "", url=url))
        if consent.withdrawn_at is not None:
            entries.append(TimelineEntry(consent.withdrawn_at, "consent", _("Consent withdrawn"), consent.purpose_label,
                                         detail=consent.withdrawn_via_label, url=url))
    return entries
