"""Conditions of a dynamic Verteiler over the hand-counted region (tests/segments/conftest.py).

Every expected set is written by hand from the region's tables, not recomputed.
"""
import pytest

from crm.core.errors import DomainError
from crm.segments import facets

from .conftest import ACTIVE


def cond(facet, *values, **extra):
    return {"facet": facet, "values": list(values), **extra}


def test_mayors_in_the_district_and_chairs_of_working_groups_without_volunteers(region, matching):
    """(first mayor AND district 09676) OR chair of a working group, AND NOT tag Ehrenamt.

    Mayors in the district: Anna (Eschau), Bernd (Elsenfeld); Clara's Hausen lies in 09677.
    Working-group chairs today: Hans (AK Tourismus), Jonas (AK Fachkräfte); Ida's chair ended in
    2024, Maria chairs the archived AK Jugend, Emil's chair starts in 2099. Hans has the tag Ehrenamt.
    """
    tree = {"op": "and", "items": [
        {"op": "or", "items": [
            {"op": "and", "items": [cond("function", region.function["EB"]), cond("district", "09676")]},
            cond("body_kind", "working_group", roles=["chair"]),
        ]},
        cond("tag", region.tag["Ehrenamt"], **{"not": True}),
    ]}
    assert matching(tree) == {"Anna", "Bernd", "Jonas"}


def test_seats_today_in_a_body_with_and_without_roles(region, matching):
    lg = region.body["LG"]
    assert matching(cond("body", lg)) == {"Anna", "Bernd", "Clara", "Dieter"}  # Frank's seat ended
    assert matching(cond("body", lg, roles=["chair", "vice_chair"])) == {"Anna", "Bernd"}
    assert matching(cond("body", region.body["LAG"], roles=["chair"])) == {"Dieter"}
    assert matching(cond("body_kind", "working_group")) == {"Hans", "Ida", "Karin", "Jonas", "Rita", "Norbert"}
    # a not-group over seats: the steering group, except whoever also sits in the LAG
    tree = {"op": "and", "items": [cond("body", lg), {"op": "or", "not": True, "items": [
        cond("body", region.body["LAG"])]}]}
    assert matching(tree) == {"Bernd", "Clara"}


@pytest.mark.parametrize("facet, value, expected", [
    ("org_kind", "municipality", {"Anna", "Eva", "Norbert", "Bernd", "Gabi", "Olga", "Albert", "Clara", "Vera"}),
    ("org_kind", "media", {"Karin", "Walter", "Berta"}),
    ("sector", "economy", {"Jonas", "Rita", "Frieda", "Karin", "Walter", "Berta"}),
    ("legal_basis", "art6_1e", {"Anna", "Bernd", "Clara", "Dieter"}),
    ("objection", "yes", {"Uwe"}),
    ("has_address", "no", {"Hans", "Lars", "Uwe", "Karin", "Berta", "Tina", "Frank"}),
    ("has_email", "yes", {"Stefan", "Emil", "Anna", "Eva", "Norbert", "Dieter", "Peter", "Doris", "Ida", "Maria",
                          "Yasemin", "Carl", "Karin", "Walter", "Berta", "Jonas"}),
    ("district", "09676", {"Dieter", "Peter", "Doris", "Anna", "Eva", "Norbert", "Bernd", "Gabi", "Olga", "Albert",
                           "Hans", "Lars", "Uwe", "Ida", "Maria", "Yasemin", "Carl"}),
    ("municipality", "09676120", {"Anna", "Eva", "Norbert", "Hans", "Lars", "Uwe"}),
    ("contacted_since", "2026-01-01", {"Anna", "Hans"}),
])
def test_facets_with_keys(region, matching, facet, value, expected):
    assert matching(cond(facet, value)) == expected


@pytest.mark.parametrize("facet, key, expected", [
    ("function", ("function", "ZB"), {"Eva", "Gabi"}),  # Frank's second-mayor term ended
    ("tag", ("tag", "Presse"), {"Karin", "Stefan", "Walter"}),
    ("org_tag", ("tag", "Ehrenamt"), {"Hans", "Lars", "Uwe"}),
    ("field", ("field", "Tourismus"), {"Anna", "Hans", "Ida", "Karin"}),
    ("org_field", ("field", "Tourismus"), {"Ida", "Maria", "Yasemin", "Carl"}),
    ("target_group", ("target_group", "Jugend"), {"Ida", "Maria", "Yasemin"}),
    ("org_target_group", ("target_group", "Jugend"), {"Ida", "Maria", "Yasemin", "Carl"}),
    ("topic", ("topic", "Fördermittel"), {"Norbert", "Olga"}),
])
def test_facets_with_catalogue_entries(region, matching, facet, key, expected):
    catalogue, name = key
    assert matching(cond(facet, getattr(region, catalogue)[name])) == expected


