"""Reading the register: search, one vacancy, the feed and the statistics. Every one is
public, so none reads a vacancy for the network's staff only (`visibility` `network`)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from myndnet_vacancies.domain.search import BROAD, excluded_words, is_broad, title_patterns

_FILTERS = """
      ($2::text[] IS NULL OR v.agency = ANY($2))
  AND ($3::text[] IS NULL OR v.occupation_field = ANY($3))
  AND ($4::text[] IS NULL OR lower(v.municipality) = ANY($4))
  AND ($5::text[] IS NULL OR v.employment_type = ANY($5))
  AND ($6::text[] IS NULL OR v.target_groups && $6 OR cardinality(v.target_groups) = 0)
  AND ($7::text IS NULL OR v.status = $7)
  AND ($12::text[] IS NULL OR v.remote = ANY($12))
  AND v.visibility = 'public'
"""

_COLUMNS = """v.agency, v.vacancy_id, v.revision, v.status, v.closed_reason, v.closed_at,
    v.title, v.description, v.occupation_field, v.ssyk, v.employment_type, v.extent,
    v.municipality, v.municipality_code, v.remote, v.target_groups, v.published_on,
    v.application_deadline, v.apply_url, v.languages, v.security_clearance, v.updated_at,
    a.state->>'name' AS agency_name, a.state->>'website' AS agency_website"""

# A title holding every query word inside it (the parts of a compound: "utvecklare" in
# "Systemutvecklare"); $13 and $16 are the two longest words' patterns (what the trigram index
# looks up: both, since one common word, such as a court's name in many titles, would leave
# thousands of rows to check), $14 all of them.
_IN_TITLE = """($13::text IS NOT NULL AND lower(v.title) LIKE $13
    AND ($16::text IS NULL OR lower(v.title) LIKE $16) AND lower(v.title) LIKE ALL ($14)
    AND ($15::text IS NULL OR NOT v.search @@ websearch_to_tsquery('swedish', $15)))"""

# Relevance first: the title weighs more than the description, and a title holding the words
# (also inside its compounds) comes before every match in a description alone (ts_rank stays
# below 1 for our texts); then a stable tie-break.
SEARCH_RANKED = f"""
SELECT * FROM (
    SELECT {_COLUMNS},
           ts_rank(v.search, query) + CASE WHEN {_IN_TITLE} THEN 1::real ELSE 0 END AS rank
    FROM vacancies v
    CROSS JOIN websearch_to_tsquery('swedish', $1) AS query
    LEFT JOIN network_agencies a ON a.code = v.agency
    WHERE (v.search @@ query OR {_IN_TITLE}) AND {_FILTERS}
) found
WHERE $8::real IS NULL
   OR rank < $8::real
   OR (rank = $8::real AND (agency, vacancy_id) > ($9::text, $10::text))
ORDER BY rank DESC, agency, vacancy_id
LIMIT $11
"""

# A broad search (`is_broad`) is not ranked match by match: vacancies holding the words in
# their title come first, then those holding them elsewhere, each newest first. Each part is
# read in the order of the `vacancies_newest` index and stops at the page's end, so the cost
# stays that of a page however many vacancies match; the second part is read only when the
# first has not filled the page (a word found only in titles leaves it empty, and looking
# for what is not there reads the whole index). $8 is the cursor's date, $9 and $10 its key.
_AFTER_NEWEST = """($8::date IS NULL OR v.published_on < $8::date
    OR (v.published_on = $8::date AND (v.agency, v.vacancy_id) > ($9::text, $10::text)))"""
SEARCH_BROAD_TITLES = f"""
SELECT {_COLUMNS}, 1 AS part
FROM vacancies v LEFT JOIN network_agencies a ON a.code = v.agency
WHERE $1::text IS NOT NULL AND {_IN_TITLE} AND {_FILTERS} AND {_AFTER_NEWEST}
ORDER BY v.published_on DESC, v.agency, v.vacancy_id LIMIT $11
"""
SEARCH_BROAD_ELSEWHERE = f"""
SELECT {_COLUMNS}, 0 AS part
FROM vacancies v CROSS JOIN websearch_to_tsquery('swedish', $1) AS query
LEFT JOIN network_agencies a ON a.code = v.agency
WHERE v.search @@ query AND NOT {_IN_TITLE} AND {_FILTERS} AND {_AFTER_NEWEST}
ORDER BY v.published_on DESC, v.agency, v.vacancy_id LIMIT $11
"""

# How many vacancies a search finds, counted no further than $13.
_REMAPPED_IN_TITLE = (
    _IN_TITLE.replace("$13", "$9").replace("$14", "$10").replace("$15", "$11").replace("$16", "$12")
)
FOUND_UP_TO = f"""
SELECT count(*) FROM (
    SELECT 1 FROM vacancies v
    WHERE (v.search @@ websearch_to_tsquery('swedish', $1) OR {_REMAPPED_IN_TITLE})
      AND {_FILTERS.replace("$12", "$8")}
    LIMIT $13
) found
"""

TARGET_GROUPS = ("students", "graduates", "experienced", "managers")

# The total and the count per value of every filter, over what the search finds, in one scan.
# A vacancy for no target group in particular suits every one (as the filter treats it).
FACETS = f"""
SELECT v.agency, v.occupation_field, v.municipality, v.employment_type, v.remote,
       GROUPING(v.agency, v.occupation_field, v.municipality, v.employment_type, v.remote)
           AS grouping,
       count(*) AS n,
       {
    ", ".join(
        f"count(*) FILTER (WHERE cardinality(v.target_groups) = 0 "
        f"OR '{group}' = ANY(v.target_groups)) AS {group}"
        for group in TARGET_GROUPS
    )
}
FROM vacancies v
WHERE ($1::text IS NULL OR v.search @@ websearch_to_tsquery('swedish', $1)
       OR {_REMAPPED_IN_TITLE})
  AND {_FILTERS.replace("$12", "$8")}
