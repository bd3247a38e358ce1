"""The asyncpg pool and the SQL migration runner.

Migrations are numbered files (`0001_agencies.sql`) in a folder. Each is applied once, in its own
transaction, and recorded with its checksum under a namespace (the kit and each service have
their own). An advisory lock serialises runners, so two replicas can start at once; a file that
changed after it was applied stops the start-up.
"""

import hashlib
import json
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from myndnet_kit.logging import get_logger

log = get_logger(__name__)

KIT_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x6D796E64  # "mynd": one lock for every namespace in a database
_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{directory}: two migrations share a number")
    return migrations


async def migrate(conn: asyncpg.Connection, namespace: str, directory: Path) -> list[str]:
    """Apply what is new in `directory`; returns the names applied."""
    applied_now = []
    keeps_session_state(conn)
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                namespace  text        NOT NULL,
                version    integer     NOT NULL,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (namespace, version)
            )
            """
        )
        rows = await conn.fetch(
            "SELECT version, name, checksum FROM schema_migrations WHERE namespace = $1", namespace
        )
        recorded = {row["version"]: row for row in rows}
        for migration in load_migrations(directory):
            done = recorded.get(migration.version)
            if done is not None:
                if done["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {namespace}/{migration.version:04d}_{migration.name}.sql was "
                        "changed after it was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (namespace, version, name, checksum) "
                    "VALUES ($1, $2, $3, $4)",
                    namespace,
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied_now.append(f"{migration.version:04d}_{migration.name}")
            log.info("migration applied", namespace=namespace, migration=applied_now[-1])
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now


async def init_connection(conn: asyncpg.Connection) -> None:
    """What every connection of the network gets: JSON decoded and encoded by Python."""
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


# asyncpg prepares every statement, and after five runs PostgreSQL may switch a prepared
# statement to a generic plan that ignores its parameters. For queries with optional filters
# (`$1 IS NULL OR ...`) or a list of keys that is a sequential scan where an index was right
# (notify's matching slowed several times over); planning each time costs far less.
SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan"}


# Pooled connections that took session state (a session advisory lock, LISTEN) since they were
# last reset.
_SESSION_STATE: "weakref.WeakSet[asyncpg.Connection]" = weakref.WeakSet()


def keeps_session_state(conn: asyncpg.Connection) -> None:
    """Say that `conn` takes state that outlives its transactions (a session advisory lock,
    LISTEN): back in the pool, it gets asyncpg's full reset."""
    # The pool resets the connection itself, not the proxy it lent out; asyncpg has no public
    # way from one to the other.
    _SESSION_STATE.add(conn._con if isinstance(conn, PoolConnectionProxy) else conn)


async def _reset(conn: asyncpg.Connection) -> None:
    # asyncpg has already rolled back a transaction left open and dropped the listeners'
    # callbacks. Its reset query (unlock all, CLOSE ALL, UNLISTEN *, RESET ALL) cost a round
    # trip on every release, a fifth of the network's statements; only a connection that took
    # session state needs it. Session settings are only ever changed with SET LOCAL.
    if conn in _SESSION_STATE:
        _SESSION_STATE.discard(conn)
        await conn.execute(conn.get_reset_query())


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_reset,
        command_timeout=60,
        server_settings=SERVER_SETTINGS,
    )
