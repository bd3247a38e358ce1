"""Kafka logins and ACLs, for the secure profile: SCRAM-SHA-512 credentials and ACL bindings
created through Kafka's own admin protocol (AlterUserScramCredentials v0, CreateAcls v2), which
aiokafka does not wrap. The broker keeps only the salted password; the secret is never stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, ClassVar, TypeAlias

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    CompactArray,
    CompactBytes,
    CompactString,
    Int8,
    Int16,
    Int32,
    Schema,
    TaggedFields,
)
from myndnet_schemas.connection import KafkaConnection

SCRAM_SHA_512 = 2  # the mechanism's number in the protocol
SCRAM_ITERATIONS = 8192  # the broker accepts 4096 to 16384


class Resource(IntEnum):
    TOPIC = 2
    GROUP = 3
    CLUSTER = 4
    TRANSACTIONAL_ID = 5


class Pattern(IntEnum):
    LITERAL = 3
    PREFIXED = 4


class Operation(IntEnum):
    ALL = 2
    READ = 3
    WRITE = 4
    CREATE = 5
    DELETE = 6
    ALTER = 7
    DESCRIBE = 8
    DESCRIBE_CONFIGS = 10
    IDEMPOTENT_WRITE = 12


ALLOW = 3
CLUSTER = "kafka-cluster"


class AccessError(RuntimeError):
    pass


@dataclass(frozen=True)
class Acl:
    """Allow `principal` (a user name) to do `operation` on a resource."""

    principal: str
    operation: Operation
    resource: Resource
    name: str
    pattern: Pattern = Pattern.LITERAL

    def describe(self) -> str:
        kind = "prefix" if self.pattern is Pattern.PREFIXED else "name"
        return f"{self.principal}: {self.operation.name} on {self.resource.name} {kind} {self.name}"


# -- the wire format -------------------------------------------------------------------------


class _AlterScramResponse(Response):
    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "results",
            CompactArray(
                ("user", CompactString("utf-8")),
                ("error_code", Int16),
                ("error_message", CompactString("utf-8")),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _AlterScramStruct(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = _AlterScramResponse
    SCHEMA = Schema(
        (
            "deletions",
            CompactArray(
                ("name", CompactString("utf-8")), ("mechanism", Int8), ("tags", TaggedFields)
            ),
        ),
        (
            "upsertions",
            CompactArray(
                ("name", CompactString("utf-8")),
                ("mechanism", Int8),
                ("iterations", Int32),
                ("salt", CompactBytes),
                ("salted_password", CompactBytes),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _AlterScram(Request[_AlterScramStruct]):
    API_KEY = 51

    def __init__(self, deletions: list[tuple[Any, ...]], upsertions: list[tuple[Any, ...]]):
        self.deletions = deletions
        self.upsertions = upsertions

    def build(self, request_struct_class: type[_AlterScramStruct]) -> _AlterScramStruct:
        return request_struct_class(self.deletions, self.upsertions, {})


class _CreateAclsResponse(Response):
    API_KEY = 30
    API_VERSION = 2
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "results",
            CompactArray(
                ("error_code", Int16),
                ("error_message", CompactString("utf-8")),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _CreateAclsStruct(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 30
    API_VERSION = 2
    RESPONSE_TYPE = _CreateAclsResponse
    SCHEMA = Schema(
        (
            "creations",
            CompactArray(
                ("resource_type", Int8),
                ("resource_name", CompactString("utf-8")),
                ("resource_pattern_type", Int8),
                ("principal", CompactString("utf-8")),
                ("host", CompactString("utf-8")),
                ("operation", Int8),
                ("permission_type", Int8),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _CreateAcls(Request[_CreateAclsStruct]):
    API_KEY = 30

    def __init__(self, creations: list[tuple[Any, ...]]):
        self.creations = creations

    def build(self, request_struct_class: type[_CreateAclsStruct]) -> _CreateAclsStruct:
        return request_struct_class(self.creations, {})


Errors: TypeAlias = list[tuple[str, int, str | None]]


# -- what membership and the dev scripts call ------------------------------------------------


class KafkaAccess:
    """An admin connection that can create logins and grant ACLs (it needs ALTER on the
    cluster: the membership service's principal has it, agencies' principals do not)."""

    VERSIONS: ClassVar[dict[int, tuple[int, int]]] = {51: (0, 0), 30: (2, 2)}

    def __init__(self, kafka: KafkaConnection) -> None:
        self.kafka = kafka
        self._admin: AIOKafkaAdminClient | None = None

    async def __aenter__(self) -> "KafkaAccess":
        self._admin = AIOKafkaAdminClient(**self.kafka.options())
        await self._admin.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._admin is not None:
            await self._admin.close()

    async def _send(self, request: Request[Any]) -> Any:
        assert self._admin is not None, "use `async with KafkaAccess(...)`"
        return await self._admin._send_request(request)

    async def set_password(self, user: str, password: str) -> None:
        """Create or replace `user`'s SCRAM-SHA-512 login."""
        salt = secrets.token_bytes(32)
        salted = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, SCRAM_ITERATIONS)
        response = await self._send(
            _AlterScram([], [(user, SCRAM_SHA_512, SCRAM_ITERATIONS, salt, salted, {})])
        )
        _raise_on_errors("setting the password", [(r[0], r[1], r[2]) for r in response.results])

    async def remove_login(self, user: str) -> bool:
        """Delete `user`'s SCRAM-SHA-512 login; False when there was none."""
        response = await self._send(_AlterScram([(user, SCRAM_SHA_512, {})], []))
        [(name, code, message, _tags)] = response.results
        if code == 91:  # RESOURCE_NOT_FOUND: no such login
            return False
        _raise_on_errors("removing the login", [(name, code, message)])
        return True

    async def grant(self, acls: list[Acl]) -> None:
        """Allow each binding (granting one that exists changes nothing)."""
        if not acls:
            return
        response = await self._send(
            _CreateAcls(
                [
                    (
                        a.resource,
                        a.name,
                        a.pattern,
                        f"User:{a.principal}",
                        "*",
                        a.operation,
                        ALLOW,
                        {},
                    )
                    for a in acls
                ]
            )
        )
        _raise_on_errors(
            "granting ACLs",
            [(a.describe(), r[0], r[1]) for a, r in zip(acls, response.results, strict=True)],
        )


def _raise_on_errors(what: str, results: Errors) -> None:
    failed = [
        f"{name}: error {code} {message or ''}".strip() for name, code, message in results if code
    ]
    if failed:
        raise AccessError(f"{what} failed: " + "; ".join(failed))


def new_secret() -> str:
    return secrets.token_urlsafe(32)
