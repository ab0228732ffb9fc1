"""A small region with hand-counted answers: 30 persons in 8 organisations, 5 bodies with seats and
roles (current, ended, future, in an archived body), tags, fields of action, target groups, e-mail
and postal addresses present or missing, an objection, an archived person.

The tests write the persons a condition selects by hand (first names are unique); nothing is
recomputed from the data. Dates are far from today (ended 2024, future 2099), so the answers hold
on any day.
"""
from datetime import date, datetime, timezone

import pytest

from crm.extensions import db

ENDED = date(2024, 12, 31)
FUTURE = date(2099, 1, 1)
SINCE = date(2021, 5, 1)

# key: name, kind, sector, ags, parent key, municipality key, street, po box, postcode, city, e-mail
ORGANISATIONS = {
    "D": ("Landkreis Miltenberg", "district", "public", "09676000", None, None, "Brückenstraße 1", "", "63897",
          "Miltenberg", "poststelle@lra-mil.de"),
    "M1": ("Markt Eschau", "municipality", "public", "09676120", "D", None, "Rathausplatz 1", "", "63863", "Eschau",
           "info@eschau.de"),
    "M2": ("Markt Elsenfeld", "municipality", "public", "09676119", "D", None, "Marktplatz 2", "", "63820",
           "Elsenfeld", ""),
    "M3": ("Gemeinde Hausen", "municipality", "public", "09677135", None, None, "", "12 34", "97262", "Hausen", ""),
    "V1": ("Heimatverein Eschau", "association", "civil_society", "", None, "M1", "", "", "63863", "Eschau", ""),
    "V2": ("Sportverein Elsenfeld", "association", "civil_society", "", None, "M2", "Sportplatz 3", "", "63820",
           "Elsenfeld", "info@sv-elsenfeld.de"),
    "C1": ("Müller & Söhne <GmbH>", "company", "economy", "", None, "M3", "Industriestraße 5", "", "97262", "Hausen",
           ""),
    "P1": ("Main-Echo", "media", "economy", "", None, None, "", "", "", "", "redaktion@main-echo.de"),
}

# name_male, name_female, office title male, female
FUNCTIONS = {
    "EB": ("Erster Bürgermeister", "Erste Bürgermeisterin", "Bürgermeister", "Bürgermeisterin"),
    "ZB": ("Zweiter Bürgermeister", "Zweite Bürgermeisterin", "Bürgermeister", "Bürgermeisterin"),
    "LR": ("Landrat", "Landrätin", "Landrat", "Landrätin"),
    "VS": ("Vorsitzender", "Vorsitzende", "", ""),
    "GF": ("Geschäftsführer", "Geschäftsführerin", "", ""),
    "RD": ("Redakteur", "Redakteurin", "", ""),
    "KS": ("Kassier", "Kassiererin", "", ""),
    "SB": ("Sachbearbeiter", "Sachbearbeiterin", "", ""),
}

# first, last, gender, functions [(org, function, valid_to)], extra person fields
PERSONS = [
    ("Anna", "Albrecht", "female", [("M1", "EB", None)], {"legal_basis": "art6_1e"}),
    ("Bernd", "Bauer", "male", [("M2", "EB", None)], {"legal_basis": "art6_1e"}),
    ("Clara", "Conrad", "female", [("M3", "EB", None)], {"legal_basis": "art6_1e"}),
    ("Dieter", "Dorn", "male", [("D", "LR", None)], {"legal_basis": "art6_1e"}),
    ("Eva", "Engel", "female", [("M1", "ZB", None)], {}),
    ("Frank", "Fischer", "male", [("M2", "ZB", ENDED)], {}),
    ("Gabi", "Graf", "female", [("M2", "ZB", None)], {}),
    ("Hans", "Huber", "male", [("V1", "VS", None)], {}),
    ("Ida", "Imhof", "female", [("V2", "VS", None)], {}),
    ("Jonas", "Jäger", "male", [("C1", "GF", None)], {"legal_basis": "art6_1f"}),
    ("Karin", "Koch", "female", [("P1", "RD", None)], {}),
    ("Lars", "Lang", "male", [("V1", "KS", None)], {}),
    ("Maria", "Maier", "female", [("V2", "KS", None)], {}),
    ("Norbert", "Neumann", "male", [("M1", "SB", None)], {}),
    ("Olga", "Ott", "female", [("M2", "SB", None)], {}),
    ("Peter", "Pohl", "male", [("D", "SB", None)], {}),
    ("Rita", "Roth", "female", [("C1", "SB", None)], {}),
    ("Stefan", "Sauer", "male", [], {"email": "s.sauer@web.de", "street": "Lindenweg 4", "postcode": "63897",
                                     "city": "Miltenberg"}),
    ("Tina", "Thiel", "female", [], {}),
    ("Uwe", "Ulrich", "male", [("V1", "KS", None)], {"contact_objection": True}),
    ("Vera", "Vogt", "female", [("M3", "SB", None)], {}),
    ("Walter", "Wolf", "male", [("C1", "GF", ENDED), ("P1", "SB", None)],
     {"street": "Mainstraße 9", "postcode": "63897", "city": "Miltenberg"}),
    ("Yasemin", "Yilmaz", "female", [("V2", "SB", None)], {}),
    ("Zoe", "Zimmer", "female", [("M1", "SB", None)], {"archived_at": datetime(2025, 1, 1, tzinfo=timezone.utc)}),
    ("Albert", "Arnold", "male", [("M2", "SB", None)], {}),
    ("Berta", "Brandt", "female", [("P1", "SB", None)], {}),
    ("Carl", "Claus", "male", [("V2", "KS", None)], {}),
    ("Doris", "Dietz", "female", [("D", "SB", None)], {}),
    ("Emil", "Ernst", "male", [], {"email": "emil@ernst.de", "street": "Am Bach 2", "postcode": "63863",
                                   "city": "Eschau"}),
    ("Frieda", "Frank", "female", [("C1", "SB", None)], {}),
]

