"""A sending round on real PostgreSQL and the SMTP sink, against what people do meanwhile:
an address erased while a round is between claiming its letters and storing their links."""

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from myndnet_notify.adapters import deliveries
from myndnet_notify.adapters.mail import SmtpPool, Templates
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.delivery import VacancyAlert
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers import sending
from myndnet_notify.handlers.subscriptions import erase, save_preferences
from myndnet_testing import wait_until
from prometheus_client import REGISTRY

pytestmark = pytest.mark.integration
ADDRESS = "anna@example.org"
VACANCY = {
    "key": "csn/V-1",
    "title": "Handläggare",
    "agency_name": "CSN",
    "municipality": "Sundsvall",
    "application_deadline": "2027-01-31",
    "apply_url": "https://example.se/jobb/V-1",
}


async def queued_alert(conn: asyncpg.Connection) -> str:
    store = PostgresNotify(conn)
    subscriber = await store.add_subscriber(ADDRESS, "sv")
    wish = Preferences("sv", "immediate")
    search = await store.add_search(subscriber, wish)
    await store.set_status(search, "confirmed")
    await save_preferences(store, search, wish)
    await deliveries.queue_alerts(
        conn, [VacancyAlert("csn/V-1", {"vacancies": [VACANCY]}, [search])]
    )
    return search


async def more_alerts(conn: asyncpg.Connection, numbers: range) -> None:
    """Alerts for vacancies csn/V-<number> queued for the one saved search."""
    search = await conn.fetchval("SELECT id FROM subscriptions")
    await deliveries.queue_alerts(
        conn,
        [VacancyAlert(f"csn/V-{i}", {"vacancies": [VACANCY]}, [search]) for i in numbers],
    )


@pytest.fixture
async def pool(notify_pool):
    """notify's database with one confirmed saved search and one alert queued for it."""
    async with notify_pool.acquire() as conn:
        await queued_alert(conn)
    return notify_pool


async def test_an_erasure_during_a_round_waits_for_it_and_neither_hangs(pool, sink, monkeypatch):
    erasing: list[asyncio.Task[int]] = []
    store_link_tokens = deliveries.store_link_tokens

    async def erase_first(conn: asyncpg.Connection, tokens: list) -> None:
        # The person erases the address just as the round has claimed the letter.
        async def erase_now() -> int:
            async with pool.acquire() as other:
                return await erase(PostgresNotify(other), ADDRESS)

        erasing.append(asyncio.create_task(erase_now()))
        await wait_until(lambda: someone_waits_for_a_lock(conn), what="the erasure waiting")
        await store_link_tokens(conn, tokens)

    monkeypatch.setattr(deliveries, "store_link_tokens", erase_first)
    sender = sending.Sender(
        pool, SmtpPool("127.0.0.1", sink.port), Templates(), "https://n", "https://s"
    )
    assert await asyncio.wait_for(sender.send_round(), 10) == 1
    assert await asyncio.wait_for(erasing[0], 10) == 1
    await wait_for_mail(sink)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM subscribers") == 0
        assert await conn.fetchval("SELECT status FROM deliveries") == "sent"
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1
    assert len(sink.to(ADDRESS)) == 1


async def someone_waits_for_a_lock(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
    )


async def wait_for_mail(sink) -> None:
    for _ in range(100):
        if sink.to(ADDRESS):
            return
        await asyncio.sleep(0.05)


async def test_a_round_that_meets_an_erasure_already_under_way_gives_way_and_loses_nothing(
    pool, sink
):
    sender = sending.Sender(
        pool, SmtpPool("127.0.0.1", sink.port), Templates(), "https://n", "https://s"
    )
    async with pool.acquire() as erasing, erasing.transaction():
        # An erasure holds the address (as `erase` does first) and has not yet reached
        # the address's queued letters when the round claims them.
        await erasing.execute("SELECT 1 FROM subscribers WHERE email = $1 FOR UPDATE", ADDRESS)
        with pytest.raises(asyncpg.LockNotAvailableError):
            await asyncio.wait_for(sender.send_round(), 10)
        await erasing.execute(
            "UPDATE deliveries SET status = 'cancelled', last_error = 'erased' "
            "WHERE status = 'queued'"
        )
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM deliveries") == "cancelled"
        assert await conn.fetchval("SELECT attempts FROM deliveries") == 0
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        assert await conn.fetchval("SELECT count(*) FROM tokens") == 0
    assert sink.to(ADDRESS) == []


