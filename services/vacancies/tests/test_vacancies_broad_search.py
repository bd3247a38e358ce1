"""A broad search (more matches than `BROAD`) on real PostgreSQL: title matches first, then the
rest, newest first within each, and paging through it finds every match exactly once."""

import random
from datetime import date, timedelta

import pytest
from myndnet_kit.db import KIT_MIGRATIONS, create_pool, migrate
from myndnet_schemas import VacancyPublished
from myndnet_vacancies.adapters import search as reader
from myndnet_vacancies.adapters.register import ROW_COLUMNS, row
from myndnet_vacancies.domain.register import Vacancy
from myndnet_vacancies.domain.search import BROAD
from myndnet_vacancies.main import MIGRATIONS

pytestmark = pytest.mark.integration
TODAY = date(2026, 11, 27)
TITLES = ["Systemutvecklare", "Handläggare", "Jurist", "IT-utvecklare", "Controller"]
TEXTS = [
    "Du blir utvecklare i ett team i Sundsvall.",
    "Arbete med ärenden inom studiestöd.",
    "Vi söker dig som vill arbeta med juridik.",
]


def register(count: int) -> list[tuple[object, ...]]:
    rng = random.Random(27)
    rows = []
    for i in range(count):
        published = TODAY - timedelta(days=rng.randint(0, 40))
        fields = VacancyPublished(
            vacancy_id=f"V-{i:05d}",
            revision=1,
            title=f"{rng.choice(TITLES)} {i}",
            description=rng.choice(TEXTS),
            occupation_field="it",
            employment_type="permanent",
            extent="full_time",
            municipality="Sundsvall",
            municipality_code="2281",
            remote="on_site",
            target_groups=[],
            published_on=published,
            application_deadline=published + timedelta(days=60),
            apply_url=f"https://example.se/jobb/{i}",
        )
        rows.append(row(Vacancy("csn", fields, "open", revision=1)))
    return rows


async def every_page(conn, filters: reader.Filters, limit: int) -> list:
    found, after = [], None
    while True:
        page = await reader.search(conn, filters, after, limit + 1)
        found += page[:limit]
        if len(page) <= limit:
            return found
        last = page[limit - 1]
        after = (reader.position(last), last["agency"], last["vacancy_id"])


async def test_a_broad_search_pages_through_every_match_once_titles_first_newest_first(
    database_url,
):
    pool = await create_pool(database_url)
    try:
        async with pool.acquire() as conn:
            await migrate(conn, "kit", KIT_MIGRATIONS)
            await migrate(conn, "vacancies", MIGRATIONS)
            await conn.copy_records_to_table(
                "vacancies", records=register(3 * BROAD), columns=ROW_COLUMNS
            )
            await conn.execute("ANALYZE vacancies")

            broad = reader.Filters(q="utvecklare")
            found = await every_page(conn, broad, limit=50)
            expected = await conn.fetch(
                "SELECT vacancy_id, lower(title) LIKE '%utvecklare%' AS in_title FROM vacancies "
                "WHERE search @@ websearch_to_tsquery('swedish', 'utvecklare') "
                "OR lower(title) LIKE '%utvecklare%'"
            )
            assert len(expected) > BROAD  # broad indeed: ordered the cheaper way
            ids = [r["vacancy_id"] for r in found]
            assert len(ids) == len(set(ids)) == len(expected)
            assert set(ids) == {r["vacancy_id"] for r in expected}
            in_title = {r["vacancy_id"]: r["in_title"] for r in expected}
            parts = [in_title[i] for i in ids]
            assert parts == sorted(parts, reverse=True)  # every title match before the rest
            assert any(parts) and not all(parts)
            for part in (True, False):
                days = [r["published_on"] for r in found if in_title[r["vacancy_id"]] is part]
                assert days == sorted(days, reverse=True)  # newest first within each part

            # With the facets' total at hand (the site asks for both), no count of its own.
            total, _ = await reader.facets(conn, broad)
            assert total == len(expected)
            counted_first = await reader.search(conn, broad, None, 50, found=total)
            assert [r["vacancy_id"] for r in counted_first] == ids[:50]

            # A word only in titles: the page after the last title match is empty, not slow.
            titles_only = await every_page(conn, reader.Filters(q="handläggare"), limit=400)
            assert all("Handläggare" in r["title"] for r in titles_only)
            assert len(titles_only) == await conn.fetchval(
                "SELECT count(*) FROM vacancies WHERE title LIKE 'Handläggare%'"
            )

            # A narrow search is still ranked match by match.
            narrow = await every_page(conn, reader.Filters(q="jurist juridik"), limit=7)
            assert narrow and all(r["rank"] is not None for r in narrow)
    finally:
        await pool.close()
