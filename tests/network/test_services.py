"""Bodies, seats and interest groups through the services: rules, history, members on a date."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.core import time as clock
from crm.core.errors import DomainError
from crm.extensions import db
from crm.network import services
from crm.network.models import Body, InterestGroup, Seat


def seat_data(person, **overrides):
    data = {"person_id": person.id, "organisation_id": None, "role": "member", "voting": True,
            "interest_group_id": None, "deputy_id": None, "valid_from": date(2024, 1, 1), "valid_to": None,
            "resolution": "LAG-Beschluss 2024/01"}
    data.update(overrides)
    return data


def seat_count():
    return db.session.scalar(db.select(db.func.count(Seat.id)))


# ------------------------------------------------------------------ seats: bad input


@pytest.mark.parametrize(
    "existing, new, clash",
    [
        ((date(2024, 1, 1), None), (date(2025, 1, 1), None), True),  # open seat, later start
        ((date(2024, 1, 1), None), (date(2020, 1, 1), date(2024, 1, 1)), True),  # ends on the first day
        ((date(2024, 1, 1), None), (date(2020, 1, 1), date(2023, 12, 31)), False),  # ends the day before
        ((date(2024, 1, 1), date(2024, 12, 31)), (date(2024, 12, 31), None), True),  # starts on the last day
        ((date(2024, 1, 1), date(2024, 12, 31)), (date(2025, 1, 1), None), False),  # starts the day after
        ((date(2024, 1, 1), date(2024, 12, 31)), (date(2024, 3, 1), date(2024, 4, 1)), True),  # inside
        ((date(2024, 3, 1), date(2024, 4, 1)), (date(2024, 1, 1), date(2024, 12, 31)), True),  # around
        ((date(2024, 3, 1), date(2024, 4, 1)), (date(2020, 1, 1), None), True),  # open around
    ],
)
def test_overlapping_seats_of_the_same_person_are_refused(make_body, make_person, existing, new, clash):
    body = make_body()
    person = make_person("Huber", "Anna")
    services.add_seat(body, seat_data(person, valid_from=existing[0], valid_to=existing[1]))
    before = seat_count()
    if clash:
        with pytest.raises(DomainError) as error:
            services.add_seat(body, seat_data(person, valid_from=new[0], valid_to=new[1]))
        assert error.value.field == "valid_from"
        assert "Anna Huber" in error.value.message and "hat bereits einen Sitz" in error.value.message
        assert seat_count() == before
    else:
        services.add_seat(body, seat_data(person, valid_from=new[0], valid_to=new[1]))
        assert seat_count() == before + 1


def test_the_same_person_may_sit_in_two_bodies_at_once(make_body, make_person):
    person = make_person()
    services.add_seat(make_body("LAG"), seat_data(person))
    services.add_seat(make_body("AK Tourismus", kind="working_group"), seat_data(person))
    assert seat_count() == 2


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"deputy_id": "SELF"}, "deputy_label", "eigene stellvertretung"),
        ({"valid_to": date(2023, 12, 31)}, "valid_to", "vor dem anfangsdatum"),
        ({"valid_from": None}, "valid_from", "datum"),
        ({"person_id": None}, "person_label", "person"),
        ({"person_id": 999999}, "person_label", "person"),
        ({"organisation_id": 999999}, "organisation_label", "organisation"),
        ({"deputy_id": 999999}, "deputy_label", "person"),
        ({"interest_group_id": 999999}, "interest_group_id", "interessengruppe"),
        ({"role": "king"}, "role", "rolle"),
    ],
)
def test_bad_seat_input_names_the_field_and_saves_nothing(make_body, make_person, overrides, field, words):
    body = make_body()
    person = make_person()
    if overrides.get("deputy_id") == "SELF":
        overrides["deputy_id"] = person.id
    with pytest.raises(DomainError) as error:
        services.add_seat(body, seat_data(person, **overrides))
    assert error.value.field == field
    assert re.search(words, error.value.message.lower())
    assert seat_count() == 0


def test_the_database_refuses_an_own_deputy_and_a_reversed_period_too(make_body, make_person):
    """Constraints behind the service checks, for imports and scripts."""
    from sqlalchemy.exc import IntegrityError

    body, person = make_body(), make_person()
    for fields in ({"deputy": person}, {"valid_to": date(2023, 1, 1)}):
        nested = db.session.begin_nested()
        db.session.add(Seat(body=body, person=person, valid_from=date(2024, 1, 1), **fields))
        with pytest.raises(IntegrityError):
            db.session.flush()
        nested.rollback()


# ------------------------------------------------------------------ seats: history


def test_change_ends_the_old_seat_and_starts_a_new_one(make_body, make_person, make_group):
    body = make_body()
    person, deputy = make_person("Huber", "Anna"), make_person("Maier", "Sepp", gender="male")
    jugend, soziales = make_group("Jugend", "civil_society"), make_group("Soziales", "civil_society")
    seat = services.add_seat(body, seat_data(person, interest_group_id=jugend.id))
    db.session.commit()

    new = services.change_seat(seat, seat_data(person, role="vice_chair", interest_group_id=soziales.id,
                                               deputy_id=deputy.id, valid_from=date(2025, 4, 1),
                                               resolution="LAG-Beschluss 2025/02"))
    db.session.commit()
    assert new is not seat
    assert (seat.role, seat.interest_group, seat.valid_from, seat.valid_to) == (
        "member", jugend, date(2024, 1, 1), date(2025, 3, 31))
    assert seat.end_resolution == "LAG-Beschluss 2025/02"
    assert (new.role, new.interest_group, new.deputy, new.valid_from, new.valid_to) == (
        "vice_chair", soziales, deputy, date(2025, 4, 1), None)
    # the body as of any day
    assert [s.role for s in services.body_members(body, date(2025, 3, 31))] == ["member"]
    assert [s.role for s in services.body_members(body, date(2025, 4, 1))] == ["vice_chair"]
    assert services.body_members(body, date(2023, 12, 31)) == []


@pytest.mark.parametrize(
    "effective, message",
    [
        (date(2024, 1, 1), "nach Beginn des Sitzes"),  # same day: that is a correction
        (date(2023, 6, 1), "nach Beginn des Sitzes"),
        (date(2026, 1, 1), "endete am"),  # after the seat's end
    ],
)
def test_change_on_an_impossible_date_is_refused(make_body, make_person, effective, message):
    body, person = make_body(), make_person()
    seat = services.add_seat(body, seat_data(person, valid_to=date(2025, 12, 31)))
    with pytest.raises(DomainError) as error:
        services.change_seat(seat, seat_data(person, role="chair", valid_from=effective))
    assert message in error.value.message and error.value.field == "valid_from"
    assert seat_count() == 1 and seat.valid_to == date(2025, 12, 31)


def test_change_without_any_change_is_refused(make_body, make_person):
    body, person = make_body(), make_person()
    seat = services.add_seat(body, seat_data(person))
    with pytest.raises(DomainError, match="Nichts wurde geändert"):
        services.change_seat(seat, seat_data(person, valid_from=date(2025, 1, 1)))


def test_change_to_another_person_must_not_clash_with_their_seat(make_body, make_person):
    body = make_body()
    anna, sepp = make_person("Huber", "Anna"), make_person("Maier", "Sepp")
    services.add_seat(body, seat_data(sepp))
    seat = services.add_seat(body, seat_data(anna))
    with pytest.raises(DomainError, match="Sepp Maier hat bereits einen Sitz"):
        services.change_seat(seat, seat_data(sepp, valid_from=date(2025, 1, 1)))


def test_correct_overwrites_in_place(make_body, make_person, make_group):
    body, person = make_body(), make_person()
    seat = services.add_seat(body, seat_data(person))
    group = make_group("Umwelt", "civil_society")
    same = services.correct_seat(seat, seat_data(person, interest_group_id=group.id, valid_from=date(2023, 12, 1)))
    assert same is seat and seat.interest_group == group and seat.valid_from == date(2023, 12, 1)
    assert seat_count() == 1


def test_end_seat(make_body, make_person):
    body, person = make_body(), make_person()
    seat = services.add_seat(body, seat_data(person))
    with pytest.raises(DomainError, match="vor dem Anfangsdatum") as error:
        services.end_seat(seat, date(2023, 12, 31))
    assert error.value.field == "valid_to" and seat.valid_to is None
    services.end_seat(seat, date(2025, 6, 30), "Rücktritt")
    assert (seat.valid_to, seat.end_resolution) == (date(2025, 6, 30), "Rücktritt")
    assert services.body_members(body, date(2025, 7, 1)) == []
    assert services.body_members(body, date(2025, 6, 30)) == [seat]


def test_end_seat_cannot_reach_into_a_later_seat(make_body, make_person):
    body, person = make_body(), make_person()
    first = services.add_seat(body, seat_data(person, valid_to=date(2024, 12, 31)))
    services.add_seat(body, seat_data(person, valid_from=date(2025, 1, 1)))
    with pytest.raises(DomainError, match="späteren Sitz"):
        services.end_seat(first, date(2025, 3, 1))


# ------------------------------------------------------------------ members and invitations


def test_body_members_are_ordered_and_filtered(make_body, make_person, make_seat):
    body = make_body()
    make_seat(body, person=make_person("Zimmer"), role="member")
    make_seat(body, person=make_person("Adam"), role="member")
    make_seat(body, person=make_person("Vogel"), role="chair")
    make_seat(body, person=make_person("Berg"), role="advisory", voting=False)
    make_seat(body, person=make_person("Alt"), valid_from=date(2020, 1, 1), valid_to=date(2022, 12, 31))
    make_seat(body, person=make_person("Neu"), valid_from=clock.today() + timedelta(days=10))
    names = [s.person.last_name for s in services.body_members(body)]
    assert names == ["Vogel", "Adam", "Zimmer", "Berg"]
    assert [s.person.last_name for s in services.body_members(body, voting_only=True)] == ["Vogel", "Adam", "Zimmer"]
    assert [s.person.last_name for s in services.body_members(body, date(2022, 12, 31))] == ["Alt"]


def test_invitees_are_members_then_their_deputies_flagged(make_body, make_person, make_seat):
    body = make_body()
    anna, sepp, vera = make_person("Huber", "Anna"), make_person("Maier", "Sepp"), make_person("Vogel", "Vera")
    make_seat(body, person=anna, role="chair", deputy=vera)
    make_seat(body, person=sepp, deputy=anna)  # a member who is also a deputy is invited once, as a member
    make_seat(body, person=make_person("Ex"), deputy=make_person("ExVertreter"), valid_to=date(2024, 1, 1))
    rows = services.invitees(body)
    assert [(i.person.last_name, i.is_deputy) for i in rows] == [("Huber", False), ("Maier", False), ("Vogel", True)]
    assert rows[2].seat.person == anna  # Vera stands in for Anna
    assert [p.last_name for p in services.persons_to_invite(body)] == ["Huber", "Maier", "Vogel"]


def test_composition_of_a_body(lag, make_group, make_seat):
    c = services.composition_of(lag)
    assert c.total == 24 and c.ok and c.public_share.percent == 37.5
    for _ in range(3):
        make_seat(lag, make_group("Kommunen"))
    db.session.expire(lag)
    c = services.composition_of(lag)
    assert c.total == 27 and [f.kind for f in c.warnings] == []  # 12 of 27 = 44.4 %
    for _ in range(3):
        make_seat(lag, make_group("Kommunen"))
    db.session.expire(lag)
    c = services.composition_of(lag)
    assert c.public_share.count == 15 and [f.kind for f in c.warnings] == ["group_over_limit", "public_control"]


def test_seat_without_group_counts_by_the_organisations_sector(make_body, make_seat, make_org):
    body = make_body()
    make_seat(body, organisation=make_org("Markt Eschau", kind="municipality", sector="public", ags="09676120"))
    c = services.composition_of(body)
    assert c.public_share.count == 1 and [f.kind for f in c.findings if f.level == "info"] == ["ungrouped"]


# ------------------------------------------------------------------ bodies and groups


def body_data(**overrides):
    data = {"name": "LAG", "short_name": "", "kind": "lag_decision", "description": "", "parent_id": None,
            "quorum_share": "50", "max_group_share": "49", "min_non_public_share": "50", "fields_of_action": []}
    data.update(overrides)
    return data


@pytest.mark.parametrize("value, expected", [
    ("49", Decimal("49.00")), ("49,5", Decimal("49.50")), ("49.5 %", Decimal("49.50")), ("0", Decimal(0)),
    ("100", Decimal(100)), (Decimal("33.333"), Decimal("33.33")),
])
def test_share_parsing(value, expected):
    assert services.parse_share(value) == expected


@pytest.mark.parametrize("field", ["quorum_share", "max_group_share", "min_non_public_share"])
@pytest.mark.parametrize("value, words", [("101", "zwischen 0 und 100"), ("-1", "zwischen 0 und 100"),
                                          ("abc", "Prozentwert"), ("", "Prozentwert"), ("NaN", "zwischen")])
def test_share_rules_outside_0_to_100_are_refused(field, value, words):
    with pytest.raises(DomainError) as error:
        services.save_body(None, body_data(**{field: value}))
    assert error.value.field == field and words in error.value.message
    assert db.session.scalar(db.select(db.func.count(Body.id))) == 0


def test_body_cannot_be_part_of_its_own_sub_body(make_body):
    lg = make_body("Lenkungsgruppe", kind="steering_group")
    ak = make_body("AK Tourismus", kind="working_group", parent=lg)
    pg = make_body("PG Radweg", kind="project_group", parent=ak)
    with pytest.raises(DomainError, match="zu sich selbst") as error:
        services.save_body(lg, body_data(name="Lenkungsgruppe", kind="steering_group", parent_id=pg.id))
    assert error.value.field == "parent_id"
    with pytest.raises(DomainError, match="zu sich selbst"):
        services.save_body(lg, body_data(name="Lenkungsgruppe", kind="steering_group", parent_id=lg.id))
    assert [c for _id, c in services.parent_choices(lg)] == []
    assert [c.strip() for _id, c in services.parent_choices(pg)] == ["Lenkungsgruppe", "AK Tourismus"]


def test_body_tree_orders_parents_before_children(make_body):
    lg = make_body("Lenkungsgruppe", kind="steering_group")
    make_body("AK Tourismus", kind="working_group", parent=lg)
    make_body("AK Fachkräfte", kind="working_group", parent=lg)
    make_body("LAG", kind="lag_decision")
    tree = services.body_tree(services.all_bodies())
    assert [(n.body.name, n.depth) for n in tree] == [
        ("LAG", 0), ("Lenkungsgruppe", 0), ("AK Fachkräfte", 1), ("AK Tourismus", 1)]


def test_interest_group_names_are_unique_regardless_of_case(make_group):
    make_group("Jugend", "civil_society")
    with pytest.raises(DomainError, match="gibt es bereits") as error:
        services.save_interest_group(None, {"name": "jugend", "sector": "civil_society"})
    assert error.value.field == "name"
    group = services.save_interest_group(None, {"name": "Kultur", "sector": "civil_society"})
    renamed = services.save_interest_group(group, {"name": "Kultur und Heimat", "sector": "civil_society"})
    assert renamed.name == "Kultur und Heimat"
    assert db.session.scalar(db.select(db.func.count(InterestGroup.id))) == 2
