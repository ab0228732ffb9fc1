"""The demo region's letterhead, so the first mail merge already looks like a letter of the LAG."""
from sqlalchemy import select

from crm.extensions import db
from crm.letters.models import Letterhead


def generate_letterhead(seed: int = 1) -> dict:
    if db.session.scalar(select(Letterhead.id).limit(1)) is not None:
        return {"letterheads": 0}
    db.session.add(Letterhead(
        sender_name="LAG Spessart-Mainland e.V.",
        address="Regionalmanagement\nHauptstraße 12\n63820 Elsenfeld",
        return_line="LAG Spessart-Mainland e.V. · Hauptstraße 12 · 63820 Elsenfeld",
        contact_person="Sabine Keller",
        phone="06022 50 12-0",
        email="info@lag-spessart-mainland.de",
        website="www.lag-spessart-mainland.de",
        bank="Sparkasse Miltenberg-Obernburg · IBAN DE12 7965 0000 0000 1234 56 · BIC BYLADEM1MIL",
        footer="Vereinsregister Aschaffenburg VR 1234 · Gefördert durch LEADER im Bayerischen Programm",
    ))
    db.session.flush()
    return {"letterheads": 1}
