"""Hypothesis-generated records never crash a consumer: fed straight to each service's consumers
(the code that runs after Kafka hands over a batch) with their real PostgreSQL, every record ends
up applied (in the inbox) or dead (in the DLQ, with a reason), and no batch raises.

The records mix events generated from the JSON Schemas, the contract's examples with a header or
the body mutated (NUL characters, invalid UTF-8, wrong types), and random bytes. The services
follow membership on the secure profile's broker, which only this test run uses, as its admin.
"""

import json
import os
import random
from pathlib import Path

import asyncpg
import pytest
from aiokafka import ConsumerRecord
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from myndnet_kit.app import ServiceApp
from myndnet_kit.consumer import EventConsumer
from myndnet_schemas import REGISTRY, EnvelopeError, parse, topics
from myndnet_schemas.docs import json_schema
from myndnet_testing import TestNetwork, running

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).parents[1] / "schemas" / "examples"
BATCHES = int(os.environ.get("MYNDNET_FUZZ_BATCHES", "30"))  # `make fuzz` sets 300


def example(event_type: str) -> dict:
    document = json.loads((EXAMPLES / f"{event_type}.json").read_text())
    return document["data"]


weird_text = st.one_of(
    st.text(max_size=30),
    st.just("\x00"),
    st.just("a\x00b"),
    st.just("🙂" * 20),
    st.just("x" * 5000),
    # What the hostile-input review sent (see the text rule in myndnet_schemas.text).
    st.just("Handläggare\x0b"),
    st.just("rad\x85två"),
    st.just("\ud800"),
    st.just("</script><!--"),
    st.just("https://www.skatteverket.se@evil.example/jobb"),
    st.just("https://evil.example\\@www.csn.se/jobb"),
    st.just("https://www.csn.se/jobb\r\nX: y"),
    st.just("https://www.csn.se/\u202ejobb"),
    st.just("rt-x\n"),
    st.just("--"),
)
weird_bytes = st.one_of(
    weird_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.just(b"\xff\xfe\x00"),
)


@st.composite
def records(draw, topics_and_sources: list[tuple[str, list[str]]], accepts: list[str]):
    """(topic, key, value, headers) for one record."""
    # Weighted towards events that should apply: the first topic and source are the good ones.
    topic, sources = draw(st.sampled_from(topics_and_sources[:1] * 3 + topics_and_sources))
    kind = draw(st.sampled_from(["example", "example", "schema", "mutated", "bytes"]))
    event_type = draw(st.sampled_from(accepts * 3 + sorted(REGISTRY)[:2]))
    if kind == "bytes":
        names = st.sampled_from(["ce_specversion", "ce_id", "ce_source", "ce_type", "x-other"])
        headers = draw(st.lists(st.tuples(names, weird_bytes), max_size=6))
        value = draw(st.none() | st.binary(max_size=300))
        return topic, draw(st.none() | weird_bytes), value, headers
    if kind == "schema":
        payload = draw(from_schema(json_schema(REGISTRY[event_type])))
    else:
        payload = example(event_type)
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"fz-{draw(st.integers(0, 10**9))}".encode()),
        ("ce_source", draw(st.sampled_from(sources[:1] * 3 + sources)).encode()),
        ("ce_type", event_type.encode()),
        ("content-type", b"application/json"),
    ]
    value = json.dumps(payload, ensure_ascii=draw(st.booleans())).encode()
    if kind == "mutated":
        where = draw(st.sampled_from(["header", "field", "body"]))
        if where == "header":
            at = draw(st.integers(0, len(headers) - 1))
            headers[at] = (headers[at][0], draw(weird_bytes))
        elif where == "field" and payload:
            field = draw(st.sampled_from(sorted(payload)))
            payload[field] = draw(weird_text | st.integers() | st.none() | st.lists(weird_text))
            value = json.dumps(payload).encode()
        else:
            value = value[: draw(st.integers(0, len(value)))] + draw(st.binary(max_size=10))
    key = (
        payload.get("vacancy_id") or payload.get("person_id") if isinstance(payload, dict) else None
    )
    return topic, str(key).encode("utf-8", "surrogatepass") if key else None, value, headers


def generated_batches(strategy, count: int, seed_value: int) -> list:
    """Batches drawn by Hypothesis (its generation phase; the batches are then applied on the
    test's event loop, where a `@given` test could not await)."""
    drawn: list = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(strategy, min_size=1, max_size=12))
    def collect(batch: list) -> None:
        drawn.append(batch)

    collect()
    return drawn


async def feed(app: ServiceApp, consumer: EventConsumer, batches: list, first_offset: int) -> dict:
    """Apply every batch as the consumer would; check each record is applied or dead."""
    offset = first_offset
    figures = {"records": 0, "applied": 0, "dead": 0}
    assert app.pool is not None
    for batch in batches:
        records = []
        for topic, key, value, headers in batch:
            records.append(
                ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, 0, 0, tuple(headers))
            )
            offset += 1
        await consumer.process(records)  # must not raise
        async with app.pool.acquire() as conn:
            for record in records:
                figures["records"] += 1
                dead = await conn.fetchval(
                    'SELECT reason FROM dlq_entries WHERE topic = $1 AND "offset" = $2 '
                    "AND consumer = $3",
                    record.topic,
                    record.offset,
                    consumer.name,
                )
                if dead:
                    figures["dead"] += 1
                    continue
                event = _parsed(record)
                assert event is not None, f"record {record} is neither applied nor dead"
                assert await conn.fetchval(
                    "SELECT 1 FROM inbox WHERE consumer = $1 AND source = $2 AND event_id = $3",
                    consumer.name,
                    event.source,
                    event.id,
                ), f"{event.type} {event.id} is neither applied nor dead"
                figures["applied"] += 1
    return figures


