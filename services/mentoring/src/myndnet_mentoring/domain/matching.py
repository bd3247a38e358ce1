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


def score_matrix(
    managers: list[Candidate], mentors: list[Mentor], weights: Weights, rules: Rules
) -> np.ndarray:
    """Every manager × mentor score at once (what `score` gives one pair), NOT_ALLOWED where
    `why_not` refuses the pair. Capacity is left to the caller."""
    n, k = len(managers), len(mentors)
    if n == 0 or k == 0:
        return np.zeros((n, k))

    def indexed(values: list[str]) -> tuple[np.ndarray, dict[str, int]]:
        index: dict[str, int] = {}
        return np.array([index.setdefault(v, len(index)) for v in values]), index

    def member_matrix(sets: list[frozenset[str]], index: dict[str, int]) -> np.ndarray:
        matrix = np.zeros((len(sets), len(index)), dtype=np.int32)
        for row, items in enumerate(sets):
            matrix[row, [index[i] for i in items if i in index]] = 1
        return matrix

    agencies, agency_index = indexed([m.agency for m in managers] + [t.agency for t in mentors])
    manager_agency, mentor_agency = agencies[:n], agencies[n:]
    allowed = manager_agency[:, None] != mentor_agency[None, :]

    spoken = {c for m in managers for c in m.languages} | {c for t in mentors for c in t.languages}
    languages = {code: i for i, code in enumerate(sorted(spoken))}
    shared_language = (
        member_matrix([m.languages for m in managers], languages)
        @ member_matrix([t.languages for t in mentors], languages).T
    )
    allowed &= shared_language > 0

    for a, b in (tuple(pair) for pair in rules.forbidden_agency_pairs if len(pair) == 2):
        if a in agency_index and b in agency_index:
            ia, ib = agency_index[a], agency_index[b]
            allowed &= ~(
                ((manager_agency == ia)[:, None] & (mentor_agency == ib)[None, :])
                | ((manager_agency == ib)[:, None] & (mentor_agency == ia)[None, :])
            )
    if rules.excluded_pairs:
        row_of = {m.key: i for i, m in enumerate(managers)}
        column_of = {t.key: j for j, t in enumerate(mentors)}
        for manager_key, mentor_key in rules.excluded_pairs:
            if manager_key in row_of and mentor_key in column_of:
                allowed[row_of[manager_key], column_of[mentor_key]] = False

    areas = {a: i for i, a in enumerate(sorted({a for m in managers for a in m.competence_areas}))}
    overlap = (
        member_matrix([m.competence_areas for m in managers], areas)
        @ member_matrix([t.competence_areas for t in mentors], areas).T
    )
    own = np.array([max(1, len(m.competence_areas)) for m in managers])[:, None]
    towns, _ = indexed(
        [m.municipality.casefold() for m in managers] + [t.municipality.casefold() for t in mentors]
    )
    same_town = towns[:n, None] == towns[None, n:]
    experience = np.array([min(t.years_as_manager, 15) / 15 for t in mentors])[None, :]
    waiting = np.array([min(m.waiting_days, 180) / 180 for m in managers])[:, None]
    balance = np.array([max(0.0, rules.agency_balance.get(t.agency, 0.0)) for t in mentors])[
        None, :
    ]
    scores = (
        weights.base
        + weights.competence * overlap / own
        + weights.municipality * same_town
        + weights.experience * experience
        + weights.waiting * waiting
        + weights.balance * balance
    )
    return np.where(allowed, np.round(scores, 6), NOT_ALLOWED)


def match_round(
    candidates: Iterable[Candidate], mentors: Iterable[Mentor], weights: Weights, rules: Rules
) -> Round:
    managers = sorted(candidates, key=lambda c: c.key)
    available = sorted((m for m in mentors if m.free_slots > 0), key=lambda m: m.key)
    if not managers:
        return Round([], {})
    scores = score_matrix(managers, available, weights, rules)
    slot_owner = np.repeat(np.arange(len(available)), [m.free_slots for m in available])
    n, m = len(managers), len(slot_owner)
    matrix = np.full((n, m + n), NOT_ALLOWED)
    matrix[:, :m] = scores[:, slot_owner]
    matrix[np.arange(n), m + np.arange(n)] = 0.0  # each manager's own "unmatched" column

    rows, cols = linear_sum_assignment(matrix, maximize=True)
    proposals, unmatched = [], {}
    for i, column in zip(rows, cols, strict=True):
        manager = managers[i]
        if column >= m or matrix[i, column] <= NOT_ALLOWED / 2:
            unmatched[manager.key] = _unmatched_reason(manager, available, rules)
            continue
        mentor = available[slot_owner[column]]
        value, reasons = score(manager, mentor, weights, rules)
        proposals.append(Proposal(manager.key, mentor.key, value, reasons))
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
