"""The composition arithmetic, on plain values: counts, shares, warnings and their exact boundaries."""
from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from crm.network.composition import (
    Rules,
    SeatFacts,
    compose,
    exceeds,
    interest_group_of,
    quorum_needed,
    reaches,
    voters,
)

_ids = count(1)

# Interest group -> sector, as in a typical Bavarian LAG.
SECTOR_OF = {
    "Kommunen": "public",
    "Wirtschaft": "economy",
    "Landwirtschaft": "economy",
    "Engagierte Bürger": "civil_society",
    "Soziales": "civil_society",
    "Umwelt": "civil_society",
    "Jugend": "civil_society",
}


def seats(**per_group) -> list[SeatFacts]:
    """seats(Kommunen=15, Wirtschaft=11) -> that many voting seats per group."""
    out = []
    for key, n in per_group.items():
        group = key.replace("_", " ")
        for _ in range(n):
            out.append(SeatFacts(person_id=next(_ids), group=group, sector=SECTOR_OF[group]))
    return out


def kinds(composition) -> list[str]:
    return [f.kind for f in composition.warnings]


def test_issue_example_61_members_gives_no_warning():
    c = compose(seats(Kommunen=15, Wirtschaft=11, Engagierte_Bürger=23, Soziales=12))
    assert c.total == 61
    assert c.ok and c.warnings == []
    by_sector = {s.key: s.count for s in c.by_sector}
    assert by_sector == {"public": 15, "economy": 11, "civil_society": 35}
    assert round(c.public_share.percent, 1) == 24.6
    groups = {s.key: (s.count, round(s.percent, 1)) for s in c.by_group}
    assert groups["Engagierte Bürger"] == (23, 37.7)
    assert not any(s.over_limit for s in c.by_group)
    assert c.quorum_needed == 31


def test_journey_example_24_seats_public_9():
    c = compose(seats(Kommunen=9, Wirtschaft=4, Landwirtschaft=3, Engagierte_Bürger=3, Soziales=2, Umwelt=2, Jugend=1))
    assert c.total == 24 and c.ok
    assert c.public_share.percent == 37.5
    assert c.quorum_needed == 12


@pytest.mark.parametrize(
    "in_group, others, warns",
    [
        (49, 51, False),  # exactly 49 %: allowed
        (50, 50, True),  # the issue's case: a group at 50 % warns
        (12, 12, True),  # 50 % of 24
        (11, 13, False),  # 45.8 %
        (29, 32, False),  # 47.5 % of 61
        (30, 31, True),  # 49.18 % of 61: just over 49 %, exact fractions catch it
        (1, 1, True),  # 50 % of 2
        (1, 2, False),  # 33 %
        (1, 0, True),  # one member alone: 100 %
    ],
)
def test_interest_group_share_boundary(in_group, others, warns):
    # The big group is civil society, the rest spread so that only it can break a rule.
    members = seats(Engagierte_Bürger=in_group)
    spread = ["Wirtschaft", "Landwirtschaft", "Soziales", "Umwelt", "Jugend"]
    for i in range(others):
        group = spread[i % len(spread)]
        members.append(SeatFacts(person_id=next(_ids), group=group, sector=SECTOR_OF[group]))
    c = compose(members)
    over = [s.key for s in c.by_group if s.over_limit]
    assert ("Engagierte Bürger" in over) is warns
    assert ("group_over_limit" in kinds(c)) is warns


@pytest.mark.parametrize(
    "public, private, warns",
    [
        (12, 12, True),  # the issue's case: public at 50 % warns
        (11, 13, False),
        (30, 31, False),  # 49.18 %
        (31, 30, True),
        (50, 50, True),
        (49, 51, False),
        (1, 0, True),
        (0, 5, False),
    ],
)
def test_public_share_boundary(public, private, warns):
    members = [SeatFacts(next(_ids), group=f"Kommune {i % 3}", sector="public") for i in range(public)]
    members += [SeatFacts(next(_ids), group=f"Verein {i % 5}", sector="civil_society") for i in range(private)]
    c = compose(members, Rules(max_group_share=100))
    assert ("public_control" in kinds(c)) is warns
    if warns:
        finding = next(f for f in c.warnings if f.kind == "public_control")
        assert finding.count == public and finding.total == public + private
        assert finding.limit == Decimal(50)


