"""A realistic, deterministic LEADER region for demos, tests and benchmarks.

Rows go in with bulk inserts in one transaction (100,000 persons within the bench limit);
the search index is then rebuilt from the database, exactly as after a normal edit.
"""
import random
from datetime import timedelta

from faker import Faker
from sqlalchemy import delete, func, select, text

from crm.contacts.models import (
    Affiliation,
    ExpertiseTopic,
    FieldOfAction,
    FunctionTitle,
    Organisation,
    Person,
    Tag,
    TargetGroup,
    organisation_field,
    organisation_tag,
    person_expertise,
    person_field,
    person_tag,
    person_target_group,
)
from crm.contacts.search import (
    ORGANISATION,
    ORGANISATION_ARCHIVED,
    PERSON,
    PERSON_ARCHIVED,
    SearchToken,
    reindex_organisations,
    reindex_persons,
)
from crm.core import time as clock
from crm.core.formatting import normalise_phone
from crm.core.models import utcnow
from crm.core.text import fold
from crm.extensions import db

DISTRICT_AGS = "09676"

FIELDS_OF_ACTION = [
    "Tourismus und Naherholung", "Daseinsvorsorge", "Klima und Energie", "Regionale Wirtschaft",
    "Landwirtschaft und Regionalvermarktung", "Kultur und Heimat", "Bildung und Jugend",
]
TARGET_GROUPS = ["Jugend", "Senioren", "Frauen", "Familien", "Landwirte", "Unternehmen", "Neubürger",
                 "Ehrenamtliche", "Menschen mit Behinderung"]
TAGS = ["Dorfladen", "Radweg", "Ehrenamt", "Presse", "Innenentwicklung", "Streuobst", "Fachkräfte", "Mobilität",
        "Breitband", "Kooperation", "Weinbau", "Wanderwege"]
TOPICS = ["Fördermittel", "Dorfentwicklung", "Energieberatung", "Tourismusmarketing", "Denkmalpflege",
          "Regionalvermarktung", "Jugendbeteiligung", "Mobilität", "Digitalisierung", "Naturschutz", "Moderation"]

# name_male, name_female, salutation_male, salutation_female, key function
FUNCTIONS = [
    ("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin", True),
    ("Zweiter Bürgermeister", "Zweite Bürgermeisterin", "Bürgermeister", "Bürgermeisterin", False),
    ("Dritter Bürgermeister", "Dritte Bürgermeisterin", "Bürgermeister", "Bürgermeisterin", False),
    ("Landrat", "Landrätin", "Landrat", "Landrätin", True),
    ("Stellvertretender Landrat", "Stellvertretende Landrätin", "", "", False),
    ("Gemeinschaftsvorsitzender", "Gemeinschaftsvorsitzende", "", "", True),
    ("Geschäftsleiter", "Geschäftsleiterin", "", "", False),
    ("Kämmerer", "Kämmerin", "", "", False),
    ("Gemeinderat", "Gemeinderätin", "", "", False),
    ("Vorsitzender", "Vorsitzende", "", "", True),
    ("Stellvertretender Vorsitzender", "Stellvertretende Vorsitzende", "", "", False),
    ("Kassier", "Kassiererin", "", "", False),
    ("Schriftführer", "Schriftführerin", "", "", False),
    ("Geschäftsführer", "Geschäftsführerin", "", "", False),
    ("Inhaber", "Inhaberin", "", "", False),
    ("Leiter", "Leiterin", "", "", False),
    ("Referent", "Referentin", "", "", False),
    ("Sachbearbeiter", "Sachbearbeiterin", "", "", False),
    ("Redakteur", "Redakteurin", "", "", False),
    ("Pfarrer", "Pfarrerin", "Pfarrer", "Pfarrerin", False),
    ("Präsident", "Präsidentin", "Präsident", "Präsidentin", True),
    ("Regionalmanager", "Regionalmanagerin", "", "", False),
    ("Klimaschutzmanager", "Klimaschutzmanagerin", "", "", False),
    ("Wirtschaftsförderer", "Wirtschaftsförderin", "", "", False),
    ("Behördenleiter", "Behördenleiterin", "", "", True),
    ("Projektleiter", "Projektleiterin", "", "", False),
    ("Jugendpfleger", "Jugendpflegerin", "", "", False),
    ("Kreisheimatpfleger", "Kreisheimatpflegerin", "", "", False),
]

