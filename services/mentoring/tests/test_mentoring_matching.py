"""Matching rounds over random pools (hypothesis): rules hold, and small rounds are optimal."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from myndnet_mentoring.domain.matching import (
    Candidate,
    Mentor,
    Rules,
    Weights,
    match_round,
    score,
    why_not,
)

AGENCIES = ["csn", "spv", "skatteverket", "tullverket"]
AREAS = ["ledarskap", "ekonomi", "digitalisering", "juridik", "arbetsmiljö"]
LANGUAGES = ["sv", "en", "fi"]
TOWNS = ["Sundsvall", "Härnösand"]
WEIGHTS = Weights()

languages = st.frozensets(st.sampled_from(LANGUAGES), min_size=1, max_size=2)
areas = st.frozensets(st.sampled_from(AREAS), max_size=3)


@st.composite
def pools(draw, max_managers=6, max_mentors=4):
    managers = [
        Candidate(
            (draw(st.sampled_from(AGENCIES)), f"m{i}"),
            draw(areas),
            draw(languages),
            draw(st.sampled_from(TOWNS)),
            draw(st.integers(0, 400)),
        )
        for i in range(draw(st.integers(0, max_managers)))
    ]
    mentors = [
        Mentor(
            (draw(st.sampled_from(AGENCIES)), f"t{i}"),
            draw(areas),
            draw(languages),
            draw(st.sampled_from(TOWNS)),
            draw(st.integers(0, 30)),
            draw(st.integers(0, 3)),
        )
        for i in range(draw(st.integers(0, max_mentors)))
    ]
    excluded = frozenset(
        (a.key, b.key)
        for a in managers
        for b in mentors
        if draw(st.booleans()) and draw(st.integers(0, 4)) == 0
    )
    forbidden = frozenset(
        frozenset(p)
        for p in draw(
            st.lists(st.tuples(st.sampled_from(AGENCIES), st.sampled_from(AGENCIES)), max_size=2)
        )
        if p[0] != p[1]
    )
    balance = {a: draw(st.floats(-1, 1)) for a in AGENCIES}
    return managers, mentors, Rules(excluded, forbidden, balance)


def check_rules(managers, mentors, rules, result):
    by_key = {m.key: m for m in mentors}
    managers_by_key = {m.key: m for m in managers}
    used: dict = {}
    assert len({p.manager for p in result.proposals}) == len(result.proposals)
    for proposal in result.proposals:
        manager, mentor = managers_by_key[proposal.manager], by_key[proposal.mentor]
        assert mentor.agency != manager.agency
        assert manager.languages & mentor.languages
        assert (manager.key, mentor.key) not in rules.excluded_pairs
        assert frozenset((manager.agency, mentor.agency)) not in rules.forbidden_agency_pairs
        used[mentor.key] = used.get(mentor.key, 0) + 1
        assert used[mentor.key] <= mentor.free_slots
    assert set(result.unmatched) | {p.manager for p in result.proposals} == set(managers_by_key)


@settings(max_examples=300, deadline=None)
@given(pools(max_managers=12, max_mentors=8))
def test_no_hard_rule_is_ever_broken(pool):
    managers, mentors, rules = pool
    check_rules(managers, mentors, rules, match_round(managers, mentors, WEIGHTS, rules))


def brute_force_best(managers, mentors, rules) -> float:
    """Every way to give each manager a mentor slot or none: the best total score."""
    options = []
    for manager in managers:
        allowed = [None] + [m for m in mentors if why_not(manager, m, rules) is None]
        options.append(allowed)
    best = 0.0
    for choice in itertools.product(*options):
        load: dict = {}
        total = 0.0
        for manager, mentor in zip(managers, choice, strict=True):
            if mentor is None:
                continue
            load[mentor.key] = load.get(mentor.key, 0) + 1
            if load[mentor.key] > mentor.free_slots:
                break
            total += score(manager, mentor, WEIGHTS, rules)[0]
        else:
            best = max(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(pools(max_managers=5, max_mentors=3))
def test_on_small_pools_the_round_scores_the_brute_force_optimum(pool):
    managers, mentors, rules = pool
    result = match_round(managers, mentors, WEIGHTS, rules)
    assert abs(result.total_score - brute_force_best(managers, mentors, rules)) < 1e-6


def test_the_same_input_gives_the_same_round():
    managers = [
        Candidate(("csn", f"m{i}"), frozenset({"ledarskap"}), frozenset({"sv"}), "Sundsvall", i)
        for i in range(5)
    ]
    mentors = [
        Mentor(("spv", f"t{i}"), frozenset({"ledarskap"}), frozenset({"sv"}), "Sundsvall", 5, 1)
        for i in range(3)
    ]
    first = match_round(managers, mentors, WEIGHTS, Rules())
    assert first == match_round(list(reversed(managers)), list(reversed(mentors)), WEIGHTS, Rules())
    # Three places for five managers: those who waited longest go first.
    assert sorted(p.manager[1] for p in first.proposals) == ["m2", "m3", "m4"]
    assert first.unmatched[("csn", "m0")].startswith("every eligible mentor's places went")


def test_a_manager_without_eligible_mentors_is_told_why():
    manager = Candidate(("csn", "m"), frozenset(), frozenset({"fi"}), "Sundsvall", 3)
    mentors = [
        Mentor(("csn", "a"), frozenset(), frozenset({"fi"}), "Sundsvall", 3, 1),
        Mentor(("spv", "b"), frozenset(), frozenset({"sv"}), "Sundsvall", 3, 1),
    ]
    result = match_round([manager], mentors, WEIGHTS, Rules())
    assert result.proposals == []
    assert result.unmatched[manager.key] == (
        "no eligible mentor with a free place (no shared language: 1, same agency: 1)"
    )
