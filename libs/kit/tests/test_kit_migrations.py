"""The migration runner on the real PostgreSQL."""

import asyncio
import sys
from pathlib import Path

import asyncpg
import pytest
from myndnet_kit.db import MigrationError, migrate

pytestmark = pytest.mark.integration

RUN_MIGRATIONS = """
import asyncio, sys
from pathlib import Path
import asyncpg
from myndnet_kit.db import migrate

async def main():
    conn = await asyncpg.connect(sys.argv[1])
    applied = await migrate(conn, "concurrency", Path(sys.argv[2]))
    print(",".join(applied))
    await conn.close()

asyncio.run(main())
"""


def write_migrations(folder: Path) -> None:
    folder.mkdir()
    # Slow and not idempotent: applied twice, the second CREATE TABLE would fail.
    (folder / "0001_create.sql").write_text(
        "SELECT pg_sleep(1);\nCREATE TABLE counted (n integer NOT NULL);\n"
    )
    (folder / "0002_insert.sql").write_text("INSERT INTO counted VALUES (1);\n")
    (folder / "0003_alter.sql").write_text("ALTER TABLE counted ADD COLUMN note text;\n")


async def test_two_processes_migrating_at_once_apply_each_migration_once(database_url, tmp_path):
    folder = tmp_path / "migrations"
    write_migrations(folder)
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            RUN_MIGRATIONS,
            database_url,
            str(folder),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [await p.communicate() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [r[1].decode()[-2000:] for r in results]
    applied = sorted((r[0].decode().strip().splitlines() or [""])[-1] for r in results)
    assert applied == ["", "0001_create,0002_insert,0003_alter"]  # one did all, the other none

    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM counted") == 1
        rows = await conn.fetch(
            "SELECT version FROM schema_migrations WHERE namespace = 'concurrency' ORDER BY version"
        )
        assert [r["version"] for r in rows] == [1, 2, 3]
    finally:
        await conn.close()


async def test_a_changed_applied_migration_stops_the_start(database_url, tmp_path):
    folder = tmp_path / "migrations"
    write_migrations(folder)
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn, "changed", folder)
        (folder / "0002_insert.sql").write_text("INSERT INTO counted VALUES (2);\n")
        with pytest.raises(MigrationError, match=r"0002_insert\.sql was changed"):
            await migrate(conn, "changed", folder)
        assert await conn.fetchval("SELECT count(*) FROM counted") == 1
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_applied(database_url, tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (n integer);\n")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (n integer);\nSELECT nonsense;\n")
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.UndefinedColumnError):
            await migrate(conn, "broken", folder)
        assert await conn.fetchval("SELECT to_regclass('b')") is None
        versions = await conn.fetch(
            "SELECT version FROM schema_migrations WHERE namespace = 'broken'"
        )
        assert [r["version"] for r in versions] == [1]
    finally:
        await conn.close()
