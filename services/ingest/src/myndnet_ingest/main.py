"""Wiring: settings, the membership follower (agencies and their keys), the producer, the
HTTP door."""

import asyncio
from typing import ClassVar

from myndnet_kit.app import ServiceApp, serve
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.settings import ServiceSettings, local_database_url
from pydantic import Field

from myndnet_ingest import api
from myndnet_ingest.adapters.hr_topics import HrTopics
from myndnet_ingest.domain.keys import RateLimit


class IngestSettings(ServiceSettings):
    service: ClassVar[str] = "ingest"
    database_url: str = Field(local_database_url("ingest"), alias="INGEST_DATABASE_URL")
    port: int = Field(8006, alias="INGEST_PORT")
    max_body_bytes: int = Field(1_048_576, ge=1024, alias="INGEST_MAX_BODY_BYTES")
    rate_per_minute: int = Field(6000, ge=1, alias="INGEST_RATE_PER_MINUTE")


def build(settings: IngestSettings) -> ServiceApp:
    membership = MembershipFollower.from_settings(settings)
    hr_topics = HrTopics(settings.kafka())

    async def start_producer(app: ServiceApp) -> None:
        await hr_topics.start()

    async def stop_producer_at_the_end(app: ServiceApp) -> None:
        try:
            await asyncio.Event().wait()  # until the service stops
        finally:
            await hr_topics.stop()

    app = ServiceApp(
        settings,
        title="Myndnet ingest",
        description="The agencies' HTTP door: CloudEvents posted with an agency's key are "
        "checked and published to that agency's own topics.",
        routers=[api.router],
        on_start=[start_producer],
        background=[stop_producer_at_the_end],
        membership=membership,
    )
    app.api.state.settings = settings
    app.api.state.hr_topics = hr_topics
    app.api.state.rate_limit = RateLimit(settings.rate_per_minute)
    return app


def main() -> None:
    serve(IngestSettings, build)
