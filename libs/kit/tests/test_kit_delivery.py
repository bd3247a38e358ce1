"""The kit's delivery guarantees, shown on the real Kafka broker and PostgreSQL."""

import asyncio
import subprocess
from pathlib import Path

import asyncpg
import httpx
import pytest
from myndnet_kit.kafka import TopicSpec, ensure_topics
from myndnet_schemas import Event, VacancyWithdrawn, encode_binary, topics
from myndnet_testing import (
    ServiceProcess,
    committed_offsets,
    end_offsets,
    free_port,
    produce,
    produce_raw,
    read_topic,
    running,
    wait_until,
)
from sample_service import SampleSettings, build

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
TOKEN = "test-operator-token"


def settings(database_url: str, kafka: str, topic: str, **extra: object) -> SampleSettings:
    return SampleSettings(  # type: ignore[call-arg]
        SAMPLE_DATABASE_URL=database_url,
        SAMPLE_TOPIC=topic,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        CONSUMER_BATCH_TIMEOUT_MS=50,
        OPERATOR_TOKENS=f"{TOKEN}=dlq:replay,audit:read",
        **extra,
    )


def withdrawal(
    agency: str, vacancy_id: str, *, source: str | None = None
) -> Event[VacancyWithdrawn]:
    return Event.new(
        VacancyWithdrawn(vacancy_id=vacancy_id, revision=1, reason="filled"),
        source=source or f"/agencies/{agency}",
    )