# name, kind, archived, seats [(first name, role, valid_from, valid_to)]
BODIES = {
    "LG": ("Lenkungsgruppe", "steering_group", False,
           [("Anna", "chair", SINCE, None), ("Bernd", "vice_chair", SINCE, None), ("Clara", "member", SINCE, None),
            ("Dieter", "member", SINCE, None), ("Frank", "member", SINCE, ENDED)]),
    "AK1": ("AK Tourismus", "working_group", False,
            [("Hans", "chair", SINCE, None), ("Ida", "member", SINCE, None), ("Karin", "member", SINCE, None),
             ("Jonas", "member", SINCE, None), ("Emil", "chair", FUTURE, None)]),
    "AK2": ("AK Fachkräfte", "working_group", False,
            [("Jonas", "chair", SINCE, None), ("Rita", "member", SINCE, None), ("Norbert", "member", SINCE, None),
             ("Ida", "chair", SINCE, ENDED)]),
    "AK3": ("AK Jugend", "working_group", True, [("Maria", "chair", SINCE, None)]),
    "LAG": ("LAG Entscheidungsgremium", "lag_decision", False,
            [("Dieter", "chair", SINCE, None), ("Anna", "member", SINCE, None), ("Stefan", "member", SINCE, None),
             ("Uwe", "member", SINCE, None)]),
}

PERSON_TAGS = {"Presse": ["Karin", "Stefan", "Walter"], "Ehrenamt": ["Hans", "Lars", "Uwe", "Maria", "Carl"],
               "Radweg": ["Anna", "Bernd", "Hans", "Ida"]}
ORGANISATION_TAGS = {"Ehrenamt": ["V1"], "Presse": ["P1"]}
LAST_CONTACT = {"Anna": datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc),
                "Bernd": datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc),
                "Hans": datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)}

ACTIVE = [p[0] for p in PERSONS if p[0] != "Zoe"]  # 29: Zoe is archived


class Region:
    """Ids of the hand-made region, by first name / key / name."""

    def __init__(self):
        self.person = {}
        self.org = {}
        self.function = {}
        self.body = {}
        self.tag = {}
        self.field = {}
        self.target_group = {}
        self.topic = {}
        self.affiliation = {}

    def names(self, person_ids) -> set[str]:
        by_id = {v: k for k, v in self.person.items()}
        return {by_id[i] for i in person_ids}


