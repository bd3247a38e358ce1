"""Retention in notify's database: the kit's tables (inbox, DLQ entries, parked outbox messages,
the audit log) and notify's own (tokens, sign-up attempts, saved-search changes) shrink to their
bound while new rows keep arriving, and the running service does it by itself."""

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from myndnet_kit.db import KIT_MIGRATIONS, migrate
from myndnet_kit.retention import apply_retention, kit_expiries
from myndnet_notify.adapters.retention import expiries
from myndnet_notify.handlers.matching import CHANGES_KEPT_HOURS
from myndnet_notify.handlers.subscriptions import SIGNUP_ATTEMPTS_KEPT
from myndnet_notify.main import MIGRATIONS, NotifySettings, build
from myndnet_testing import running, wait_until

pytestmark = pytest.mark.integration

# (table, its time column, how old an expired row is made, what else a row needs)
OLD = {
    "inbox": "received_at",
    "dlq_entries": "dead_at",
    "outbox_parked": "parked_at",
    "tokens": "expires_at",
    "signup_attempts": "at",
    "search_changes": "at",
    "deliveries": "created_at",
    "audit_log": "at",
}
# How old an expired row is made: past every bound but the deliveries' (13 months) and the
# audit log's (two years).
AGE = {"deliveries": "14 months", "audit_log": "25 months"}


def insert(table: str, count: int, at: str) -> str:
    """SQL adding `count` rows to `table` whose time is `at` (an SQL expression); `$1` is a
    prefix that keeps the keys of each call apart."""
    n = f"generate_series(1, {count}) AS n"
    return {
        "inbox": f"INSERT INTO inbox SELECT 'c', 's', $1 || n, {at} FROM {n}",
        "dlq_entries": (
            'INSERT INTO dlq_entries (consumer, topic, partition, "offset", header_names, '
            f"header_values, value, reason, error, dead_at) SELECT $1, 't', 0, n, '{{}}', "
            f"'{{}}', 'x', 'malformed', 'e', {at} FROM {n}"
        ),
        "outbox_parked": (
            "INSERT INTO outbox_parked (id, topic, header_names, header_values, created_at, "
            f"error, parked_at) SELECT hashtext($1) * 100000::bigint + n, 't', '{{}}', '{{}}', "
            f"{at}, 'too large', {at} FROM {n}"
        ),
        "tokens": (
            "INSERT INTO tokens (token_hash, subscriber_id, purpose, expires_at) "
            f"SELECT convert_to($1 || n, 'UTF8'), 'p1', 'manage', {at} FROM {n}"
        ),
        "signup_attempts": f"INSERT INTO signup_attempts SELECT $1 || n, {at} FROM {n}",
        "search_changes": f"INSERT INTO search_changes (subscription_id, at) SELECT $1 || n, "
        f"{at} FROM {n}",
        "audit_log": (
            f"INSERT INTO audit_log (actor, action, subject, at) SELECT 'operator', 'x', $1 || n, "
            f"{at} FROM {n}"
        ),
        "deliveries": (
            "INSERT INTO deliveries (id, dedupe_key, kind, recipient_ref, context, status, "
            f"attempts, created_at) SELECT $1 || n, $1 || n, 'vacancy_alert', 'r', '{{}}', "
            f"'sent', 1, {at} FROM {n}"
        ),
    }[table]


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in OLD}


async def sizes_kib(conn: asyncpg.Connection, what: str = "total_relation") -> dict[str, int]:
    """Each table's size: with its indexes (total_relation) or its rows alone (relation)."""
    return {t: await conn.fetchval(f"SELECT pg_{what}_size('{t}') / 1024") for t in OLD}


async def expired(conn: asyncpg.Connection, now: datetime) -> dict[str, int]:
    """Rows each rule still finds (what should be none after a pass)."""
    left: dict[str, int] = {}
    for rule in rules():
        n = await conn.fetchval(
            f"SELECT count(*) FROM {rule.table} WHERE {rule.condition}", now - rule.kept
        )
        left[rule.table] = left.get(rule.table, 0) + n
    return left


def rules():
    return [
        *kit_expiries(timedelta(hours=168), timedelta(days=30)),
        *expiries(SIGNUP_ATTEMPTS_KEPT, timedelta(hours=CHANGES_KEPT_HOURS)),
    ]


