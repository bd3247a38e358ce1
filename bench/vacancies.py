"""Vacancies: ingest against a raw aiokafka drain, and search latency over a full register.

    uv run python bench/vacancies.py [--events 100000]

Both drains read the same pre-filled topic on the same broker in the same run. The service's
time runs from the moment it reports ready until every offset is committed (each batch applied
in one PostgreSQL transaction with its inbox, lifecycle events in the outbox).
"""

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    KAFKA,
    agency_topic,
    fill_topic,
    percentile,
    random_vacancy,
    raw_drain,
    register_agencies,
    summary,
)
from myndnet_kit.logging import configure_logging
from myndnet_schemas import Event, parse
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import committed_offsets, end_offsets, fresh_database, read_to_end, running
from myndnet_vacancies.main import VacanciesSettings, build


async def ingest_and_search(events_wanted: int, partitions: int, queries: int) -> None:
    run = uuid.uuid4().hex[:8]
    code = f"bench{run}"
    membership_topic = f"membership.agencies.bench{run}"
    topic = agency_topic(code)
    rng = random.Random(20261126)
    today = stockholm_today()
    events = [
        Event.new(random_vacancy(rng, f"B-{i:06d}", today), source=f"/agencies/{code}")
        for i in range(events_wanted)
    ]
    await register_agencies(membership_topic, [code])
    produced = await fill_topic(topic, events, partitions)
    print(
        f"machine: {sys.platform}, broker {KAFKA}; topic {topic} with {events_wanted} "
        f"events in {partitions} partitions (published in {produced:.1f} s)"
    )

    count, raw_seconds = await raw_drain(topic)
    raw_rate = count / raw_seconds
    print(
        f"raw aiokafka getmany drain : {count} records in {raw_seconds:6.2f} s = {raw_rate:9.0f} /s"
    )
    # The least any consumer of the contract does with a record: parse and validate it.
    records = await read_to_end(KAFKA, topic)
    began = time.perf_counter()
    for record in records:
        parse(record.headers, record.key, record.value)
    parse_rate = len(records) / (time.perf_counter() - began)
    print(
        f"parse + validate only      : {parse_rate:9.0f} /s in this process "
        f"(ratio to the raw drain {parse_rate / raw_rate:.2f})"
    )

    async with fresh_database() as database_url:
        settings = VacanciesSettings(  # type: ignore[call-arg]
            VACANCIES_DATABASE_URL=database_url,
            KAFKA_BOOTSTRAP_SERVERS=KAFKA,
            MEMBERSHIP_TOPIC=membership_topic,
            LOG_LEVEL="WARNING",
            VACANCIES_HR_TOPIC_PATTERN=rf"^hr\.bench{run}\.vacancies$",
            CONSUMER_MAX_RECORDS=1000,
            VACANCIES_TOPIC=f"vacancies.vacancies.bench{run}",
            CONSUMER_GROUP_PREFIX=f"bench{run}.",
        )
        app = build(settings)
        async with running(app):
            started = time.perf_counter()
            ends = await end_offsets(KAFKA, topic)
            while True:
                committed = await committed_offsets(
                    KAFKA, f"bench{run}.vacancies.hr-vacancies", topic
                )
                if all(committed.get(p, 0) >= end for p, end in ends.items()):
                    break
                await asyncio.sleep(0.2)
            service_seconds = time.perf_counter() - started
            service_rate = events_wanted / service_seconds
            print(
                f"vacancies service ingest   : {events_wanted} events  in "
                f"{service_seconds:6.2f} s = {service_rate:9.0f} /s "
                "(applied, inbox, outbox, committed)"
            )
            print(f"ratio service / raw drain  : {service_rate / raw_rate:.2f}  (goal ≥ 0.5)")
            conn = await asyncpg.connect(database_url)
            rows = await conn.fetchval("SELECT count(*) FROM vacancies")
            await conn.close()
            assert rows == events_wanted, f"{rows} rows for {events_wanted} events"

            transport = httpx.ASGITransport(app=app.api)
            p99: dict[str, float] = {}
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as http:
                for label, params in [
                    ("word query 'utvecklare'", {"q": "utvecklare"}),
                    ("word query 'jurist förvaltningsrätten'", {"q": "jurist förvaltningsrätten"}),
                    (
                        "filter-only (field + municipality + target group)",
                        {
                            "occupation_field": "it",
                            "municipality": "Sundsvall",
                            "target_group": "students",
                        },
                    ),
                    ("no filter, newest first", {}),
                ]:
                    timings = []
                    for _ in range(queries):
                        began = time.perf_counter()
                        response = await http.get("/vacancies", params={**params, "limit": 20})
                        timings.append((time.perf_counter() - began) * 1000)
                        assert response.status_code == 200
                    hits = len(response.json()["items"])
                    print(f"search {label:52s}: {summary(timings)}, {hits} on the first page")
                    p99[label] = percentile(timings, 99)
            broad, narrow = (
                p99["word query 'utvecklare'"],
                p99["word query 'jurist förvaltningsrätten'"],
            )
            print(
                f"broad one word / narrow two words at p99: {broad / narrow:.2f} (goal ≤ 2; "
                "'utvecklare' is in about half the register)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    configure_logging("bench", "WARNING")
    asyncio.run(ingest_and_search(args.events, args.partitions, args.queries))


if __name__ == "__main__":
    main()