def test_negations_and_complements(region, matching):
    everyone = set(ACTIVE)
    assert matching({"op": "and", "items": []}) == everyone  # no condition: all active persons (not Zoe)
    assert matching(cond("has_email", "no")) == everyone - matching(cond("has_email", "yes"))
    assert len(matching(cond("has_email", "no"))) == 13
    assert matching(cond("contacted_before", "2026-01-01")) == everyone - {"Anna", "Hans"}  # never contacted too
    # "not contacted since" is the negation of "contacted since", never-contacted included
    assert matching(cond("contacted_since", "2026-01-01", **{"not": True})) == everyone - {"Anna", "Hans"}
    assert matching(cond("legal_basis", "")) == everyone - {"Anna", "Bernd", "Clara", "Dieter", "Jonas"}
    assert matching({"op": "or", "not": True, "items": [cond("tag", region.tag["Presse"]),
                                                          cond("org_kind", "municipality")]}) == everyone - {
        "Karin", "Stefan", "Walter", "Anna", "Eva", "Norbert", "Bernd", "Gabi", "Olga", "Albert", "Clara", "Vera"}


def test_several_values_in_one_condition_mean_any_of_them(region, matching):
    assert matching(cond("tag", region.tag["Presse"], region.tag["Radweg"])) == {
        "Karin", "Stefan", "Walter", "Anna", "Bernd", "Hans", "Ida"}


def test_filter_in_words(region, app):
    tree = facets.parse_filter({"op": "and", "items": [
        cond("function", region.function["EB"]),
        cond("body", region.body["LG"], roles=["chair"]),
        {"op": "or", "items": [cond("tag", region.tag["Presse"], **{"not": True}), cond("has_email", "yes")]},
    ]})
    text = facets.describe(tree)
    assert text == ("Funktion ist Erster Bürgermeister / Erste Bürgermeisterin UND Gremium ist Lenkungsgruppe, "
                    "Rolle Vorsitz UND (Schlagwort ist nicht Presse ODER Hat eine E-Mail-Adresse: ja)")
    assert facets.describe(facets.empty_filter()) == "alle aktiven Personen"
    lines = facets.describe_lines(tree)
    assert [(line.depth, line.connector) for line in lines] == [(0, ""), (0, "UND"), (0, "UND"), (1, ""), (1, "ODER")]
    assert lines[2].text == "eine der folgenden Bedingungen:"
    day = facets.describe(facets.parse_filter(cond("contacted_before", "2026-01-01")))
    assert day == "Letzter Kontakt vor dem 1. Januar 2026 (oder nie)"


@pytest.mark.parametrize("raw, message", [
    ('{"op": "and", "items": [{"facet": "shoe_size", "values": ["42"]}]}', "Unbekannte Bedingung „shoe_size“"),
    ('{"op": "and", "items": [{"facet": "org_kind", "values": ["castle"]}]}', "Unbekannter Wert „castle“"),
    ('{"op": "and", "items": [{"facet": "tag", "values": [999999]}]}', "Unbekannter Wert „999999“"),
    ('{"op": "and", "items": [{"facet": "tag", "values": ["1; DROP TABLE person"]}]}', "Unbekannter Wert"),
    ('{"op": "and", "items": [{"facet": "body", "values": [], "roles": ["king"]}]}', "Bitte wählen Sie einen Wert"),
    ('{"op": "xor", "items": []}', "konnten nicht gelesen werden"),
    ('{"op": "and", "items": [{"facet": "contacted_since", "values": ["31.12.2026"]}]}', "ist kein Datum"),
    ('{"op": "and", "items": [{"facet": "district", "values": ["0967"]}]}', "Unbekannter Wert „0967“"),
    ("not json at all", "konnten nicht gelesen werden"),
    ("[1, 2]", "konnten nicht gelesen werden"),
])
def test_bad_filters_are_refused_in_german(region, app, raw, message):
    with pytest.raises(DomainError) as error:
        facets.parse_filter(raw)
    assert message in error.value.message


def test_unknown_role_and_too_deep_nesting_are_refused(region, app):
    with pytest.raises(DomainError, match="Unbekannte Rolle"):
        facets.parse_filter(cond("body", region.body["LG"], roles=["king"]))
    deep = cond("tag", region.tag["Presse"])
    for _ in range(facets.MAX_DEPTH + 1):
        deep = {"op": "and", "items": [deep]}
    with pytest.raises(DomainError, match="höchstens"):
        facets.parse_filter(deep)


def test_the_live_preview_leaves_out_conditions_without_a_value(region, matching):
    half_built = {"op": "and", "items": [cond("tag", region.tag["Presse"]), cond("function")]}
    with pytest.raises(DomainError):
        facets.parse_filter(half_built)
    assert facets.parse_filter(half_built, strict=False) == {"op": "and", "items": [
        {"facet": "tag", "values": [region.tag["Presse"]]}]}


