"""Events per second through ingest's `POST /events` (batched) against the publisher kit's own
rate over Kafka, side by side in one run, on the same broker, the same events.

    uv run python bench/ingest.py [--events 20000] [--batch 500] [--trials 3]

ingest runs as its own process (as `make up` runs it) on a scratch database and membership
topic; this process is the HR system: each trial publishes the events once with
`AgencyPublisher.publish_many` in batches, and once by posting the same batches to ingest as
`application/cloudevents-batch+json`, one request after another. Both wait for the broker's
acknowledgements (ingest answers only after them), so the ratio is what HTTP, the checks and
the extra hop cost.
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import KAFKA, random_vacancy
from myndnet_ingest.domain.keys import digest
from myndnet_kit.kafka import TopicSpec, compacted, ensure_topics
from myndnet_schemas import Event, encode_structured, topics
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events import AgencyRegistered
from myndnet_schemas.publisher import AgencyPublisher
from myndnet_testing import ServiceNetwork, produce, wait_until

LOGS = Path(__file__).resolve().parents[1] / ".run" / "bench"


async def register_with_key(membership_topic: str, code: str, key: str) -> None:
    await ensure_topics(KAFKA, [compacted(membership_topic)])
    await ensure_topics(
        KAFKA, [TopicSpec(topics.hr_vacancies(code), 3), TopicSpec(topics.hr_leadership(code), 3)]
    )
    state = AgencyRegistered(
        code=code,
        name=f"Myndigheten {code}",
        kind="agency",
        role="member",
        status="active",
        joined_on="2023-11-28",
        http_keys=[{"key_id": "benchkey01", "sha256": digest(key)}],
    )
    await produce(KAFKA, membership_topic, [Event.new(state, source="/services/membership")])


def batches(events: list[Event], size: int) -> list[list[Event]]:
    return [events[i : i + size] for i in range(0, len(events), size)]


def batch_body(events: list[Event]) -> bytes:
    documents = []
    for event in events:
        _headers, value = encode_structured(event)
        documents.append(json.loads(value))
    return json.dumps(documents).encode()


async def bench(count: int, size: int, trials: int) -> None:
    run = uuid.uuid4().hex[:8]
    code, key = f"bench{run}", f"mnk_bench_{uuid.uuid4().hex}"
    membership_topic = f"membership.agencies.bench{run}"
    await register_with_key(membership_topic, code, key)
    rng = random.Random(7)
    today = stockholm_today()
    LOGS.mkdir(parents=True, exist_ok=True)
    services = ServiceNetwork(
        run,
        LOGS,
        {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
            "MEMBERSHIP_TOPIC": membership_topic,
            "INGEST_RATE_PER_MINUTE": str(10 * count * trials + 1000),
            "INGEST_MAX_BODY_BYTES": str(64 * 1024 * 1024),
            "LOG_LEVEL": "WARNING",
        },
        prefix="bench",
    )
    ingest = await services.start("ingest")
    url = services.url("ingest")
    try:
        async with httpx.AsyncClient(
            base_url=url, timeout=120, headers={"Authorization": f"Bearer {key}"}
        ) as http:

            async def key_known() -> bool:
                assert ingest.alive, f"ingest exited; see {LOGS / 'ingest.log'}"
                try:
                    probe = await http.post("/events", headers={"Content-Type": "x/y"})
                except httpx.HTTPError:
                    return False
                return probe.status_code == 415

            await wait_until(key_known, 90, what="ingest with the key")
            kit_rates, http_rates = [], []
            async with AgencyPublisher(KAFKA, code) as publisher:
                for trial in range(trials):
                    events = [
                        publisher.event(
                            random_vacancy(rng, f"T{trial}-{i}", today), id=f"{trial}-{i}"
                        )
                        for i in range(count)
                    ]
                    began = time.perf_counter()
                    for part in batches(events, size):
                        await publisher.publish_many(part)
                    kit_rates.append(count / (time.perf_counter() - began))
                    bodies = [batch_body(part) for part in batches(events, size)]
                    began = time.perf_counter()
                    for body in bodies:
                        answer = await http.post(
                            "/events",
                            content=body,
                            headers={"Content-Type": "application/cloudevents-batch+json"},
                        )
                        assert answer.status_code == 200, answer.text[:500]
                        assert answer.json()["rejected"] == 0, answer.text[:500]
                    http_rates.append(count / (time.perf_counter() - began))
                    print(
                        f"trial {trial + 1}: publisher kit {kit_rates[-1]:,.0f} events/s, "
                        f"ingest {http_rates[-1]:,.0f} events/s"
                    )
    finally:
        await services.stop()
    kit, through_http = statistics.median(kit_rates), statistics.median(http_rates)
    print(
        f"{count} events in batches of {size}, median of {trials}: publisher kit {kit:,.0f}/s, "
        f"POST /events {through_http:,.0f}/s; ingest / publisher kit = {through_http / kit:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(bench(args.events, args.batch, args.trials))


if __name__ == "__main__":
    main()
