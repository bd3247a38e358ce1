"""Internal alerts on PostgreSQL: a member of staff's wishes (occupation fields and
municipalities; an empty list is any) and the ones a vacancy for staff only answers."""

from collections.abc import Sequence
from typing import Any

import asyncpg

COLUMNS = "id, email, occupation_fields, municipalities, language, created_at"
MOST_PER_PERSON = 10


async def add(
    conn: asyncpg.Connection,
    alert_id: str,
    email: str,
    occupation_fields: Sequence[str],
    municipalities: Sequence[str],
    language: str,
) -> bool:
    """False when the person has as many as they may keep."""
    return bool(
        await conn.fetchval(
            f"""INSERT INTO staff_alerts ({COLUMNS})
            SELECT $1, $2, $3, $4, $5, now()
            WHERE (SELECT count(*) FROM staff_alerts WHERE lower(email) = lower($2)) < $6
            RETURNING true""",
            alert_id,
            email,
            list(occupation_fields),
            list(municipalities),
            language,
            MOST_PER_PERSON,
        )
    )


async def of(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM staff_alerts WHERE lower(email) = lower($1) ORDER BY created_at",
        email,
    )
    return [dict(r) for r in rows]


async def remove(conn: asyncpg.Connection, alert_id: str, email: str) -> bool:
    return (
        await conn.execute(
            "DELETE FROM staff_alerts WHERE id = $1 AND lower(email) = lower($2)", alert_id, email
        )
    ) != "DELETE 0"


async def forget(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("DELETE FROM staff_alerts WHERE lower(email) = lower($1)", email)


async def answering(
    conn: asyncpg.Connection, occupation_field: str, municipality: str
) -> list[dict[str, Any]]:
    """The alerts a vacancy of this field and municipality answers."""
    rows = await conn.fetch(
        f"""SELECT {COLUMNS} FROM staff_alerts
        WHERE (cardinality(occupation_fields) = 0 OR $1 = ANY (occupation_fields))
          AND (cardinality(municipalities) = 0
               OR lower($2) IN (SELECT lower(m) FROM unnest(municipalities) m))
        ORDER BY id""",
        occupation_field,
        municipality,
    )
    return [dict(r) for r in rows]
