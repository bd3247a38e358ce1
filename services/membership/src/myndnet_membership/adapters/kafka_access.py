"""Kafka logins and ACLs, for the secure profile, through confluent-kafka's AdminClient
(AlterUserScramCredentials and CreateAcls, which aiokafka does not offer). Its calls return
futures answered on librdkafka's own threads; they are awaited without blocking the loop. The
broker keeps only the salted password; the secret is never stored."""

import asyncio
import secrets
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from myndnet_schemas.connection import SCRAM_MECHANISM, KafkaConnection

from myndnet_membership.domain.access import Acl, Pattern, Resource

SCRAM_ITERATIONS = 8192  # the broker accepts 4096 to 16384
TIMEOUT = 30.0


class AccessError(RuntimeError):
    pass


def admin_config(kafka: KafkaConnection) -> dict[str, Any]:
    config: dict[str, Any] = {"bootstrap.servers": kafka.bootstrap_servers}
    if kafka.secure:
        config |= {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": SCRAM_MECHANISM,
            "sasl.username": kafka.username,
            "sasl.password": kafka.password,
        }
        if kafka.cafile:
            config["ssl.ca.location"] = kafka.cafile
    return config


# confluent-kafka names the cluster resource BROKER (Kafka's resource type 4, "kafka-cluster").
RESOURCE_TYPES = {
    Resource.TOPIC: ResourceType.TOPIC,
    Resource.GROUP: ResourceType.GROUP,
    Resource.CLUSTER: ResourceType.BROKER,
}


def _binding(acl: Acl) -> AclBinding:
    pattern = (
        ResourcePatternType.PREFIXED
        if acl.pattern is Pattern.PREFIXED
        else ResourcePatternType.LITERAL
    )
    return AclBinding(
        RESOURCE_TYPES[acl.resource],
        acl.name,
        pattern,
        f"User:{acl.principal}",
        "*",
        AclOperation[acl.operation.name],
        AclPermissionType.ALLOW,
    )


async def _settled(
    futures: Iterable[tuple[str, Future[Any]]],
) -> list[tuple[str, BaseException | None]]:
    results: list[tuple[str, BaseException | None]] = []
    for what, future in futures:
        try:
            await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)
            results.append((what, None))
        except KafkaException as exc:
            results.append((what, exc))
    return results


def _raise_on_errors(what: str, results: list[tuple[str, BaseException | None]]) -> None:
    failed = [f"{name}: {error}" for name, error in results if error is not None]
    if failed:
        raise AccessError(f"{what} failed: " + "; ".join(failed))


class KafkaAccess:
    """An admin connection that can create logins and grant ACLs (it needs ALTER on the
    cluster: the membership service's principal has it, agencies' principals do not)."""

    def __init__(self, kafka: KafkaConnection) -> None:
        self.kafka = kafka
        self._admin: AdminClient | None = None

    async def __aenter__(self) -> "KafkaAccess":
        self._admin = AdminClient(admin_config(self.kafka))
        return self

    async def __aexit__(self, *_: object) -> None:
        self._admin = None  # librdkafka closes its connections when the client is collected

    @property
    def admin(self) -> AdminClient:
        assert self._admin is not None, "use `async with KafkaAccess(...)`"
        return self._admin

    async def set_password(self, user: str, password: str) -> None:
        """Create or replace `user`'s SCRAM-SHA-512 login."""
        upsert = UserScramCredentialUpsertion(
            user,
            ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
            password.encode(),
            secrets.token_bytes(32),
        )
        futures = self.admin.alter_user_scram_credentials([upsert], request_timeout=TIMEOUT)
        _raise_on_errors("setting the password", await _settled(futures.items()))

    async def remove_login(self, user: str) -> bool:
        """Delete `user`'s SCRAM-SHA-512 login; False when there was none."""
        deletion = UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512)
        futures = self.admin.alter_user_scram_credentials([deletion], request_timeout=TIMEOUT)
        [(_user, error)] = await _settled(futures.items())
        if (
            isinstance(error, KafkaException)
            and error.args[0].code() == KafkaError.RESOURCE_NOT_FOUND
        ):
            return False
        _raise_on_errors("removing the login", [(user, error)])
        return True

    async def grant(self, acls: list[Acl]) -> None:
        """Allow each binding (granting one that exists changes nothing)."""
        if not acls:
            return
        described = {_binding(acl): acl.describe() for acl in acls}
        futures = self.admin.create_acls(list(described), request_timeout=TIMEOUT)
        results = await _settled((described[b], f) for b, f in futures.items())
        _raise_on_errors("granting ACLs", results)


def new_secret() -> str:
    return secrets.token_urlsafe(32)
