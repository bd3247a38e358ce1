"""Helpers for tests that drive services through the real Kafka broker and PostgreSQL."""

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, timedelta
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from myndnet_kit.app import ServiceApp
from myndnet_kit.kafka import stop_consumer, topic_partitions
from myndnet_schemas import Event, encode_binary
from myndnet_schemas.connection import KafkaConnection, connection

# -- test data: the contract's own examples (schemas/examples/), changed where a test needs to --

EXAMPLES = Path(__file__).resolve().parents[4] / "schemas" / "examples"


def example(event_type: str) -> dict[str, Any]:
    """The contract's example CloudEvent of a type, as a JSON document."""
    return json.loads((EXAMPLES / f"{event_type}.json").read_text())


def vacancy_data(
    vacancy_id: str = "CSN-2026-0142",
    revision: int = 1,
    *,
    today: date | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A vacancy.published payload as JSON data; with `today`, published three days before
    it and open for twenty days after it."""
    data = dict(example("se.myndnet.vacancy.published.v1")["data"])
    data.update(vacancy_id=vacancy_id, revision=revision)
    if today is not None:
        data["published_on"] = (today - timedelta(days=3)).isoformat()
        data["application_deadline"] = (today + timedelta(days=20)).isoformat()
    data.update(changes)
    return data


def vacancy(
    vacancy_id: str = "CSN-2026-0142",
    revision: int = 1,
    model: Any = None,
    *,
    today: date | None = None,
    **changes: Any,
) -> Any:
    """A vacancy snapshot (VacancyPublished, or `model`: VacancyUpdated), from the example."""
    from myndnet_schemas import VacancyPublished

    return (model or VacancyPublished)(**vacancy_data(vacancy_id, revision, today=today, **changes))


async def wait_until(
    predicate: Callable[[], Awaitable[bool]],
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextlib.asynccontextmanager
async def running(app: ServiceApp, timeout: float = 60.0) -> AsyncIterator[ServiceApp]:
    """Run a service in this process (its lifespan) until it is ready."""
    async with app.api.router.lifespan_context(app.api):
        await wait_until(lambda: _started(app), timeout, what=f"{app.service} to start")
        yield app


async def _started(app: ServiceApp) -> bool:
    if app.failure:
        raise AssertionError(f"{app.service} failed to start: {app.failure}")
    return app.started


async def produce(
    bootstrap: str | KafkaConnection, topic: str, events: Sequence[Event[Any]]
) -> None:
    """Publish events in binary mode, keyed as the contract says, and wait for the acks."""
    messages = []
    for event in events:
        headers, value = encode_binary(event)
        messages.append((event.key.encode(), value, headers))
    await produce_raw(bootstrap, topic, messages)


async def produce_raw(
    bootstrap: str | KafkaConnection,
    topic: str,
    messages: Sequence[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]],
) -> None:
    """(key, value, headers) triples, as they are: for malformed and hostile messages."""
    producer = AIOKafkaProducer(
        **connection(bootstrap).options(), enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value, headers in messages
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str | KafkaConnection,
    topic: str,
    *,
    at_least: int = 0,
    timeout: float = 20.0,
    settle: float = 1.0,
) -> list[ConsumerRecord]:
    """Everything on a topic from the start: waits for `at_least`, then `settle` more seconds."""
    consumer = AIOKafkaConsumer(
        topic,
        **connection(bootstrap).options(),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        quiet_until = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for part in batch.values():
                records.extend(part)
            if len(records) >= at_least:
                quiet_until = quiet_until or time.monotonic() + settle
                if time.monotonic() >= quiet_until:
                    break
        return records
    finally:
        await stop_consumer(consumer)


async def read_to_end(bootstrap: str | KafkaConnection, topic: str) -> list[ConsumerRecord]:
    """Everything on a topic from the start up to its end as it is now, however long it is."""
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(bootstrap, topic)]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        **connection(bootstrap).options(),
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < end for tp, end in ends.items()])

        while await behind():
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for tp, part in batch.items():
                records.extend(r for r in part if r.offset < ends[tp])
        return records
    finally:
        await stop_consumer(consumer)


async def committed_offsets(
    bootstrap: str | KafkaConnection, group_id: str, topic: str
) -> dict[int, int]:
    admin = AIOKafkaAdminClient(**connection(bootstrap).options())
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group_id)
        return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
    finally:
        await admin.close()


async def consumed_by(
    kafka: str | KafkaConnection, group: str, topic: str, timeout: float = 30.0
) -> None:
    """Until consumer group `group` has committed past what `topic` holds now. The kit commits
    a batch's effects in PostgreSQL before its offsets, so afterwards an absence (no mail
    queued, no row written) is the service's decision, not a consumer yet to get there."""
    ends = {p: end for p, end in (await end_offsets(kafka, topic)).items() if end > 0}

    async def past_the_end() -> bool:
        committed = await committed_offsets(kafka, group, topic)
        return all(committed.get(p, 0) >= end for p, end in ends.items())

    await wait_until(past_the_end, timeout, what=f"{group} to consume {topic} to {ends}")


async def consumed(app: ServiceApp, topic: str, timeout: float = 30.0) -> None:
    """`consumed_by` for every consumer of an in-process service that reads `topic`."""
    groups = [
        poller.group_id
        for poller in app.pollers
        if topic in poller.topics
        or (poller.client is not None and topic in {tp.topic for tp in poller.client.assignment()})
    ]
    if not groups:
        raise AssertionError(f"{app.service} has no consumer of {topic}")
    for group in groups:
        await consumed_by(app.settings.kafka(), group, topic, timeout)