GROUP BY GROUPING SETS ((v.agency), (v.occupation_field), (v.municipality),
                        (v.employment_type), (v.remote), ())
"""
_FACET_OF = {
    0b01111: "agency",
    0b10111: "occupation_field",
    0b11011: "municipality",
    0b11101: "employment_type",
    0b11110: "remote",
}

# Newest first.
SEARCH_NEWEST = f"""
SELECT {_COLUMNS}, NULL::real AS rank
FROM vacancies v
LEFT JOIN network_agencies a ON a.code = v.agency
WHERE $1::text IS NULL AND {_FILTERS}
  AND ($8::date IS NULL
       OR v.published_on < $8::date
       OR (v.published_on = $8::date AND (v.agency, v.vacancy_id) > ($9::text, $10::text)))
ORDER BY v.published_on DESC, v.agency, v.vacancy_id
LIMIT $11
"""

ONE = f"""
SELECT {_COLUMNS}, NULL::real AS rank
FROM vacancies v LEFT JOIN network_agencies a ON a.code = v.agency
WHERE v.agency = $1 AND v.vacancy_id = $2 AND v.visibility = 'public'
"""

FEED = f"""
SELECT {_COLUMNS}, NULL::real AS rank
FROM vacancies v LEFT JOIN network_agencies a ON a.code = v.agency
WHERE v.status = 'open' AND v.visibility = 'public'
ORDER BY v.published_on DESC, v.updated_at DESC, v.agency, v.vacancy_id
LIMIT $1
"""

# For the network's staff, signed in on the site (never a public read): the open vacancies for
# staff only, newest first.
STAFF_ONLY = f"""
SELECT {_COLUMNS}, NULL::real AS rank
FROM vacancies v LEFT JOIN network_agencies a ON a.code = v.agency
WHERE v.status = 'open' AND v.visibility = 'network'
  AND ($2::text IS NULL OR v.search @@ websearch_to_tsquery('swedish', $2)
       OR strpos(lower(v.title), lower($2)) > 0)
ORDER BY v.published_on DESC, v.agency, v.vacancy_id
LIMIT $1
"""

# Per agency and for the network (agency NULL): published in the period ($1..$2, both
# included), open now, the median days those published were open (to their close or to $3,
# today), and when the agency's register last changed.
FIGURES = """
SELECT agency,
       count(*) FILTER (WHERE published_on BETWEEN $1 AND $2)::int AS published,
       count(*) FILTER (WHERE status = 'open')::int AS open_now,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY coalesce((closed_at AT TIME ZONE 'Europe/Stockholm')::date, $3) - published_on
       ) FILTER (WHERE published_on BETWEEN $1 AND $2) AS median_days_open,
       max(updated_at) AS last_change_at
FROM vacancies
WHERE visibility = 'public'
GROUP BY GROUPING SETS ((agency), ())
ORDER BY agency NULLS LAST
"""


async def figures(conn: asyncpg.Connection, first: date, last: date, today: date) -> dict[str, Any]:
    agencies, network = [], None
    for row in await conn.fetch(FIGURES, first, last, today):
        figures = {
            "published": row["published"],
            "open_now": row["open_now"],
            "median_days_open": row["median_days_open"],
            "last_change_at": row["last_change_at"].isoformat() if row["last_change_at"] else None,
        }
        if row["agency"] is None:
            network = figures
        else:
            agencies.append({"agency": row["agency"], **figures})
    empty = {"published": 0, "open_now": 0, "median_days_open": None, "last_change_at": None}
    return {"agencies": agencies, "network": network or empty}


STATS = """
SELECT 'agency' AS dimension, agency AS value, count(*) AS open
FROM vacancies WHERE status = 'open' AND visibility = 'public' GROUP BY agency
UNION ALL
SELECT 'occupation_field', occupation_field, count(*)
FROM vacancies WHERE status = 'open' AND visibility = 'public' GROUP BY occupation_field
UNION ALL
SELECT 'target_group', target_group, count(*)
FROM vacancies,
     unnest(CASE WHEN cardinality(target_groups) = 0 THEN ARRAY['all'] ELSE target_groups END)
         AS target_group
