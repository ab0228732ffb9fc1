"""Consent (DSGVO): who may be written to for which purpose, and the proof of it.

The API the campaigns use (contract in notes/consent-api.md):

    blocked = email_blocks(person_ids, "newsletter")   # {person_id: "Widerspruch gegen Kontaktaufnahme", ...}
    blocked = letter_blocks(person_ids, "newsletter")  # {person_id: "keine Postanschrift", ...}
    url = unsubscribe_url(person_id, "newsletter", campaign_id)       # absolute, works without login
    message.extra_headers.update(list_unsubscribe_headers(url))       # RFC 8058 one-click
    unsubscribed_after(campaign_id)                                   # withdrawals through its links

Besides: the double opt-in of the public newsletter sign-up (request_signup, confirm), the office
recording a consent given on paper or by phone and a withdrawal (record_consent, withdraw), and the
unsubscribe itself (unsubscribe). Services flush; the views commit.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, func, select

from crm.campaigns.models import (
    PURPOSES,
    REQUEST_CHANNELS,
    STAFF_CHANNELS,
    Consent,
    ConsentRequest,
    ConsentWording,
    Unsubscribe,
)
from crm.contacts.models import Affiliation, Person
from crm.contacts.services import save_person
from crm.core import time as clock
from crm.core.audit import current_actor
from crm.core.errors import DomainError
from crm.core.formatting import local_date
from crm.extensions import db
from crm.segments import facets
from crm.segments.models import EXCLUSION_REASONS

# Purposes that need a confirmed consent before any e-mail (the others: unless withdrawn or objected).
NEEDS_CONSENT = frozenset({"newsletter", "photos", "data_transfer"})
CHUNK = 500
SIGNUP_SOURCE = "Newsletter-Anmeldung"
DEFAULT_CONFIRM_DAYS = 7
# a second sign-up with the same address within this time sends no second mail (no mail bombing)
RESEND_AFTER = timedelta(minutes=10)


def _chunks(ids: list[int]):
    ids = list(dict.fromkeys(int(i) for i in ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _as_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=timezone.utc)
    return value


# ------------------------------------------------------------------ who may be written to


def _withdrawn_text(withdrawn_at: datetime | None) -> str:
    return _("Consent withdrawn on %(date)s", date=local_date(_as_utc(withdrawn_at)))


def _no_consent_text(purpose: str) -> str:
    return _("No confirmed consent (%(purpose)s)", purpose=PURPOSES[purpose])


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise DomainError(_("Unknown purpose “%(purpose)s”.", purpose=str(purpose)[:40]), field="purpose")


def _blocks(person_ids: list[int], purpose: str, channel_facet: str, missing: str, needs_consent: bool) -> dict:
    """person_id -> reason, a few queries per CHUNK persons. In this order: objection to contact, a
    withdrawal for the purpose, no confirmed consent (when needed), no e-mail / postal address (the
    Verteiler condition `channel_facet`: the same test as there). Deleted persons are left out."""
    _check_purpose(purpose)
    blocked: dict[int, str] = {}
    for chunk in _chunks(person_ids):
        objecting = dict(db.session.execute(
            select(Person.id, Person.contact_objection).where(Person.id.in_(chunk))).all())
        consents = {row.person_id: (row.status, row.withdrawn_at) for row in db.session.execute(
            select(Consent.person_id, Consent.status, Consent.withdrawn_at)
            .where(Consent.person_id.in_(chunk), Consent.purpose == purpose))}
        clause = facets.FACETS[channel_facet].persons(["yes"], {})
        reachable = set(db.session.scalars(select(Person.id).where(Person.id.in_(chunk), clause.as_probe())))
        for person_id in chunk:
            if person_id not in objecting:  # deleted meanwhile: nobody to write to
                continue
            status, withdrawn_at = consents.get(person_id, (None, None))
            if objecting[person_id]:
                blocked[person_id] = str(EXCLUSION_REASONS["objection"])
            elif status == "withdrawn":
                blocked[person_id] = _withdrawn_text(withdrawn_at)
            elif needs_consent and status != "confirmed":
                blocked[person_id] = _no_consent_text(purpose)
            elif person_id not in reachable:
                blocked[person_id] = str(EXCLUSION_REASONS[missing])
    return blocked


def email_blocks(person_ids: list[int], purpose: str) -> dict[int, str]:
    """person_id -> why no e-mail may be sent to them for `purpose` (absent: allowed): objection, a
    withdrawal, no confirmed consent (purposes in NEEDS_CONSENT), no e-mail address."""
    return _blocks(person_ids, purpose, "has_email", "no_email", purpose in NEEDS_CONSENT)


def letter_blocks(person_ids: list[int], purpose: str) -> dict[int, str]:
    """person_id -> why no letter may go to them for `purpose`: objection, a withdrawal for the purpose
    (who unsubscribed from the newsletter gets no printed one either), no postal address. A letter needs
    no consent."""
    return _blocks(person_ids, purpose, "has_address", "no_address", False)


def consented_persons(purposes: list[str]):
    """SELECT of the ids of persons with a confirmed consent for any of `purposes` (the Verteiler condition)."""
    return select(Consent.person_id).where(Consent.purpose.in_(list(purposes)), Consent.status == "confirmed")


# ------------------------------------------------------------------ unsubscribe links


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="regionetz.unsubscribe")


def unsubscribe_token(person_id: int, purpose: str, campaign_id: int | None = None) -> str:
    """Signed (HMAC with SECRET_KEY), so it cannot be guessed or altered; no expiry: an unsubscribe link
    in an old newsletter must still work."""
    _check_purpose(purpose)
    return _serializer().dumps([int(person_id), purpose, int(campaign_id) if campaign_id is not None else None])


@dataclass
class UnsubscribeLink:
    person: Person
    purpose: str
    campaign_id: int | None

    @property
    def purpose_label(self) -> str:
        return str(PURPOSES[self.purpose])

    @property
    def consent(self) -> Consent | None:
        return db.session.scalar(select(Consent).where(Consent.person_id == self.person.id,
                                                       Consent.purpose == self.purpose))

    @property
    def unsubscribed(self) -> bool:
        consent = self.consent
        return consent is not None and consent.status == "withdrawn"


def read_unsubscribe_token(token: str) -> UnsubscribeLink | None:
    """The link's person (or the one they were merged into), purpose and campaign; None for a wrong or
    altered token or a deleted person."""
    try:
        person_id, purpose, campaign_id = _serializer().loads(token or "")
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(person_id, int) or purpose not in PURPOSES or not (campaign_id is None
                                                                         or isinstance(campaign_id, int)):
        return None
    person = db.session.get(Person, person_id)
    if person is None:  # merged into another record since the mail went out: the link works on for them
        from crm.duplicates.merge import merged_into

        survivor = merged_into("person", person_id)
        person = db.session.get(Person, survivor) if survivor is not None else None
    if person is None:
        return None
    return UnsubscribeLink(person, purpose, campaign_id)


def _base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")


def _absolute(endpoint: str, path: str, token: str) -> str:
    """PUBLIC_BASE_URL + path when set (background jobs have no request), else the current request's
    address (as the personal links of invitations are built)."""
    base = _base_url()
    if base:
        return base + path
    if not has_request_context():
        raise RuntimeError("Links in e-mails sent outside a request (background jobs) need PUBLIC_BASE_URL.")
    return url_for(endpoint, token=token, _external=True)


def unsubscribe_url(person_id: int, purpose: str, campaign_id: int | None = None) -> str:
    """The absolute unsubscribe link (no login)."""
    token = unsubscribe_token(person_id, purpose, campaign_id)
    return _absolute("campaigns.unsubscribe", f"/abmelden/{token}", token)


def list_unsubscribe_headers(url: str) -> dict:
    """RFC 2369 / RFC 8058 headers: the one-click POST goes to the same address."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def unsubscribe(link: UnsubscribeLink, via: str, objection: bool = False) -> bool:
    """Withdraws the consent for the link's purpose at once (a row is made if there was none: the person
    does not want this kind of mail), records when, how and through which campaign; `objection` also
    records an objection to any contact. True if anything changed."""
    now = clock.utcnow()
    consent = _consent_row(link.person, link.purpose)
    changed = consent.status != "withdrawn"
    if changed:
        consent.status = "withdrawn"
        consent.withdrawn_at = now
        consent.withdrawn_via = "objection" if objection else via
        consent.withdrawn_campaign_id = link.campaign_id
    if objection and not link.person.contact_objection:
        link.person.contact_objection = True
        changed = True
    db.session.add(Unsubscribe(person_id=link.person.id, purpose=link.purpose, campaign_id=link.campaign_id,
                               at=now, via="objection" if objection else via, changed=changed))
    db.session.flush()
    return changed


