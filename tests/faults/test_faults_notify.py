"""Faults against notify: the SMTP server down while alerts are due."""

import asyncio
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from myndnet_kit.db import create_pool
from myndnet_notify.adapters import store
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers.subscriptions import save_preferences
from myndnet_schemas import Event, VacancyOpened
from myndnet_testing import ServiceProcess, TestNetwork, free_port, produce, wait_until

from conftest import report, scale

pytestmark = pytest.mark.integration


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, str, str]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        headers = (envelope.original_content or envelope.content).split(b"\r\n\r\n")[0]
        message_id = next(
            line.split(b":", 1)[1].strip().decode()
            for line in headers.split(b"\r\n")
            if line.lower().startswith(b"message-id:")
        )
        self.received.append((envelope.rcpt_tos[0], message_id, envelope.mail_from))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


async def test_smtp_down_for_a_while_every_due_email_arrives_exactly_once(
    kafka_bootstrap, database_url, unique, tmp_path
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("a")
    sink = Sink()
    sink.start()
    port = free_port()
    topic = f"vacancies.vacancies.{unique}"
    process = ServiceProcess(
        "myndnet_notify",
        {
            "NOTIFY_DATABASE_URL": database_url,
            "NOTIFY_PORT": str(port),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "MEMBERSHIP_TOPIC": net.membership_topic,
            "CONSUMER_GROUP_PREFIX": net.group_prefix,
            "SMTP_PORT": str(sink.port),
            "NOTIFY_VACANCIES_TOPIC": topic,
            "NOTIFY_MATCHES_TOPIC": f"mentoring.matches.{unique}",
            "NOTIFY_RUN_DIGESTS": "false",
            "PUBLIC_BASE_URL": "https://jobb.example.se",
        },
        Path(tmp_path) / "notify.log",
        module=True,
    )
    process.start()
    subscribers, vacancies = scale(10, 50), scale(10, 40)
    down_for = scale(6, 20)
    try:

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient() as http:
                    return (
                        await http.get(f"http://127.0.0.1:{port}/health/ready")
                    ).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(ready, timeout=90, what="notify ready")

        pool = await create_pool(database_url, max_size=2)  # the kit's codecs (jsonb)
        try:
            conn = await pool.acquire()
            for i in range(subscribers):  # confirmed subscribers, as after the opt-in
                subscriber = await store.add_subscriber(conn, f"kandidat{i}@example.org", "sv")
                subscription = await store.add_subscription(
                    conn, subscriber, Preferences("sv", "immediate")
                )
                await save_preferences(conn, subscription, Preferences("sv", "immediate"))
                await conn.execute(
                    "UPDATE subscriptions SET status = 'confirmed' WHERE id = $1", subscription
                )
        finally:
            await conn.close()

        sink.stop()
        went_down = time.monotonic()
        today = date.today()
        await produce(
            kafka_bootstrap,
            topic,
            [
                Event.new(
                    VacancyOpened(
                        agency=net.code("a"),
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
                for i in range(vacancies)
            ],
        )
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
        await asyncio.sleep(3)  # anything more would be a duplicate
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


async def _received(sink: Sink, wanted: int) -> bool:
    return len(sink.received) >= wanted
