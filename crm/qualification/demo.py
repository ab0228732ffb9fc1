"""Demo qualification offers for the demo region (after the contacts and the consents): a seminar held last
month with its attendance, a workshop open for registration, a fully booked excursion with a waitlist
and an online talk still in draft. Nothing is added when offers exist already."""
import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from crm.contacts.models import FieldOfAction, Organisation, Person, TargetGroup
from crm.core import time as clock
from crm.extensions import db
from crm.qualification import services
from crm.qualification.models import Offer

OFFERS = [
    # title, kind, days from today, sessions, capacity, registrations, status
    ("Förderantrag richtig stellen", "seminar", -30, 2, 20, 19, "held"),
    ("Ehrenamt digital", "workshop", 21, 1, 24, 14, "open"),
    ("Exkursion: Dorfläden in Unterfranken", "excursion", 45, 1, 20, 23, "open"),
    ("Klimaschutz in der Gemeinde", "online", 60, 1, 100, 0, "draft"),
]


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=clock.region_zone())


def generate_offers(seed: int = 1) -> dict:
    if db.session.scalar(select(func.count(Offer.id))):
        return {"offers": 0}
    rng = random.Random(seed)
    persons = list(db.session.scalars(select(Person).where(Person.archived_at.is_(None), Person.email != "")
                                      .order_by(Person.id)))
    if len(persons) < 30:
        return {"offers": 0}
    groups = list(db.session.scalars(select(TargetGroup).order_by(TargetGroup.id)))
    fields = list(db.session.scalars(select(FieldOfAction).order_by(FieldOfAction.id)))
    providers = list(db.session.scalars(select(Organisation).where(Organisation.archived_at.is_(None))
                                        .order_by(Organisation.id).limit(20)))
    today = clock.today()
    made = 0
    for title, kind, days, count, capacity, registrations, status in OFFERS:
        first = today + timedelta(days=days)
        sessions = [(_at(first + timedelta(days=7 * i), 9), _at(first + timedelta(days=7 * i), 16),
                     ("Grundlagen", "Praxis", "Vertiefung")[i]) for i in range(count)]
        offer = services.save_offer(None, {
            "title": title, "kind": kind, "status": "open" if status in ("held", "open") else status,
            "capacity": capacity, "waitlist": True, "sessions": sessions,
            "location": "" if kind == "online" else "Rathaus Eschau, Sitzungssaal",
            "online_url": "https://konferenz.example.org/klima" if kind == "online" else "",
            "fee": "25,00" if kind == "seminar" else None,
            "registration_deadline": first - timedelta(days=3),
            "provider_id": rng.choice(providers).id if providers else None,
            "trainer_ids": [rng.choice(persons).id],
            "target_group_ids": [g.id for g in rng.sample(groups, min(2, len(groups)))],
            "field_ids": [f.id for f in rng.sample(fields, min(2, len(fields)))],
        })
        chosen = rng.sample(persons, registrations)
        rows = [services.register(offer, person, "staff").registration for person in chosen]
        if status == "held":
            for session in offer.sessions:
                services.set_attendance(offer, session, [r.id for r in rows if rng.random() < 0.85])
            offer.status = "held"
        made += 1
    db.session.flush()
    return {"offers": made}