async def applied_counts(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT event_id, count(*) AS n FROM applied GROUP BY event_id")
        return {r["event_id"]: r["n"] for r in rows}
    finally:
        await conn.close()


async def fully_committed(kafka: str, group: str, topic: str) -> bool:
    ends = await end_offsets(kafka, topic)
    committed = await committed_offsets(kafka, group, topic)
    return bool(ends) and all(committed.get(p, 0) == end for p, end in ends.items() if end > 0)


async def test_a_redelivered_event_is_applied_once(kafka_bootstrap, database_url, unique):
    agency = f"t{unique}"
    topic = topics.hr_vacancies(agency)
    app = build(settings(database_url, kafka_bootstrap, topic))
    first, second = withdrawal(agency, "v1"), withdrawal(agency, "v2")
    async with running(app):
        await produce(kafka_bootstrap, topic, [first, first, second])
        await produce(kafka_bootstrap, topic, [first, second])  # delivered again, later
        await wait_until(
            lambda: fully_committed(kafka_bootstrap, "sample.withdrawals", topic),
            what="every offset committed",
        )
    assert await applied_counts(database_url) == {first.id: 1, second.id: 1}


async def test_poison_messages_go_to_the_dlq_and_the_next_message_is_processed(
    kafka_bootstrap, database_url, unique
):
    agency = f"t{unique}"
    topic = topics.hr_vacancies(agency)
    app = build(settings(database_url, kafka_bootstrap, topic))
    good = withdrawal(agency, "good-1")
    after = withdrawal(agency, "good-2")
    h, v = encode_binary(good)
    unknown = [(n, b"se.myndnet.vacancy.exploded.v1" if n == "ce_type" else x) for n, x in h]
    poison = {
        "invalid_json": (b"k1", b"{not json", h),
        "not_cloudevent": (b"k2", b'{"vacancy_id": "x"}', []),
        "unknown_type": (b"k3", v, unknown),
        "schema_violation": (b"k4", b'{"vacancy_id": "x", "revision": 0}', h),
        "source_mismatch": (
            b"k5",
            *reversed(encode_binary(withdrawal(agency, "f", source="/agencies/other"))),
        ),
        "handler_error": (b"poison-1", *reversed(encode_binary(withdrawal(agency, "poison-1")))),
    }
    async with running(app):
        await produce(kafka_bootstrap, topic, [good])
        await produce_raw(kafka_bootstrap, topic, list(poison.values()))
        await produce(kafka_bootstrap, topic, [after])
        await wait_until(
            lambda: fully_committed(kafka_bootstrap, "sample.withdrawals", topic),
            timeout=60,
            what="every offset committed",
        )
        assert await applied_counts(database_url) == {good.id: 1, after.id: 1}

        dead = [
            r
            for r in await read_topic(kafka_bootstrap, "dlq.sample", at_least=1)
            if dict(r.headers).get("x-dlq-topic") == topic.encode()
        ]
        by_reason = {dict(r.headers)["x-dlq-reason"].decode(): r for r in dead}
        assert sorted(by_reason) == sorted(poison)
        for reason, (key, value, _headers) in poison.items():
            record = by_reason[reason]
            headers = dict(record.headers)
            assert record.key == key and record.value == value, reason  # unchanged
            for name in (
                "x-dlq-reason",
                "x-dlq-error",
                "x-dlq-topic",
                "x-dlq-partition",
                "x-dlq-offset",
                "x-dlq-service",
                "x-dlq-at",
            ):
                assert headers.get(name), f"{reason}: no {name}"
            assert headers["x-dlq-service"] == b"sample"
        assert b"3 times" in dict(by_reason["handler_error"].headers)["x-dlq-error"]

        transport = httpx.ASGITransport(app=app.api)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            assert (await client.get("/dlq")).status_code == 401
            bad = await client.get("/dlq", headers={"Authorization": "Bearer wrong"})
            assert bad.status_code == 401
            listed = await client.get("/dlq", headers={"Authorization": f"Bearer {TOKEN}"})
            assert listed.status_code == 200
            entries = listed.json()["entries"]
            assert sorted(e["reason"] for e in entries) == sorted(poison)
            chosen = next(e for e in entries if e["reason"] == "unknown_type")
            conn = await asyncpg.connect(database_url)
            try:  # an entry from a topic deleted since (an agency's, after it left)
                gone = await conn.fetchval(
                    'INSERT INTO dlq_entries (consumer, topic, partition, "offset", key, '
                    "header_names, header_values, value, reason, error) VALUES "
                    "('c', $1, 0, 0, 'k', '{}', '{}', 'v', 'unknown_type', 'e') RETURNING id",
                    f"gone.{unique}",
                )
            finally:
                await conn.close()
            replay = await client.post(
                "/dlq/replay",
                json={"ids": [chosen["id"], 999999, gone]},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert replay.json() == {
                "replayed": [chosen["id"]],
                "not_found": [999999],
                "topic_gone": [gone],
                "agency_topic": [],
                "too_large": [],
            }
            huge = await client.post(
                "/dlq/replay", json={"ids": [2**70]}, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert huge.status_code == 422
            # The replay is in the service's log of what people did, with who asked for it.
            log = await client.get("/audit-log", headers={"Authorization": f"Bearer {TOKEN}"})
            (action,) = log.json()["actions"]
            assert (action["actor"], action["action"]) == ("operator", "dlq.replayed")
            assert action["details"]["ids"] == [chosen["id"]]
        on_topic = await read_topic(kafka_bootstrap, topic, at_least=len(poison) + 3)
        assert sum(1 for r in on_topic if r.key == b"k3") == 2  # the replayed copy is back


def local_postgres() -> bool:
    return (
        subprocess.run(
            ["bash", str(ROOT / "dev/postgres.sh"), "status"], capture_output=True
        ).returncode
        == 0
    )


@pytest.mark.exclusive
@pytest.mark.skipif(not local_postgres(), reason="needs the local PostgreSQL from dev/postgres.sh")
async def test_postgres_down_mid_stream_commits_nothing_past_the_failure(
    kafka_bootstrap, database_url, unique
):
    agency = f"t{unique}"
    topic = topics.hr_vacancies(agency)
    group = "sample.withdrawals"
    before = [withdrawal(agency, f"before-{i}") for i in range(300)]
    during = [withdrawal(agency, f"during-{i}") for i in range(300)]
    app = build(settings(database_url, kafka_bootstrap, topic))
    async with running(app):
        await produce(kafka_bootstrap, topic, before)
        await wait_until(lambda: fully_committed(kafka_bootstrap, group, topic), what="first part")
        await postgres("stop")
        try:
            await produce(kafka_bootstrap, topic, during)
            await asyncio.sleep(3)
            frozen = await committed_offsets(kafka_bootstrap, group, topic)
            assert sum(frozen.values()) == len(before)  # nothing committed while PostgreSQL is down
            assert not app.consumers[0].healthy
            assert (await app.readiness())["ready"] is False
        finally:
            await postgres("start")
        await wait_until(
            lambda: fully_committed(kafka_bootstrap, group, topic),
            timeout=60,
            what="recovery after PostgreSQL came back",
        )
        await wait_until(lambda: _ready(app), what="ready again")
    counts = await applied_counts(database_url)
    assert len(counts) == len(before) + len(during)
    assert set(counts.values()) == {1}


async def postgres(action: str) -> None:
    process = await asyncio.create_subprocess_exec("bash", str(ROOT / "dev/postgres.sh"), action)
    assert await process.wait() == 0, f"dev/postgres.sh {action} failed"


async def _ready(app) -> bool:
    return bool((await app.readiness())["ready"])


async def test_a_consumer_killed_mid_batch_applies_every_event_once(
    kafka_bootstrap, database_url, unique, tmp_path
):
    agency = f"t{unique}"
    topic = topics.hr_vacancies(agency)
    events = [withdrawal(agency, f"v{i}") for i in range(3000)]
    env = {
        "SAMPLE_DATABASE_URL": database_url,
        "SAMPLE_TOPIC": topic,
        "SAMPLE_PORT": str(free_port()),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SAMPLE_HANDLER_DELAY_MS": "40",
        "CONSUMER_MAX_RECORDS": "100",
    }
    service = ServiceProcess(HERE / "sample_service.py", env, tmp_path / "sample.log")
    # The topic exists once the service has started; publish after the first start.
    service.start()
    try:
        await wait_until(lambda: _table_exists(database_url), timeout=60, what="start-up")
        await wait_until(lambda: _topic_exists(kafka_bootstrap, topic), what="topic")
        await produce(kafka_bootstrap, topic, events)
        kills = 0
        while kills < 3:
            applied = sum((await applied_counts(database_url)).values())
            if applied >= 300 * (kills + 1):
                service.kill()
                kills += 1
                service.start()
            await asyncio.sleep(0.05)
        await wait_until(
            lambda: fully_committed(kafka_bootstrap, "sample.withdrawals", topic),
            timeout=120,
            what="every event after the kills",
        )
    finally:
        service.terminate()
    counts = await applied_counts(database_url)
    assert len(counts) == len(events)
    assert set(counts.values()) == {1}, "an event was applied twice"


async def _table_exists(database_url: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval("SELECT to_regclass('applied') IS NOT NULL"))
    finally:
        await conn.close()


async def _topic_exists(kafka: str, topic: str) -> bool:
    return bool(await end_offsets(kafka, topic))


async def _answers(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/health/live")).status_code == 200
    except httpx.HTTPError:
        return False


async def _is_ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/health/ready")).status_code == 200


async def test_in_the_secure_profile_a_service_does_not_replay_an_agency_s_event(
    secure_kafka, database_url, unique
):
    """Only the agency may write its topics: the entry stays in the DLQ and the answer says
    why, instead of the outbox holding everything behind a message it may not send."""
    admin = secure_kafka.connection("admin")
    agency_topic = f"hr.t{unique}.vacancies"
    await ensure_topics(admin, [TopicSpec(agency_topic, 1)])
    app = build(
        SampleSettings(  # type: ignore[call-arg]
            SAMPLE_DATABASE_URL=database_url,
            SAMPLE_TOPIC=f"sample.{unique}",
            OPERATOR_TOKENS=f"{TOKEN}=dlq:replay",
            **secure_kafka.env("admin"),
        )
    )
    async with running(app):
        conn = await asyncpg.connect(database_url)
        try:
            entry = await conn.fetchval(
                'INSERT INTO dlq_entries (consumer, topic, partition, "offset", key, '
                "header_names, header_values, value, reason, error) VALUES "
                "('c', $1, 0, 0, 'k', '{}', '{}', 'v', 'unknown_agency', 'e') RETURNING id",
                agency_topic,
            )
        finally:
            await conn.close()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app.api), base_url="http://s"
        ) as client:
            replay = await client.post(
                "/dlq/replay", json={"ids": [entry]}, headers={"Authorization": f"Bearer {TOKEN}"}
            )
    assert replay.json() == {
        "replayed": [],
        "not_found": [],
        "topic_gone": [],
        "agency_topic": [entry],
        "too_large": [],
    }
