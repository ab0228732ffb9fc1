"""Composition of a body: who votes, by sector and interest group, and where the LEADER rules break.

Pure arithmetic on plain values (no database, no Flask), so that the body page, the exports
and later the meetings part (quorum, double quorum) use the same counting and tests can run
every boundary directly.

The rules (per body, in percent; defaults from the LEADER practice in Bavaria):

- no interest group holds more than `max_group_share` of the voting members
  (49 %: a group at exactly 49 % is fine, at 50 % it is not);
- the public sector must not control the body: it must stay *below* 100 % minus
  `min_non_public_share` (50 %: public members at 50 % or more give a warning);
  0 % switches this check off (e.g. for a steering group of mayors);
- quorum: at least `quorum_share` of the voting members must be present.

Shares are compared as exact fractions, so 30 of 61 is never rounded into a false alarm.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import ceil
from typing import Hashable, Iterable

PUBLIC = "public"
SECTOR_ORDER = ("public", "economy", "civil_society")

DEFAULT_QUORUM_SHARE = Decimal(50)
DEFAULT_MAX_GROUP_SHARE = Decimal(49)
DEFAULT_MIN_NON_PUBLIC_SHARE = Decimal(50)


@dataclass(frozen=True)
class Rules:
    """A body's rules, in percent (0-100)."""

    quorum_share: Decimal | int | float = DEFAULT_QUORUM_SHARE
    max_group_share: Decimal | int | float = DEFAULT_MAX_GROUP_SHARE
    min_non_public_share: Decimal | int | float = DEFAULT_MIN_NON_PUBLIC_SHARE


@dataclass(frozen=True)
class SeatFacts:
    """What the arithmetic needs to know about one seat.

    `group` is any key of the interest group (an id, a name); `sector` is the sector of that
    group (or of the organisation represented when the seat has no group). A seat is held
    from `valid_from` to `valid_to`, both days included; None means open.
    """

    person_id: Hashable
    voting: bool = True
    group: Hashable | None = None
    sector: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    deputy_id: Hashable | None = None

    def active_on(self, on: date | None) -> bool:
        if on is None:
            return True
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or self.valid_to >= on)


@dataclass(frozen=True)
class Voter:
    """One vote: who casts it, for which seat, counted for which group and sector."""

    person_id: Hashable
    seat: SeatFacts
    as_deputy: bool = False

    @property
    def group(self):
        return self.seat.group

    @property
    def sector(self):
        return self.seat.sector


@dataclass(frozen=True)
class Share:
    key: Hashable | None
    count: int
    total: int
    sector: str | None = None  # for interest groups: the group's sector
    limit: Decimal | None = None  # for interest groups: the maximum share in percent
    over_limit: bool = False

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.count, self.total) if self.total else Fraction(0)

    @property
    def percent(self) -> float:
        """For display only; checks use `fraction`."""
        return float(self.fraction * 100)


@dataclass(frozen=True)
class Finding:
    """A rule that is broken (level "danger") or worth a look ("info").

    kind: "group_over_limit" (subject: group key), "public_control" (subject: "public"),
    "no_voting_members", "unassigned" (voting members without a sector), "ungrouped" (voting
    members with a sector but without an interest group).
    """

    kind: str
    level: str
    subject: Hashable | None = None
    count: int = 0
    total: int = 0
    limit: Decimal | None = None

    @property
    def percent(self) -> float:
        return float(Fraction(self.count, self.total) * 100) if self.total else 0.0


@dataclass
class Composition:
    total: int
    by_sector: list[Share]
    by_group: list[Share]
    findings: list[Finding] = field(default_factory=list)
    quorum_needed: int = 0
    rules: Rules = field(default_factory=Rules)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "danger"]

    @property
    def ok(self) -> bool:
        return not self.warnings

    @property
    def public_share(self) -> Share:
        return next(s for s in self.by_sector if s.key == PUBLIC)


def _fraction(value) -> Fraction:
    return Fraction(Decimal(str(value))) if not isinstance(value, (int, Fraction)) else Fraction(value)


def exceeds(count: int, total: int, limit_percent) -> bool:
    """count / total > limit %, exactly."""
    return total > 0 and Fraction(count, total) * 100 > _fraction(limit_percent)


def reaches(count: int, total: int, limit_percent) -> bool:
    """count / total >= limit %, exactly."""
    return total > 0 and Fraction(count, total) * 100 >= _fraction(limit_percent)


