"""A small service built on the kit, for testing the kit against the real servers.

It applies `vacancy.withdrawn` events from one topic by inserting a row per application, and
publishes through the outbox on `POST /announce`. Runs in-process (`build`) or as a process:

    SAMPLE_DATABASE_URL=... SAMPLE_TOPIC=... SAMPLE_PORT=... python sample_service.py
"""

import asyncio
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import asyncpg
from fastapi import APIRouter, Request
from myndnet_kit.app import ServiceApp, Subscription, serve
from myndnet_kit.classify import Incoming
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.outbox import OutboxRelay, publish_events
from myndnet_kit.settings import ServiceSettings
from myndnet_kit.web import pool_of
from myndnet_schemas import Event, VacancyWithdrawn
from pydantic import Field

MIGRATIONS = Path(__file__).parent / "sample_migrations"


class SampleSettings(ServiceSettings):
    service: ClassVar[str] = "sample"
    database_url: str = Field(alias="SAMPLE_DATABASE_URL")
    port: int = Field(0, alias="SAMPLE_PORT")
    topic: str = Field(alias="SAMPLE_TOPIC")
    out_topic: str = Field("", alias="SAMPLE_OUT_TOPIC")
    handler_delay_ms: int = Field(0, alias="SAMPLE_HANDLER_DELAY_MS")
    kill_after_publish: bool = Field(False, alias="SAMPLE_KILL_AFTER_PUBLISH")


async def apply_withdrawals(
    conn: asyncpg.Connection, events: list[Incoming], delay_ms: int = 0
) -> None:
    if any(i.event.data.vacancy_id.startswith("poison") for i in events):
        raise ValueError("a poison pill: this vacancy always fails")
    await conn.execute(
        "INSERT INTO applied (source, event_id, subject, revision) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])",
        [i.event.source for i in events],
        [i.event.id for i in events],
        [i.event.data.vacancy_id for i in events],
        [i.event.data.revision for i in events],
    )
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)


class KillingRelay(OutboxRelay):
    """Dies by SIGKILL after the broker acknowledged, before the outbox rows are deleted."""

    async def _mark_sent(self, conn: asyncpg.Connection, ids: list[int]) -> None:
        os.kill(os.getpid(), signal.SIGKILL)


def build(settings: SampleSettings) -> ServiceApp:
    router = APIRouter()

    @router.post("/announce")
    async def announce(request: Request, body: dict[str, Sequence[str]]) -> dict[str, int]:
        events = [
            Event.new(
                VacancyWithdrawn(vacancy_id=v, revision=1, reason="filled"),
                source="/services/sample",
            )
            for v in body["vacancy_ids"]
        ]
        async with pool_of(request).acquire() as conn, conn.transaction():
            await publish_events(conn, settings.out_topic, events)
        return {"queued": len(events)}

    async def apply(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await apply_withdrawals(conn, events, settings.handler_delay_ms)

    topics = [TopicSpec(settings.topic, 3)]
    if settings.out_topic:
        topics.append(TopicSpec(settings.out_topic, 3))
    app = ServiceApp(
        settings,
        title="Sample service",
        migrations=MIGRATIONS,
        topics=topics,
        subscriptions=[
            Subscription("withdrawals", apply, accepts=[VacancyWithdrawn], topics=[settings.topic])
        ],
        routers=[router],
    )
    if settings.kill_after_publish:
        original_start = app._start

        async def start_with_killing_relay() -> None:
            await original_start()
            assert app.relay is not None
            await app.relay.stop()
            app.relay = KillingRelay(app.relay.pool, app.relay.producer, app.service)
            app.relay.start()

        app._start = start_with_killing_relay  # type: ignore[method-assign]
    return app


if __name__ == "__main__":
    serve(SampleSettings, build)
