"""Databases for tests on the local PostgreSQL (`make servers`): a new one per test, dropped
afterwards, and a connection to it with a service's tables in place."""

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from myndnet_kit.db import KIT_MIGRATIONS, init_connection, migrate

ADMIN_DATABASE_URL = os.environ.get(
    "TEST_ADMIN_DATABASE_URL", "postgresql://myndnet:myndnet@127.0.0.1:5432/postgres"
)


class NoDatabaseServer(RuntimeError):
    pass


def database_url_for(name: str) -> str:
    return ADMIN_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


async def admin_execute(sql: str) -> None:
    # A fresh connection each time: a test may restart PostgreSQL in between.
    try:
        admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    except Exception as exc:
        raise NoDatabaseServer(
            f"no PostgreSQL at {ADMIN_DATABASE_URL} ({exc!r}); `make servers` starts it"
        ) from exc
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """The URL of a new, empty database, dropped when the block ends."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    await admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url_for(name)
    finally:
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def migrated_connection(service: str, migrations: Path) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a fresh database holding the kit's tables (the outbox) and the
    service's, as the service migrates them at start."""
    async with fresh_database() as url:
        conn = await asyncpg.connect(url)
        await init_connection(conn)  # as in the services' pools
        try:
            await migrate(conn, "kit", KIT_MIGRATIONS)
            await migrate(conn, service, migrations)
            yield conn
        finally:
            await conn.close()
