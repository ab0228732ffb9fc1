"""Demo Verteiler for the demo region (after crm.contacts.demo and crm.network.demo): the mayors of the
district, the steering group with the chairs of the working groups, the press, and a fixed guest list.

Looked up by name in the region; a Verteiler whose name exists already is skipped, so running it
twice adds nothing.
"""
import random

from sqlalchemy import select

from crm.contacts.demo import DISTRICT_AGS
from crm.contacts.models import Affiliation, FunctionTitle, Organisation, Person, Tag
from crm.contacts.services import current_affiliation_clause
from crm.extensions import db
from crm.network.models import Body
from crm.segments import services
from crm.segments.models import Segment


def _id(stmt):
    return db.session.scalar(stmt.limit(1))


def _condition(facet: str, values: list, **extra) -> dict | None:
    values = [v for v in values if v is not None]
    return {"facet": facet, "values": values, **extra} if values else None


def _group(op: str, *items) -> dict:
    return {"op": op, "items": [item for item in items if item is not None]}


def generate_segments(seed: int = 1) -> dict:
    existing = set(db.session.scalars(select(Segment.name)))
    mayor = _id(select(FunctionTitle.id).where(FunctionTitle.name_male == "Erster Bürgermeister"))
    district = _id(select(Organisation.ags).where(Organisation.kind == "district", Organisation.ags != ""))
    steering = _id(select(Body.id).where(Body.kind == "steering_group", Body.archived_at.is_(None)))
    press = _id(select(Tag.id).where(Tag.name == "Presse"))
    dynamic = [
        ("Erste Bürgermeisterinnen und Bürgermeister im Landkreis",
         "Für Einladungen der Lenkungsgruppe und Rundschreiben an die Rathäuser.",
         _group("and", _condition("function", [mayor]),
                _condition("district", [(district or DISTRICT_AGS)[:5]]))),
        ("Lenkungsgruppe und Vorsitz der Arbeitskreise",
         "Alle Mitglieder der ILE-Lenkungsgruppe und wer einen Arbeitskreis leitet.",
         _group("or", _condition("body", [steering]),
                _condition("body_kind", ["working_group"], roles=["chair"]))),
        ("Presse und Medien", "Redaktionen und alle mit dem Schlagwort Presse, für Pressemitteilungen.",
         _group("or", _condition("org_kind", ["media"]), _condition("tag", [press]))),
    ]
    made = 0
    for name, description, tree in dynamic:
        if name in existing or not tree["items"]:
            continue
        services.save_segment(None, {"name": name, "description": description, "kind": "dynamic", "filter": tree})
        made += 1

    guests = "Neujahrsempfang 2027"
    if guests not in existing:
        key_holders = list(db.session.scalars(
            select(Person.id).join(Affiliation, Affiliation.person_id == Person.id)
            .join(FunctionTitle, FunctionTitle.id == Affiliation.function_id)
            .where(FunctionTitle.is_key_function.is_(True), current_affiliation_clause(),
                   Person.archived_at.is_(None))
            .distinct().order_by(Person.id)))
        if key_holders:
            chosen = sorted(random.Random(seed).sample(key_holders, min(14, len(key_holders))))
            segment = services.save_segment(None, {
                "name": guests, "kind": "fixed",
                "description": "Gästeliste, von Hand zusammengestellt aus der Personenliste."})
            services.add_members(segment, chosen)
            made += 1
    db.session.flush()
    return {"segments": made}
