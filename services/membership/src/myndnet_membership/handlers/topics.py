"""Every participating agency has its HR topics, `hr.<code>.vacancies`, `.leadership` and
`.exchange`, and in the secure profile its ACLs; a departed agency has no Kafka login."""

from collections.abc import Iterable

import asyncpg
from myndnet_kit.kafka import TopicSpec, ensure_topics
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings
from myndnet_schemas import topics
from myndnet_schemas.vocabulary import AgencyStatus

from myndnet_membership.adapters import agencies as repository
from myndnet_membership.handlers import access


async def create_agency_topics(settings: ServiceSettings, codes: Iterable[str]) -> list[str]:
    specs = [
        TopicSpec(name, settings.topic_partitions, settings.topic_replication_factor)
        for code in codes
        for name in topics.hr_topics(code)
    ]
    return await ensure_topics(settings.kafka(), specs)


async def keep_agency_topics(
    settings: ServiceSettings, pool: asyncpg.Pool, interval: float = 30.0
) -> None:
    """Create missing HR topics for every active agency, now and then again every `interval`
    (an onboarding whose topic creation failed, a topic deleted by hand); in the secure profile
    grant their ACLs again and remove departed agencies' logins."""

    async def one_round() -> None:
        async with pool.acquire() as conn:
            codes = await repository.codes_with_status(conn, AgencyStatus.ACTIVE)
        await create_agency_topics(settings, codes)
        if access.secure(settings):
            await access.grant_agency_access(settings, codes)
            async with pool.acquire() as conn:
                departed = await repository.codes_with_status(conn, AgencyStatus.LEFT)
            await access.revoke_credentials(settings, departed)

    await every(interval, one_round, "the topic keeper")