def test_one_public_interest_group_at_half_gives_both_warnings():
    c = compose(seats(Kommunen=12, Wirtschaft=6, Soziales=6))
    assert sorted(kinds(c)) == ["group_over_limit", "public_control"]
    assert [s.key for s in c.by_group if s.over_limit] == ["Kommunen"]


@pytest.mark.parametrize(
    "rules, public, private, expected",
    [
        (Rules(max_group_share=100, min_non_public_share=0), 24, 0, []),  # a steering group of mayors
        (Rules(max_group_share=100, min_non_public_share=60), 10, 15, ["public_control"]),  # 40 % public
        (Rules(max_group_share=100, min_non_public_share=60), 9, 16, []),  # 36 %
        (Rules(max_group_share=Decimal("49.5"), min_non_public_share=50), 0, 0, []),
        (Rules(max_group_share=30, min_non_public_share=50), 0, 10, ["group_over_limit"]),
    ],
)
def test_rules_are_per_body(rules, public, private, expected):
    members = [SeatFacts(next(_ids), group="Kommunen", sector="public") for _ in range(public)]
    members += [SeatFacts(next(_ids), group=f"Verein {i % 3}", sector="civil_society") for i in range(private)]
    assert kinds(compose(members, rules)) == expected


@pytest.mark.parametrize("limit, count_, total, over", [
    (Decimal("49.5"), 99, 200, False), (Decimal("49.5"), 100, 200, True), (49, 49, 100, False),
    (49.0, 50, 100, True), ("49", 50, 100, True), (100, 10, 10, False), (0, 1, 10, True), (0, 0, 10, False),
])
def test_exceeds_is_exact_for_every_number_type(limit, count_, total, over):
    assert exceeds(count_, total, limit) is over


def test_reaches_and_exceeds_with_no_members():
    assert not exceeds(0, 0, 49) and not reaches(0, 0, 50)
    assert reaches(1, 2, 50) and not exceeds(1, 2, 50)


@pytest.mark.parametrize("total, share, needed", [
    (61, 50, 31), (24, 50, 12), (25, 50, 13), (1, 50, 1), (0, 50, 0), (24, Decimal("66.67"), 17), (24, 0, 0),
    (24, 100, 24), (30, Decimal("33.33"), 10),
])
def test_quorum_needed(total, share, needed):
    assert quorum_needed(total, share) == needed


# ------------------------------------------------------------------ dates


D = date(2026, 3, 15)


@pytest.mark.parametrize(
    "valid_from, valid_to, counts",
    [
        (date(2020, 1, 1), None, True),
        (date(2020, 1, 1), date(2026, 3, 14), False),  # ended the day before: does not count
        (date(2020, 1, 1), date(2026, 3, 15), True),  # the last day counts
        (date(2026, 3, 15), None, True),  # the first day counts
        (date(2026, 3, 16), None, False),  # begins later
        (None, None, True),
    ],
)
def test_seats_count_only_on_days_they_are_held(valid_from, valid_to, counts):
    members = [SeatFacts(1, group="Kommunen", sector="public", valid_from=valid_from, valid_to=valid_to),
               SeatFacts(2, group="Soziales", sector="civil_society")]
    c = compose(members, on=D)
    assert c.total == (2 if counts else 1)


def test_seats_that_ended_before_the_date_do_not_count_towards_a_warning():
    ended = [SeatFacts(100 + i, group="Kommunen", sector="public", valid_from=date(2020, 1, 1),
                       valid_to=date(2025, 12, 31)) for i in range(10)]
    current = seats(Kommunen=5, Wirtschaft=5, Soziales=5)
    assert compose(ended + current, on=date(2026, 1, 1)).ok
    before = compose(ended + current, on=date(2025, 12, 31))
    assert before.total == 25 and "public_control" in kinds(before)


def test_non_voting_seats_do_not_count():
    members = seats(Wirtschaft=2, Soziales=2, Umwelt=2) + [
        SeatFacts(next(_ids), voting=False, group="Kommunen", sector="public") for _ in range(10)
    ]
    c = compose(members)
    assert c.total == 6 and c.public_share.count == 0 and c.ok