def unsubscribed_after(campaign_id: int) -> int:
    """How many persons unsubscribed through the links of that campaign (each counted once)."""
    return db.session.scalar(select(func.count(func.distinct(Unsubscribe.person_id)))
                             .where(Unsubscribe.campaign_id == campaign_id, Unsubscribe.changed.is_(True))) or 0


# ------------------------------------------------------------------ wordings


def current_wording(purpose: str) -> tuple[str, str]:
    """(version, text) shown when consent for `purpose` is asked for: the newest version an admin saved,
    else the configured default (NEWSLETTER_CONSENT_VERSION / NEWSLETTER_CONSENT_TEXT for the newsletter)."""
    row = db.session.scalar(select(ConsentWording).where(ConsentWording.purpose == purpose)
                            .order_by(ConsentWording.created_at.desc(), ConsentWording.id.desc()).limit(1))
    if row is not None:
        return row.version, row.text
    defaults = current_app.config.get("CONSENT_WORDINGS", {})
    version, text = defaults.get(purpose, ("", ""))
    return version, text


def wordings(purpose: str | None = None) -> list[ConsentWording]:
    stmt = select(ConsentWording).order_by(ConsentWording.purpose, ConsentWording.created_at.desc(),
                                           ConsentWording.id.desc())
    if purpose:
        stmt = stmt.where(ConsentWording.purpose == purpose)
    return list(db.session.scalars(stmt))


