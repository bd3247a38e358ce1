"""Fixtures for tests that use the real local servers (`make servers` starts them)."""

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
ADMIN_DATABASE_URL = os.environ.get(
    "TEST_ADMIN_DATABASE_URL", "postgresql://myndnet:myndnet@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
async def kafka_bootstrap() -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, request_timeout_ms=5000)
    try:
        await admin.start()
        await admin.list_topics()
    except Exception as exc:
        pytest.fail(f"no Kafka broker at {KAFKA} ({exc!r}); `make servers` starts the local one")
    finally:
        await admin.close()
    return KAFKA


def database_url_for(name: str) -> str:
    return ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url_for(name)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin_execute(sql: str) -> None:
    # A fresh connection each time: a test may restart PostgreSQL in between.
    try:
        admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    except Exception as exc:
        pytest.fail(f"no PostgreSQL at {ADMIN_DATABASE_URL} ({exc!r}); `make servers` starts it")
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


@pytest.fixture
def unique() -> str:
    """A short random name part, so tests never share topics or groups."""
    return uuid.uuid4().hex[:10]
