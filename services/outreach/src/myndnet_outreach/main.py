"""Wiring: settings, the membership follower (hosts must be current members) and the HTTP
routers. Outreach consumes no agency topic: coordinators and operators plan open events over
HTTP and every change is announced on `outreach.activities`."""

from pathlib import Path
from typing import ClassVar

from myndnet_kit.app import ServiceApp, serve
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.settings import ServiceSettings, local_database_url
from myndnet_schemas import topics
from pydantic import Field

from myndnet_outreach import api

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


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


def build(settings: OutreachSettings) -> ServiceApp:
    app = ServiceApp(
        settings,
        title="Myndnet outreach",
        description="The network as one employer: open events (career fairs, campus visits, "
        "open houses, webinars) planned by coordinators and operators and listed for everyone.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(settings.topic, settings.topic_partitions, settings.topic_replication_factor)
        ],
        routers=[api.router, api.operators],
        membership=MembershipFollower.from_settings(settings),
    )
    app.api.state.topic = settings.topic
    return app


def main() -> None:
    serve(OutreachSettings, build)