def add_wording(purpose: str, version: str, text: str) -> ConsentWording:
    _check_purpose(purpose)
    version, text = " ".join((version or "").split())[:40], (text or "").strip()
    if not version:
        raise DomainError(_("Please give the version (e.g. the date of the text)."), field="version")
    if not text:
        raise DomainError(_("Please enter the text of the consent."), field="text")
    exists_already = db.session.scalar(select(ConsentWording.id).where(ConsentWording.purpose == purpose,
                                                                       ConsentWording.version == version))
    if exists_already or version == current_app.config.get("CONSENT_WORDINGS", {}).get(purpose, ("",))[0]:
        raise DomainError(_("Version “%(version)s” exists already: a changed text needs a new version.",
                            version=version), field="version")
    row = ConsentWording(purpose=purpose, version=version, text=text, created_by=current_actor()[1])
    db.session.add(row)
    db.session.flush()
    return row


def wording_text_of(purpose: str, version: str) -> str:
    row = db.session.scalar(select(ConsentWording.text).where(ConsentWording.purpose == purpose,
                                                             ConsentWording.version == version))
    if row is not None:
        return row
    default_version, default_text = current_app.config.get("CONSENT_WORDINGS", {}).get(purpose, ("", ""))
    return default_text if version == default_version else ""


# ------------------------------------------------------------------ the office records by hand


def _consent_row(person: Person, purpose: str) -> Consent:
    """The person's consent row for the purpose, made if there is none (status "requested" until the caller
    sets it)."""
    consent = db.session.scalar(select(Consent).where(Consent.person_id == person.id, Consent.purpose == purpose))
    if consent is None:
        consent = Consent(person=person, purpose=purpose, status="requested")
        db.session.add(consent)
    return consent


def _confirmed(consent: Consent, requested_at, requested_via: str, version: str, text: str, confirmed_at,
               ip: str = "", recorded_by: str = "", note: str = "") -> None:
    """Sets the consent confirmed with its proof; a withdrawal before is over."""
    consent.status = "confirmed"
    consent.requested_at, consent.requested_via = requested_at, requested_via
    consent.wording_version, consent.wording_text = version, text
    consent.confirmed_at, consent.confirmed_ip = confirmed_at, ip
    consent.withdrawn_at, consent.withdrawn_via, consent.withdrawn_campaign_id = None, "", None
    consent.recorded_by, consent.note = recorded_by, note


@cache
def _consents_statement():
    # Built once per process (the person page runs it on every request; building it cost more than running it).
    return select(Consent).where(Consent.person_id == bindparam("person_id"))


def consents_of(person: Person) -> list[Consent]:
    rows = db.session.scalars(_consents_statement(), {"person_id": person.id}).all()
    order = list(PURPOSES)
    return sorted(rows, key=lambda c: order.index(c.purpose))