def _parsed(record: ConsumerRecord):
    try:
        return parse(list(record.headers), record.key, record.value)
    except EnvelopeError:
        return None


def service_apps(network: TestNetwork, database_url: str, kafka_env: dict) -> dict:
    from myndnet_exchange.main import ExchangeSettings
    from myndnet_exchange.main import build as exchange
    from myndnet_mentoring.main import MentoringSettings
    from myndnet_mentoring.main import build as mentoring
    from myndnet_notify.main import NotifySettings
    from myndnet_notify.main import build as notify
    from myndnet_vacancies.main import VacanciesSettings
    from myndnet_vacancies.main import build as vacancies

    common = {
        **kafka_env,
        "MEMBERSHIP_TOPIC": network.membership_topic,
        "CONSUMER_GROUP_PREFIX": network.group_prefix,
        "LOG_LEVEL": "WARNING",
    }
    return {
        "vacancies": lambda: vacancies(
            VacanciesSettings(  # type: ignore[call-arg]
                VACANCIES_DATABASE_URL=database_url,
                VACANCIES_HR_TOPIC_PATTERN=network.hr_pattern("vacancies"),
                VACANCIES_TOPIC=f"vacancies.vacancies.{network.unique}",
                **common,
            )
        ),
        "exchange": lambda: exchange(
            ExchangeSettings(  # type: ignore[call-arg]
                EXCHANGE_DATABASE_URL=database_url,
                EXCHANGE_HR_TOPIC_PATTERN=network.hr_pattern("exchange"),
                EXCHANGE_TOPIC=f"exchange.assignments.{network.unique}",
                EXCHANGE_SCHEDULE_SECONDS=100000,
                **common,
            )
        ),
        "mentoring": lambda: mentoring(
            MentoringSettings(  # type: ignore[call-arg]
                MENTORING_DATABASE_URL=database_url,
                MENTORING_HR_TOPIC_PATTERN=network.hr_pattern("leadership"),
                MENTORING_MATCHES_TOPIC=f"mentoring.matches.{network.unique}",
                MENTORING_ROUND_SECONDS=100000,
                **common,
            )
        ),
        "notify": lambda: notify(
            NotifySettings(  # type: ignore[call-arg]
                NOTIFY_DATABASE_URL=database_url,
                NOTIFY_VACANCIES_TOPIC=f"vacancies.vacancies.{network.unique}",
                NOTIFY_MATCHES_TOPIC=f"mentoring.matches.{network.unique}",
                NOTIFY_TRAININGS_TOPIC=f"trainings.registrations.{network.unique}",
                NOTIFY_SIGN_IN_TOPIC=f"membership.sign_ins.{network.unique}",
                NOTIFY_OUTREACH_TOPIC=f"outreach.activities.{network.unique}",
                NOTIFY_CAMPAIGN_SECONDS=100000,
                NOTIFY_RUN_DIGESTS=False,
                SMTP_PORT=9,  # nothing listens: alerts wait in the table, which is all we need
                **common,
            )
        ),
    }


NOTIFY_TOPICS = {
    "vacancies": topics.VACANCIES,
    "matches": topics.MENTORING_MATCHES,
    "trainings": topics.TRAININGS_REGISTRATIONS,
    "sign_ins": topics.MEMBERSHIP_SIGN_INS,
    "outreach": topics.OUTREACH_ACTIVITIES,
}


def record_topics(network: TestNetwork, service: str, consumer: str) -> list[tuple[str, list[str]]]:
    """(topic, sources) to draw records from, the consumer's own topic and its writer first."""
    member, other = network.code("a"), network.code("b")  # b is not a member
    agency_sources = [topics.agency_source(member), topics.agency_source(other), "/x", "\x00"]
    if service == "vacancies":
        kinds = ["vacancies"]
    elif service == "mentoring":
        kinds = ["leadership"]
    elif service == "exchange":
        kinds = ["exchange"]
    else:
        own = NOTIFY_TOPICS[consumer]
        pairs = []
        for topic in [own, *(t for t in NOTIFY_TOPICS.values() if t != own)]:
            writer = topics.service_source(topics.writer_of(topic))
            strangers = [s for s in ("/services/mentoring", "/agencies/csn", "\x00") if s != writer]
            pairs.append((topic, [writer, *strangers]))
        return pairs
    return [(f"hr.{code}.{kind}", agency_sources) for code in (member, other) for kind in kinds]


@pytest.mark.parametrize("service", ["vacancies", "mentoring", "notify", "exchange"])
async def test_generated_records_never_crash_a_consumer(
    service, secure_kafka, database_url, unique
):
    admin = secure_kafka.connection("admin")
    network = TestNetwork(admin, unique)  # type: ignore[arg-type]
    await network.register("a")
    app = service_apps(network, database_url, secure_kafka.env("admin"))[service]()
    async with running(app):
        for consumer in app.consumers:
            accepts = sorted(consumer.accepts)
            strategy = records(record_topics(network, service, consumer.name), accepts)
            batches = generated_batches(strategy, BATCHES, random.Random(unique).randint(0, 9999))
            figures = await feed(app, consumer, batches, first_offset=1_000_000)
            print(f"{service}.{consumer.name}: {figures}")
            assert figures["records"] >= BATCHES
            assert figures["dead"] > 0 and figures["applied"] > 0
            assert consumer.healthy
    conn = await asyncpg.connect(database_url)
    try:
        reasons = {r["reason"] for r in await conn.fetch("SELECT DISTINCT reason FROM dlq_entries")}
    finally:
        await conn.close()
    print(f"{service}: DLQ reasons {sorted(reasons)}")
    assert len(reasons) >= 3
