"""Wiring: settings, the HR consumer, the membership follower, the deadline job."""

from functools import partial
from pathlib import Path
from typing import ClassVar

import asyncpg
from myndnet_kit.app import ServiceApp, Subscription, serve
from myndnet_kit.classify import Incoming, check_hr_source
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.settings import ServiceSettings, local_database_url
from myndnet_schemas import topics
from myndnet_schemas.events.inbound import VACANCY_EVENTS
from pydantic import Field

from myndnet_vacancies import api
from myndnet_vacancies.handlers.register import (
    apply_vacancy_events,
    close_expired_every,
    close_vacancies_of_departed,
)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class VacanciesSettings(ServiceSettings):
    service: ClassVar[str] = "vacancies"
    database_url: str = Field(
        local_database_url("vacancies"),
        alias="VACANCIES_DATABASE_URL",
        description="vacancies' database",
    )
    port: int = Field(8002, alias="VACANCIES_PORT", description="vacancies' HTTP port")
    deadline_check_seconds: float = Field(
        60.0,
        alias="VACANCIES_DEADLINE_CHECK_SECONDS",
        description=(
            "how often vacancies past their deadline (the end of the day, Stockholm) are closed"
        ),
    )
    # Which topics hold agencies' vacancies; a deployment (or a test) may narrow it.
    vacancies_topic: str = Field(
        topics.VACANCIES,
        alias="VACANCIES_TOPIC",
        description=(
            "the topic vacancies announces the register's changes on (tests and benchmarks on "
            "a shared broker give each run its own)"
        ),
    )
    hr_topic_pattern: str = Field(
        topics.HR_VACANCIES_PATTERN,
        alias="VACANCIES_HR_TOPIC_PATTERN",
        description=(
            "which topics hold agencies' vacancy events (new agencies' topics are found without a "
            "restart)"
        ),
    )


def build(settings: VacanciesSettings) -> ServiceApp:
    membership = MembershipFollower.from_settings(
        settings, on_change=partial(close_vacancies_of_departed, topic=settings.vacancies_topic)
    )

    async def ingest(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await apply_vacancy_events(conn, events, topic=settings.vacancies_topic)

    async def deadline_job(app: ServiceApp) -> None:
        assert app.pool is not None
        await close_expired_every(
            app.pool, settings.deadline_check_seconds, settings.vacancies_topic
        )

    return ServiceApp(
        settings,
        title="Myndnet vacancies",
        description="One searchable register of every vacancy in Myndighetsnätverket.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(
                settings.vacancies_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            )
        ],
        subscriptions=[
            Subscription(
                "hr-vacancies",
                ingest,
                accepts=VACANCY_EVENTS,
                pattern=settings.hr_topic_pattern,
                checks=(check_hr_source, membership.check),
                before_batch=membership.before_batch,
                description="Every agency's vacancy events, by pattern: a new agency's topic is "
                "picked up without a restart.",
            )
        ],
        routers=[api.router, api.staff],
        background=[deadline_job],
        membership=membership,
    )


def main() -> None:
    serve(VacanciesSettings, build)
