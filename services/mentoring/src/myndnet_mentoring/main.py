"""Wiring: settings (the matching weights among them), the leadership consumer, the jobs."""

import asyncio
from pathlib import Path
from typing import ClassVar

import asyncpg
from myndnet_kit.app import ServiceApp, Subscription, serve
from myndnet_kit.classify import Incoming, check_hr_source
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings, link_signing_key, local_database_url
from myndnet_schemas import topics
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events import AgencyState
from myndnet_schemas.events.inbound import LEADERSHIP_EVENTS
from pydantic import Field, SecretStr

from myndnet_mentoring import api
from myndnet_mentoring.adapters.postgres import PostgresMentoring
from myndnet_mentoring.domain.matching import Weights
from myndnet_mentoring.handlers.followup import run_schedule
from myndnet_mentoring.handlers.programme import (
    Programme,
    agency_changed,
    apply_leadership_events,
    run_round,
)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class MentoringSettings(ServiceSettings):
    service: ClassVar[str] = "mentoring"
    database_url: str = Field(
        local_database_url("mentoring"),
        alias="MENTORING_DATABASE_URL",
        description="mentoring's database",
    )
    port: int = Field(8003, alias="MENTORING_PORT", description="mentoring's HTTP port")
    programme_months: int = Field(
        12, ge=1, alias="MENTORING_PROGRAMME_MONTHS", description="how long a mentorship lasts"
    )
    respond_days: int = Field(
        14,
        ge=1,
        alias="MENTORING_RESPOND_DAYS",
        description="days to answer a proposal before it expires",
    )
    round_seconds: float = Field(
        300.0,
        alias="MENTORING_ROUND_SECONDS",
        description="how often a matching round runs (also `POST /matching/run`)",
    )
    # Shared with notify, which signs the answer and check-in links in its mail.
    link_signing_key: SecretStr = link_signing_key()
    jobs_seconds: float = Field(
        60.0,
        alias="MENTORING_JOBS_SECONDS",
        description="how often mentoring runs what is due (expiries, check-ins, endings)",
    )
    weight_competence: float = Field(
        4.0,
        alias="MATCH_WEIGHT_COMPETENCE",
        description=(
            "the matching score's weight of a competence the manager wants and the mentor has (see"
            " [mentoring](mentoring.md))"
        ),
    )
    weight_municipality: float = Field(
        1.0,
        alias="MATCH_WEIGHT_MUNICIPALITY",
        description="the score's weight of the same municipality",
    )
    weight_experience: float = Field(
        1.0,
        alias="MATCH_WEIGHT_EXPERIENCE",
        description="the score's weight of the mentor's years as a manager",
    )
    weight_waiting: float = Field(
        2.0,
        alias="MATCH_WEIGHT_WAITING",
        description="the score's weight of how long the manager has waited",
    )
    weight_balance: float = Field(
        1.0,
        alias="MATCH_WEIGHT_BALANCE",
        description="the score's weight of spreading mentorships over the agencies",
    )
    matches_topic: str = Field(
        topics.MENTORING_MATCHES,
        alias="MENTORING_MATCHES_TOPIC",
        description=(
            "the topic mentoring announces matches on (tests and benchmarks on a shared broker "
            "give each run its own)"
        ),
    )
    hr_topic_pattern: str = Field(
        topics.HR_LEADERSHIP_PATTERN,
        alias="MENTORING_HR_TOPIC_PATTERN",
        description=(
            "which topics hold agencies' leadership events (new agencies' topics are found without"
            " a restart)"
        ),
    )

    def programme(self) -> Programme:
        return Programme(
            Weights(
                competence=self.weight_competence,
                municipality=self.weight_municipality,
                experience=self.weight_experience,
                waiting=self.weight_waiting,
                balance=self.weight_balance,
            ),
            months=self.programme_months,
            respond_days=self.respond_days,
        )


def build(settings: MentoringSettings) -> ServiceApp:
    programme = settings.programme()

    def store(conn: asyncpg.Connection) -> PostgresMentoring:
        return PostgresMentoring(conn, settings.matches_topic)

    async def on_agency_change(
        conn: asyncpg.Connection, before: AgencyState | None, after: AgencyState
    ) -> None:
        await agency_changed(store(conn), before, after)

    membership = MembershipFollower.from_settings(settings, on_change=on_agency_change)

    async def ingest(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await apply_leadership_events(store(conn), events)

    async def programme_jobs(app: ServiceApp) -> None:
        """What is due today every `jobs_seconds`, a matching round every `round_seconds`."""
        pool = app.pool
        assert pool is not None

        async def due_today() -> None:
            async with pool.acquire() as conn:
                await run_schedule(store(conn), programme, stockholm_today())

        async def matching_round() -> None:
            async with pool.acquire() as conn:
                await run_round(store(conn), programme)

        await asyncio.gather(
            every(settings.jobs_seconds, due_today, "the programme's schedule"),
            every(settings.round_seconds, matching_round, "the matching round"),
        )

    app = ServiceApp(
        settings,
        title="Myndnet mentoring",
        description="The manager introduction programme: every new manager gets a mentor "
        "from another agency.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(
                settings.matches_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            )
        ],
        subscriptions=[
            Subscription(
                "hr-leadership",
                ingest,
                accepts=LEADERSHIP_EVENTS,
                pattern=settings.hr_topic_pattern,
                checks=(check_hr_source, membership.check),
                before_batch=membership.before_batch,
                description="Every agency's new managers and mentors.",
            )
        ],
        routers=[api.router, api.links],
        background=[programme_jobs],
        membership=membership,
    )
    app.api.state.programme = programme
    app.api.state.store = store
    app.api.state.link_key = settings.link_signing_key.get_secret_value()
    return app


def main() -> None:
    serve(MentoringSettings, build)
