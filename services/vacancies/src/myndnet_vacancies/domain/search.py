"""What a search's words mean beyond full text: the parts of compound titles. Plain Python."""

import re

SHORTEST_PART = 4  # shorter words inside titles match too much (a "jur" in every "juridik")


def title_patterns(q: str | None) -> list[str]:
    """LIKE patterns (lower case, escaped) for the words a title must hold, for a query in
    websearch syntax: each plain word, not an excluded one (-word), not OR, longest first."""
    if not q:
        return []
    words = []
    for token in re.findall(r'-?"[^"]*"|-?\S+', q):
        if token.startswith("-") or token.upper() == "OR":
            continue
        for word in re.findall(r"\w+", token.strip('"').lower()):
            if len(word) >= SHORTEST_PART and word not in words:
                words.append(word)
    words.sort(key=len, reverse=True)
    return ["%" + _escaped(w) + "%" for w in words]


# Ranking every match by relevance costs in proportion to the matches: a word in half the
# register took many times as long as a narrow search (bench/vacancies.py). From this many
# matches on, a search is ordered more cheaply (adapters/search.py, SEARCH_BROAD): title
# matches first, then the rest, newest first within each; relevance beyond that tells little
# among thousands of vacancies that all hold the word.
BROAD = 1000


def is_broad(found_up_to: int) -> bool:
    """Whether a search that found `found_up_to` vacancies (counted no further than BROAD) is
    ordered as a broad one."""
    return found_up_to >= BROAD


def excluded_words(q: str | None) -> str | None:
    """The query's excluded words (-word) as a query of their own: a title found by its parts
    must not hold any of them either."""
    excluded = [t[1:].strip('"') for t in re.findall(r'-"[^"]*"|-\S+', q or "") if len(t) > 1]
    return " OR ".join(e for e in excluded if e) or None


def _escaped(word: str) -> str:
    """LIKE's own characters taken literally (backslash is LIKE's escape)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