def test_a_later_part_can_add_a_facet(region, matching, app):
    """The hook consent will use (campaigns part): a facet added at registration is parsed and compiled."""
    from crm.contacts.models import Person

    facets.add_facet(facets.Facet("gender_test", "Geschlecht", "person", "choice",
                                  lambda values, condition: facets.Clause(row=Person.gender.in_(values)),
                                  lambda: [("female", "weiblich"), ("male", "männlich")]))
    try:
        assert "Tina" in matching(cond("gender_test", "female"))
        assert "Uwe" not in matching(cond("gender_test", "female"))
    finally:
        facets.FACETS.pop("gender_test")


def test_on_sqlite_the_smallest_condition_leads_and_the_others_probe(region, app, monkeypatch):
    """compile_filter "auto": the 3 first mayors lead; the district and e-mail conditions only check them."""
    from sqlalchemy.dialects import sqlite

    monkeypatch.setattr(facets, "BROAD_SHARE", 0.0)  # no condition broad here: see the next test

    tree = facets.parse_filter({"op": "and", "items": [cond("district", "09676"), cond("has_email", "yes"),
                                                        cond("function", region.function["EB"])]})
    sql = str(facets.compile_filter(tree, "auto").compile(dialect=sqlite.dialect()))
    assert sql.count("EXISTS") == 2 and sql.count("person.id IN") == 1
    assert "affiliation.function_id IN" in sql.split("person.id IN")[1]
    everyone = facets.parse_filter({"op": "and", "items": [cond("district", "09676"), cond("has_email", "yes")]})
    facets.LEAD_LIMIT, limit = 10, facets.LEAD_LIMIT  # no condition small enough: the district is a set,
    try:  # the e-mail address is looked up on the person first, then probed at a function
        sql = str(facets.compile_filter(everyone, "auto").compile(dialect=sqlite.dialect()))
    finally:
        facets.LEAD_LIMIT = limit
    assert sql.count("person.id IN") == 1 and sql.count("EXISTS") == 1
    assert sql.index("person.email") < sql.index("EXISTS")


def test_a_broad_organisation_condition_is_read_from_the_persons_at_the_other_organisations(region, app, matching):
    """"In the district" where nearly every organisation lies in it: one "at a current function" and the
    exceptions (persons only at organisations elsewhere) instead of a set of nearly everyone; the same persons."""
    from sqlalchemy.dialects import sqlite

    tree = facets.parse_filter({"op": "and", "items": [cond("district", "09676"), cond("sector", "public", "economy",
                                                                                       "civil_society")]})
    everyone_at_work = matching({"op": "and", "items": [cond("has_email", "yes", "no")]})
    sql = str(facets.compile_filter(tree, "auto").compile(dialect=sqlite.dialect()))
    assert sql.count("person.id NOT IN") == 2 and sql.count("organisation_id + ") == 2
    assert matching({"op": "and", "items": [cond("district", "09676")]}) <= everyone_at_work


def test_broad_conditions_and_few_exceptions_are_counted_from_the_persons_at_a_function(region, app, monkeypatch):
    """In the district, civil society or economy, not tagged Presse: the live count takes the persons at a
    current function less the exceptions (count_query). Hans, Ida, Lars, Maria, Uwe, Yasemin
    and Carl hold functions at the clubs in the district; Uwe objected; Zoe (archived) is not counted."""
    from crm.extensions import db
    from crm.segments import services

    def counted_by_exceptions(tree):
        return "GROUP BY affiliation.person_id" in str(facets.count_query(tree).compile(db.engine))

    monkeypatch.setattr(facets, "BROAD_SHARE", 2.0)  # in this small region: both organisation conditions broad
    tree = facets.parse_filter({"op": "and", "items": [
        cond("district", "09676"), cond("tag", region.tag["Presse"], **{"not": True}),
        cond("sector", "civil_society", "economy")]})
    assert services.count(tree) == services.Count(7, 1)
    assert counted_by_exceptions(tree)
    # an excluding condition with more persons than LEAD_LIMIT: counted person by person, the same answer
    monkeypatch.setattr(facets, "LEAD_LIMIT", 2)
    assert not counted_by_exceptions(tree)
    assert services.count(tree) == services.Count(7, 1)
    # a condition that keeps persons (an e-mail address) cannot be counted by its exceptions
    monkeypatch.setattr(facets, "LEAD_LIMIT", 5000)
    with_email = facets.parse_filter({"op": "and", "items": [cond("district", "09676"), cond("has_email", "yes")]})
    assert not counted_by_exceptions(with_email)
    assert counted_by_exceptions(facets.parse_filter(cond("district", "09676")))
