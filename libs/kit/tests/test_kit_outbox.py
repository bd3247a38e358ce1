"""What `enqueue` writes to the outbox, by either of its two ways (a pipelined INSERT for a
consumer's few messages, COPY for many): the same rows, in the order given, on the real
PostgreSQL."""

import asyncpg
import pytest
from myndnet_kit.db import KIT_MIGRATIONS, migrate
from myndnet_kit.outbox import COPY_FROM, OutgoingMessage, enqueue

pytestmark = pytest.mark.integration


def messages(count: int) -> list[OutgoingMessage]:
    """Headers of differing numbers, a tombstone, and one with neither key nor value."""
    made = []
    for i in range(count):
        headers = [(f"h{j}", f"v{i}.{j}".encode()) for j in range(i % 4)]
        key = None if i % 5 == 4 else f"k{i}".encode()
        value = None if i % 3 == 2 else f'{{"n": {i}, "text": "å\\u0000"}}'.encode()
        made.append(OutgoingMessage(f"topic.{i % 2}", key, headers, value))
    return made


def expected(message: OutgoingMessage) -> tuple:
    value = b"" if message.key is None and message.value is None else message.value
    names = [name for name, _ in message.headers]
    values = [value for _, value in message.headers]
    return (message.topic, message.key, names, values, value)


@pytest.mark.parametrize("count", [1, COPY_FROM - 1, COPY_FROM, 3 * COPY_FROM])
async def test_enqueued_messages_are_stored_as_given_and_in_order(database_url, count):
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn, "kit", KIT_MIGRATIONS)
        sent = messages(count)
        async with conn.transaction():
            await enqueue(conn, sent)
        rows = await conn.fetch(
            "SELECT topic, key, header_names, header_values, value FROM outbox ORDER BY id"
        )
    finally:
        await conn.close()
    assert [tuple(row) for row in rows] == [expected(m) for m in sent]
