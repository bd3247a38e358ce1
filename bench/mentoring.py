"""Mentoring: one matching round, optimal (linear_sum_assignment) against greedy, same input.

uv run python bench/mentoring.py [--managers 1000 --slots 2000]
"""

import argparse
import random
import time
import tracemalloc
from collections.abc import Iterable

import numpy as np
from myndnet_mentoring.domain.matching import (
    NOT_ALLOWED,
    Candidate,
    Mentor,
    Proposal,
    Round,
    Rules,
    Weights,
    match_round,
    score,
    score_matrix,
)

AGENCIES = [
    "bolagsverket",
    "lst-vasternorrland",
    "csn",
    "fk-it",
    "spsm",
    "miun",
    "spv",
    "tullverket",
    "kriminalvarden",
    "fba",
    "rattshjalpsmyndigheten",
    "fr-harnosand",
    "tr-sundsvall",
    "kr-sundsvall",
    "hovr-nedre-norrland",
    "skatteverket",
    "digg",
    "msb",
]
AREAS = [
    "förändringsledning",
    "arbetsmiljö",
    "ekonomi",
    "digitalisering",
    "juridik",
    "rekrytering",
    "kommunikation",
    "verksamhetsutveckling",
    "säkerhet",
    "kundservice",
    "projektledning",
    "upphandling",
]
TOWNS = ["Sundsvall", "Härnösand", "Timrå", "Kramfors", "Östersund"]


def greedy_round(
    candidates: Iterable[Candidate], mentors: Iterable[Mentor], weights: Weights, rules: Rules
) -> Round:
    """The baseline: the best remaining pair first."""
    managers = sorted(candidates, key=lambda c: c.key)
    available = sorted((m for m in mentors if m.free_slots > 0), key=lambda m: m.key)
    scores = score_matrix(managers, available, weights, rules)
    free = [m.free_slots for m in available]
    taken: set[int] = set()
    proposals = []
    for flat in np.argsort(-scores, axis=None, kind="stable"):
        i, j = divmod(int(flat), len(available))
        if scores[i, j] <= NOT_ALLOWED / 2:
            break
        if i in taken or free[j] == 0:
            continue
        taken.add(i)
        free[j] -= 1
        value, reasons = score(managers[i], available[j], weights, rules)
        proposals.append(Proposal(managers[i].key, available[j].key, value, reasons))
    unmatched = {m.key: "not matched" for i, m in enumerate(managers) if i not in taken}
    return Round(proposals, unmatched)


def pool(managers: int, slots: int, seed: int) -> tuple[list[Candidate], list[Mentor], Rules]:
    rng = random.Random(seed)
    candidates = [
        Candidate(
            (rng.choice(AGENCIES), f"m{i}"),
            frozenset(rng.sample(AREAS, 3)),
            frozenset(rng.choice([["sv"], ["sv", "en"], ["en"]])),
            rng.choice(TOWNS),
            rng.randint(0, 200),
        )
        for i in range(managers)
    ]
    mentors, given = [], 0
    while given < slots:
        capacity = min(rng.randint(1, 3), slots - given)
        mentors.append(
            Mentor(
                (rng.choice(AGENCIES), f"t{len(mentors)}"),
                frozenset(rng.sample(AREAS, 4)),
                frozenset(rng.choice([["sv"], ["sv", "en"]])),
                rng.choice(TOWNS),
                rng.randint(1, 25),
                capacity,
            )
        )
        given += capacity
    forbidden = frozenset(
        {
            frozenset({"tr-sundsvall", "hovr-nedre-norrland"}),
            frozenset({"fr-harnosand", "kr-sundsvall"}),
        }
    )
    balance = {a: rng.uniform(-0.5, 0.5) for a in AGENCIES}
    return candidates, mentors, Rules(frozenset(), forbidden, balance)


def measure(label, function, *args):
    tracemalloc.start()
    started = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:34s}: {seconds:6.2f} s, peak {peak / 2**20:7.1f} MiB, matched "
        f"{len(result.proposals):4d}, total score {result.total_score:10.3f}"
    )
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--slots", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    candidates, mentors, rules = pool(args.managers, args.slots, args.seed)
    print(
        f"{len(candidates)} waiting managers, {len(mentors)} mentors with "
        f"{sum(m.free_slots for m in mentors)} places, 18 agencies"
    )
    optimal, optimal_s = measure(
        "optimal (linear_sum_assignment)", match_round, candidates, mentors, Weights(), rules
    )
    greedy, greedy_s = measure(
        "greedy baseline", greedy_round, candidates, mentors, Weights(), rules
    )
    print(
        f"score optimal / greedy: {optimal.total_score / greedy.total_score:.4f}; "
        f"time optimal / greedy: {optimal_s / greedy_s:.2f}"
    )


if __name__ == "__main__":
    main()
