"""The kit's pool on the real PostgreSQL: what a connection keeps when it goes back to the pool."""

import pytest
from myndnet_kit.db import create_pool, keeps_session_state

pytestmark = pytest.mark.integration

LOCK = 0x746573  # a session advisory lock no service takes

HELD_BY_ME = """
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = $1
"""


async def test_a_connection_that_kept_session_state_is_reset_in_full(database_url):
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            keeps_session_state(conn)
            await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
            await conn.execute("LISTEN kit_pool_test")
            pid = await conn.fetchval("SELECT pg_backend_pid()")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == pid  # the same session
            assert await conn.fetchval(HELD_BY_ME, LOCK) == 0
            assert await conn.fetch("SELECT pg_listening_channels()") == []
    finally:
        await pool.close()


async def test_other_connections_go_back_without_a_reset_query_but_never_in_a_transaction(
    database_url,
):
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", LOCK)  # not said: kept
            transaction = conn.transaction()
            await transaction.start()
            await conn.execute("CREATE TEMP TABLE left_open (n int) ON COMMIT DROP")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
            assert await conn.fetchval(HELD_BY_ME, LOCK) == 1
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK)
    finally:
        await pool.close()