def record_consent(person: Person, purpose: str, channel: str, given_on: date | None, wording_version: str,
                   note: str = "") -> Consent:
    """A consent given on paper, by phone, by e-mail or in person, entered by the office: confirmed on
    the day given, with the wording version the person agreed to."""
    _check_purpose(purpose)
    if channel not in STAFF_CHANNELS:
        raise DomainError(_("Please choose how the consent was given."), field="channel")
    if given_on is None:
        raise DomainError(_("Please give the date the consent was given."), field="given_on")
    if given_on > clock.today():
        raise DomainError(_("The date lies in the future."), field="given_on")
    wording_version = " ".join((wording_version or "").split())[:40]
    if not wording_version:
        raise DomainError(_("Please give the version of the wording the person agreed to."),
                          field="wording_version")
    if person.archived_at is not None:
        raise DomainError(_("The person is archived."))
    at = datetime.combine(given_on, time(12, 0), tzinfo=clock.region_zone()).astimezone(timezone.utc)
    text = wording_text_of(purpose, wording_version)
    consent = _consent_row(person, purpose)
    _confirmed(consent, at, channel, wording_version, text, at,
               recorded_by=current_actor()[1], note=(note or "").strip()[:500])
    db.session.flush()
    return consent


def withdraw(consent: Consent, note: str = "") -> None:
    """A withdrawal told to the office (letter, phone): takes effect at once."""
    if consent.status == "withdrawn":
        raise DomainError(_("This consent was withdrawn already on %(date)s.",
                            date=local_date(_as_utc(consent.withdrawn_at))))
    consent.status = "withdrawn"
    consent.withdrawn_at = clock.utcnow()
    consent.withdrawn_via = "staff"
    consent.withdrawn_campaign_id = None
    consent.recorded_by = current_actor()[1]
    if note:
        consent.note = note.strip()[:500]
    db.session.flush()


# ------------------------------------------------------------------ double opt-in