def public_limit(rules: Rules) -> Fraction | None:
    """The public share (percent) at which the public sector counts as controlling; None: no check."""
    minimum = _fraction(rules.min_non_public_share)
    if minimum <= 0:
        return None
    return 100 - minimum


def quorum_needed(total: int, quorum_share) -> int:
    """How many voting members must be present: 50 % of 61 -> 31."""
    if total <= 0:
        return 0
    return ceil(Fraction(total) * _fraction(quorum_share) / 100)


def voters(seats: Iterable[SeatFacts], on: date | None = None, present: Iterable | None = None) -> list[Voter]:
    """The votes of a body on a day.

    Without `present`: every voting seat held on that day. With `present` (person ids of
    those attending): a seat votes when its member is present, or else when its deputy is;
    the deputy then counts for the member's interest group and sector. A deputy who holds a
    voting seat of their own and is present votes only for that seat (nobody has two votes).
    """
    held = [s for s in seats if s.voting and s.active_on(on)]
    if present is None:
        return [Voter(s.person_id, s) for s in held]
    here = set(present)
    own_seat_holders = {s.person_id for s in held}
    result, used = [], set()
    for s in held:
        if s.person_id in here:
            result.append(Voter(s.person_id, s))
            used.add(s.person_id)
    for s in held:
        if s.person_id in here:
            continue
        deputy = s.deputy_id
        if deputy is not None and deputy in here and deputy not in own_seat_holders and deputy not in used:
            result.append(Voter(deputy, s, as_deputy=True))
            used.add(deputy)
    return result


def interest_group_of(person_id, seats: Iterable[SeatFacts], on: date | None = None):
    """The interest group a person votes for: their own seat's, or as a deputy the member's."""
    seats = [s for s in seats if s.voting and s.active_on(on)]
    for s in seats:
        if s.person_id == person_id:
            return s.group
    for s in seats:
        if s.deputy_id == person_id:
            return s.group
    return None


def compose(
    seats: Iterable[SeatFacts],
    rules: Rules | None = None,
    on: date | None = None,
    present: Iterable | None = None,
    group_sectors: dict | None = None,
) -> Composition:
    """Count the voting members (or, with `present`, the votes in the room) and check the rules.

    `group_sectors` ({group: sector}) lists groups that should show up with 0 members too.
    """
    rules = rules or Rules()
    votes = voters(seats, on, present)
    total = len(votes)

    sector_counts = {key: 0 for key in SECTOR_ORDER}
    unassigned = 0
    group_counts: dict = {}
    sectors_of_groups: dict = dict(group_sectors or {})
    for vote in votes:
        if vote.sector in sector_counts:
            sector_counts[vote.sector] += 1
        else:
            unassigned += 1
        if vote.group is not None:
            group_counts[vote.group] = group_counts.get(vote.group, 0) + 1
            sectors_of_groups.setdefault(vote.group, vote.sector)
    for group in sectors_of_groups:
        group_counts.setdefault(group, 0)

    by_sector = [Share(key, count, total) for key, count in sector_counts.items()]
    if unassigned:
        by_sector.append(Share(None, unassigned, total))

    limit = Decimal(str(rules.max_group_share))
    by_group = [
        Share(key, count, total, sector=sectors_of_groups.get(key), limit=limit,
              over_limit=exceeds(count, total, limit))
        for key, count in group_counts.items()
    ]
    sector_rank = {key: i for i, key in enumerate(SECTOR_ORDER)}
    by_group.sort(key=lambda s: (sector_rank.get(s.sector, 99), -s.count, str(s.key)))
    ungrouped = total - sum(s.count for s in by_group)

    findings: list[Finding] = []
    if total == 0:
        findings.append(Finding("no_voting_members", "info"))
    for share in by_group:
        if share.over_limit:
            findings.append(Finding("group_over_limit", "danger", share.key, share.count, total, limit))
    control = public_limit(rules)
    if control is not None and reaches(sector_counts[PUBLIC], total, control):
        findings.append(Finding("public_control", "danger", PUBLIC, sector_counts[PUBLIC], total,
                                Decimal(control.numerator) / Decimal(control.denominator)))
    if unassigned:
        findings.append(Finding("unassigned", "info", None, unassigned, total))
    elif ungrouped:
        findings.append(Finding("ungrouped", "info", None, ungrouped, total))

    return Composition(
        total=total, by_sector=by_sector, by_group=by_group, findings=findings,
        quorum_needed=quorum_needed(total, rules.quorum_share), rules=rules,
    )
