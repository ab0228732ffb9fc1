"""The public registration with double opt-in, on the consent part's machinery (crm.campaigns.consent):
the sign-up is a ConsentRequest (purpose "qualification", token stored as SHA-256, the wording and its
version, times and IP addresses: the consent proof) plus a PublicSignup naming the offer. Confirming
finds the person by the duplicate rules (consent._matching_person: crm.duplicates.finder) or creates
one, then registers them (a seat or the waitlist) and sends the confirmation with the .ics.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import func, select

from crm.campaigns import consent
from crm.campaigns.models import ConsentRequest
from crm.contacts.services import save_person
from crm.core import time as clock
from crm.core.errors import DomainError
from crm.extensions import db
from crm.qualification import mailing, services
from crm.qualification.models import Offer, PublicSignup

PURPOSE = "qualification"
SOURCE = "Weiterbildungs-Anmeldung"


def wording() -> tuple[str, str]:
    return consent.current_wording(PURPOSE)


def confirmation_url(token: str) -> str:
    return consent._absolute("qualification.public_confirm", f"/weiterbildung/bestaetigen/{token}", token)


def request_registration(offer: Offer, first_name: str, last_name: str, organisation: str, email: str) -> str | None:
    """Stores the sign-up and sends the double opt-in mail; the token (None: a mail for this offer and
    address went out a moment ago, none again). Refused when the offer takes no registrations."""
    services.check_open(offer, public=True)
    email = (email or "").strip()
    recent = db.session.scalar(select(ConsentRequest.id).join(PublicSignup, PublicSignup.consent_request_id
                                                              == ConsentRequest.id)
                               .where(PublicSignup.offer_id == offer.id,
                                      func.lower(ConsentRequest.email) == email.lower(),
                                      ConsentRequest.confirmed_at.is_(None),
                                      ConsentRequest.requested_at > clock.utcnow() - consent.RESEND_AFTER))
    if recent is not None:
        return None
    version, text = wording()
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    request_row = ConsentRequest(purpose=PURPOSE, first_name=(first_name or "").strip()[:100],
                                 last_name=(last_name or "").strip()[:100], email=email[:254],
                                 wording_version=version, wording_text=text, requested_at=now,
                                 requested_ip=consent._client_ip(), requested_via="signup",
                                 token_hash=consent._hash(token),
                                 expires_at=now + timedelta(days=consent._confirm_days()))
    db.session.add(request_row)
    db.session.add(PublicSignup(offer=offer, consent_request=request_row,
                                organisation_name=(organisation or "").strip()[:200]))
    db.session.flush()
    _send_link(offer, request_row, token)
    return token


def _send_link(offer: Offer, request_row: ConsentRequest, token: str) -> None:
    import smtplib

    from crm.core.mail import MailConnection

    link = confirmation_url(token)
    with force_locale("de"):
        name = " ".join(x for x in (request_row.first_name, request_row.last_name) if x)
        body = "\n\n".join([
            _("Hello %(name)s,", name=name) if name else _("Hello,"),
            _("please confirm your registration for “%(title)s” with this link:", title=offer.title),
            link,
            _("The link is valid for %(days)s days. Only after your confirmation is the registration valid.",
              days=consent._confirm_days()),
            "\n".join(mailing.session_lines(offer)),
            _("You agreed to this text (version %(version)s):", version=request_row.wording_version)
            + "\n" + request_row.wording_text,
            _("If you did not register, simply ignore this e-mail: nothing will be stored beyond the expiry "
              "of the link."),
        ]) + "\n"
        subject = _("Please confirm your registration: %(title)s", title=offer.title)
    message = EmailMessage(subject=subject, body=body, to=[request_row.email])
    with MailConnection() as connection:
        reason = connection.send(message, request_row.email)
    if reason:
        current_app.logger.warning("Double opt-in mail to %s failed: %s", request_row.email, reason)
        raise DomainError(_("The confirmation e-mail could not be sent. Please try again later.")) \
            from smtplib.SMTPException(reason)


@dataclass
class Checked:
    outcome: str  # "ok", "confirmed", "used", "expired", "unknown", "refused"
    signup: PublicSignup | None = None
    message: str = ""
    registration: object = None


def check(token: str) -> Checked:
    """What the link would do, without doing it."""
    checked = consent.check_token(token)
    row = None
    if checked.signup is not None:
        row = db.session.scalar(select(PublicSignup).where(PublicSignup.consent_request_id == checked.signup.id))
    if row is None:  # a newsletter link, or nothing at all
        return Checked("unknown")
    return Checked(checked.outcome, row)


def confirm(token: str) -> Checked:
    """Confirms: the person found (duplicate rules) or created with the proof, then registered. Refused
    (nothing changed, the link stays usable) when the offer takes no more registrations."""
    checked = check(token)
    if checked.outcome != "ok":
        return checked
    request_row = checked.signup.consent_request
    offer = checked.signup.offer
    try:
        services.check_open(offer, public=True)
    except DomainError as error:
        return Checked("refused", checked.signup, error.message)
    person = consent._matching_person(request_row)
    if person is None:
        person = save_person(None, {
            "first_name": request_row.first_name,
            "last_name": request_row.last_name or request_row.email.split("@")[0],
            "email": request_row.email, "legal_basis": "art6_1a", "data_source": SOURCE,
            "data_collected_on": clock.today(), "gender": "unknown",
        })
    now = clock.utcnow()
    try:
        outcome = services.register(offer, person, "public", checked.signup.organisation_name, request_row,
                                    public=True)
    except DomainError as error:
        return Checked("refused", checked.signup, error.message)
    request_row.confirmed_at, request_row.confirmed_ip, request_row.person_id = now, consent._client_ip(), person.id
    db.session.flush()
    mailing.send_outcome(outcome.registration)
    return Checked("confirmed", checked.signup, registration=outcome.registration)
