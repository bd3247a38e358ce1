"""Wiring: settings, the membership follower (an agency leaving ends its registrations), the
schedule job and the HTTP routers. Trainings consumes no agency topic: people register over
HTTP and every change is announced on `trainings.registrations`."""

from pathlib import Path
from typing import ClassVar

import asyncpg
from myndnet_kit.app import ServiceApp, serve
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings, link_signing_key, local_database_url
from myndnet_schemas import topics
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events import AgencyState
from pydantic import Field, SecretStr

from myndnet_trainings import api
from myndnet_trainings.adapters.postgres import PostgresTrainings
from myndnet_trainings.handlers.sessions import agency_changed, run_schedule

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class TrainingsSettings(ServiceSettings):
    service: ClassVar[str] = "trainings"
    database_url: str = Field(
        local_database_url("trainings"),
        alias="TRAININGS_DATABASE_URL",
        description="trainings' database",
    )
    port: int = Field(8005, alias="TRAININGS_PORT", description="trainings' HTTP port")
    # Shared with notify, which signs the confirm and cancel links in its mail.
    link_signing_key: SecretStr = link_signing_key()
    schedule_seconds: float = Field(
        300.0,
        alias="TRAININGS_SCHEDULE_SECONDS",
        description=(
            "how often trainings runs what is due today (deadlines, reminders; also `POST "
            "/schedule/run`)"
        ),
    )
    # Where it announces: a second network on the same broker (a test) uses a topic of its own.
    topic: str = Field(
        topics.TRAININGS_REGISTRATIONS,
        alias="TRAININGS_TOPIC",
        description="the topic trainings announces registrations on (tests give each run its own)",
    )


def build(settings: TrainingsSettings) -> ServiceApp:
    async def on_agency_change(
        conn: asyncpg.Connection, old: AgencyState | None, new: AgencyState
    ) -> None:
        await agency_changed(PostgresTrainings(conn), old, new, settings.topic)

    membership = MembershipFollower.from_settings(settings, on_change=on_agency_change)

    async def schedule(app: ServiceApp) -> None:
        pool = app.pool
        assert pool is not None

        async def today() -> None:
            async with pool.acquire() as conn:
                await run_schedule(PostgresTrainings(conn), stockholm_today(), settings.topic)

        await every(settings.schedule_seconds, today, "the trainings schedule")

    app = ServiceApp(
        settings,
        title="Myndnet trainings",
        description="The network's joint trainings: courses, sessions with seats per agency, "
        "registration with a work address, waitlists and attendance.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(
                settings.topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            )
        ],
        routers=[api.router, api.links, api.operators],
        background=[schedule],
        membership=membership,
    )
    app.api.state.link_key = settings.link_signing_key.get_secret_value()
    app.api.state.topic = settings.topic
    return app


def main() -> None:
    serve(TrainingsSettings, build)
