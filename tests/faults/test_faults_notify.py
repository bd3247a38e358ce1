"""Faults against notify: the SMTP server down while alerts are due, and notify killed in the
middle of a sending round."""

import asyncio
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from mail import confirmed_subscribers, notify_process
from myndnet_schemas import Event, NotificationSent, VacancyOpened, parse, topics
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import (
    MailSink,
    TestNetwork,
    consumed_by,
    produce,
    read_to_end,
    wait_until,
)

from conftest import report, scale

pytestmark = pytest.mark.integration


async def open_vacancies(kafka_bootstrap: str, topic: str, agency: str, count: int) -> None:
    today = stockholm_today()
    await produce(
        kafka_bootstrap,
        topic,
        [
            Event.new(
                VacancyOpened(
                    agency=agency,
                    vacancy_id=f"S{i:03d}",
                    revision=1,
                    title=f"Utredare {i}",
                    description="Utredningar.",
                    occupation_field="investigation",
                    employment_type="permanent",
                    extent="full_time",
                    municipality="Sundsvall",
                    remote="on_site",
                    published_on=today,
                    application_deadline=today + timedelta(days=30),
                    apply_url=f"https://example.se/jobb/S{i:03d}",
                ),
                source="/services/vacancies",
            )
            for i in range(count)
        ],
    )


async def test_smtp_down_for_a_while_every_due_email_arrives_exactly_once(
    kafka_bootstrap, database_url, unique, tmp_path
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("a")
    sink = MailSink()
    sink.start()
    services, process, topic = notify_process(
        net, kafka_bootstrap, database_url, sink, unique, Path(tmp_path) / "notify.log"
    )
    process.start()
    subscribers, vacancies = scale(10, 50), scale(10, 40)
    down_for = scale(6, 20)
    try:
        await services.ready("notify")
        await confirmed_subscribers(database_url, subscribers)
        sink.stop()
        went_down = time.monotonic()
        await open_vacancies(kafka_bootstrap, topic, net.code("a"), vacancies)
        due = subscribers * vacancies

        async def queued_and_tried() -> bool:
            conn = await asyncpg.connect(database_url)
            try:
                return (
                    await conn.fetchval("SELECT count(*) FROM deliveries WHERE attempts >= 1")
                    == due
                )
            finally:
                await conn.close()

        await wait_until(queued_and_tried, timeout=60, what="every alert tried while down")
        await asyncio.sleep(max(0.0, down_for - (time.monotonic() - went_down)))
        sink.start()
        back = time.monotonic()
        await wait_until(
            lambda: _received(sink, due),
            timeout=scale(90, 300),
            interval=0.2,
            what="every due e-mail",
        )
        drained = time.monotonic() - back
        # Nothing left to send: every vacancy consumed, no delivery queued. A mail that came
        # after this would be a duplicate.
        await consumed_by(kafka_bootstrap, f"{net.group_prefix}notify.vacancies", topic)
        await wait_until(
            lambda: _count(
                database_url, "SELECT count(*) FROM deliveries WHERE status = 'queued'", 0
            ),
            what="an empty queue",
        )
        conn = await asyncpg.connect(database_url)
        try:
            attempts = await conn.fetchval("SELECT max(attempts) FROM deliveries")
            statuses = Counter(
                r["status"] for r in await conn.fetch("SELECT status FROM deliveries")
            )
        finally:
            await conn.close()
    finally:
        process.terminate()
        sink.stop()
    per_message = Counter(message_id for _, message_id, _ in sink.received)
    per_pair = Counter((rcpt, message_id) for rcpt, message_id, _ in sink.received)
    report(
        "SMTP server down during alerts",
        alerts_due=due,
        smtp_down_s=f"{back - went_down:.1f}",
        delivered=len(sink.received),
        missing=due - len(per_message),
        duplicated=len(sink.received) - len(per_message),
        most_attempts=attempts,
        deliveries_by_status=dict(statuses),
        drained_after_recovery_s=f"{drained:.1f}",
    )
    assert len(per_message) == due and len(sink.received) == due
    assert all(count == 1 for count in per_pair.values())
    assert statuses == Counter({"sent": due})


async def _received(sink: MailSink, wanted: int) -> bool:
    return len(sink.received) >= wanted


async def test_notify_killed_in_the_middle_of_a_round_sends_every_alert_and_announces_it_once(
    kafka_bootstrap, database_url, unique, tmp_path
):
    """The letters of the round in flight are sent again (with the same Message-IDs, which
    receivers collapse); no alert is missing, and each is marked sent and announced once."""
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("a")
    sink = MailSink(delay=0.01)  # a round of 200 letters takes about half a second
    sink.start()
    log = Path(tmp_path) / "notify.log"
    services, process, topic = notify_process(net, kafka_bootstrap, database_url, sink, unique, log)
    subscribers, vacancies = scale(12, 50), scale(20, 80)
    due = subscribers * vacancies
    try:
        process.start()
        await services.ready("notify")
        await confirmed_subscribers(database_url, subscribers)
        await open_vacancies(kafka_bootstrap, topic, net.code("a"), vacancies)
        await wait_until(
            lambda: _received(sink, due // 3), timeout=120, interval=0.01, what="a third sent"
        )
        process.kill()
        at_kill = len(sink.received)
        process.start()
        await services.ready("notify")

        async def all_sent() -> bool:
            conn = await asyncpg.connect(database_url)
            try:
                sent = "SELECT count(*) FROM deliveries WHERE status = 'sent'"
                return await conn.fetchval(sent) == due
            finally:
                await conn.close()

        await wait_until(all_sent, timeout=scale(120, 600), interval=0.2, what="every alert sent")
        conn = await asyncpg.connect(database_url)
        try:
            ours = {r["id"] for r in await conn.fetch("SELECT id FROM deliveries")}
        finally:
            await conn.close()

        async def announced() -> Counter:
            records = await read_to_end(kafka_bootstrap, topics.NOTIFY_DELIVERIES)
            return Counter(
                event.data.delivery_id
                for event in (parse(r.headers, r.key, r.value) for r in records)
                if isinstance(event.data, NotificationSent) and event.data.delivery_id in ours
            )

        async def all_announced() -> bool:
            return len(await announced()) == due

        await wait_until(all_announced, timeout=60, interval=0.5, what="every notification.sent")
        # The outbox empty: nothing more will be published, so a second event per delivery
        # would already be on the topic.
        await wait_until(
            lambda: _count(database_url, "SELECT count(*) FROM outbox", 0), what="an empty outbox"
        )
        per_delivery = await announced()
    finally:
        process.terminate()
        sink.stop()
    per_message = Counter(message_id for _, message_id, _ in sink.received)
    report(
        "notify killed in the middle of a sending round",
        alerts_due=due,
        received_when_killed=at_kill,
        delivered=len(sink.received),
        missing=due - len(per_message),
        sent_again=len(sink.received) - len(per_message),
        announced_twice=sum(1 for n in per_delivery.values() if n > 1),
    )
    assert len(per_message) == due  # none missing
    assert {m.strip("<>").split("@")[0] for m in per_message} == ours
    # Only the rounds in flight are sent again: at most two of 200 letters each.
    assert len(sink.received) - len(per_message) <= 400
    assert all(count == 1 for count in per_delivery.values()) and len(per_delivery) == due


async def _count(database_url: str, query: str, expected: int) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(query) == expected
    finally:
        await conn.close()
