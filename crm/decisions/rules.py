"""The LEADER decision rules for one agenda item, as pure arithmetic (no Flask, no database).

In: the voting seats of the body on the meeting day (`Member`: present? deputy present?), the
members who declared a conflict of interest on the item, the votes (yes/no/abstain) and the
body's thresholds in percent. Out: an `ItemCheck` with every figure and the reasons in German
words, ready to be stored with the decision as it stood on the day.

1. Quorum: at least `quorum_share` of the voting members are present; a deputy counts for an
   absent member, member and deputy both present count once (one seat, one vote).
2. Members with a conflict of interest are excluded from the item.
3. Double quorum: of those voting on the item, at least `min_non_public_share` are non-public.
4. No interest group holds more than `max_group_share` of the votes on the item.
5. Simple majority of the votes cast: more yes than no.

Shares are compared as exact fractions (composition.reaches / exceeds): 50 % is enough for the
quorum, 49 % is allowed for a group, 49.1 % is not.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Hashable, Iterable

from crm.network.composition import (
    DEFAULT_MAX_GROUP_SHARE,
    DEFAULT_MIN_NON_PUBLIC_SHARE,
    DEFAULT_QUORUM_SHARE,
    PUBLIC,
    SeatFacts,
    exceeds,
    quorum_needed,
    reaches,
    voters,
)

RESULTS = ("passed", "rejected", "invalid")


@dataclass(frozen=True)
class Member:
    """One voting seat on the meeting day. `id`: the seat holder; `voter_id`: who casts the vote
    (the member, or the deputy standing in), None when nobody of the seat is present."""

    id: Hashable
    group: Hashable | None = None
    group_name: str = ""
    public: bool = False
    present: bool = False
    deputy_id: Hashable | None = None
    deputy_present: bool = False
    name: str = ""
    deputy_name: str = ""

    @property
    def counts(self) -> bool:
        """The seat is represented in the room (member or deputy, once)."""
        return self.present or self.deputy_present

    @property
    def voter_id(self) -> Hashable | None:
        if self.present:
            return self.id
        if self.deputy_present:
            return self.deputy_id
        return None


@dataclass(frozen=True)
class Thresholds:
    quorum_share: Decimal = DEFAULT_QUORUM_SHARE
    max_group_share: Decimal = DEFAULT_MAX_GROUP_SHARE
    min_non_public_share: Decimal = DEFAULT_MIN_NON_PUBLIC_SHARE


@dataclass(frozen=True)
class Votes:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass
class ItemCheck:
    """Every figure of the check and its reasons; `asdict()` gives the JSON stored with a decision."""

    members: int
    present: int
    quorum_needed: int
    quorate: bool
    excluded: int
    voting: int
    public: int
    non_public: int
    double_quorum: bool
    largest_group: str
    largest_group_votes: int
    group_rule: bool
    yes: int
    no: int
    abstain: int
    majority: bool
    result: str
    reasons: list[str] = field(default_factory=list)
    thresholds: dict = field(default_factory=dict)
    present_names: list[str] = field(default_factory=list)
    excluded_names: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.quorate and self.double_quorum and self.group_rule

    @property
    def passed(self) -> bool:
        return self.result == "passed"

    def as_json(self) -> dict:
        return asdict(self)


class VoteError(ValueError):
    """The counts cannot be right (negative, more votes than members voting)."""


# ------------------------------------------------------------------ German numbers


def percent_text(count: int, total: int) -> str:
    """5 of 9 -> "55,6 %", 11 of 20 -> "55 %" (one decimal, none when it is ,0)."""
    if not total:
        return "0 %"
    value = Fraction(count * 100, total)
    exact = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return share_text(exact)


def share_text(value) -> str:
    """A threshold in percent: Decimal("49.00") -> "49 %", 49.5 -> "49,5 %"."""
    number = Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    text = f"{number:f}".replace(".", ",")
    if text.endswith(",0"):
        text = text[:-2]
    return f"{text} %"


def _abstentions(n: int) -> str:
    return f"{n} Enthaltung" if n == 1 else f"{n} Enthaltungen"


# ------------------------------------------------------------------ from seats


def members_on(seats: Iterable[SeatFacts], on: date | None, present: Iterable, *, names: dict | None = None,
               group_names: dict | None = None) -> list[Member]:
    """The voting seats held on `on` (a seat that ended the day before does not count), with who of
    each seat is in the room (`present`: person ids). Uses the body composition's counting: a deputy
    votes for an absent member, never a second time (not when holding a seat of their own)."""
    names = names or {}
    group_names = group_names or {}
    here = set(present)
    held = [s for s in seats if s.voting and s.active_on(on)]
    standing_in = {v.seat.person_id: v.person_id for v in voters(held, on, here) if v.as_deputy}
    return [
        Member(id=s.person_id, group=s.group, group_name=str(group_names.get(s.group, s.group or "")),
               public=s.sector == PUBLIC, present=s.person_id in here, deputy_id=s.deputy_id,
               deputy_present=s.person_id in standing_in, name=names.get(s.person_id, str(s.person_id)),
               deputy_name=names.get(s.deputy_id, "") if s.deputy_id is not None else "")
        for s in held
    ]


# ------------------------------------------------------------------ the check


def validate_votes(votes: Votes, voting: int) -> None:
    if min(votes.yes, votes.no, votes.abstain) < 0:
        raise VoteError("negative")
    if votes.cast > voting:
        raise VoteError("too_many")


def check_item(members: Iterable[Member], conflicted: Iterable, votes: Votes,
               thresholds: Thresholds | None = None, took_part: str = "anwesend") -> ItemCheck:
    """Check one vote. `conflicted`: ids of seat holders (or of the deputy voting for them) who
    declared a conflict of interest; they are excluded from the item. Raises VoteError on counts
    that cannot be right. `took_part` says how a seat took part: "anwesend" in a meeting, "haben
    fristgerecht abgestimmt" in a circulation ballot."""
    t = thresholds or Thresholds()
    members = list(members)
    conflicted = set(conflicted)
    total = len(members)
    in_room = [m for m in members if m.counts]
    present = len(in_room)
    needed = quorum_needed(total, t.quorum_share)
    quorate = reaches(present, total, t.quorum_share)

    excluded = [m for m in in_room if m.id in conflicted or m.voter_id in conflicted]
    voting_members = [m for m in in_room if m not in excluded]
    voting = len(voting_members)
    validate_votes(votes, voting)

    public = sum(1 for m in voting_members if m.public)
    non_public = voting - public
    min_np = Decimal(str(t.min_non_public_share))
    double_quorum = voting > 0 and (min_np <= 0 or reaches(non_public, voting, min_np))

    groups: dict = {}
    for m in voting_members:
        if m.group is not None:
            key = m.group
            count, name = groups.get(key, (0, m.group_name or str(m.group)))
            groups[key] = (count + 1, name)
    largest_name, largest = "", 0
    if groups:
        largest, largest_name = max(groups.values(), key=lambda v: (v[0], v[1]))
    group_rule = not exceeds(largest, voting, t.max_group_share)
    majority = votes.yes > votes.no

    reasons = []
    if quorate:
        reasons.append(f"Beschlussfähig: {present} von {total} stimmberechtigten Mitgliedern {took_part} "
                       f"({percent_text(present, total)}).")
    else:
        reasons.append(f"Nicht beschlussfähig: {present} von {total} stimmberechtigten Mitgliedern {took_part} "
                       f"({percent_text(present, total)}), nötig sind {share_text(t.quorum_share)} "
                       f"({needed}).")
    if excluded:
        word = "Mitglied" if len(excluded) == 1 else "Mitglieder"
        reasons.append(f"Wegen persönlicher Beteiligung ausgeschlossen: {len(excluded)} {word} "
                       f"({', '.join(m.name for m in excluded)}); es stimmen {voting} ab.")
    else:
        reasons.append(f"Keine persönliche Beteiligung erklärt; es stimmen {voting} ab.")
    if voting == 0:
        reasons.append("Nicht gültig: niemand stimmt ab.")
    elif min_np <= 0:
        reasons.append("Doppelte Mehrheit: für dieses Gremium nicht vorgesehen.")
    elif double_quorum:
        reasons.append(f"Doppelte Mehrheit erfüllt: nicht-öffentliche Partner {non_public} von {voting} "
                       f"abstimmenden Mitgliedern ({percent_text(non_public, voting)}), nötig sind mindestens "
                       f"{share_text(min_np)}.")
    else:
        reasons.append(f"Nicht gültig: öffentliche Partner {public} von {voting} abstimmenden Mitgliedern "
                       f"({percent_text(public, voting)}), nicht-öffentliche nur {non_public} "
                       f"({percent_text(non_public, voting)}); nötig sind mindestens {share_text(min_np)} "
                       f"nicht-öffentliche.")
    if voting and not groups:
        reasons.append("Interessengruppen: keinem abstimmenden Mitglied ist eine Gruppe zugeordnet.")
    elif voting and group_rule:
        reasons.append(f"Keine Interessengruppe über {share_text(t.max_group_share)}: größte Gruppe "
                       f"„{largest_name}“ mit {largest} von {voting} Stimmen ({percent_text(largest, voting)}).")
    elif voting:
        reasons.append(f"Nicht gültig: Interessengruppe „{largest_name}“ hat {largest} von {voting} Stimmen "
                       f"({percent_text(largest, voting)}), erlaubt sind höchstens {share_text(t.max_group_share)}.")

    tally = f"{votes.yes} Ja, {votes.no} Nein, {_abstentions(votes.abstain)}"
    if not (quorate and double_quorum and group_rule):
        result = "invalid"
        reasons.append(f"Ergebnis: kein gültiger Beschluss ({tally}).")
    elif majority:
        result = "passed"
        reasons.append(f"Ergebnis: angenommen mit {tally}.")
    else:
        result = "rejected"
        reasons.append(f"Ergebnis: abgelehnt mit {tally} (keine einfache Mehrheit).")

    return ItemCheck(
        members=total, present=present, quorum_needed=needed, quorate=quorate, excluded=len(excluded),
        voting=voting, public=public, non_public=non_public, double_quorum=double_quorum,
        largest_group=largest_name, largest_group_votes=largest, group_rule=group_rule,
        yes=votes.yes, no=votes.no, abstain=votes.abstain, majority=majority, result=result, reasons=reasons,
        thresholds={"quorum_share": str(t.quorum_share), "max_group_share": str(t.max_group_share),
                    "min_non_public_share": str(t.min_non_public_share)},
        present_names=[_present_name(m) for m in in_room], excluded_names=[m.name for m in excluded],
    )


def _present_name(m: Member) -> str:
    if m.present:
        return m.name
    return f"{m.deputy_name} (in Vertretung für {m.name})"
