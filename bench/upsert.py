"""The upsert path: the vacancies service's bulk UNNEST upsert against `copy_records_to_table`
into the same table, and against row-by-row upserts. Same rows, same database, one run.

    uv run python bench/upsert.py [--rows 20000 --batch 500]
"""

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from common import random_vacancy
from myndnet_kit.db import KIT_MIGRATIONS, migrate
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import fresh_database
from myndnet_vacancies.adapters.register import ROW_COLUMNS, row, save
from myndnet_vacancies.domain.register import OPEN, Vacancy
from myndnet_vacancies.main import MIGRATIONS


async def timed(label: str, conn: asyncpg.Connection, batches: list, write) -> float:
    await conn.execute("TRUNCATE vacancies")
    began = time.perf_counter()
    for batch in batches:
        async with conn.transaction():
            await write(conn, batch)
    seconds = time.perf_counter() - began
    rows = sum(len(b) for b in batches)
    assert await conn.fetchval("SELECT count(*) FROM vacancies") == rows
    print(f"{label:44s}: {rows / seconds:9.0f} rows/s ({seconds:.2f} s)")
    return rows / seconds


async def main(rows: int, batch: int) -> None:
    rng = random.Random(5)
    vacancies = [
        Vacancy("csn", random_vacancy(rng, f"U{i:06d}", stockholm_today()), OPEN, revision=1)
        for i in range(rows)
    ]
    batches = [vacancies[i : i + batch] for i in range(0, rows, batch)]
    async with fresh_database() as url:
        conn = await asyncpg.connect(url)
        await migrate(conn, "kit", KIT_MIGRATIONS)
        await migrate(conn, "vacancies", MIGRATIONS)
        print(f"{rows} vacancies in batches of {batch}, one transaction per batch")
        print("-- the register table (Swedish tsvector column, two GIN and five B-tree indexes)")
        await compare(conn, batches)
        # The same statements against a copy of the table with only its primary key: what the
        # bulk path saves when the table's own per-row cost does not dominate.
        await conn.execute(
            "CREATE SCHEMA bare; "
            "CREATE TABLE bare.vacancies (LIKE public.vacancies INCLUDING DEFAULTS); "
            "ALTER TABLE bare.vacancies ADD PRIMARY KEY (agency, vacancy_id); "
            "SET search_path = bare, public"
        )
        print("-- the same columns with only the primary key (no tsvector, no other index)")
        await compare(conn, batches)
        await conn.close()


async def compare(conn: asyncpg.Connection, batches: list[list[Vacancy]]) -> None:
    bulk = await timed("bulk upsert (UNNEST, as the service does)", conn, batches, save)

    async def copy(conn: asyncpg.Connection, batch: list) -> None:
        await conn.copy_records_to_table(
            "vacancies", records=[row(v) for v in batch], columns=ROW_COLUMNS
        )

    copied = await timed("copy_records_to_table (insert only)", conn, batches, copy)

    async def row_by_row(conn: asyncpg.Connection, batch: list) -> None:
        for vacancy in batch:
            await save(conn, [vacancy])

    small = [b[: max(1, len(b) // 5)] for b in batches]  # a fifth: row by row is slow
    single = await timed("row-by-row upserts (a fifth of the rows)", conn, small, row_by_row)
    print(f"bulk / COPY     : {bulk / copied:.2f}  (goal ≥ 0.5)")
    print(f"bulk / per row  : {bulk / single:.1f}x (goal ≥ 5x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.batch))
