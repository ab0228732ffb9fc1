"""The LEADER decision rules, worked by hand at their boundaries."""
from datetime import date
from decimal import Decimal

import pytest

from crm.decisions.rules import (
    Member,
    Thresholds,
    VoteError,
    Votes,
    check_item,
    members_on,
    percent_text,
    share_text,
)
from crm.network.composition import SeatFacts


def body(present: int, total: int = 20, public_present: int = 0, groups=None):
    """`total` voting members, the first `present` of them in the room; of those the first
    `public_present` public partners. `groups`: group key per present member."""
    result = []
    for i in range(total):
        here = i < present
        group = groups[i] if groups and i < len(groups) else None
        result.append(Member(id=i + 1, group=group, group_name=str(group or ""), public=here and i < public_present,
                             present=here, name=f"M{i + 1}"))
    return result


def test_twenty_members_eleven_present_two_conflicted():
    check = check_item(body(11, public_present=4), conflicted={1, 2}, votes=Votes(6, 2, 1))
    assert (check.members, check.present, check.quorum_needed, check.quorate) == (20, 11, 10, True)
    assert (check.excluded, check.voting, check.public, check.non_public) == (2, 9, 2, 7)
    assert check.reasons[0] == "Beschlussfähig: 11 von 20 stimmberechtigten Mitgliedern anwesend (55 %)."
    assert check.reasons[1].startswith("Wegen persönlicher Beteiligung ausgeschlossen: 2 Mitglieder (M1, M2)")
    assert check.result == "passed" and check.passed
    assert check.reasons[-1] == "Ergebnis: angenommen mit 6 Ja, 2 Nein, 1 Enthaltung."
    assert check.excluded_names == ["M1", "M2"]


def test_quorum_exactly_half_is_enough_one_less_is_not():
    assert check_item(body(10), set(), Votes(5, 0, 0)).quorate
    below = check_item(body(9), set(), Votes(5, 0, 0))
    assert not below.quorate and below.result == "invalid"
    assert below.reasons[0] == ("Nicht beschlussfähig: 9 von 20 stimmberechtigten Mitgliedern anwesend (45 %), "
                                "nötig sind 50 % (10).")


def test_public_partners_five_of_nine_fail_the_double_quorum():
    check = check_item(body(11, public_present=7), conflicted={1, 2}, votes=Votes(9, 0, 0))
    assert (check.voting, check.public, check.non_public) == (9, 5, 4)
    assert not check.double_quorum and check.result == "invalid"
    assert ("Nicht gültig: öffentliche Partner 5 von 9 abstimmenden Mitgliedern (55,6 %), nicht-öffentliche nur 4 "
            "(44,4 %)") in check.reasons[2]
    # 5 of 10 non-public: exactly 50 %, enough
    even = check_item(body(10, public_present=5), set(), Votes(6, 4, 0))
    assert even.double_quorum and even.result == "passed"


def test_one_interest_group_with_five_of_nine_votes_fails():
    groups = ["Wirtschaft"] * 5 + ["Soziales"] * 4
    check = check_item(body(9, total=18, groups=groups), set(), Votes(5, 4, 0))
    assert (check.largest_group, check.largest_group_votes, check.group_rule) == ("Wirtschaft", 5, False)
    assert check.result == "invalid"
    assert "Nicht gültig: Interessengruppe „Wirtschaft“ hat 5 von 9 Stimmen (55,6 %), erlaubt sind höchstens 49 %." \
        in check.reasons
    fine = check_item(body(9, total=18, groups=["Wirtschaft"] * 4 + ["Soziales"] * 4 + ["Kultur"]), set(),
                      Votes(5, 4, 0))
    assert fine.group_rule and fine.largest_group_votes == 4