# ------------------------------------------------------------------ deputies


def test_a_deputy_takes_the_members_interest_group():
    member = SeatFacts(1, group="Jugend", sector="civil_society", deputy_id=99)
    other = SeatFacts(2, group="Kommunen", sector="public", deputy_id=98)
    votes = voters([member, other], present={99, 2})
    assert [(v.person_id, v.group, v.as_deputy) for v in votes] == [(2, "Kommunen", False), (99, "Jugend", True)]
    c = compose([member, other], present={99, 2})
    assert {s.key: s.count for s in c.by_group} == {"Kommunen": 1, "Jugend": 1}
    assert interest_group_of(99, [member, other]) == "Jugend"
    assert interest_group_of(2, [member, other]) == "Kommunen"
    assert interest_group_of(12345, [member, other]) is None


def test_member_present_means_the_deputy_does_not_vote_for_that_seat():
    member = SeatFacts(1, group="Jugend", sector="civil_society", deputy_id=99)
    votes = voters([member], present={1, 99})
    assert [(v.person_id, v.as_deputy) for v in votes] == [(1, False)]


def test_nobody_has_two_votes():
    # 2 is a member and also the deputy of 1; with 1 absent, 2 still votes only once, for their own seat.
    a = SeatFacts(1, group="Jugend", sector="civil_society", deputy_id=2)
    b = SeatFacts(2, group="Kommunen", sector="public")
    votes = voters([a, b], present={2})
    assert [(v.person_id, v.group) for v in votes] == [(2, "Kommunen")]
    # and one deputy standing in for two absent members votes once
    c = SeatFacts(3, group="Umwelt", sector="civil_society", deputy_id=50)
    d = SeatFacts(4, group="Soziales", sector="civil_society", deputy_id=50)
    assert len(voters([c, d], present={50})) == 1


def test_deputies_of_ended_seats_do_not_vote():
    ended = SeatFacts(1, group="Jugend", sector="civil_society", deputy_id=99, valid_from=date(2020, 1, 1),
                      valid_to=date(2025, 1, 1))
    assert voters([ended], on=date(2026, 1, 1), present={99}) == []
    assert interest_group_of(99, [ended], on=date(2026, 1, 1)) is None


def test_presence_changes_the_shares():
    members = seats(Kommunen=5, Wirtschaft=5, Soziales=5)
    public_ids = {s.person_id for s in members if s.sector == "public"}
    present = public_ids | {members[5].person_id}  # 5 public + 1 economy in the room
    c = compose(members, present=present)
    assert c.total == 6 and "public_control" in kinds(c)


# ------------------------------------------------------------------ hints


def test_members_without_group_or_sector_are_reported_not_warned():
    members = seats(Wirtschaft=2, Soziales=2) + [SeatFacts(next(_ids)), SeatFacts(next(_ids), sector="economy")]
    c = compose(members)
    assert c.ok
    assert [(f.kind, f.count) for f in c.findings] == [("unassigned", 1)]
    assert [s.key for s in c.by_sector] == ["public", "economy", "civil_society", None]
    assert {s.key: s.count for s in c.by_sector}[None] == 1


def test_members_with_a_sector_but_no_group():
    c = compose(seats(Wirtschaft=1, Soziales=1, Umwelt=1) + [SeatFacts(next(_ids), sector="civil_society")])
    assert [(f.kind, f.count) for f in c.findings] == [("ungrouped", 1)]


def test_empty_body():
    c = compose([])
    assert c.total == 0 and c.ok and [f.kind for f in c.findings] == ["no_voting_members"]
    assert all(s.count == 0 and s.percent == 0 for s in c.by_sector)
    assert c.quorum_needed == 0


def test_groups_can_be_listed_with_zero_members_and_are_ordered_by_sector():
    c = compose(seats(Soziales=2, Kommunen=1, Wirtschaft=3), group_sectors={"Jugend": "civil_society"})
    assert [(s.key, s.count) for s in c.by_group] == [
        ("Kommunen", 1), ("Wirtschaft", 3), ("Soziales", 2), ("Jugend", 0)]
