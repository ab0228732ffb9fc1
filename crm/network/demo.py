"""Demo bodies for the demo region (crm.contacts.demo): interest groups, the LAG and the ILE structure.

Call after `generate_region(...)`: the seats are drawn from the persons and organisations
that exist. Deterministic for a seed and a region. The LAG decision body has 24 voting seats,
9 of them public (37.5 %), no interest group above 49 %, one former member and one change
of role in its history, as in the journeys (design/journeys.md, Tuesday).
"""
import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.contacts.models import Affiliation, FunctionTitle, Organisation, Person
from crm.core import time as clock
from crm.extensions import db
from crm.network import services
from crm.network.models import Body, InterestGroup

INTEREST_GROUPS = [
    ("Kommunen", "public"),
    ("Wirtschaft", "economy"),
    ("Landwirtschaft", "economy"),
    ("Engagierte Bürger", "civil_society"),
    ("Soziales", "civil_society"),
    ("Umwelt", "civil_society"),
    ("Jugend", "civil_society"),
]

HEADS = {"Landrat", "Erster Bürgermeister", "Vorsitzender", "Präsident", "Behördenleiter", "Leiter", "Pfarrer",
         "Geschäftsführer", "Gemeinschaftsvorsitzender"}
LAG_NAME = "LAG Spessart-Mainland: Entscheidungsgremium"
PERIOD_START = date(2023, 1, 1)  # the funding period 2023-2027 began with the new LAG