MUNICIPALITIES = [
    ("Kleinwallstadt", "Markt", "63839"), ("Elsenfeld", "Markt", "63820"), ("Erlenbach a.Main", "Stadt", "63906"),
    ("Obernburg a.Main", "Stadt", "63785"), ("Wörth a.Main", "Stadt", "63939"), ("Klingenberg a.Main", "Stadt", "63911"),
    ("Großwallstadt", "Gemeinde", "63868"), ("Niedernberg", "Gemeinde", "63843"), ("Sulzbach a.Main", "Markt", "63834"),
    ("Leidersbach", "Gemeinde", "63849"), ("Eschau", "Markt", "63863"), ("Mömlingen", "Markt", "63853"),
    ("Großheubach", "Markt", "63920"), ("Kleinheubach", "Markt", "63924"), ("Laudenbach", "Gemeinde", "63925"),
    ("Collenberg", "Gemeinde", "97903"), ("Dorfprozelten", "Gemeinde", "97904"), ("Faulbach", "Gemeinde", "97906"),
    ("Stadtprozelten", "Stadt", "97909"), ("Bürgstadt", "Markt", "63927"), ("Miltenberg", "Stadt", "63897"),
    ("Amorbach", "Stadt", "63916"), ("Weilbach", "Markt", "63937"), ("Kirchzell", "Markt", "63931"),
    ("Schneeberg", "Markt", "63936"), ("Rüdenau", "Gemeinde", "63924"), ("Mönchberg", "Markt", "63933"),
    ("Röllbach", "Gemeinde", "63934"),
]
# The small ones form a Verwaltungsgemeinschaft.
VG_MEMBERS = {"Collenberg", "Dorfprozelten", "Faulbach", "Rüdenau", "Röllbach"}

ASSOCIATION_PATTERNS = [
    "Heimat- und Geschichtsverein {m}", "Obst- und Gartenbauverein {m}", "Sportverein {m} e.V.",
    "Freiwillige Feuerwehr {m}", "Musikverein {m}", "Kolpingfamilie {m}", "Jugendclub {m}",
    "Seniorenkreis {m}", "Dorfladen {m} UG", "Bürgerverein {m} e.V.",
]
FIXED_ORGS = [
    ("LAG Spessart-Mainland e.V.", "LAG", "association", "civil_society"),
    ("Kreisjugendring Mainland", "KJR", "federation", "civil_society"),
    ("Bayerischer Bauernverband, Kreisverband Mainland", "BBV", "federation", "economy"),
    ("IHK Aschaffenburg", "IHK", "chamber", "economy"),
    ("Handwerkskammer für Unterfranken", "HWK", "chamber", "economy"),
    ("Amt für Ernährung, Landwirtschaft und Forsten Karlstadt", "AELF", "authority", "public"),
    ("Amt für Ländliche Entwicklung Unterfranken", "ALE", "authority", "public"),
    ("Volkshochschule Mainland", "VHS", "education", "civil_society"),
    ("Main-Echo, Lokalredaktion Miltenberg", "", "media", "economy"),
    ("Radio Primavera", "", "media", "economy"),
    ("Katholische Pfarreiengemeinschaft Mainschleife", "", "church", "civil_society"),
    ("Bürgerstiftung Spessart-Mainland", "", "foundation", "civil_society"),
    ("Tourismusverband Spessart-Mainland", "", "association", "economy"),
    ("Naturpark Spessart e.V.", "", "association", "civil_society"),
    ("Energieagentur Untermain", "", "advisory_body", "economy"),
]
COMPANY_TRADES = ["Bau", "Holzbau", "Elektro", "Metzgerei", "Bäckerei", "Weingut", "Brauerei", "Landtechnik",
                  "Gasthof", "Steuerberatung", "Druckerei", "Sanitär", "Schreinerei", "Logistik", "Software"]
MOBILE_PREFIXES = ["0151", "0152", "0160", "0170", "0171", "0172", "0175", "0176", "0179"]
COMPANY_FORMS = ["GmbH", "GmbH & Co. KG", "e.K.", "KG", "AG", "OHG"]


