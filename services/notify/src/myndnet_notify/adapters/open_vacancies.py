"""Open vacancies and the digest items that wait for them, as vacancies' events leave them."""

from collections.abc import Sequence
from dataclasses import replace

import asyncpg

from myndnet_notify.domain.subscriptions import OpenVacancy


async def remember_open_vacancies(
    conn: asyncpg.Connection, vacancies: Sequence[OpenVacancy]
) -> None:
    """In one statement; a vacancy named more than once keeps its first opening time and its
    latest fields, as one statement after another would have left it (one statement cannot
    change a row twice)."""
    latest: dict[str, OpenVacancy] = {}
    for vacancy in vacancies:
        first = latest.get(vacancy.key)
        latest[vacancy.key] = (
            vacancy if first is None else replace(vacancy, opened_at=first.opened_at)
        )
    if not latest:
        return
    rows = list(latest.values())
    await conn.execute(
        """
        INSERT INTO open_vacancies (vacancy_key, agency, title, municipality,
                                    application_deadline, apply_url, opened_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[],
                             $6::text[], $7::timestamptz[])
        ON CONFLICT (vacancy_key) DO UPDATE SET title = EXCLUDED.title,
            municipality = EXCLUDED.municipality,
            application_deadline = EXCLUDED.application_deadline,
            apply_url = EXCLUDED.apply_url
        """,
        [v.key for v in rows],
        [v.agency for v in rows],
        [v.title for v in rows],
        [v.municipality for v in rows],
        [v.application_deadline for v in rows],
        [v.apply_url for v in rows],
        [v.opened_at for v in rows],
    )


async def forget_vacancy(conn: asyncpg.Connection, key: str) -> int:
    """A closed vacancy: no digest lists it and queued alerts for it are cancelled."""
    await conn.execute("DELETE FROM open_vacancies WHERE vacancy_key = $1", key)
    await conn.execute("DELETE FROM digest_items WHERE vacancy_key = $1", key)
    cancelled = await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = 'the vacancy closed' "
        "WHERE status = 'queued' AND kind = 'vacancy_alert' AND vacancy_keys = ARRAY[$1]",
        key,
    )
    return int(cancelled.split()[-1])


async def add_digest_items(conn: asyncpg.Connection, items: Sequence[tuple[str, str]]) -> None:
    """(saved search, vacancy key) pairs, gathered for the searches' digests."""
    if items:
        await conn.execute(
            "INSERT INTO digest_items (subscription_id, vacancy_key) "
            "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            [search for search, _ in items],
            [key for _, key in items],
        )