async def test_a_round_that_fails_after_sending_waits_for_all_its_letters_before_rolling_back(
    pool, sink, monkeypatch
):
    """A fault in writing one letter's `notification.sent` rolls the round back, so its
    letters stay queued and are sent again with the same Message-IDs; none of the round's other
    letters may still be on its way then, to be sent once more by the next round meanwhile."""
    async with pool.acquire() as conn:
        await more_alerts(conn, range(2, 9))
    notice = sending.notice
    faults: list[str] = []

    def fails_once(row, *args, **kwargs):
        if not faults:
            faults.append(row.id)
            raise ValueError("a fault of ours")
        return notice(row, *args, **kwargs)

    monkeypatch.setattr(sending, "notice", fails_once)
    sender = sending.Sender(
        pool, SmtpPool("127.0.0.1", sink.port), Templates(), "https://n", "https://s"
    )
    with pytest.raises(ValueError, match="a fault of ours"):
        await asyncio.wait_for(sender.send_round(), 10)
    assert len(sink.to(ADDRESS)) == 8
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'queued'") == 8
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
    on_their_way = [
        task
        for task in asyncio.all_tasks()
        if not task.done() and "Sender._try" in repr(task.get_coro())
    ]
    assert on_their_way == [] and len(sink.to(ADDRESS)) == 8


async def test_a_claim_takes_deliveries_in_the_order_they_fell_due_without_sorting_the_queue(
    pool,
):
    """An alert tried before waits behind those due before its pause ended, however early it
    was recorded; and a claim reads its rows in the index's order, so a long queue (after an
    outage of the mail server, say) costs a round no more than a short one."""
    async with pool.acquire() as conn:
        await more_alerts(conn, range(2, 5000))
        await conn.execute(
            "UPDATE deliveries SET next_attempt_at = now() + interval '1 hour' "
            "WHERE vacancy_keys <> ARRAY['csn/V-1', 'csn/V-2', 'csn/V-3', 'csn/V-4']"
        )
        due = {
            key: await conn.fetchval(
                "UPDATE deliveries SET next_attempt_at = now() - $2::interval "
                "WHERE vacancy_keys = ARRAY[$1] RETURNING id",
                key,
                pause,
            )
            for key, pause in [
                ("csn/V-1", timedelta(minutes=1)),  # recorded first, tried, paused till then
                ("csn/V-2", timedelta(minutes=3)),
                ("csn/V-3", timedelta(minutes=2)),
                ("csn/V-4", timedelta(seconds=10)),
            ]
        }
        await conn.execute("ANALYZE deliveries")
        async with conn.transaction():
            claimed = [d.id for d in await deliveries.claim_due(conn, 3)]
            plan = "\n".join(
                row[0] for row in await conn.fetch(f"EXPLAIN {deliveries.CLAIM_DUE}", 200)
            )
    assert claimed == [due["csn/V-2"], due["csn/V-3"], due["csn/V-1"]]
    assert "deliveries_due" in plan and "Sort" not in plan, plan


async def test_a_round_counts_its_letters_sent_by_kind(pool, sink):
    async with pool.acquire() as conn:
        await more_alerts(conn, range(2, 5))
    labels = {"kind": "vacancy_alert", "outcome": "sent"}
    before = REGISTRY.get_sample_value("myndnet_notify_emails_total", labels) or 0
    sender = sending.Sender(
        pool, SmtpPool("127.0.0.1", sink.port), Templates(), "https://n", "https://s"
    )
    assert await asyncio.wait_for(sender.send_round(), 10) == 4
    assert REGISTRY.get_sample_value("myndnet_notify_emails_total", labels) == before + 4
    assert len(sink.to(ADDRESS)) == 4
