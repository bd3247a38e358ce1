"""Wiring: settings, the membership follower (agencies, their keys and organisation numbers),
the producer, the HTTP door and the JobStream connector."""

from pathlib import Path
from typing import ClassVar

from myndnet_kit.app import ServiceApp, serve
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.settings import ServiceSettings, local_database_url
from pydantic import Field, SecretStr

from myndnet_ingest import api
from myndnet_ingest.adapters.hr_topics import HrTopics
from myndnet_ingest.adapters.jobstream import JobStreamClient
from myndnet_ingest.domain.keys import RateLimit
from myndnet_ingest.handlers.jobstream import follow

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class IngestSettings(ServiceSettings):
    service: ClassVar[str] = "ingest"
    database_url: str = Field(
        local_database_url("ingest"), alias="INGEST_DATABASE_URL", description="ingest's database"
    )
    port: int = Field(8006, alias="INGEST_PORT", description="ingest's HTTP port")
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        alias="INGEST_MAX_BODY_BYTES",
        description="the largest request ingest takes",
    )
    rate_per_minute: int = Field(
        6000,
        ge=1,
        alias="INGEST_RATE_PER_MINUTE",
        description="the events one agency's key may post a minute",
    )
    # A JobTech JobStream-compatible API; empty: the connector does not run.
    jobstream_url: str = Field(
        "",
        alias="JOBSTREAM_URL",
        description=(
            "the JobTech JobStream-compatible API ingest's connector follows (empty: the connector"
            " is off)"
        ),
    )
    jobstream_api_key: SecretStr = Field(
        SecretStr(""), alias="JOBSTREAM_API_KEY", description="the key that API wants, if any"
    )
    # JobStream allows about one request a minute per key.
    jobstream_poll_seconds: float = Field(
        60.0,
        gt=0,
        alias="JOBSTREAM_POLL_SECONDS",
        description="how often the connector asks for changes",
    )


def build(settings: IngestSettings) -> ServiceApp:
    membership = MembershipFollower.from_settings(settings)
    hr_topics = HrTopics(settings.kafka())

    async def start_producer(app: ServiceApp) -> None:
        await hr_topics.start()

    async def stop_producer(app: ServiceApp) -> None:
        await hr_topics.stop()

    def members() -> dict[str, str]:
        """Organisation numbers of the participating agencies, for the connector."""
        return {
            state.organisation_number: code
            for code, state in membership.agencies.items()
            if state.participates and state.organisation_number
        }

    async def follow_jobstream(app: ServiceApp) -> None:
        assert app.pool is not None
        client = JobStreamClient(
            settings.jobstream_url, settings.jobstream_api_key.get_secret_value()
        )
        await follow(app.pool, client, hr_topics, members, settings.jobstream_poll_seconds)

    app = ServiceApp(
        settings,
        title="Myndnet ingest",
        description="The agencies' HTTP door: CloudEvents posted with an agency's key are "
        "checked and published to that agency's own topics.",
        migrations=MIGRATIONS,
        routers=[api.router],
        on_start=[start_producer],
        background=[follow_jobstream] if settings.jobstream_url else [],
        on_stop=[stop_producer],
        membership=membership,
    )
    app.api.state.settings = settings
    app.api.state.hr_topics = hr_topics
    app.api.state.rate_limit = RateLimit(settings.rate_per_minute)
    return app


def main() -> None:
    serve(IngestSettings, build)
