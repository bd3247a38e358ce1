"""The JobStream connector against a local JobStream-compatible server, on the real broker and
PostgreSQL: the snapshot at first start, then the stream, across a restart in the middle; only
members' ads, nothing doubled, removals withdrawn."""

from collections import Counter

import asyncpg
import pytest
from myndnet_ingest.main import IngestSettings, build
from myndnet_schemas import Event, parse, topics
from myndnet_schemas.events import AgencyUpdated
from myndnet_testing import TestNetwork, produce, read_to_end, running, wait_until
from myndnet_testing.jobstream import JobStreamFixture, ad, now_ms, removal

pytestmark = pytest.mark.integration
ORG = {"csn": "202100-5489", "skv": "202100-5448"}
OTHER = "556969-9480"  # a company, not a member


async def with_organisation_number(net: TestNetwork, name: str) -> None:
    state = net.state(name).model_dump()
    state["organisation_number"] = ORG[name]
    await produce(
        net.kafka,
        net.membership_topic,
        [Event.new(AgencyUpdated(**state), source="/services/membership")],
    )


def settings(net: TestNetwork, database_url: str, fixture: JobStreamFixture) -> IngestSettings:
    return IngestSettings(  # type: ignore[call-arg]
        INGEST_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=net.kafka,
        MEMBERSHIP_TOPIC=net.membership_topic,
        JOBSTREAM_URL=fixture.url,
        JOBSTREAM_POLL_SECONDS=0.3,
    )


async def published(
    net: TestNetwork, fixture: JobStreamFixture, database_url: str, name: str, count: int
) -> list:
    """The events on `name`'s topic, once `count` are there, ingest has asked JobStream twice
    more and its outbox is empty: a duplicate would be on the topic by then."""
    found: list = []

    async def there() -> bool:
        records = await read_to_end(net.kafka, topics.hr_vacancies(net.code(name)))
        found[:] = [parse(r.headers, r.key, r.value) for r in records]
        return len(found) >= count

    await wait_until(there, timeout=30, what=f"{count} events on {name}'s topic")
    asked = len(fixture.requests)

    async def asked_again_and_sent() -> bool:
        if len(fixture.requests) < asked + 2:
            return False
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM outbox") == 0
        finally:
            await conn.close()

    await wait_until(asked_again_and_sent, timeout=30, what="two more polls and an empty outbox")
    records = await read_to_end(net.kafka, topics.hr_vacancies(net.code(name)))
    return [parse(r.headers, r.key, r.value) for r in records]


async def test_snapshot_then_stream_across_a_restart_only_members_nothing_doubled(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv")
    for name in ORG:
        await with_organisation_number(net, name)
    fixture = JobStreamFixture()
    await fixture.start()
    try:
        old = now_ms() - 600_000
        fixture.add(
            ad("100", ORG["csn"], "Systemutvecklare", stamp=old),
            ad("101", ORG["csn"], "Utredare", stamp=old + 1),
            ad("200", ORG["skv"], "Skattehandläggare", stamp=old + 2, ssyk="3353"),
            ad("900", OTHER, "Konsult hos ett bolag", stamp=old + 3),
            ad("102", ORG["csn"], "Borttagen före start", stamp=old + 4),
            removal("102", old + 5),
        )
        async with running(build(settings(net, database_url, fixture))):
            first = await published(net, fixture, database_url, "csn", 2)
            assert sorted(e.data.vacancy_id for e in first) == ["af-100", "af-101"]
            assert [
                e.data.vacancy_id for e in await published(net, fixture, database_url, "skv", 1)
            ] == ["af-200"]

        # While ingest is down: an update, a removal, a new ad, and ads of no member.
        fixture.add(
            ad("100", ORG["csn"], "Systemutvecklare, Java", stamp=now_ms()),
            removal("101"),
            ad("103", ORG["csn"], "Jurist", stamp=now_ms(), ssyk="2611"),
            ad("901", OTHER, "Ännu ett bolag"),
        )
        async with running(build(settings(net, database_url, fixture))):
            events = await published(net, fixture, database_url, "csn", 5)
        assert fixture.requests[0] == "/v2/snapshot"
        assert all(r.startswith("/v2/stream?") for r in fixture.requests[1:])
    finally:
        await fixture.stop()

    assert len(events) == 5 and len({e.id for e in events}) == 5  # nothing doubled
    kinds = Counter((e.data.vacancy_id, e.type.split(".")[3]) for e in events)
    assert kinds == Counter(
        {
            ("af-100", "published"): 1,
            ("af-100", "updated"): 1,
            ("af-101", "published"): 1,
            ("af-101", "withdrawn"): 1,
            ("af-103", "published"): 1,
        }
    )
    latest = {e.data.vacancy_id: e.data for e in events}
    assert latest["af-100"].title == "Systemutvecklare, Java"
    assert latest["af-100"].revision == fixture.latest()["100"]["timestamp"]
    assert latest["af-101"].reason.value == "cancelled"
    assert latest["af-103"].occupation_field.value == "law"
    assert all(e.source == f"/agencies/{net.code('csn')}" for e in events)
