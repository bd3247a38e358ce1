"""Wiring: settings, the app, start-up seeding and the topic keeper."""

from pathlib import Path
from typing import ClassVar

from myndnet_kit.app import ServiceApp, serve
from myndnet_kit.kafka import TopicSpec, compacted
from myndnet_kit.logging import get_logger
from myndnet_kit.retry import until_done
from myndnet_kit.settings import ServiceSettings, link_signing_key, local_database_url
from myndnet_schemas import topics
from pydantic import Field, SecretStr

from myndnet_membership import api
from myndnet_membership.adapters.agency_topic import announced_agencies
from myndnet_membership.adapters.sign_in import EXPIRIES
from myndnet_membership.handlers.agencies import seed_agencies
from myndnet_membership.handlers.topics import create_agency_topics, keep_agency_topics

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = get_logger(__name__)


class MembershipSettings(ServiceSettings):
    service: ClassVar[str] = "membership"
    database_url: str = Field(
        local_database_url("membership"),
        alias="MEMBERSHIP_DATABASE_URL",
        description="membership's database",
    )
    port: int = Field(8001, alias="MEMBERSHIP_PORT", description="membership's HTTP port")
    network_coordinators: str = Field(
        "",
        alias="NETWORK_COORDINATORS",
        description=(
            "the network's coordinators' work addresses, comma-separated: they act for every "
            "agency in the console; `make up` uses `samordnare@myndnet.test` when it is not set"
        ),
    )
    link_signing_key: SecretStr = link_signing_key()
    sign_in_topic: str = Field(
        topics.MEMBERSHIP_SIGN_INS,
        alias="MEMBERSHIP_SIGN_IN_TOPIC",
        description="where membership announces sign-in links for notify to mail (tests give "
        "their own)",
    )

    def coordinators(self) -> list[str]:
        return [a.strip().lower() for a in self.network_coordinators.split(",") if a.strip()]


def build(settings: MembershipSettings) -> ServiceApp:
    async def seed(app: ServiceApp) -> None:
        assert app.pool is not None
        on_topic = await until_done(
            "Kafka", lambda: announced_agencies(settings.kafka(), settings.membership_topic)
        )
        async with app.pool.acquire() as conn:
            added = await seed_agencies(conn, settings.membership_topic, on_topic)
        if added:
            log.info("seeded the network's agencies", added=len(added))
            await until_done("Kafka", lambda: create_agency_topics(settings, added))

    async def topic_keeper(app: ServiceApp) -> None:
        assert app.pool is not None
        await keep_agency_topics(settings, app.pool)

    return ServiceApp(
        settings,
        title="Myndnet membership",
        description="Which agencies belong to Myndighetsnätverket, with what role.",
        migrations=MIGRATIONS,
        topics=[
            compacted(
                settings.membership_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            TopicSpec(
                settings.sign_in_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
                {"retention.ms": str(24 * 3600 * 1000)},  # a link lives 15 minutes
            ),
        ],
        routers=[api.router, api.sign_in],
        retention=EXPIRIES,
        on_start=[seed],
        background=[topic_keeper],
    )


def main() -> None:
    serve(MembershipSettings, build)