async def end_offsets(bootstrap: str | KafkaConnection, topic: str) -> dict[int, int]:
    """The next offset of every partition; empty when the topic does not exist."""
    partitions = await topic_partitions(bootstrap, topic)
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(**connection(bootstrap).options())
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await stop_consumer(consumer)


class MailSink:
    """An SMTP server for tests that keeps every message it accepts, parsed, with its envelope
    recipients in `X-Sink-Rcpt-To`. Addresses `refuse` picks get 550 with the address echoed,
    as real mail servers answer, or the reply `refuse` returns for them. With `login` it is a
    relay that wants AUTH with that user name and password before it takes any mail. With
    `delay` it waits that many seconds before each reply to DATA: a slower mail server. It may
    be stopped and started again on the same port (a mail server that goes away)."""

    def __init__(
        self,
        refuse: Callable[[str], bool | str] = lambda address: False,
        login: tuple[str, str] | None = None,
        starttls: Any = None,
        delay: float = 0.0,
    ) -> None:
        self.port = free_port()
        self.delay = delay
        self.refuse = refuse
        self.login = login
        self.starttls = starttls  # an ssl.SSLContext: STARTTLS offered, and wanted before AUTH
        self.messages: list[Message] = []
        self.logins = 0  # successful AUTH commands
        self.refused = 0  # recipients refused
        self._controller: Any = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        refusal = self.refuse(address)
        if refusal:
            self.refused += 1
            return (
                refusal
                if isinstance(refusal, str)
                else (f"550 5.1.1 <{address}>: Recipient address rejected")
            )
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        assert self.login is not None
        given = (
            (auth_data.login.decode(), auth_data.password.decode())
            if isinstance(auth_data, LoginPassword)
            else None
        )
        if given == self.login:
            self.logins += 1
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=default_policy
        )
        message["X-Sink-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        message["X-Sink-Mail-From"] = envelope.mail_from
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Sink-Rcpt-To"]]

    @property
    def received(self) -> list[tuple[str, str, str]]:
        """(first recipient, Message-ID, envelope sender) of every message, in order."""
        return [
            (m["X-Sink-Rcpt-To"].split(", ")[0], str(m["Message-ID"]), m["X-Sink-Mail-From"])
            for m in self.messages
        ]

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        relay: dict[str, Any] = (
            {
                "authenticator": self._authenticate,
                "auth_required": True,
                # Without TLS, loopback only: the test relay takes the login in the clear, as
                # notify sends it to a relay on this machine with SMTP_SECURITY=none.
                "auth_require_tls": self.starttls is not None,
            }
            if self.login
            else {}
        )
        if self.starttls is not None:
            relay |= {"tls_context": self.starttls, "require_starttls": True}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **relay)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """A service as a separate process, to kill with SIGKILL and start again."""

    def __init__(
        self, script: Path | str, env: dict[str, str], log_path: Path, module: bool = False
    ) -> None:
        self.script = str(script)
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.module = module
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [sys.executable, "-m", self.script] if self.module else [sys.executable, self.script]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def terminate(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class TestNetwork:
    """A test's own corner of the broker: its membership topic, its agencies and their topics.

    Agency codes are `v<unique>-<name>`, so a service whose HR pattern is `hr_pattern(kind)`
    reads only this test's topics.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, kafka: str, unique: str, replication_factor: int = 1) -> None:
        self.kafka = kafka
        self.unique = unique
        self.replication_factor = replication_factor  # of the topics it makes (3 on a cluster)
        self.membership_topic = f"membership.agencies.{unique}"

    def code(self, name: str) -> str:
        return f"v{self.unique}-{name}"

    @property
    def group_prefix(self) -> str:
        """For CONSUMER_GROUP_PREFIX: a test's services never join another network's groups."""
        return f"t{self.unique}."

    def hr_pattern(self, kind: str) -> str:
        return rf"^hr\.v{self.unique}-[a-z0-9-]+\.{kind}$"

    def state(self, name: str, status: str = "active") -> Any:
        from myndnet_schemas import AgencyLeft, AgencyRegistered

        model = AgencyRegistered if status == "active" else AgencyLeft
        return model(
            code=self.code(name),
            name=f"Myndigheten {name.upper()}",
            kind="agency",
            role="member",
            status=status,
            joined_on="2023-11-28",
            left_on="2026-11-26" if status == "left" else None,
            website="https://example.se",
            email_domains=[self.email_domain(name)],
        )

    def email_domain(self, name: str) -> str:
        """The domain of the agency's work e-mail (in its agency events)."""
        return f"{name}.v{self.unique}.example.se"

    async def register(self, *names: str, create_topics: bool = True) -> None:
        from myndnet_kit.kafka import TopicSpec, compacted, ensure_topics
        from myndnet_schemas import topics

        rf = self.replication_factor
        await ensure_topics(self.kafka, [compacted(self.membership_topic, replication_factor=rf)])
        if create_topics:
            await ensure_topics(
                self.kafka,
                [
                    TopicSpec(name, 2, rf)
                    for n in names
                    for name in (
                        topics.hr_vacancies(self.code(n)),
                        topics.hr_leadership(self.code(n)),
                    )
                ],
            )
        await produce(
            self.kafka,
            self.membership_topic,
            [Event.new(self.state(n), source="/services/membership") for n in names],
        )

    async def leave(self, name: str) -> None:
        await produce(
            self.kafka,
            self.membership_topic,
            [Event.new(self.state(name, "left"), source="/services/membership")],
        )

    async def publish(
        self, name: str, kind: str, *payloads: Any, source: str | None = None
    ) -> list[Event[Any]]:
        events = [Event.new(p, source=source or f"/agencies/{self.code(name)}") for p in payloads]
        await produce(self.kafka, f"hr.{self.code(name)}.{kind}", events)
        return events