@pytest.fixture
def region(app, session) -> Region:
    from crm.contacts.models import (
        Affiliation,
        ExpertiseTopic,
        FieldOfAction,
        FunctionTitle,
        Organisation,
        Person,
        Tag,
        TargetGroup,
    )
    from crm.network.models import Body, Seat

    r = Region()
    orgs = {}
    for key, (name, kind, sector, ags, _parent, _mun, street, po_box, postcode, city, email) in ORGANISATIONS.items():
        orgs[key] = Organisation(name=name, kind=kind, sector=sector, ags=ags, street=street, po_box=po_box,
                                 postcode=postcode, city=city, email=email)
        orgs[key].update_sort_name()
        db.session.add(orgs[key])
    for key, spec in ORGANISATIONS.items():
        orgs[key].parent = orgs[spec[4]] if spec[4] else None
        orgs[key].municipality = orgs[spec[5]] if spec[5] else None
    functions = {}
    for key, (male, female, sal_m, sal_f) in FUNCTIONS.items():
        functions[key] = FunctionTitle(name_male=male, name_female=female, salutation_male=sal_m,
                                       salutation_female=sal_f, is_key_function=key in ("EB", "LR", "VS"))
        db.session.add(functions[key])
    tags = {name: Tag(name=name) for name in ("Presse", "Ehrenamt", "Radweg")}
    tourism, youth, funding = FieldOfAction(name="Tourismus"), TargetGroup(name="Jugend"), ExpertiseTopic(
        name="Fördermittel")
    db.session.add_all([*tags.values(), tourism, youth, funding])
    persons, affiliations = {}, {}
    for first, last, gender, held, extra in PERSONS:
        p = Person(first_name=first, last_name=last, gender=gender, **extra)
        p.update_sort_name()
        p.last_contacted_at = LAST_CONTACT.get(first)
        persons[first] = p
        db.session.add(p)
        for org_key, function_key, valid_to in held:
            a = Affiliation(person=p, organisation=orgs[org_key], function=functions[function_key],
                            valid_from=date(2019, 1, 1), valid_to=valid_to, is_primary=valid_to is None)
            affiliations[(first, org_key)] = a
            db.session.add(a)
    persons["Jonas"].affiliations[0].email = "j.jaeger@mueller-soehne.de"
    for tag, firsts in PERSON_TAGS.items():
        for first in firsts:
            persons[first].tags.append(tags[tag])
    for tag, keys in ORGANISATION_TAGS.items():
        for key in keys:
            orgs[key].tags.append(tags[tag])
    for first in ("Anna", "Hans", "Ida", "Karin"):
        persons[first].fields_of_action.append(tourism)
    orgs["V2"].fields_of_action.append(tourism)
    for first in ("Ida", "Maria", "Yasemin"):
        persons[first].target_groups.append(youth)
    orgs["V2"].target_groups.append(youth)
    for first in ("Norbert", "Olga"):
        persons[first].expertise_topics.append(funding)
    bodies = {}
    for key, (name, kind, archived, seats) in BODIES.items():
        bodies[key] = Body(name=name, kind=kind,
                           archived_at=datetime(2025, 6, 1, tzinfo=timezone.utc) if archived else None)
        db.session.add(bodies[key])
        for first, role, valid_from, valid_to in seats:
            db.session.add(Seat(body=bodies[key], person=persons[first], role=role, valid_from=valid_from,
                                valid_to=valid_to))
    db.session.commit()

    r.person = {k: v.id for k, v in persons.items()}
    r.org = {k: v.id for k, v in orgs.items()}
    r.function = {k: v.id for k, v in functions.items()}
    r.body = {k: v.id for k, v in bodies.items()}
    r.tag = {k: v.id for k, v in tags.items()}
    r.field = {"Tourismus": tourism.id}
    r.target_group = {"Jugend": youth.id}
    r.topic = {"Fördermittel": funding.id}
    r.affiliation = {k: v.id for k, v in affiliations.items()}
    return r


@pytest.fixture(params=["auto", "set", "probe", "broad"])
def matching(request, region, monkeypatch):
    """matching(tree) -> first names of the active persons the filter selects (one SQL statement).

    Every test using it runs with each way of writing the conditions (crm/segments/facets.py
    compile_filter): the smallest condition leading (SQLite's default), all as IN sets, all as EXISTS
    (PostgreSQL's default), and "broad": every condition on organisations counted from the persons at
    the other organisations (as for "in the district" at 100,000 persons). They must select the same persons,
    and the live count (services.count) must count them and their objections.
    """
    from sqlalchemy import select

    from crm.contacts.models import Person
    from crm.segments import facets

    mode = request.param
    if mode == "broad":
        monkeypatch.setattr(facets, "BROAD_SHARE", 2.0)
        mode = None

    def run(tree):
        from crm.segments import services

        parsed = facets.parse_filter(tree)
        clause = facets.persons_clause(parsed, mode)
        rows = db.session.execute(select(Person.id, Person.contact_objection).where(clause)).all()
        # the live count of the editor (facets.count_query, its own statement) names as many persons
        counted = services.count(parsed)
        assert (counted.persons, counted.objecting) == (len(rows), sum(1 for row in rows if row.contact_objection))
        return region.names(row.id for row in rows)

    return run
