"""Ingest on the real Kafka broker: each mode lands on the agency's own topic, a batch with a
bad event publishes the others and names the bad one, one agency's key cannot publish for
another, a revoked key and a departed agency's key are refused."""

import json

import httpx
import pytest
from myndnet_ingest.domain.keys import digest
from myndnet_ingest.main import IngestSettings, build
from myndnet_kit.app import ServiceApp
from myndnet_schemas import Event, parse, topics
from myndnet_schemas.events import AgencyUpdated
from myndnet_testing import TestNetwork, produce, read_to_end, running, vacancy_data, wait_until

pytestmark = pytest.mark.integration
CSN_KEY, SKV_KEY = "mnk_csn-test-key-0123456789", "mnk_skv-test-key-0123456789"


def settings(net: TestNetwork, database_url: str) -> IngestSettings:
    return IngestSettings(  # type: ignore[call-arg]
        INGEST_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=net.kafka,
        MEMBERSHIP_TOPIC=net.membership_topic,
        CONSUMER_GROUP_PREFIX=net.group_prefix,
        INGEST_RATE_PER_MINUTE=40,
        INGEST_MAX_BODY_BYTES=65_536,
    )


async def give_keys(net: TestNetwork, name: str, *keys: str, status: str = "active") -> None:
    state = net.state(name, status).model_dump()
    state["http_keys"] = [
        {"key_id": f"key{i:08d}", "sha256": digest(k)} for i, k in enumerate(keys)
    ]
    await produce(
        net.kafka,
        net.membership_topic,
        [Event.new(AgencyUpdated(**state), source="/services/membership")],
    )


def client(app: ServiceApp, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.api),
        base_url="http://i",
        headers={"Authorization": f"Bearer {key}"},
    )


def structured(net: TestNetwork, name: str, event_id: str, **data) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": f"/agencies/{net.code(name)}",
        "type": "se.myndnet.vacancy.published.v1",
        "data": vacancy_data(event_id, **data),
    }


async def on_topic(net: TestNetwork, name: str, count: int) -> list:
    found: list = []

    async def there() -> bool:
        records = await read_to_end(net.kafka, topics.hr_vacancies(net.code(name)))
        found[:] = [parse(r.headers, r.key, r.value) for r in records]
        return len(found) >= count

    await wait_until(there, timeout=15, what=f"{count} events on {name}'s topic")
    return found


async def test_each_mode_lands_on_the_agency_s_own_topic_and_nowhere_else(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv")
    await give_keys(net, "csn", CSN_KEY)
    await give_keys(net, "skv", SKV_KEY)
    app = build(settings(net, database_url))
    async with running(app), client(app, CSN_KEY) as csn, client(app, SKV_KEY) as skv:

        async def keys_known() -> bool:
            probe = await csn.post("/events", content=b"[]", headers={"Content-Type": "x/y"})
            return probe.status_code == 415  # past the key check

        await wait_until(keys_known, what="ingest to know the keys")
        binary = await csn.post(
            "/events",
            content=json.dumps(vacancy_data("B-1")),
            headers={
                "Content-Type": "application/json",
                "ce-specversion": "1.0",
                "ce-id": "B-1",
                "ce-source": f"/agencies/{net.code('csn')}",
                "ce-type": "se.myndnet.vacancy.published.v1",
            },
        )
        assert binary.status_code == 200, binary.text
        assert binary.json()["events"][0]["topic"] == topics.hr_vacancies(net.code("csn"))
        one = await csn.post(
            "/events",
            content=json.dumps(structured(net, "csn", "S-1")),
            headers={"Content-Type": "application/cloudevents+json"},
        )
        assert one.json()["accepted"] == 1
        bad = structured(net, "csn", "X-2", apply_url="http://not-https.example")
        batch = await csn.post(
            "/events",
            content=json.dumps([structured(net, "csn", "X-1"), bad, structured(net, "csn", "X-3")]),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        answer = batch.json()
        assert (answer["accepted"], answer["rejected"]) == (2, 1)
        refused = answer["events"][1]
        assert (refused["id"], refused["status"], refused["reason"]) == (
            "X-2",
            "rejected",
            "schema_violation",
        )
        # CSN's key posting as Skatteverket: refused, and nothing reaches Skatteverket's topic.
        forged = await csn.post(
            "/events",
            content=json.dumps(structured(net, "skv", "F-1")),
            headers={"Content-Type": "application/cloudevents+json"},
        )
        assert forged.status_code == 422 and forged.json()["events"][0]["reason"] == (
            "forged_source"
        )
        own = await skv.post(
            "/events",
            content=json.dumps(structured(net, "skv", "K-1")),
            headers={"Content-Type": "application/cloudevents+json"},
        )
        assert own.json()["accepted"] == 1

        landed = await on_topic(net, "csn", 4)
        assert sorted(e.id for e in landed) == ["B-1", "S-1", "X-1", "X-3"]
        assert all(e.source == f"/agencies/{net.code('csn')}" for e in landed)
        assert [e.id for e in await on_topic(net, "skv", 1)] == ["K-1"]

        unknown = await csn.post("/events", headers={"Authorization": "Bearer nope"})
        assert unknown.status_code == 401
        too_large = await csn.post(
            "/events",
            content=b"[" + b" " * 70_000 + b"]",
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        assert too_large.status_code == 413 and "65536 bytes" in too_large.text
        # The rate limit (40 a minute in this test): a batch past it is refused whole.
        many = [structured(net, "csn", f"R-{i}") for i in range(40)]
        limited = await csn.post(
            "/events",
            content=json.dumps(many),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1

        # Skatteverket revokes its key (and later leaves): the key stops working.
        await give_keys(net, "skv")

        async def revoked() -> bool:
            probe = await skv.post("/events", content=b"", headers={"Content-Type": "x/y"})
            return probe.status_code == 401

        await wait_until(revoked, what="the revoked key to be refused")
    assert len(await on_topic(net, "skv", 1)) == 1