class _Pool:
    """Current functions in the region, to draw seat holders from without using anyone twice."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[int] = set()
        stmt = (
            select(Affiliation)
            .where(Affiliation.valid_to.is_(None) | (Affiliation.valid_to >= clock.today()))
            .options(selectinload(Affiliation.person), selectinload(Affiliation.organisation),
                     selectinload(Affiliation.function))
            .order_by(Affiliation.id)
        )
        self.affiliations = [a for a in db.session.scalars(stmt) if a.person.archived_at is None]

    def _function(self, a: Affiliation) -> str:
        return a.function.name_male if a.function else ""

    def find(self, function: str | None = None, kind: str | None = None, sector: str | None = None,
             name_contains: str | None = None, organisation: Organisation | None = None) -> Affiliation | None:
        matches = [
            a for a in self.affiliations
            if a.person_id not in self.used
            and (function is None or self._function(a) == function)
            and (kind is None or a.organisation.kind == kind)
            and (sector is None or a.organisation.sector == sector)
            and (name_contains is None or name_contains in a.organisation.name)
            and (organisation is None or a.organisation_id == organisation.id)
        ]
        if not matches:
            return None
        if function is None:  # whoever leads the organisation represents it
            heads = [a for a in matches if self._function(a) in HEADS]
            matches = heads or matches
        return self.rng.choice(matches)

    def take(self, *searches: dict) -> Affiliation | None:
        """The first search that finds someone wins; the person is then used up."""
        for search in searches:
            found = self.find(**search)
            if found is not None:
                self.used.add(found.person_id)
                return found
        return None

    def deputy_for(self, a: Affiliation) -> Person | None:
        """A second person of the same organisation (the second mayor for a mayor)."""
        for function in ("Zweiter Bürgermeister", "Stellvertretender Vorsitzender", None):
            found = self.find(function=function, organisation=a.organisation)
            if found is not None:
                self.used.add(found.person_id)
                return found.person
        return None


def _groups() -> dict[str, InterestGroup]:
    existing = {g.name: g for g in db.session.scalars(select(InterestGroup))}
    for position, (name, sector) in enumerate(INTEREST_GROUPS):
        if name not in existing:
            existing[name] = services.save_interest_group(None, {"name": name, "sector": sector, "position": position})
    return existing


def _body(name, kind, parent=None, short="", description="", **rules) -> Body:
    data = {"name": name, "short_name": short, "kind": kind, "description": description,
            "parent_id": parent.id if parent else None, "quorum_share": rules.get("quorum", 50),
            "max_group_share": rules.get("max_group", 49), "min_non_public_share": rules.get("min_non_public", 50)}
    return services.save_body(None, data)


def _seat(body, a: Affiliation | None, group=None, role="member", voting=True, deputy=None, since=PERIOD_START,
          until=None, resolution="LAG-Beschluss 2023/01") -> int:
    if a is None:
        return 0
    services.add_seat(body, {
        "person_id": a.person_id, "organisation_id": a.organisation_id, "role": role, "voting": voting,
        "interest_group_id": group.id if group else None, "deputy_id": deputy.id if deputy else None,
        "valid_from": since, "valid_to": until, "resolution": resolution,
    })
    return 1


def generate_bodies(seed: int = 1) -> dict:
    """Interest groups, the LAG decision body and assembly, the steering group and two working
    groups under it; returns counts. Does nothing (zero counts) when the LAG exists already."""
    if db.session.scalar(select(Body.id).where(Body.name == LAG_NAME)) is not None:
        return {"interest_groups": 0, "bodies": 0, "seats": 0}
    rng = random.Random(seed)
    groups = _groups()
    pool = _Pool(rng)
    seats = 0

    lag = _body(LAG_NAME, "lag_decision", short="LAG-EG",
                description="Wählt die LEADER-Projekte aus. Geschäftsordnung vom 12.01.2023.")
    mayor = {"function": "Erster Bürgermeister", "kind": "municipality"}
    company = {"function": "Geschäftsführer", "kind": "company"}
    chair = {"function": "Vorsitzender", "kind": "association"}
    # (group, searches, options): public 9 of 24 (the district administrator chairs), then the WISO partners.
    slots = [("Kommunen", ({"function": "Landrat"}, mayor), {"role": "chair"})]
    slots += [("Kommunen", (mayor,), {"deputy": i % 4 != 3}) for i in range(8)]
    slots += [
        ("Wirtschaft", ({"name_contains": "IHK"}, company), {}),
        ("Wirtschaft", ({"name_contains": "Handwerkskammer"}, company), {"deputy": False}),
        ("Wirtschaft", ({"name_contains": "Tourismusverband"}, company), {}),
        ("Wirtschaft", (company,), {}),
        ("Landwirtschaft", ({"name_contains": "Bauernverband"}, company), {}),
        ("Landwirtschaft", (company,), {"deputy": False}),
        ("Landwirtschaft", (company,), {}),
        ("Engagierte Bürger", ({"name_contains": "Bürgerverein", "function": "Vorsitzender"}, chair), {}),
        ("Engagierte Bürger", ({"name_contains": "Heimat", "function": "Vorsitzender"}, chair), {"deputy": False}),
        # a member who became vice chair by a later resolution: the change keeps the first seat
        ("Engagierte Bürger", ({"name_contains": "Bürgerstiftung"}, chair), {"vice_from": date(2024, 4, 1)}),
        ("Soziales", ({"kind": "church"}, chair), {}),
        ("Soziales", ({"name_contains": "Volkshochschule"}, {"name_contains": "Senioren"}, chair), {"deputy": False}),
        ("Umwelt", ({"name_contains": "Naturpark"}, chair), {}),
        ("Umwelt", ({"name_contains": "Energieagentur"}, {"name_contains": "Obst"}, chair), {"deputy": False}),
        # youth: an association left in 2025, the district youth council took the seat
        ("Jugend", ({"name_contains": "Jugendclub"}, chair),
         {"deputy": False, "until": date(2025, 6, 30), "end_resolution": "Rücktritt, Schreiben vom 12.06.2025"}),
        ("Jugend", ({"name_contains": "Kreisjugendring"}, chair),
         {"since": date(2025, 7, 1), "resolution": "LAG-Beschluss 2025/07"}),
        # without a vote: the funding authority advises, the LAG office keeps the minutes
        (None, ({"name_contains": "Ernährung, Landwirtschaft"}, {"kind": "authority"}),
         {"role": "advisory", "voting": False, "deputy": False, "fallback": {"sector": "public"}}),
        (None, ({"name_contains": "LAG Spessart"},),
         {"role": "office", "voting": False, "deputy": False, "fallback": {"sector": "civil_society"}}),
    ]
    # Everyone's first choice first, so that a small region's fallbacks do not use up named organisations.
    holders = [pool.take(searches[0]) for _group, searches, _options in slots]
    for i, (group, searches, options) in enumerate(slots):
        if holders[i] is None:
            fallback = options.get("fallback") or {"sector": groups[group].sector}
            holders[i] = pool.take(*searches[1:], fallback, {})
    deputies = [pool.deputy_for(a) if a is not None and options.get("deputy", True) else None
                for a, (_group, _searches, options) in zip(holders, slots)]
    for a, deputy, (group, _searches, options) in zip(holders, deputies, slots):
        if a is None:
            continue
        seat = services.add_seat(lag, {
            "person_id": a.person_id, "organisation_id": a.organisation_id, "role": options.get("role", "member"),
            "voting": options.get("voting", True), "interest_group_id": groups[group].id if group else None,
            "deputy_id": deputy.id if deputy else None, "valid_from": options.get("since", PERIOD_START),
            "valid_to": options.get("until"), "resolution": options.get("resolution", "LAG-Beschluss 2023/01"),
        })
        seats += 1
        seat.end_resolution = options.get("end_resolution", "")
        if options.get("vice_from"):
            services.change_seat(seat, {
                "person_id": a.person_id, "organisation_id": a.organisation_id, "role": "vice_chair",
                "voting": True, "interest_group_id": groups[group].id, "deputy_id": deputy.id if deputy else None,
                "valid_from": options["vice_from"], "valid_to": None, "resolution": "LAG-Beschluss 2024/02",
            })
            seats += 1

    # The assembly: every LAG member, plus the association members around them.
    assembly = _body("LAG Spessart-Mainland e.V.: Mitgliederversammlung", "lag_assembly", short="LAG-MV",
                     description="Alle Mitglieder des Vereins; wählt das Entscheidungsgremium.")
    for seat in sorted(lag.seats_on(clock.today()), key=lambda s: s.id):
        if seat.voting:
            services.add_seat(assembly, {
                "person_id": seat.person_id, "organisation_id": seat.organisation_id,
                "role": "chair" if seat.role == "chair" else "member", "voting": True,
                "interest_group_id": seat.interest_group_id,
                "valid_from": seat.valid_from if seat.valid_from > date(2025, 1, 1) else PERIOD_START, "resolution": "",
            })
            seats += 1
    for group, search in (("Engagierte Bürger", chair), ("Wirtschaft", company), ("Soziales", chair),
                          ("Umwelt", chair), ("Engagierte Bürger", chair), ("Landwirtschaft", company)):
        seats += _seat(assembly, pool.take(search), groups[group], resolution="Beitritt")

    # ILE: the steering group of mayors (a public body by nature: no composition rules) and its working groups.
    steering = _body("ILE Spessart-Mainland: Lenkungsgruppe", "steering_group", short="ILE-LG",
                     description="Die Bürgermeisterinnen und Bürgermeister der ILE-Gemeinden.",
                     max_group=100, min_non_public=0)
    mayors = db.session.scalars(
        select(Affiliation).join(FunctionTitle).join(Organisation, Affiliation.organisation_id == Organisation.id)
        .where(FunctionTitle.name_male == "Erster Bürgermeister", Organisation.kind == "municipality",
               Affiliation.valid_to.is_(None) | (Affiliation.valid_to >= clock.today()))
        .order_by(Organisation.sort_name)
    ).all()
    for i, a in enumerate(mayors):
        seats += _seat(steering, a, groups["Kommunen"], role="chair" if i == 0 else "vice_chair" if i == 1 else "member",
                       resolution="Gründungsvereinbarung ILE")
    tourism = _body("AK Tourismus", "working_group", parent=steering, short="AK Tourismus",
                    description="Rad- und Wanderwege, Gastgeber, gemeinsames Marketing.")
    skilled = _body("AK Fachkräfte", "working_group", parent=steering, short="AK Fachkräfte",
                    description="Fachkräftesicherung mit Betrieben, Kammern und Schulen.")
    for body, searches in (
        (tourism, [{"name_contains": "Tourismusverband"}, {"name_contains": "Naturpark"}, company, company, chair,
                   chair, {"kind": "municipality"}]),
        (skilled, [{"name_contains": "IHK"}, {"name_contains": "Handwerkskammer"}, company, company, company,
                   {"name_contains": "Volkshochschule"}, {"kind": "municipality"}]),
    ):
        for i, search in enumerate(searches):
            # Working groups have no vote.
            a = pool.take(search, {k: v for k, v in search.items() if k != "name_contains"}, {})
            seats += _seat(body, a, role="chair" if i == 0 else "member", voting=False,
                           since=date(2024, 2, 1), resolution="Sitzung der Lenkungsgruppe vom 24.01.2024")
    db.session.flush()
    return {"interest_groups": len(INTEREST_GROUPS), "bodies": 5, "seats": seats}
