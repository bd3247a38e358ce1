"""Agencies' Kafka logins and ACLs in the secure profile (KAFKA_SASL_USERNAME is set).

Onboarding creates the agency's login and hands its secret out once; the broker keeps only a
salted hash. The topic keeper grants every active agency's ACLs again now and then (granting an
existing binding changes nothing). Leaving removes the login.
"""

from collections.abc import Iterable

from myndnet_kit.logging import get_logger
from myndnet_kit.settings import ServiceSettings
from myndnet_schemas import topics
from myndnet_schemas.connection import SCRAM_MECHANISM
from pydantic import BaseModel

from myndnet_membership.adapters.kafka_access import KafkaAccess, new_secret
from myndnet_membership.domain.access import agency_acls, agency_principal

log = get_logger(__name__)


class KafkaCredentials(BaseModel):
    """An agency's Kafka login in the secure profile: shown once, never stored by the network."""

    username: str
    password: str
    mechanism: str
    security_protocol: str
    bootstrap_servers: str
    topics: list[str]


def secure(settings: ServiceSettings) -> bool:
    return settings.kafka().secure


async def grant_agency_access(settings: ServiceSettings, codes: Iterable[str]) -> None:
    acls = [acl for code in codes for acl in agency_acls(code)]
    if acls:
        async with KafkaAccess(settings.kafka()) as access:
            await access.grant(acls)


async def issue_credentials(settings: ServiceSettings, code: str) -> KafkaCredentials:
    """A new password for the agency's login (replacing any earlier one), and its ACLs."""
    password = new_secret()
    async with KafkaAccess(settings.kafka()) as access:
        await access.set_password(agency_principal(code), password)
        await access.grant(agency_acls(code))
    log.info("kafka login issued", agency=code, principal=agency_principal(code))
    return KafkaCredentials(
        username=agency_principal(code),
        password=password,
        mechanism=SCRAM_MECHANISM,
        security_protocol="SASL_SSL",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=topics.hr_topics(code),
    )


async def revoke_credentials(settings: ServiceSettings, codes: Iterable[str]) -> None:
    """Remove the logins of agencies that left (one admin connection; quiet when there was none
    to remove, as on the topic keeper's every round)."""
    codes = list(codes)
    if not codes:
        return
    async with KafkaAccess(settings.kafka()) as access:
        for code in codes:
            if await access.remove_login(agency_principal(code)):
                log.info("kafka login removed", agency=code)
