"""An SMTP sink of the test's own, which can be stopped and started again; notify's database
with its tables; and a confirmed saved search, as a candidate leaves one after following the
confirmation link."""

import asyncpg
import pytest
from myndnet_kit.db import KIT_MIGRATIONS, create_pool, migrate
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers.subscriptions import save_preferences
from myndnet_notify.main import MIGRATIONS
from myndnet_testing import MailSink


@pytest.fixture
def sink():
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def notify_pool(database_url):
    """A pool on a fresh database with the kit's and notify's tables."""
    pool = await create_pool(database_url)
    async with pool.acquire() as conn:
        await migrate(conn, "kit", KIT_MIGRATIONS)
        await migrate(conn, "notify", MIGRATIONS)
    yield pool
    await pool.close()


async def _confirmed_search(conn: asyncpg.Connection, email: str, wish: Preferences) -> str:
    store = PostgresNotify(conn)
    subscriber = await store.add_subscriber(email, "sv")
    search = await store.add_search(subscriber, wish)
    await store.set_status(search, "confirmed")
    await save_preferences(store, search, wish)
    return search


@pytest.fixture
def confirmed_search():
    """`await confirmed_search(conn, email, wish)`: the new saved search's id."""
    return _confirmed_search