class _Ids:
    """Explicit primary keys, so related rows can be inserted in bulk without round trips."""

    def __init__(self, model):
        self.next = (db.session.scalar(select(func.max(model.id))) or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def _catalogue(model, names, **extra):
    existing = {o.name: o.id for o in db.session.scalars(select(model))}
    for pos, name in enumerate(names):
        if name not in existing:
            obj = model(name=name, **({"position": pos} if extra.get("positioned") else {}))
            db.session.add(obj)
            db.session.flush()
            existing[name] = obj.id
    return [existing[n] for n in names]


def _functions() -> dict[str, int]:
    existing = {f.name_male: f.id for f in db.session.scalars(select(FunctionTitle))}
    for pos, (male, female, sal_m, sal_f, key) in enumerate(FUNCTIONS):
        if male not in existing:
            f = FunctionTitle(name_male=male, name_female=female, salutation_male=sal_m, salutation_female=sal_f,
                              is_key_function=key, position=pos)
            db.session.add(f)
            db.session.flush()
            existing[male] = f.id
    return existing


def _mobile(rng: random.Random) -> str:
    # Eight digits: valid with every prefix (0151 and 0152 have no seven-digit numbers); the
    # random draws stay the same as before, so a seed still gives the same region.
    prefix, number = rng.choice(MOBILE_PREFIXES), rng.randint(1000000, 9999999)
    return normalise_phone(f"{prefix} {number}{number % 10}")


def _phone(rng: random.Random, area: str) -> str:
    return normalise_phone(f"0{area} {rng.randint(1000, 99999)}")


def _slug(name: str) -> str:
    return "".join(ch for ch in fold(name) if ch.isalnum())[:20] or "org"


def generate_region(persons: int = 300, organisations: int | None = None, seed: int = 1) -> dict:
    """Add a region with `persons` persons (at least its ~130 office holders); returns counts.

    Deterministic for a seed.
    """
    rng = random.Random(seed)
    fake = Faker("de_DE")
    fake.seed_instance(seed)

    field_ids = _catalogue(FieldOfAction, FIELDS_OF_ACTION, positioned=True)
    tg_ids = _catalogue(TargetGroup, TARGET_GROUPS)
    tag_ids = _catalogue(Tag, TAGS)
    topic_ids = _catalogue(ExpertiseTopic, TOPICS)
    fn = _functions()
    db.session.flush()

    org_ids, person_ids = _Ids(Organisation), _Ids(Person)
    aff_ids = _Ids(Affiliation)
    orgs, org_tags, org_fields = [], [], []
    people, affs, p_tags, p_fields, p_tgs, p_topics = [], [], [], [], [], []
    org_cities: dict[int, str] = {}
    today = clock.today()

    def org_row(name, kind, sector, short="", ags="", parent=None, municipality=None, postcode="", city="",
                street=None, area="6022"):
        oid = org_ids.take()
        org_cities[oid] = city
        domain = _slug(short or name) + ".de"
        orgs.append(dict(
            id=oid, name=name, short_name=short, kind=kind, sector=sector, ags=ags, parent_id=parent,
            municipality_id=municipality, street=street or fake.street_address(), po_box="", postcode=postcode,
            city=city, country="DE", email=f"info@{domain}", phone=_phone(rng, area), fax="",
            website=f"https://www.{domain}", notes="", sort_name=fold(name)[:200], archived_at=None,
        ))
        if rng.random() < 0.6:
            org_fields.append({"organisation_id": oid, "field_of_action_id": rng.choice(field_ids)})
        if rng.random() < 0.3:
            org_tags.append({"organisation_id": oid, "tag_id": rng.choice(tag_ids)})
        return oid

    def person_row(gender=None, org=None, function=None, label="", primary=True, domain="", since=None, until=None):
        pid = person_ids.take()
        gender = gender or rng.choice(("female", "male", "female", "male", "male", "female", "unknown", "diverse")[: 6 if rng.random() < 0.97 else 8])
        if gender == "female":
            first = fake.first_name_female()
        elif gender == "male":
            first = fake.first_name_male()
        else:
            first = fake.first_name_nonbinary()
        last = fake.last_name()
        while not last[:1].isupper():  # Faker de_DE has a few odd entries like "auch Schlauchin"
            last = fake.last_name()
        roll = rng.random()
        degree = "Prof. Dr." if roll < 0.01 else "Dr." if roll < 0.06 else "Dipl.-Ing." if roll < 0.09 else ""
        nobility = "von" if rng.random() < 0.005 else ""
        email_local = f"{fold(first)[:1]}.{_slug(last)}"
        people.append(dict(
            id=pid, gender=gender, degree=degree, nobility=nobility, first_name=first, last_name=last,
            name_suffix="", formal=rng.random() > 0.05, salutation_override="",
            email=f"{email_local}@{fake.free_email_domain()}" if rng.random() < 0.3 else "",
            phone="", mobile=_mobile(rng) if rng.random() < 0.4 else "",
            street="", postcode="", city="", country="DE", expertise_note="", notes="",
            legal_basis=rng.choice(("art6_1e", "art6_1f", "art6_1b")), data_source=rng.choice(
                ("Gemeindeverwaltung", "Visitenkarte LAG-Sitzung", "Vereinsregister", "Website der Organisation")),
            data_collected_on=today - timedelta(days=rng.randint(30, 2000)), last_reviewed_on=None,
            contact_objection=False, sort_name=fold(f"{last} {first}")[:220], archived_at=None,
            # What reindex_persons would store (the city of the current primary function's organisation),
            # so that it has nothing to update after the load.
            sort_city=fold(org_cities[org])[:100] or None if org is not None and until is None else None,
        ))
        if org is not None:
            affs.append(dict(
                id=aff_ids.take(), person_id=pid, organisation_id=org, function_id=function, function_label=label,
                department="", email=f"{email_local}@{domain}" if domain else "", phone="", mobile="",
                street="", postcode="", city="", valid_from=since or today - timedelta(days=rng.randint(100, 4000)),
                valid_to=until, is_primary=primary,
            ))
        if rng.random() < 0.35:
            p_tags.append({"person_id": pid, "tag_id": rng.choice(tag_ids)})
        for fid in rng.sample(field_ids, rng.choice((0, 1, 1, 2))):
            p_fields.append({"person_id": pid, "field_of_action_id": fid})
        if rng.random() < 0.2:
            p_tgs.append({"person_id": pid, "target_group_id": rng.choice(tg_ids)})
        if rng.random() < 0.04:
            for tid in rng.sample(topic_ids, rng.choice((1, 2))):
                p_topics.append({"person_id": pid, "expertise_topic_id": tid})
        return pid

    # The public structure: district, administrative union, municipalities with their AGS.
    district = org_row("Landkreis Spessart-Mainland", "district", "public", "LRA", DISTRICT_AGS + "000",
                       postcode="63897", city="Miltenberg", street="Brückenstraße 1", area="9371")
    vg = org_row("Verwaltungsgemeinschaft Mainschleife", "admin_union", "public", "VG", parent=district,
                 postcode="97904", city="Dorfprozelten", area="9392")
    municipality_ids = []
    for number, (name, kind_word, postcode) in enumerate(MUNICIPALITIES):
        title = f"{kind_word} {name}" if kind_word != "Gemeinde" else f"Gemeinde {name}"
        oid = org_row(title, "municipality", "public", name, f"{DISTRICT_AGS}{111 + number * 3:03d}",
                      parent=vg if name in VG_MEMBERS else district, postcode=postcode, city=name,
                      street=rng.choice(("Rathausplatz 1", "Hauptstraße 10", "Marktplatz 2", "Kirchstraße 4")))
        municipality_ids.append((oid, name, postcode))
    fixed = []
    for name, short, kind, sector in FIXED_ORGS:
        _m, city, postcode = rng.choice(municipality_ids)
        fixed.append((org_row(name, kind, sector, short, postcode=postcode, city=city), kind))

    # Office holders: mayors, the district administrator, heads of authorities.
    domains = {o["id"]: o["email"].split("@")[1] for o in orgs}
    person_row(rng.choice(("female", "male")), district, fn["Landrat"], domain=domains[district])
    person_row(None, vg, fn["Gemeinschaftsvorsitzender"], domain=domains[vg])
    for oid, _name, _pc in municipality_ids:
        person_row(rng.choice(("female", "male", "male")), oid, fn["Erster Bürgermeister"], domain=domains[oid])
        # A former second mayor whose term ended, and the current one.
        person_row(rng.choice(("female", "male")), oid, fn["Zweiter Bürgermeister"], domain=domains[oid],
                   since=today - timedelta(days=3000), until=today - timedelta(days=rng.randint(200, 900)))
        person_row(rng.choice(("female", "male")), oid, fn["Zweiter Bürgermeister"], domain=domains[oid])
        person_row(None, oid, fn["Geschäftsleiter"], domain=domains[oid])
    for oid, kind in fixed:
        head = {"authority": "Behördenleiter", "chamber": "Präsident", "media": "Redakteur", "church": "Pfarrer",
                "education": "Leiter", "advisory_body": "Geschäftsführer"}.get(kind, "Vorsitzender")
        person_row(None, oid, fn[head], domain=domains[oid])

    # Associations and companies in the municipalities, up to the wanted number of organisations.
    target_orgs = organisations if organisations is not None else max(len(orgs) + 40, persons // 4)
    while len(orgs) < target_orgs and len(people) < persons:
        oid_m, mname, postcode = rng.choice(municipality_ids)
        if rng.random() < 0.55:
            name = rng.choice(ASSOCIATION_PATTERNS).format(m=mname)
            if len(orgs) > 200:
                name += f" {len(orgs)}"  # keep large benchmark regions free of accidental duplicates
            oid = org_row(name, "association", "civil_society", municipality=oid_m, postcode=postcode, city=mname)
            person_row(None, oid, fn["Vorsitzender"], domain=domains.setdefault(oid, orgs[-1]["email"].split("@")[1]))
        else:
            name = f"{fake.last_name()} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_FORMS)}"
            oid = org_row(name, "company", "economy", municipality=oid_m, postcode=postcode, city=mname)
            person_row(None, oid, fn["Geschäftsführer"], domain=domains.setdefault(oid, orgs[-1]["email"].split("@")[1]))
        domains.setdefault(oid, orgs[-1]["email"].split("@")[1])

    # Everyone else: members, staff and experts with a function somewhere.
    employee_functions = [fn[k] for k in ("Kassier", "Schriftführer", "Referent", "Sachbearbeiter", "Leiter",
                                          "Gemeinderat", "Stellvertretender Vorsitzender", "Projektleiter")]
    all_org_ids = [o["id"] for o in orgs]
    while len(people) < persons:
        oid = rng.choice(all_org_ids)
        pid = person_row(None, oid, rng.choice(employee_functions), domain=domains.get(oid, "example.de"))
        if rng.random() < 0.08:  # some people hold a second function elsewhere
            affs.append(dict(
                id=aff_ids.take(), person_id=pid, organisation_id=rng.choice(all_org_ids),
                function_id=rng.choice(employee_functions), function_label="", department="", email="", phone="",
                mobile="", street="", postcode="", city="", valid_from=today - timedelta(days=rng.randint(10, 2000)),
                valid_to=None, is_primary=False,
            ))

    # COPY on PostgreSQL: a plain executemany took half the seeding
    from crm.imports.bulk import CONTACT_TABLES, bulk_insert, refresh_planner_statistics

    conn = db.session.connection()
    stamp = utcnow()
    for table, rows in (
        (Organisation.__table__, orgs), (Person.__table__, people), (Affiliation.__table__, affs),
        (organisation_tag, _unique(org_tags)), (organisation_field, _unique(org_fields)), (person_tag, _unique(p_tags)),
        (person_field, _unique(p_fields)), (person_target_group, _unique(p_tgs)), (person_expertise, _unique(p_topics)),
    ):
        if "created_at" in table.c:
            for r in rows:
                r.setdefault("created_at", stamp)
                r.setdefault("updated_at", stamp)
        bulk_insert(conn, table, rows)
    if conn.dialect.name == "postgresql":
        for table in ("organisation", "person", "affiliation"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    # The new ids lie above every existing one; clear leftovers of deleted rows in one statement,
    # then index without per-chunk deletes.
    tokens = SearchToken.__table__
    for kinds, ids in (((ORGANISATION, ORGANISATION_ARCHIVED), orgs), ((PERSON, PERSON_ARCHIVED), people)):
        if ids:
            conn.execute(delete(tokens).where(tokens.c.kind.in_(kinds), tokens.c.entity_id >= ids[0]["id"]))
    reindex_organisations(conn, [o["id"] for o in orgs], fresh=True)
    reindex_persons(conn, [p["id"] for p in people], fresh=True)
    refresh_planner_statistics(conn, CONTACT_TABLES)
    return {"organisations": len(orgs), "persons": len(people), "affiliations": len(affs)}


def _unique(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in rows:
        key = tuple(sorted(r.items()))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
