"""The secure profile's access rules on a real broker (SASL/SCRAM over TLS, StandardAuthorizer):
agencies onboarded through membership get a login that may write only their own topics."""

import asyncio
import contextlib
import logging
import ssl

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)
from myndnet_kit.kafka import TopicSpec, ensure_topics, stop_consumer, topic_partitions
from myndnet_membership.main import MembershipSettings, build
from myndnet_schemas import topics
from myndnet_schemas.connection import KafkaConnection
from myndnet_testing import running, wait_until

pytestmark = pytest.mark.integration
TOKEN = "access-test-token"


@pytest.fixture
async def membership(secure_kafka, database_url):
    """Membership in this process, logged in as its own principal on the secure broker."""
    env = secure_kafka.env("membership")
    settings = MembershipSettings(  # type: ignore[call-arg]
        MEMBERSHIP_DATABASE_URL=database_url,
        OPERATOR_TOKENS=f"{TOKEN}=membership:write",
        **env,
    )
    async with running(build(settings)) as app:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app.api),
            base_url="http://m",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as http:
            yield http


async def onboard(http: httpx.AsyncClient, secure_kafka, code: str) -> KafkaConnection:
    response = await http.post(
        "/agencies", json={"code": code, "name": f"Myndigheten {code}", "kind": "agency"}
    )
    assert response.status_code == 201, response.text
    login = response.json()["kafka_credentials"]
    assert login["username"] == f"agency-{code}" and len(login["password"]) >= 32
    kafka = KafkaConnection(
        secure_kafka.bootstrap_servers, login["username"], login["password"], secure_kafka.cafile
    )
    await wait_until(
        lambda: _exists(secure_kafka, topics.hr_vacancies(code)), what=f"{code}'s topics"
    )
    return kafka


async def _exists(secure_kafka, topic: str) -> bool:
    return bool(await topic_partitions(secure_kafka.connection(), topic))


async def send(kafka: KafkaConnection | dict, topic: str) -> None:
    options = kafka.options() if isinstance(kafka, KafkaConnection) else kafka
    producer = AIOKafkaProducer(**options, enable_idempotence=True, request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(producer.start(), 20)
        await asyncio.wait_for(producer.send_and_wait(topic, b"{}", key=b"k"), 20)
    finally:
        with contextlib.suppress(Exception):
            await producer.stop()


async def read(kafka: KafkaConnection, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(
        topic, **kafka.options(), group_id=group, auto_offset_reset="earliest"
    )
    try:
        await asyncio.wait_for(consumer.start(), 20)
        await asyncio.wait_for(consumer.getone(), 20)
    finally:
        await stop_consumer(consumer)


async def test_an_agency_writes_its_own_topics_and_nothing_else(membership, secure_kafka, unique):
    a = await onboard(membership, secure_kafka, f"a{unique}")
    await onboard(membership, secure_kafka, f"b{unique}")

    await send(a, topics.hr_vacancies(f"a{unique}"))
    await send(a, topics.hr_leadership(f"a{unique}"))
    with pytest.raises(TopicAuthorizationFailedError):
        await send(a, topics.hr_vacancies(f"b{unique}"))
    with pytest.raises(TopicAuthorizationFailedError):
        await send(a, topics.VACANCIES)  # a service's topic
    # Reading: neither notify's topic, nor its own (only the services read those).
    for topic in (topics.NOTIFY_DELIVERIES, topics.hr_vacancies(f"a{unique}")):
        with pytest.raises((TopicAuthorizationFailedError, GroupAuthorizationFailedError)):
            await read(a, topic, group=f"agency-a{unique}")


async def test_wrong_password_and_no_login_are_refused(membership, secure_kafka, unique):
    a = await onboard(membership, secure_kafka, f"c{unique}")
    topic = topics.hr_vacancies(f"c{unique}")
    wrong = KafkaConnection(a.bootstrap_servers, a.username, "not-the-password", a.cafile)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    with pytest.raises(KafkaConnectionError):
        await send(wrong, topic)
    await wait_until(
        lambda: _in_broker_log(secure_kafka, "Failed authentication with /127.0.0.1"),
        what="the broker's record of the failed login",
    )
    # No login at all: plain TCP, and TLS without SASL.
    with pytest.raises(KafkaConnectionError):
        await send({"bootstrap_servers": a.bootstrap_servers}, topic)
    tls_only = {
        "bootstrap_servers": a.bootstrap_servers,
        "security_protocol": "SSL",
        "ssl_context": ssl.create_default_context(cafile=a.cafile),
    }
    with pytest.raises(KafkaConnectionError):
        await send(tls_only, topic)
    await send(a, topic)  # the right login still works


async def _in_broker_log(secure_kafka, text: str) -> bool:
    return text in secure_kafka.broker_log.read_text(errors="replace")


async def test_a_new_secret_replaces_the_old_and_leaving_removes_the_login(
    membership, secure_kafka, unique
):
    code = f"d{unique}"
    first = await onboard(membership, secure_kafka, code)
    response = await membership.post(f"/agencies/{code}/kafka-credentials")
    assert response.status_code == 201
    second = KafkaConnection(
        first.bootstrap_servers, first.username, response.json()["password"], first.cafile
    )
    assert second.password != first.password
    with pytest.raises(KafkaConnectionError):
        await send(first, topics.hr_vacancies(code))
    await send(second, topics.hr_vacancies(code))

    assert (await membership.post(f"/agencies/{code}/leave")).status_code == 200
    with pytest.raises(KafkaConnectionError):
        await send(second, topics.hr_vacancies(code))
    refused = await membership.post(f"/agencies/{code}/kafka-credentials")
    assert refused.status_code == 409 and "left" in refused.json()["detail"]


async def test_each_service_writes_only_its_own_topics(secure_kafka, unique):
    vacancies, notify = secure_kafka.connection("vacancies"), secure_kafka.connection("notify")
    await ensure_topics(
        vacancies, [TopicSpec(topics.dlq("vacancies")), TopicSpec(topics.VACANCIES)]
    )
    # Others' topics exist (as they do once the network runs), so a refusal is about rights.
    others = (topics.MENTORING_MATCHES, topics.dlq("notify"), topics.MEMBERSHIP_AGENCIES)
    await ensure_topics(secure_kafka.connection(), [TopicSpec(t) for t in others])
    for created in (topics.dlq("vacancies"), topics.VACANCIES, *others):

        async def listed(topic: str = created) -> bool:
            return await _exists(secure_kafka, topic)

        await wait_until(listed, 30, what=f"{created} to be listed")
    with pytest.raises(TopicAuthorizationFailedError):
        await ensure_topics(vacancies, [TopicSpec(f"hr.{unique}.vacancies")])
    await send(vacancies, topics.dlq("vacancies"))
    for topic in (topics.MENTORING_MATCHES, topics.dlq("notify"), topics.MEMBERSHIP_AGENCIES):
        with pytest.raises(TopicAuthorizationFailedError):
            await send(vacancies, topic)
    with pytest.raises((TopicAuthorizationFailedError, GroupAuthorizationFailedError)):
        await read(notify, topics.hr_vacancies("skatteverket"), group=f"notify.{unique}")
    await send(vacancies, topics.VACANCIES)
    await read(notify, topics.VACANCIES, group=f"notify.{unique}")  # notify reads it
    with pytest.raises(GroupAuthorizationFailedError):
        await read(notify, topics.VACANCIES, group=f"vacancies.{unique}")  # in its own groups
