"""Vacancy events saved a batch at a time, on real PostgreSQL: a batch leaves notify's tables
as the same events one batch each would, closings in the middle of a batch included."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from myndnet_kit.classify import Incoming
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers.events import on_vacancy_events
from myndnet_notify.handlers.matching import SavedSearches
from myndnet_schemas import Event, VacancyClosed, VacancyOpened
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events import VacancyChanged

pytestmark = pytest.mark.integration


def opened(agency: str, vacancy_id: str, title: str, description: str, revision: int = 1):
    deadline = stockholm_today() + timedelta(days=20)
    return VacancyOpened(
        agency=agency,
        vacancy_id=vacancy_id,
        revision=revision,
        title=title,
        description=description,
        occupation_field="law",
        employment_type="permanent",
        extent="full_time",
        municipality="Sundsvall",
        remote="hybrid",
        published_on=stockholm_today(),
        application_deadline=deadline,
        apply_url=f"https://example.se/jobb/{vacancy_id}",
    )


def batch() -> list[Incoming]:
    a = opened("csn", "A", "Bolagsjurist", "Du blir vår nya jurist i Sundsvall.")
    a_changed = VacancyChanged(
        **{
            **a.model_dump(),
            "revision": 2,
            "title": "Bolagsjurist, senior",
            "application_deadline": a.application_deadline + timedelta(days=7),
        },
        changed_fields=["title", "application_deadline"],
    )
    b = opened("csn", "B", "Handläggare", "Studiestöd.")
    b_closed = VacancyClosed(
        agency="csn",
        vacancy_id="B",
        revision=2,
        title="Handläggare",
        reason="cancelled",
        closed_at=datetime.now(UTC),
    )
    c = opened("skatteverket", "C", "Jurist", "Skatterätt.")
    b_again = opened("csn", "B", "Handläggare", "Studiestöd, igen.", revision=3)
    a_again = opened("csn", "A", "Bolagsjurist, omannonserad", "Du blir vår nya jurist.")
    began = datetime(2026, 12, 1, 9, tzinfo=UTC)
    return [
        Incoming(
            Event.new(data, source="/services/vacancies", time=began + timedelta(seconds=i)),
            None,  # type: ignore[arg-type]  # the handler does not read the record
        )
        for i, data in enumerate([a, b, a_changed, b_closed, c, b_again, a_again])
    ]


async def tables(conn: asyncpg.Connection) -> dict[str, list[tuple]]:
    """What the events left, without the random delivery ids."""
    return {
        "open_vacancies": [
            tuple(r) for r in await conn.fetch("SELECT * FROM open_vacancies ORDER BY 1")
        ],
        "deliveries": [
            tuple(r)
            for r in await conn.fetch(
                "SELECT dedupe_key, kind, subscription_id, vacancy_keys, context, status, "
                "last_error FROM deliveries ORDER BY dedupe_key"
            )
        ],
        "digest_items": [
            tuple(r)
            for r in await conn.fetch(
                "SELECT subscription_id, vacancy_key FROM digest_items ORDER BY 1, 2"
            )
        ],
    }


async def test_a_batch_leaves_what_one_event_a_batch_leaves(notify_pool, confirmed_search):
    async with notify_pool.acquire() as conn:
        at_once = await confirmed_search(
            conn, "anna@example.org", Preferences("sv", "immediate", agencies=("csn",))
        )
        daily = await confirmed_search(
            conn, "erik@example.org", Preferences("sv", "daily", keywords=("jurist",))
        )
        events = batch()

        async def apply(batches: list[list[Incoming]]) -> dict[str, list[tuple]]:
            await conn.execute("TRUNCATE open_vacancies, deliveries, digest_items")
            for events in batches:
                async with conn.transaction():
                    await on_vacancy_events(conn, events, SavedSearches(), str.upper)
            return await tables(conn)

        one_by_one = await apply([[e] for e in events])
        together = await apply([events])

    assert together == one_by_one
    a_opened_at = events[0].event.time
    assert [(v[0], v[2], v[6]) for v in together["open_vacancies"]] == [
        ("csn/A", "Bolagsjurist, omannonserad", a_opened_at),  # first opening, latest title
        ("csn/B", "Handläggare", events[5].event.time),  # closed, then opened again
        ("skatteverket/C", "Jurist", events[4].event.time),
    ]
    assert [(d[0], d[5], d[6]) for d in together["deliveries"]] == [
        (f"alert:{at_once}:csn/A", "queued", None),  # once, though announced twice
        (f"alert:{at_once}:csn/B", "cancelled", "the vacancy closed"),  # not again when reopened
    ]
    assert together["deliveries"][0][4]["vacancies"][0]["agency_name"] == "CSN"
    assert together["digest_items"] == sorted([(daily, "csn/A"), (daily, "skatteverket/C")])
