"""Matching new managers with mentors from other agencies: plain Python and scipy.

Hard rules (a pair that breaks one is never proposed): the mentor's agency is not the
manager's; the mentor has a free slot (capacity); they share a language; the pair was not
declined (or left unanswered) before; the two agencies are not a forbidden pair.

Score of an allowed pair, from the weights in `Weights` (settings):
  competence  share of the manager's competence areas the mentor also has
  municipality  same municipality
  experience  the mentor's years as a manager, up to 15
  waiting     how long the manager has waited, up to 180 days (so long waits go first when
              mentors are scarce)
  balance     the mentor's agency receives more mentors than it gives (nudged to give)

A round assigns the whole waiting pool at once as an optimal assignment (maximum total score)
over mentor capacity slots with `scipy.optimize.linear_sum_assignment`. Every manager also has
an "unmatched" option worth 0, so an allowed pair (always worth more than 0) is never traded
for a forced one. Input is sorted first, so the same input gives the same result.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

Key = tuple[str, str]  # (agency, person_id)
NOT_ALLOWED = -1e9


@dataclass(frozen=True)
class Weights:
    competence: float = 4.0
    municipality: float = 1.0
    experience: float = 1.0
    waiting: float = 2.0
    balance: float = 1.0
    base: float = 0.1  # every allowed pair is worth something


@dataclass(frozen=True)
class Candidate:
    """A waiting manager."""

    key: Key
    competence_areas: frozenset[str]
    languages: frozenset[str]
    municipality: str
    waiting_days: int

    @property
    def agency(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class Mentor:
    key: Key
    competence_areas: frozenset[str]
    languages: frozenset[str]
    municipality: str
    years_as_manager: int
    free_slots: int

    @property
    def agency(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class Rules:
    excluded_pairs: frozenset[tuple[Key, Key]] = frozenset()  # (manager, mentor)
    forbidden_agency_pairs: frozenset[frozenset[str]] = frozenset()
    # Per agency: mentors received minus mentors given, over both (between -1 and 1).
    agency_balance: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    manager: Key
    mentor: Key
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Round:
    proposals: list[Proposal]
    unmatched: dict[Key, str]

    @property
    def total_score(self) -> float:
        return sum(p.score for p in self.proposals)


def why_not(manager: Candidate, mentor: Mentor, rules: Rules) -> str | None:
    """The hard rule a pair breaks (capacity aside), or None when it is allowed."""
    if mentor.agency == manager.agency:
        return "same agency"
    if not manager.languages & mentor.languages:
        return "no shared language"
    if (manager.key, mentor.key) in rules.excluded_pairs:
        return "declined before"
    if frozenset((manager.agency, mentor.agency)) in rules.forbidden_agency_pairs:
        return "forbidden agency pair"
    return None


def score(
    manager: Candidate, mentor: Mentor, weights: Weights, rules: Rules
) -> tuple[float, tuple[str, ...]]:
    reasons = []
    total = weights.base
    shared = sorted(manager.competence_areas & mentor.competence_areas)
    if shared and manager.competence_areas:
        total += weights.competence * len(shared) / len(manager.competence_areas)
        reasons.append(f"delar kompetensområde: {', '.join(shared)}")
    if manager.municipality.casefold() == mentor.municipality.casefold():
        total += weights.municipality
        reasons.append(f"samma kommun ({mentor.municipality})")
    years = min(mentor.years_as_manager, 15)
    total += weights.experience * years / 15
    reasons.append(f"{mentor.years_as_manager} års chefserfarenhet")
    total += weights.waiting * min(manager.waiting_days, 180) / 180
    balance = rules.agency_balance.get(mentor.agency, 0.0)
    if balance > 0:
        total += weights.balance * balance
        reasons.append("mentorns myndighet tar emot fler mentorer än den ger")
    return round(total, 6), tuple(reasons)


def match_round(
    candidates: Iterable[Candidate], mentors: Iterable[Mentor], weights: Weights, rules: Rules
) -> Round:
    managers = sorted(candidates, key=lambda c: c.key)
    available = sorted((m for m in mentors if m.free_slots > 0), key=lambda m: m.key)
    if not managers:
        return Round([], {})
    offsets: list[int] = []
    slot_owner: list[int] = []
    for j, mentor in enumerate(available):
        offsets.append(len(slot_owner))
        slot_owner += [j] * mentor.free_slots

    n, m = len(managers), len(slot_owner)
    matrix = np.full((n, m + n), NOT_ALLOWED)
    matrix[np.arange(n), m + np.arange(n)] = 0.0  # each manager's own "unmatched" column
    details: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
    for j, mentor in enumerate(available):
        for i, manager in enumerate(managers):
            if why_not(manager, mentor, rules) is None:
                value, reasons = score(manager, mentor, weights, rules)
                details[(i, j)] = (value, reasons)
                matrix[i, offsets[j] : offsets[j] + mentor.free_slots] = value

    rows, cols = linear_sum_assignment(matrix, maximize=True)
    proposals, unmatched = [], {}
    for i, column in zip(rows, cols, strict=True):
        manager = managers[i]
        if column >= m or matrix[i, column] <= NOT_ALLOWED / 2:
            unmatched[manager.key] = _unmatched_reason(manager, available, rules)
            continue
        j = slot_owner[column]
        value, reasons = details[(i, j)]
        proposals.append(Proposal(manager.key, available[j].key, value, reasons))
    return Round(proposals, unmatched)


def _unmatched_reason(manager: Candidate, mentors: list[Mentor], rules: Rules) -> str:
    if not mentors:
        return "no mentor has a free place"
    blocked = [why_not(manager, mentor, rules) for mentor in mentors]
    if all(reason is not None for reason in blocked):
        counts: dict[str, int] = {}
        for reason in blocked:
            assert reason is not None
            counts[reason] = counts.get(reason, 0) + 1
        summary = ", ".join(f"{reason}: {count}" for reason, count in sorted(counts.items()))
        return f"no eligible mentor with a free place ({summary})"
    return "every eligible mentor's places went to other managers in this round"


def greedy_round(
    candidates: Iterable[Candidate], mentors: Iterable[Mentor], weights: Weights, rules: Rules
) -> Round:
    """The baseline the benchmark compares with: best remaining pair first."""
    managers = sorted(candidates, key=lambda c: c.key)
    free = {m.key: m.free_slots for m in mentors}
    by_key = {m.key: m for m in mentors}
    pairs = []
    for manager in managers:
        for mentor in by_key.values():
            if free[mentor.key] > 0 and why_not(manager, mentor, rules) is None:
                value, reasons = score(manager, mentor, weights, rules)
                pairs.append((-value, manager.key, mentor.key, reasons))
    pairs.sort()
    taken: set[Key] = set()
    proposals = []
    for negative, manager_key, mentor_key, reasons in pairs:
        if manager_key in taken or free[mentor_key] == 0:
            continue
        taken.add(manager_key)
        free[mentor_key] -= 1
        proposals.append(Proposal(manager_key, mentor_key, -negative, reasons))
    unmatched = {m.key: "not matched" for m in managers if m.key not in taken}
    return Round(proposals, unmatched)
