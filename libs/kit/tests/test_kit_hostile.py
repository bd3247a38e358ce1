"""Messages no service can use, from agencies or from its own outbox, stop nothing: shown on the
real Kafka broker and PostgreSQL with the kit's sample service."""

import asyncpg
import httpx
import pytest
from myndnet_kit.classify import KEPT_OF_TOO_LARGE
from myndnet_schemas import encode_binary, topics
from myndnet_testing import produce, produce_raw, read_to_end, read_topic, running, wait_until
from sample_service import build
from test_kit_delivery import TOKEN, applied_counts, fully_committed, settings, withdrawal

pytestmark = pytest.mark.integration


async def test_a_message_near_the_broker_s_limit_goes_to_the_dlq_truncated_and_nothing_stops(
    kafka_bootstrap, database_url, unique
):
    """About 1,047,900 bytes fits the broker, but a DLQ copy of it with the x-dlq-* headers
    would not: it used to hold the outbox, and readiness, for ever."""
    agency = f"t{unique}"
    topic = topics.hr_vacancies(agency)
    app = build(settings(database_url, kafka_bootstrap, topic))
    event = withdrawal(agency, "near-limit")
    headers, _ = encode_binary(event)
    huge = b'{"vacancy_id": "near-limit", "pad": "' + b"x" * 1_047_800 + b'"}'
    after = withdrawal(agency, "after")
    async with running(app):
        await produce_raw(kafka_bootstrap, topic, [(b"near-limit", huge, headers)])
        await produce(kafka_bootstrap, topic, [after])
        await wait_until(
            lambda: fully_committed(kafka_bootstrap, "sample.withdrawals", topic),
            timeout=60,
            what="every offset committed",
        )
        assert await applied_counts(database_url) == {after.id: 1}
        assert (await app.readiness())["ready"]
        [dead] = [
            r
            for r in await read_topic(kafka_bootstrap, "dlq.sample", at_least=1)
            if dict(r.headers).get("x-dlq-topic") == topic.encode()
        ]
        assert dict(dead.headers)["x-dlq-reason"] == b"too_large"
        assert dead.value == huge[:KEPT_OF_TOO_LARGE]
        assert b"events may be at most" in dict(dead.headers)["x-dlq-error"]
        transport = httpx.ASGITransport(app=app.api)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            [entry] = (await client.get("/dlq", headers=auth)).json()["entries"]
            assert entry["reason"] == "too_large" and entry["value_bytes"] == KEPT_OF_TOO_LARGE
            replay = await client.post("/dlq/replay", json={"ids": [entry["id"]]}, headers=auth)
            assert replay.json()["too_large"] == [entry["id"]]
            assert replay.json()["replayed"] == []


async def test_an_outbox_message_the_broker_will_never_take_is_parked_and_the_rest_published(
    kafka_bootstrap, database_url, unique
):
    out = f"sample.out.{unique}"
    app = build(settings(database_url, kafka_bootstrap, f"sample.{unique}", SAMPLE_OUT_TOPIC=out))
    async with running(app):
        conn = await asyncpg.connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO outbox (topic, key, header_names, header_values, value) "
                    "VALUES ($1, 'too-big', '{}', '{}', $2)",
                    out,
                    b"x" * 1_200_000,
                )
        finally:
            await conn.close()
        transport = httpx.ASGITransport(app=app.api)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            queued = await client.post("/announce", json={"vacancy_ids": ["a1", "a2", "a3"]})
            assert queued.status_code == 200

        async def published() -> bool:
            return len(await read_to_end(kafka_bootstrap, out)) >= 3

        await wait_until(published, 30, what="the messages queued after the refused one")
        assert app.relay is not None and app.relay.healthy
        assert (await app.readiness())["ready"]
        conn = await asyncpg.connect(database_url)
        try:
            parked = await conn.fetch("SELECT key, error FROM outbox_parked")
            waiting = await conn.fetchval("SELECT count(*) FROM outbox")
        finally:
            await conn.close()
        assert [r["key"] for r in parked] == [b"too-big"]
        assert "MessageSizeTooLarge" in parked[0]["error"]
        assert waiting == 0
        assert b"too-big" not in [r.key for r in await read_to_end(kafka_bootstrap, out)]
