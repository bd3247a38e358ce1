"""Wiring: settings, the membership follower (hosts must be current members), the schedule
(reminders, erasure), the relay of letters to notify and the HTTP routers. Outreach consumes no
agency topic: coordinators and operators plan open events over HTTP and every change is
announced on `outreach.activities`; registrations stay here, and their letters go to notify
over HTTP (`myndnet_kit.notify_requests`)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from myndnet_kit.app import ServiceApp, serve
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.notify_requests import NotifyRelay
from myndnet_kit.retention import Expiry
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings, link_signing_key, local_database_url
from myndnet_schemas import topics
from myndnet_schemas.clock import STOCKHOLM
from pydantic import Field, SecretStr

from myndnet_outreach import api
from myndnet_outreach.adapters.notify_campaigns import NotifyCampaigns
from myndnet_outreach.adapters.postgres import PostgresOutreach
from myndnet_outreach.handlers.campaigns import run_campaigns
from myndnet_outreach.handlers.registrations import run_schedule

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
# Requests notify took are kept a while (without addresses) to tell what was handed over when.
REQUESTS_KEPT = timedelta(days=30)


class OutreachSettings(ServiceSettings):
    service: ClassVar[str] = "outreach"
    database_url: str = Field(
        local_database_url("outreach"),
        alias="OUTREACH_DATABASE_URL",
        description="outreach's database",
    )
    port: int = Field(8007, alias="OUTREACH_PORT", description="outreach's HTTP port")
    # Where it announces: a second network on the same broker (a test) uses a topic of its own.
    topic: str = Field(
        topics.OUTREACH_ACTIVITIES,
        alias="OUTREACH_TOPIC",
        description="the topic outreach announces open events on (tests give each run its own)",
    )
    # Shared with notify, which signs the confirm and cancel links in its mail.
    link_signing_key: SecretStr = link_signing_key()
    notify_url: str = Field(
        "http://127.0.0.1:8004",
        alias="NOTIFY_URL",
        description="where outreach hands registrations' letters to notify",
    )
    notify_token: SecretStr = Field(
        SecretStr(""),
        alias="OUTREACH_NOTIFY_TOKEN",
        description=(
            "an operator token of notify's with `notify:letters` (or `*`): outreach hands "
            "registrations' letters to notify with it"
        ),
    )
    schedule_seconds: float = Field(
        300.0,
        alias="OUTREACH_SCHEDULE_SECONDS",
        description=(
            "how often outreach runs what is due (reminders the day before, erasure; also "
            "`POST /schedule/run`)"
        ),
    )


def build(settings: OutreachSettings) -> ServiceApp:
    notify = NotifyCampaigns(
        settings.notify_url.rstrip("/"), settings.notify_token.get_secret_value()
    )

    async def schedule(app: ServiceApp) -> None:
        pool = app.pool
        assert pool is not None

        async def due_now() -> None:
            moment = datetime.now(UTC)
            async with pool.acquire() as conn:
                store = PostgresOutreach(conn)
                events = await store.open_events(moment)
                await run_schedule(store, events, moment.astimezone(STOCKHOLM).date(), moment)
                await run_campaigns(store, notify, moment, settings.topic)

        await every(settings.schedule_seconds, due_now, "the outreach schedule")

    async def relay(app: ServiceApp) -> None:
        assert app.pool is not None  # one HTTP session to notify, closed when the relay stops
        await NotifyRelay(app.pool, notify).run()

    app = ServiceApp(
        settings,
        title="Myndnet outreach",
        description="The network as one employer: open events (career fairs, campus visits, "
        "open houses, webinars) planned by coordinators and operators and listed for everyone, "
        "and registration for them.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(settings.topic, settings.topic_partitions, settings.topic_replication_factor)
        ],
        routers=[api.router, api.links, api.operators],
        background=[schedule, relay],
        retention=[Expiry("notify_requests", "handed_at < $1", REQUESTS_KEPT)],
        membership=MembershipFollower.from_settings(settings),
    )
    app.api.state.topic = settings.topic
    app.api.state.link_key = settings.link_signing_key.get_secret_value()
    app.api.state.notify = notify
    return app


def main() -> None:
    serve(OutreachSettings, build)
