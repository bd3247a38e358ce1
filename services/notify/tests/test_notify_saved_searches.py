"""Each replica's index of saved searches follows the table, on real PostgreSQL: searches
saved, paused and erased through notify's own handlers reach another replica's index at its
next vacancy, and a change committed after a later one is not skipped."""

import asyncpg
import pytest
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.subscriptions import Preferences, vacancy_keys
from myndnet_notify.handlers.matching import SavedSearches
from myndnet_notify.handlers.subscriptions import erase, pause_search

JURIST_AT_CSN = vacancy_keys("csn", "juridik", "Sundsvall", "permanent", [])
TEXT = "Bolagsjurist till Centrala studiestödsnämnden: du blir vår nya jurist i Sundsvall"


async def found(searches: SavedSearches, conn: asyncpg.Connection) -> set[str]:
    """As the vacancies consumer asks, at the start of a batch."""
    await searches.bring_up_to_date(conn)
    [matches] = await searches.matching_each(conn, [(JURIST_AT_CSN, TEXT)])
    return {*matches.immediate, *matches.later}


@pytest.mark.integration
async def test_another_replicas_index_follows_what_the_handlers_change(
    notify_pool, confirmed_search
):
    async with notify_pool.acquire() as conn:
        first = await confirmed_search(
            conn, "anna@example.org", Preferences("sv", "immediate", agencies=("csn",))
        )
        replica = SavedSearches()
        assert await found(replica, conn) == {first}  # built from the table

        jurist = Preferences("sv", "daily", keywords=("jurist",))
        second = await confirmed_search(conn, "erik@example.org", jurist)
        other = await confirmed_search(
            conn, "maria@example.org", Preferences("sv", "immediate", keywords=("ekonom",))
        )
        assert await found(replica, conn) == {first, second}
        assert other in replica.index  # filed, though this vacancy does not satisfy it
        await replica.bring_up_to_date(conn)
        [matches] = await replica.matching_each(conn, [(JURIST_AT_CSN, TEXT)])
        assert matches.immediate == [first] and matches.later == [second]

        subscriber = await conn.fetchval(
            "SELECT subscriber_id FROM subscriptions WHERE id = $1", first
        )
        await pause_search(PostgresNotify(conn), subscriber, first, paused=True)
        assert await found(replica, conn) == {second}
        await pause_search(PostgresNotify(conn), subscriber, first, paused=False)
        assert await found(replica, conn) == {first, second}

        await erase(PostgresNotify(conn), "erik@example.org")
        assert await found(replica, conn) == {first}
        assert second not in replica.index

        # A new replica built now agrees with the one kept up to date change by change.
        fresh = SavedSearches()
        assert await found(fresh, conn) == await found(replica, conn)
        assert len(fresh.index) == len(replica.index) == 2


@pytest.mark.integration
async def test_a_change_committed_after_the_index_last_looked_is_not_skipped(
    notify_pool, confirmed_search
):
    async with notify_pool.acquire() as conn, notify_pool.acquire() as slow:
        replica = SavedSearches()
        assert await found(replica, conn) == set()

        # A search saved in a transaction begun first and committed last...
        transaction = slow.transaction()
        await transaction.start()
        late = await confirmed_search(
            slow, "anna@example.org", Preferences("sv", "immediate", agencies=("csn",))
        )
        # ...while another commits in between and the replica looks.
        early = await confirmed_search(
            conn, "erik@example.org", Preferences("sv", "immediate", keywords=("jurist",))
        )
        assert await found(replica, conn) == {early}
        await transaction.commit()
        assert await found(replica, conn) == {early, late}