WHERE status = 'open' AND visibility = 'public' GROUP BY target_group
ORDER BY 1, 3 DESC, 2
"""


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    agencies: list[str] | None = None
    occupation_fields: list[str] | None = None
    municipalities: list[str] | None = None
    employment_types: list[str] | None = None
    target_groups: list[str] | None = None
    status: str | None = "open"
    remote: list[str] | None = None

    def arguments(self) -> tuple[Any, ...]:
        municipalities = [m.lower() for m in self.municipalities] if self.municipalities else None
        return (
            self.q,
            self.agencies,
            self.occupation_fields,
            municipalities,
            self.employment_types,
            self.target_groups,
            self.status,
        )


async def search(
    conn: asyncpg.Connection,
    filters: Filters,
    after: tuple[Any, str, str] | None,
    limit: int,
    found: int | None = None,
) -> list[asyncpg.Record]:
    """A page of the search; `after` is the last row's `position` and key (from the cursor);
    `found`, how many vacancies the search finds when the caller has counted them already."""
    if not filters.q:
        return await conn.fetch(
            SEARCH_NEWEST,
            *filters.arguments(),
            *(after or (None, None, None)),
            limit,
            filters.remote,
        )
    words = title_words(filters.q)
    if after is None:
        if found is None:
            found = await conn.fetchval(
                FOUND_UP_TO, *filters.arguments(), filters.remote, *words, BROAD
            )
        broad = is_broad(found)
    else:
        broad = isinstance(after[0], list)  # a page goes on in the order its first was in
    if broad:
        part, day = after[0] if after else (1, None)
        key = after[1:] if after else (None, None)
        rows: list[asyncpg.Record] = []
        for query, this_part in ((SEARCH_BROAD_TITLES, 1), (SEARCH_BROAD_ELSEWHERE, 0)):
            if this_part > part or len(rows) >= limit:
                continue
            since = (date.fromisoformat(day), *key) if day and this_part == part else (None,) * 3
            rows += await conn.fetch(
                query, *filters.arguments(), *since, limit - len(rows), filters.remote, *words
            )
        return rows
    return await conn.fetch(
        SEARCH_RANKED,
        *filters.arguments(),
        *(after or (None, None, None)),
        limit,
        filters.remote,
        *words,
    )


def title_words(q: str | None) -> tuple[str | None, list[str], str | None, str | None]:
    """The parameters `_IN_TITLE` reads, in its order: the longest word's pattern, all of
    them, the excluded words, the second longest's (None when there is only one)."""
    patterns = title_patterns(q)
    first = patterns[0] if patterns else None
    return first, patterns, excluded_words(q), patterns[1] if len(patterns) > 1 else None


def position(row: asyncpg.Record) -> Any:
    """Where a row stands in its search's order, for the next page's cursor (JSON)."""
    if "part" in row.keys():
        return [row["part"], row["published_on"].isoformat()]
    if row["rank"] is not None:
        return row["rank"]
    return row["published_on"].isoformat()


async def facets(conn: asyncpg.Connection, filters: Filters) -> tuple[int, dict[str, dict]]:
    """How many vacancies the search finds, and how many of them have each filter value."""
    counts: dict[str, dict[str, int]] = {name: {} for name in (*_FACET_OF.values(), "target_group")}
    total = 0
    for row in await conn.fetch(
        FACETS, *filters.arguments(), filters.remote, *title_words(filters.q)
    ):
        facet = _FACET_OF.get(row["grouping"])
        if facet is not None:
            counts[facet][row[facet]] = row["n"]
        else:
            total = row["n"]
            counts["target_group"] = {g: row[g] for g in TARGET_GROUPS if row[g]}
    for facet, values in counts.items():
        counts[facet] = dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
    return total, counts


async def one(conn: asyncpg.Connection, agency: str, vacancy_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(ONE, agency, vacancy_id)


async def newest_open(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(FEED, limit)


STAFF_ONE = f"""
SELECT {_COLUMNS}, NULL::real AS rank
FROM vacancies v LEFT JOIN network_agencies a ON a.code = v.agency
WHERE v.agency = $1 AND v.vacancy_id = $2 AND v.visibility = 'network'
"""


async def staff_one(
    conn: asyncpg.Connection, agency: str, vacancy_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(STAFF_ONE, agency, vacancy_id)


async def staff_only(
    conn: asyncpg.Connection, limit: int, q: str | None = None
) -> list[asyncpg.Record]:
    """The open vacancies for staff only, newest first; with `q`, those its words find, or
    whose title holds it (a Swedish compound: 'säkerhetsskydd' in 'Säkerhetsskyddschef')."""
    return await conn.fetch(STAFF_ONLY, limit, q)


async def stats(conn: asyncpg.Connection) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {"agency": {}, "occupation_field": {}, "target_group": {}}
    for row in await conn.fetch(STATS):
        result[row["dimension"]][row["value"]] = row["open"]
    return result
