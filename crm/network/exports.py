"""Member lists of a body: rows for the Word table (crm.interop.docx_lists) and for CSV/XLSX
(crm.interop.tabular), file names.

The columns follow what a regional manager hands to a chair: name, function and
organisation, role, interest group, deputy, contact.
"""
import re
from datetime import date
from urllib.parse import quote

from flask_babel import gettext as _

from crm.contacts.models import SECTORS, Person
from crm.core.formatting import display_phone, long_date
from crm.interop.docx_lists import table_document
from crm.network.models import Body, Seat

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def filename(body: Body, on: date, extension: str) -> str:
    """'Mitglieder-LAG-Entscheidungsgremium-2026-11-26.docx': ASCII, no spaces."""
    name = (body.short_name or body.name).translate(_UMLAUTS)
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:60] or "Gremium"
    return f"{_('Members')}-{name}-{on.isoformat()}.{extension}".translate(_UMLAUTS)


def content_disposition(name: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _affiliation(seat: Seat):
    """The function that goes with the seat: at the organisation represented, else the primary one."""
    person = seat.person
    current = person.current_affiliations
    if seat.organisation_id is not None:
        match = next((a for a in current if a.organisation_id == seat.organisation_id), None)
        if match is not None:
            return match
        return None
    return current[0] if current else None


def contact_of(seat: Seat) -> tuple[str, str]:
    """(e-mail, phone) to reach the member: business data of the function, else private."""
    person = seat.person
    aff = _affiliation(seat)
    email = (aff.effective_email if aff else "") or person.email
    phone = (aff.effective_phone if aff else "") or person.phone or person.mobile
    return email, phone


def _function_and_organisation(seat: Seat) -> tuple[str, str]:
    aff = _affiliation(seat)
    function = aff.function_name if aff else ""
    organisation = seat.organisation.name if seat.organisation else (aff.organisation.name if aff else "")
    return function, organisation


def member_rows(seats: list[Seat]) -> tuple[list[str], list[list]]:
    """Header and rows for CSV/XLSX: one row per seat."""
    header = [_("Degree"), _("First name"), _("Last name"), _("Function"), _("Organisation"), _("Role"),
              _("Voting right"), _("Interest group"), _("Sector"), _("Deputy"), _("E-mail"), _("Phone"),
              _("From"), _("Until"), _("Resolution")]

    def rows():
        for seat in seats:
            p = seat.person
            function, organisation = _function_and_organisation(seat)
            email, phone = contact_of(seat)
            group = seat.interest_group
            yield [
                p.degree, p.first_name, " ".join(x for x in (p.nobility, p.last_name) if x), function, organisation,
                seat.role_label, seat.voting, group.name if group else "",
                str(SECTORS.get(seat.sector, "")) if seat.sector else "",
                seat.deputy.full_name if seat.deputy else "", email, display_phone(phone), seat.valid_from,
                seat.valid_to, seat.resolution,
            ]

    return header, rows()


def member_list_docx(body: Body, seats: list[Seat], on: date) -> bytes:
    """A Word document (landscape A4) with the member list as a real table; header row repeats."""
    voting = sum(1 for s in seats if s.voting)
    header = [_("Name"), _("Function / organisation"), _("Role"), _("Interest group"), _("Deputy"), _("Contact")]
    rows = []
    for seat in seats:
        function, organisation = _function_and_organisation(seat)
        email, phone = contact_of(seat)
        role = seat.role_label + ("" if seat.voting else f" ({_('no vote')})")
        group = seat.interest_group.name if seat.interest_group else ""
        rows.append([
            seat.person.full_name,
            "\n".join(x for x in (function, organisation) if x),
            role,
            group,
            seat.deputy.full_name if seat.deputy else "",
            "\n".join(x for x in (email, display_phone(phone)) if x),
        ])
    return table_document(
        _("Members: %(body)s", body=body.name),
        _("As of %(date)s · %(count)s members, %(voting)s of them with a voting right",
          date=long_date(on), count=len(seats), voting=voting),
        header, rows, [5.0, 6.6, 3.0, 3.6, 3.8, 4.1], empty_text=_("No members on this date."),
    )


def vcard_persons(seats: list[Seat]) -> list[Person]:
    """Members once each, in list order."""
    seen, persons = set(), []
    for seat in seats:
        if seat.person_id not in seen:
            seen.add(seat.person_id)
            persons.append(seat.person)
    return persons


def vcard_members(seats: list[Seat], persons: list[Person]) -> list[tuple[Person, object]]:
    """(person, organisation represented) once per member, in list order, for `crm.interop.vcard.vcards`.

    `persons` are the members as loaded for the cards (`services.with_vcard_details`)."""
    by_id = {p.id: p for p in persons}
    seen, members = set(), []
    for seat in seats:
        if seat.person_id not in seen and seat.person_id in by_id:
            seen.add(seat.person_id)
            members.append((by_id[seat.person_id], seat.organisation))
    return members