def test_group_boundary_49_is_allowed_49_1_is_not():
    # 49 of 100 votes: exactly 49 %
    at = check_item(body(100, total=100, groups=["A"] * 49 + [f"g{i}" for i in range(51)]), set(), Votes(60, 40, 0))
    assert at.group_rule
    # 49.1 % allowed for this body: still 49 of 100 fine; 50 of 100 not
    over = check_item(body(100, total=100, groups=["A"] * 50 + [f"g{i}" for i in range(50)]), set(), Votes(60, 40, 0),
                      Thresholds(max_group_share=Decimal("49.1")))
    assert not over.group_rule
    # 491 of 1000 is 49.1 %: over 49, within 49.1
    groups = ["A"] * 491 + [f"g{i}" for i in range(509)]
    members = body(1000, total=1000, groups=groups)
    assert not check_item(members, set(), Votes(600, 0, 0)).group_rule
    assert check_item(members, set(), Votes(600, 0, 0), Thresholds(max_group_share=Decimal("49.1"))).group_rule


def test_majority_needs_more_yes_than_no():
    tie = check_item(body(12), set(), Votes(5, 5, 2))
    assert tie.result == "rejected" and not tie.majority
    assert tie.reasons[-1] == "Ergebnis: abgelehnt mit 5 Ja, 5 Nein, 2 Enthaltungen (keine einfache Mehrheit)."


def test_bad_counts_are_refused():
    with pytest.raises(VoteError):
        check_item(body(11), {1, 2}, Votes(7, 2, 1))  # 10 votes, 9 voting
    with pytest.raises(VoteError):
        check_item(body(11), set(), Votes(-1, 2, 1))


def seats():
    """Four voting seats: 1 (deputy 11), 2 (deputy 12), 3 ended on 31 March, 4 public."""
    return [
        SeatFacts(1, sector="civil_society", group="Soziales", valid_from=date(2023, 1, 1), deputy_id=11),
        SeatFacts(2, sector="economy", group="Wirtschaft", valid_from=date(2023, 1, 1), deputy_id=12),
        SeatFacts(3, sector="economy", group="Wirtschaft", valid_from=date(2023, 1, 1), valid_to=date(2027, 3, 31)),
        SeatFacts(4, sector="public", group="Kommunen", valid_from=date(2023, 1, 1)),
        SeatFacts(5, voting=False, sector="public", valid_from=date(2023, 1, 1)),
    ]


def test_deputy_for_an_absent_member_counts_once_and_both_present_count_once():
    members = members_on(seats(), date(2027, 4, 1), present={11, 2, 12, 4, 5}, names={1: "Heß", 11: "Vertreterin"})
    assert len(members) == 3  # seat 3 ended the day before, seat 5 has no vote
    by_id = {m.id: m for m in members}
    assert by_id[1].deputy_present and not by_id[1].present and by_id[1].voter_id == 11
    assert by_id[2].present and by_id[2].voter_id == 2  # member and deputy both there: the member votes, once
    check = check_item(members, set(), Votes(2, 1, 0))
    assert (check.members, check.present, check.voting) == (3, 3, 3)
    assert "Vertreterin (in Vertretung für Heß)" in check.present_names
    # the deputy declares the conflict for the seat she stands in for
    assert check_item(members, {11}, Votes(1, 1, 0)).excluded == 1


def test_seat_ending_the_day_before_does_not_count():
    day_before = members_on(seats(), date(2027, 3, 31), present={3})
    assert 3 in {m.id for m in day_before}
    assert 3 not in {m.id for m in members_on(seats(), date(2027, 4, 1), present={3})}


def test_thresholds_per_body():
    members = body(6, total=10, public_present=4)  # 60 % present, 2 of 6 non-public
    strict = Thresholds(quorum_share=Decimal("66.67"), max_group_share=Decimal(49), min_non_public_share=Decimal(50))
    assert not check_item(members, set(), Votes(4, 0, 0), strict).quorate
    mayors = Thresholds(quorum_share=Decimal(50), max_group_share=Decimal(100), min_non_public_share=Decimal(0))
    check = check_item(members, set(), Votes(4, 0, 0), mayors)
    assert check.quorate and check.double_quorum and check.result == "passed"
    assert check.thresholds == {"quorum_share": "50", "max_group_share": "100", "min_non_public_share": "0"}


def test_german_numbers():
    assert percent_text(5, 9) == "55,6 %"
    assert percent_text(11, 20) == "55 %"
    assert share_text(Decimal("49.00")) == "49 %"
    assert share_text(Decimal("49.10")) == "49,1 %"
