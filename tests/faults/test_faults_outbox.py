"""The outbox relay killed between publishing and marking: downstream applies each event once.

The kit's sample service runs the same relay every service uses; a subclass SIGKILLs the
process right after the broker acknowledged a batch, before the rows are marked."""

import asyncio
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from myndnet_testing import ServiceProcess, free_port, read_to_end, running, wait_until

from conftest import report, scale

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "libs/kit/tests"))
from sample_service import SampleSettings, build  # noqa: E402

pytestmark = pytest.mark.integration


async def test_a_relay_killed_between_publishing_and_marking_is_absorbed_downstream(
    kafka_bootstrap, database_url, unique, tmp_path
):
    out_topic = f"faults.announcements.{unique}"
    port = free_port()
    env = {
        "SAMPLE_DATABASE_URL": database_url,
        "SAMPLE_TOPIC": f"faults.in.{unique}",
        "SAMPLE_OUT_TOPIC": out_topic,
        "SAMPLE_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SAMPLE_KILL_AFTER_PUBLISH": "1",
    }
    relay = ServiceProcess(
        ROOT / "libs/kit/tests/sample_service.py", env, Path(tmp_path) / "relay.log"
    )
    batches, size = scale(3, 10), scale(50, 200)
    kills = 0
    started = time.monotonic()
    try:
        for batch in range(batches):
            relay.start()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

                async def ready() -> bool:
                    try:
                        return (await http.get("/health/ready")).status_code == 200
                    except httpx.HTTPError:
                        return False

                await wait_until(ready, timeout=60, what="the relay's service")
                ids = [f"b{batch}-{i}" for i in range(size)]
                try:
                    await http.post("/announce", json={"vacancy_ids": ids})
                except httpx.RemoteProtocolError:
                    # The relay may publish the committed batch and die before the answer is
                    # written; the batch is checked downstream like every other.
                    pass
            for _ in range(300):
                if not relay.alive:
                    break
                await asyncio.sleep(0.05)
            kills += not relay.alive
        relay.env["SAMPLE_KILL_AFTER_PUBLISH"] = "0"
        relay.start()  # the last start republishes whatever was left unmarked

        async def drained() -> bool:
            conn = await asyncpg.connect(database_url)
            try:
                return await conn.fetchval("SELECT count(*) FROM outbox") == 0
            finally:
                await conn.close()

        await wait_until(drained, timeout=60, what="the outbox emptied")
    finally:
        relay.terminate()
    published = await read_to_end(kafka_bootstrap, out_topic)
    downstream_db = database_url  # the downstream sample keeps its own inbox and table
    downstream = build(
        SampleSettings(  # type: ignore[call-arg]
            SAMPLE_DATABASE_URL=downstream_db,
            SAMPLE_TOPIC=out_topic,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
            CONSUMER_GROUP_PREFIX=f"f{unique}.",
        )
    )
    async with running(downstream):

        async def applied_all() -> bool:
            conn = await asyncpg.connect(downstream_db)
            try:
                return (
                    await conn.fetchval("SELECT count(DISTINCT event_id) FROM applied")
                    == batches * size
                )
            finally:
                await conn.close()

        await wait_until(applied_all, timeout=60, what="downstream applied everything")
        await asyncio.sleep(2)
    conn = await asyncpg.connect(downstream_db)
    try:
        rows = await conn.fetchval("SELECT count(*) FROM applied")
        distinct = await conn.fetchval("SELECT count(DISTINCT event_id) FROM applied")
    finally:
        await conn.close()
    report(
        "outbox relay SIGKILLed between publishing and marking",
        events=batches * size,
        relay_kills=kills,
        messages_on_topic=len(published),
        published_twice=len(published) - batches * size,
        applied=distinct,
        applied_twice=rows - distinct,
        seconds=f"{time.monotonic() - started:.1f}",
    )
    assert kills == batches and len(published) > batches * size
    assert distinct == batches * size and rows == distinct
