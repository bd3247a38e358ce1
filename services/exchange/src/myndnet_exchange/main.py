"""Wiring: settings, the agencies' assignment topics (`hr.<code>.exchange`, with the same source
and membership checks as vacancies), the membership follower (who the coordinators are), the
schedule (closing past the answer date, reminders), the relay of letters to notify and the HTTP
routers. Every step is announced on `exchange.assignments`; letters go to notify over HTTP
(`myndnet_kit.notify_requests`), since the interested are not named on a topic."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import asyncpg
from myndnet_kit.app import ServiceApp, Subscription, serve
from myndnet_kit.classify import Incoming, check_hr_source
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.notify_requests import NotifyClient, NotifyRelay
from myndnet_kit.retention import Expiry
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings, link_signing_key, local_database_url
from myndnet_schemas import topics
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events import ASSIGNMENT_EVENTS, AgencyState
from pydantic import Field, SecretStr

from myndnet_exchange import api
from myndnet_exchange.adapters.postgres import PostgresExchange
from myndnet_exchange.domain.profiles import UNUSED_FOR
from myndnet_exchange.handlers.assignments import (
    apply_assignment_events,
    close_assignments_of_departed,
    run_schedule,
)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
REQUESTS_KEPT = timedelta(days=30)
ENDED_KEPT = timedelta(days=365)


class ExchangeSettings(ServiceSettings):
    service: ClassVar[str] = "exchange"
    database_url: str = Field(
        local_database_url("exchange"),
        alias="EXCHANGE_DATABASE_URL",
        description="exchange's database",
    )
    port: int = Field(8008, alias="EXCHANGE_PORT", description="exchange's HTTP port")
    topic: str = Field(
        topics.EXCHANGE_ASSIGNMENTS,
        alias="EXCHANGE_TOPIC",
        description="the topic exchange announces each step on (tests give each run its own)",
    )
    hr_topic_pattern: str = Field(
        topics.HR_EXCHANGE_PATTERN,
        alias="EXCHANGE_HR_TOPIC_PATTERN",
        description=(
            "which topics hold agencies' assignment events (new agencies' topics are found "
            "without a restart)"
        ),
    )
    # Shared with notify, which signs the parties' links in its mail.
    link_signing_key: SecretStr = link_signing_key()
    notify_url: str = Field(
        "http://127.0.0.1:8004",
        alias="NOTIFY_URL",
        description="where exchange hands its letters to notify",
    )
    notify_token: SecretStr = Field(
        SecretStr(""),
        alias="EXCHANGE_NOTIFY_TOKEN",
        description=(
            "an operator token of notify's with `notify:letters` (or `*`): exchange hands its "
            "letters to notify with it"
        ),
    )
    schedule_seconds: float = Field(
        3600.0,
        alias="EXCHANGE_SCHEDULE_SECONDS",
        description=(
            "how often exchange runs what is due (closing assignments past their answer date, "
            "reminders after five working days; also `POST /schedule/run`)"
        ),
    )


def build(settings: ExchangeSettings) -> ServiceApp:
    async def on_membership_change(
        conn: asyncpg.Connection, before: AgencyState | None, after: AgencyState
    ) -> None:
        await close_assignments_of_departed(
            conn, before, after, lambda: membership.agencies, settings.topic
        )

    membership = MembershipFollower.from_settings(settings, on_change=on_membership_change)
    notify = NotifyClient(settings.notify_url.rstrip("/"), settings.notify_token.get_secret_value())

    async def take(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await apply_assignment_events(
            PostgresExchange(conn), events, lambda: membership.agencies, settings.topic
        )

    async def schedule(app: ServiceApp) -> None:
        pool = app.pool
        assert pool is not None

        async def due_now() -> None:
            today = datetime.now(UTC).astimezone(STOCKHOLM).date()
            async with pool.acquire() as conn:
                await run_schedule(
                    PostgresExchange(conn), today, lambda: membership.agencies, settings.topic
                )

        await every(settings.schedule_seconds, due_now, "the exchange schedule")

    async def relay(app: ServiceApp) -> None:
        assert app.pool is not None
        await NotifyRelay(app.pool, notify).run()

    app = ServiceApp(
        settings,
        title="Myndnet exchange",
        description="Specialists and careers across the network: loans, secondments and short "
        "assignments between agencies, agreed in three steps, and staff's skills profiles.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(settings.topic, settings.topic_partitions, settings.topic_replication_factor)
        ],
        subscriptions=[
            Subscription(
                "hr-exchange",
                take,
                accepts=ASSIGNMENT_EVENTS,
                pattern=settings.hr_topic_pattern,
                checks=(check_hr_source, membership.check),
                before_batch=membership.before_batch,
                description="Every agency's assignments, by pattern: a new agency's topic is "
                "picked up without a restart.",
            )
        ],
        routers=[api.staff, api.links, api.operators],
        background=[schedule, relay],
        retention=[
            Expiry("notify_requests", "handed_at < $1", REQUESTS_KEPT),
            Expiry("profiles", "used_at < $1", UNUSED_FOR),
            # An interest that came to nothing is kept a year (for the agencies' questions),
            # an agreement as long as the assignment's record.
            Expiry("interests", "state IN ('declined', 'closed') AND step_since < $1", ENDED_KEPT),
        ],
        membership=membership,
    )
    app.api.state.topic = settings.topic
    app.api.state.link_key = settings.link_signing_key.get_secret_value()
    return app


def main() -> None:
    serve(ExchangeSettings, build)