async def test_every_table_shrinks_to_its_bound_while_traffic_continues(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn, "kit", KIT_MIGRATIONS)
        await migrate(conn, "notify", MIGRATIONS)
        await conn.execute(
            "INSERT INTO subscribers (id, email, language) VALUES ('p1', 'a@b.se', 'sv')"
        )
        # Old rows, well past each bound, and rows still inside it.
        for table in OLD:
            old = f"now() - interval '{AGE.get(table, '40 days')}'"
            await conn.execute(insert(table, 30_000, old), f"old-{table}-")
            fresh_at = "now() + interval '1 day'" if table == "tokens" else "now()"
            await conn.execute(insert(table, 1_000, fresh_at), f"fresh-{table}-")
        await conn.execute(
            "UPDATE dlq_entries SET dead_at = now() - interval '3 days', "
            "replayed_at = now() - interval '2 days' "
            "WHERE consumer LIKE 'fresh-%' AND \"offset\" <= 200"
        )
        # A delivery still queued is never removed, however old (its mail has not gone).
        await conn.execute(
            insert("deliveries", 5, "now() - interval '2 years'").replace("'sent'", "'queued'"),
            "queued-",
        )
        await conn.execute("ANALYZE")
        before, size_before = await counts(conn), await sizes_kib(conn)

        pool = await asyncpg.create_pool(database_url, min_size=2, max_size=3)
        stop = asyncio.Event()
        written = 0

        async def traffic() -> None:
            # New rows arrive all the while (as consumers, sign-ups and mail would add them).
            nonlocal written
            async with pool.acquire() as writer:
                while not stop.is_set():
                    for table in OLD:
                        at = "now() + interval '1 day'" if table == "tokens" else "now()"
                        await writer.execute(insert(table, 20, at), f"live{written}-{table}-")
                    written += 1
                    await asyncio.sleep(0.005)

        writer = asyncio.create_task(traffic())
        try:
            now = datetime.now(UTC)
            started = asyncio.get_running_loop().time()
            removed = await apply_retention(pool, rules(), now)
            took = asyncio.get_running_loop().time() - started
        finally:
            stop.set()
            await writer
            await pool.close()
        await conn.execute("VACUUM")
        after, size_after = await counts(conn), await sizes_kib(conn)
        print(f"\nretention pass {took:.2f} s while {written} rounds of new rows were written")
        for t in OLD:
            print(
                f"  {t:16s} rows {before[t]:>7,} -> {after[t]:>6,} "
                f"(removed {removed.get(t, 0):,})  size {size_before[t]:>6,} -> "
                f"{size_after[t]:>6,} KiB"
            )
        assert written > 0, "no traffic ran during the pass"
        assert await expired(conn, now) == dict.fromkeys(OLD, 0)
        # Everything inside its bound is still there: the fresh rows (but the 200 DLQ entries
        # replayed two days ago) and every row the traffic wrote meanwhile.
        expected_after = {t: 1_000 + 20 * written for t in OLD}
        expected_after["dlq_entries"] -= 200
        expected_after["deliveries"] += 5
        assert after == expected_after
        assert removed == {**dict.fromkeys(OLD, 30_000), "dlq_entries": 30_200}

        # The space is the bound on disk: VACUUM keeps it for new rows, so as many new rows as
        # were removed fit in the tables as they are.
        heap_before = await sizes_kib(conn, "relation")
        for table in OLD:
            at = "now() + interval '1 day'" if table == "tokens" else "now()"
            # "new-" is as long as "old-": rows of the same size.
            await conn.execute(insert(table, 30_000, at), f"new-{table}-")
        heap_after = await sizes_kib(conn, "relation")
        print("  after as many new rows again, each table's heap (KiB):")
        for t in OLD:
            print(f"  {t:16s} {heap_before[t]:>6,} -> {heap_after[t]:>6,}")
        assert all(heap_after[t] <= heap_before[t] * 1.1 for t in OLD), heap_after
    finally:
        await conn.close()


async def test_the_running_service_applies_retention_by_itself(
    kafka_bootstrap, database_url, unique
):
    settings = NotifySettings(  # type: ignore[call-arg]
        NOTIFY_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        MEMBERSHIP_TOPIC=f"membership.agencies.{unique}",
        NOTIFY_RUN_DIGESTS=False,
        NOTIFY_VACANCIES_TOPIC=f"vacancies.vacancies.{unique}",
        NOTIFY_MATCHES_TOPIC=f"mentoring.matches.{unique}",
        NOTIFY_TRAININGS_TOPIC=f"trainings.registrations.{unique}",
        CONSUMER_GROUP_PREFIX=f"t{unique}.",
        INBOX_RETENTION_HOURS=1,
        RETENTION_INTERVAL_SECONDS=0.5,
    )
    async with running(build(settings)) as app:
        assert app.pool is not None
        async with app.pool.acquire() as conn:
            await conn.execute(insert("inbox", 500, "now() - interval '2 hours'"), "old-")
            await conn.execute(insert("inbox", 10, "now() - interval '30 minutes'"), "new-")

            async def only_new_left() -> bool:
                return await conn.fetchval("SELECT count(*) FROM inbox WHERE source = 's'") == 10

            await wait_until(only_new_left, timeout=20, interval=0.2, what="old inbox rows gone")
