"""Demo consents for the demo region (after the contacts): newsletter subscribers by double opt-in and on
paper, a few withdrawals, photo consents from events. Persons with a consent row already are skipped, so
running it twice adds nothing."""
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from crm.campaigns.models import Consent
from crm.contacts.models import Person
from crm.core import time as clock
from crm.extensions import db


def generate_consents(seed: int = 1) -> dict:
    rng = random.Random(seed)
    taken = set(db.session.scalars(select(Consent.person_id)))
    persons = [p for p in db.session.scalars(select(Person).where(Person.archived_at.is_(None), Person.email != "")
                                             .order_by(Person.id)) if p.id not in taken]
    version, text = current_app.config.get("CONSENT_WORDINGS", {}).get("newsletter", ("2026-12", ""))
    now = clock.utcnow()
    made = 0
    for person in persons:
        if rng.random() > 0.45:
            continue
        asked = now - timedelta(days=rng.randint(3, 400), minutes=rng.randint(0, 600))
        online = rng.random() < 0.7
        consent = Consent(person=person, purpose="newsletter", status="confirmed", requested_at=asked,
                          requested_via="signup" if online else rng.choice(["paper", "phone"]),
                          wording_version=version, wording_text=text if online else "",
                          confirmed_at=asked + timedelta(minutes=rng.randint(2, 300)) if online else asked,
                          confirmed_ip=f"198.51.100.{rng.randint(2, 250)}" if online else "",
                          recorded_by="" if online else "Demo")
        if rng.random() < 0.12:
            consent.status = "withdrawn"
            consent.withdrawn_at = asked + timedelta(days=rng.randint(1, 2))
            consent.withdrawn_via = rng.choice(["link", "one-click", "staff"])
        db.session.add(consent)
        made += 1
        if rng.random() < 0.25:
            db.session.add(Consent(person=person, purpose="photos", status="confirmed", requested_at=asked,
                                   requested_via="paper", wording_version="Fotoerlaubnis 2026",
                                   confirmed_at=asked, recorded_by="Demo"))
    db.session.flush()
    return {"consents": made}