def _hash(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8", "replace")).hexdigest()


def _confirm_days() -> int:
    return int(current_app.config.get("CONSENT_CONFIRM_DAYS", DEFAULT_CONFIRM_DAYS))


def _client_ip() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def request_signup(first_name: str, last_name: str, email: str, purpose: str = "newsletter") -> str | None:
    """Stores a sign-up with the wording shown now and sends the confirmation mail; returns the token
    (None when a mail to this address went out a moment ago: no second one, the page says the same)."""
    _check_purpose(purpose)
    email = (email or "").strip()
    recent = db.session.scalar(select(ConsentRequest.id).where(
        func.lower(ConsentRequest.email) == email.lower(), ConsentRequest.purpose == purpose,
        ConsentRequest.confirmed_at.is_(None), ConsentRequest.requested_at > clock.utcnow() - RESEND_AFTER))
    if recent is not None:
        return None
    version, text = current_wording(purpose)
    token = secrets.token_urlsafe(32)
    now = clock.utcnow()
    signup = ConsentRequest(purpose=purpose, first_name=(first_name or "").strip()[:100],
                            last_name=(last_name or "").strip()[:100], email=email[:254], wording_version=version,
                            wording_text=text, requested_at=now, requested_ip=_client_ip(), requested_via="signup",
                            token_hash=_hash(token), expires_at=now + timedelta(days=_confirm_days()))
    db.session.add(signup)
    db.session.flush()
    send_confirmation(signup, token)
    return token


def confirmation_url(token: str) -> str:
    return _absolute("campaigns.signup_confirm", f"/newsletter/bestaetigen/{token}", token)


def send_confirmation(signup: ConsentRequest, token: str) -> None:
    """The double opt-in mail (German, whatever the UI language), through the configured mail backend
    (crm/core/mail.py for addresses with umlauts). A server error is raised as DomainError."""
    import smtplib

    from flask_mailman.backends.smtp import EmailBackend as SmtpBackend

    from crm.core.mail import Utf8SmtpBackend
    from crm.extensions import mail

    link = confirmation_url(token)
    with force_locale("de"):
        name = " ".join(x for x in (signup.first_name, signup.last_name) if x)
        greeting = _("Hello %(name)s,", name=name) if name else _("Hello,")
        body = "\n\n".join([
            greeting,
            _("please confirm that you want to receive our %(purpose)s at this address:",
              purpose=PURPOSES[signup.purpose]),
            link,
            _("The link is valid for %(days)s days. Only after your confirmation will we send you anything.",
              days=_confirm_days()),
            _("You agreed to this text (version %(version)s):", version=signup.wording_version)
            + "\n" + signup.wording_text,
            _("If you did not sign up, simply ignore this e-mail: nothing will be stored beyond the expiry "
              "of the link and you will get no further mail."),
        ]) + "\n"
        subject = _("Please confirm: %(purpose)s", purpose=PURPOSES[signup.purpose])
    backend = mail.get_connection()
    if type(backend) is SmtpBackend:
        backend = mail.get_connection(backend=Utf8SmtpBackend)
    message = EmailMessage(subject=subject, body=body, to=[signup.email], connection=backend)
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Double opt-in mail to %s failed: %s", signup.email, error)
        raise DomainError(_("The confirmation e-mail could not be sent. Please try again later.")) from error


@dataclass
class Confirmation:
    outcome: str  # "confirmed", "used", "expired", "unknown"
    signup: ConsentRequest | None = None
    consent: Consent | None = None
    created_person: bool = False


def signup_by_token(token: str) -> ConsentRequest | None:
    if not token or len(token) > 200:
        return None
    return db.session.scalar(select(ConsentRequest).where(ConsentRequest.token_hash == _hash(token)))


def check_token(token: str, purposes=None) -> Confirmation:
    """What the link would do, without doing it; with `purposes`, a sign-up for another purpose (e.g. a
    course registration's link pasted into the newsletter's address) is unknown here."""
    signup = signup_by_token(token)
    if signup is None or (purposes is not None and signup.purpose not in purposes):
        return Confirmation("unknown")
    if signup.confirmed_at is not None:
        return Confirmation("used", signup)
    if _as_utc(signup.expires_at) < clock.utcnow():
        return Confirmation("expired", signup)
    return Confirmation("ok", signup)


def _matching_person(signup: ConsentRequest) -> Person | None:
    """An active person with the signed-up address (privately or at a function), found as the duplicate
    check of the create forms finds it (crm/duplicates/finder.similar_persons)."""
    from crm.duplicates.finder import similar_persons
    from crm.interop.dedupe import email_key

    key = email_key(signup.email)
    if not key:
        return None
    candidates = [c["id"] for c in similar_persons(signup.last_name, signup.first_name, signup.email, limit=20)
                  if not c["archived"]]
    if not candidates:
        return None
    with_address = set(db.session.scalars(select(Person.id).where(Person.id.in_(candidates),
                                                                   func.lower(Person.email) == key)))
    with_address |= set(db.session.scalars(select(Affiliation.person_id).where(
        Affiliation.person_id.in_(candidates), func.lower(Affiliation.email) == key)))
    for person_id in candidates:  # best match first
        if person_id in with_address:
            return db.session.get(Person, person_id)
    return None


def confirm(token: str) -> Confirmation:
    """Confirms the double opt-in: the person found by the address (else a new one, data source
    "Newsletter-Anmeldung", legal basis consent), the consent with the sign-up's wording, time and IP.
    A used, expired or unknown token changes nothing."""
    checked = check_token(token, PURPOSES)
    if checked.outcome != "ok":
        return checked
    signup = checked.signup
    ip = _client_ip()
    person = _matching_person(signup)
    created = person is None
    if created:
        person = save_person(None, {
            "first_name": signup.first_name, "last_name": signup.last_name or signup.email.split("@")[0],
            "email": signup.email, "legal_basis": "art6_1a", "data_source": SIGNUP_SOURCE,
            "data_collected_on": clock.today(), "gender": "unknown",
        })
    now = clock.utcnow()  # after the person was made: the timeline shows "created", then "confirmed"
    consent = _consent_row(person, signup.purpose)
    _confirmed(consent, signup.requested_at, signup.requested_via, signup.wording_version, signup.wording_text,
               now, ip=ip)
    signup.confirmed_at = now
    signup.confirmed_ip = ip
    signup.person_id = person.id
    db.session.flush()
    return Confirmation("confirmed", signup, consent, created)


def purge_expired_requests() -> int:
    """Deletes sign-ups never confirmed whose link expired (nothing of them is kept)."""
    rows = db.session.scalars(select(ConsentRequest).where(ConsentRequest.confirmed_at.is_(None),
                                                           ConsentRequest.expires_at < clock.utcnow())).all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def channel_label(channel: str) -> str:
    return str(REQUEST_CHANNELS.get(channel, channel))
