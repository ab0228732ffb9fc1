"""Word files of an offer: participant list (crm.interop.docx_lists), signature list per session
(crm.interop.attendance_list, as the meetings print it) and the certificates of participation, one
letter per participant in one file, through the letter engine (crm.interop.letters, the office's
letterhead from crm.letters)."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.core.formatting import local_date, time_span
from crm.interop import attendance_list as sheet_format
from crm.interop import letters as engine
from crm.interop.docx_lists import table_document
from crm.letters import services as letters
from crm.meetings.mailing import _brace
from crm.qualification import services
from crm.qualification.mailing import place_text, session_lines
from crm.qualification.models import Offer, Registration


def filename(offer: Offer, what: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9ÄÖÜäöüß]+", "-", offer.title).strip("-")[:60] or "Angebot"
    return f"{what}-{slug}.docx"


def _organisation(row: Registration) -> str:
    primary = row.person.primary_affiliation
    return row.organisation_name or (primary.organisation.name if primary is not None else "")


def participant_list(offer: Offer) -> bytes:
    rows = services.registrations_of(offer)
    body = [[str(number), r.person.full_name, _organisation(r), r.status_label
             + (f" ({r.waitlist_position})" if r.status == "waitlisted" else ""), r.source_label]
            for number, r in enumerate([r for r in rows if r.status != "cancelled"], start=1)]
    subtitle = "\n".join(session_lines(offer)) + (f"\n{place_text(offer)}" if place_text(offer) else "")
    return table_document(_("Participants: %(title)s", title=offer.title), subtitle.replace("\n", " · "),
                          ["Nr.", _("Name"), _("Organisation"), _("Status"), _("Registered through")], body,
                          [1.2, 6.5, 7.5, 4.5, 6.0], empty_text=_("No registrations yet."))


def signature_list(offer: Offer) -> bytes:
    """One table per session, rows for everyone with a seat and a few blank ones."""
    people = services.participants(offer)
    rows = [sheet_format.Row(r.person.full_name, _organisation(r),
                             (r.person.primary_affiliation.function_name if r.person.primary_affiliation else ""))
            for r in people]
    sections = [sheet_format.Section(time_span(s.starts_at, s.ends_at) + (f" – {s.topic}" if s.topic else ""),
                                     list(rows), blank_rows=3) for s in offer.sessions] \
        or [sheet_format.Section("", list(rows), blank_rows=3)]
    sheet = sheet_format.Sheet(heading=_("Attendance and signature list"), title=offer.title,
                               body=offer.provider.name if offer.provider else "",
                               when="; ".join(local_date(s.starts_at) for s in offer.sessions),
                               place=place_text(offer), sections=sections,
                               columns=("Nr.", "Name", "Organisation", "Funktion", "Unterschrift"),
                               labels={"body": _("Provider"), "when": _("Date"), "place": _("Place"),
                                       "page": "Seite", "of": "von"})
    return sheet_format.build(sheet)


def certificate_text(offer: Offer) -> engine.LetterText:
    dates = ", ".join(local_date(s.starts_at) for s in offer.sessions)
    trainers = ", ".join(p.full_name for p in offer.trainers)
    lines = [
        _("{Name} took part in the %(kind)s “%(title)s”", kind=_brace(offer.kind_label), title=_brace(offer.title))
        + (" " + _brace(_("on %(dates)s", dates=dates)) if dates else "") + ".",
    ]
    if offer.provider is not None:
        lines.append(_brace(_("Provider: %(provider)s", provider=offer.provider.name)))
    if trainers:
        lines.append(_brace(_("Trainers: %(names)s", names=trainers)))
    topics = [s.topic for s in offer.sessions if s.topic]
    if topics:
        lines.append(_brace(_("Contents: %(topics)s", topics="; ".join(topics))))
    return engine.LetterText(subject=_("Certificate of participation"), body="\n\n".join(lines), closing="",
                             signature="")


def certificates(offer: Offer) -> bytes:
    """One certificate per participant who attended (one section each), in one .docx."""
    attended = [r for r in services.participants(offer) if r.status == "attended"]
    if not attended:
        raise DomainError(_("Nobody is marked as attended yet: mark the attendance first."))
    head = letters.letterhead()
    letterhead = letters.engine_letterhead(head)
    rows = []
    for r in attended:
        values = engine.merge_values(r.person.addressee(r.person.primary_affiliation), "", clock.today(),
                                     _("Certificate of participation"))
        if not values["Anschrift"].strip():  # a certificate is handed over: the name is enough
            values["Anschrift"] = values["Name"]
        values["Briefanrede"] = ""  # a certificate, not a letter: no salutation
        rows.append(values)
    text = certificate_text(offer)
    text = engine.LetterText(subject=text.subject, body=text.body, closing=_("Issued on {Datum}"),
                             signature=head.contact_person or head.sender_name or "")
    try:
        return engine.builtin_letters(letterhead, text, rows)
    except engine.LetterError as error:
        raise letters.letter_problem(error) from error
