"""The agencies table and its history."""

import asyncpg
from myndnet_schemas.events.membership import EmployerProfile
from myndnet_schemas.vocabulary import AgencyKind, AgencyRole, AgencyStatus

from myndnet_membership.domain.agencies import Agency, AgencyConflict

COLUMNS = """code, name, kind, role, status, joined_on, left_on, organisation_number, website,
             coordinator_name, coordinator_email, email_domains, coordinators, profile"""
PLACEHOLDERS = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14"
# An agency with its live HTTP keys (id and hash, oldest first).
SELECT = f"""
SELECT {COLUMNS},
       ARRAY(SELECT key_id FROM agency_http_keys k
             WHERE k.code = agencies.code AND k.revoked_at IS NULL
             ORDER BY k.created_at, k.key_id) AS key_ids,
       ARRAY(SELECT key_sha256 FROM agency_http_keys k
             WHERE k.code = agencies.code AND k.revoked_at IS NULL
             ORDER BY k.created_at, k.key_id) AS key_hashes
FROM agencies
"""


def _agency(row: asyncpg.Record) -> Agency:
    return Agency(
        code=row["code"],
        name=row["name"],
        kind=AgencyKind(row["kind"]),
        role=AgencyRole(row["role"]),
        status=AgencyStatus(row["status"]),
        joined_on=row["joined_on"],
        left_on=row["left_on"],
        organisation_number=row["organisation_number"],
        website=row["website"],
        coordinator_name=row["coordinator_name"],
        coordinator_email=row["coordinator_email"],
        email_domains=tuple(row["email_domains"]),
        coordinators=tuple(row["coordinators"]),
        http_keys=tuple(zip(row["key_ids"], row["key_hashes"], strict=True)),
        profile=EmployerProfile.model_validate(row["profile"]) if row["profile"] else None,
    )


def _values(agency: Agency) -> tuple[object, ...]:
    return (
        agency.code,
        agency.name,
        agency.kind.value,
        agency.role.value,
        agency.status.value,
        agency.joined_on,
        agency.left_on,
        agency.organisation_number,
        agency.website,
        agency.coordinator_name,
        agency.coordinator_email,
        list(agency.email_domains),
        list(agency.coordinators),
        agency.profile.model_dump(mode="json") if agency.profile else None,
    )


async def get(conn: asyncpg.Connection, code: str, *, for_update: bool = False) -> Agency | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"{SELECT} WHERE code = $1{lock}", code)
    return _agency(row) if row else None


async def list_all(conn: asyncpg.Connection, status: AgencyStatus | None) -> list[Agency]:
    rows = await conn.fetch(
        f"{SELECT} WHERE $1::text IS NULL OR status = $1 ORDER BY code",
        status.value if status else None,
    )
    return [_agency(r) for r in rows]


async def add(conn: asyncpg.Connection, agency: Agency) -> None:
    try:
        await conn.execute(
            f"INSERT INTO agencies ({COLUMNS}) VALUES ({PLACEHOLDERS})",
            *_values(agency),
        )
    except asyncpg.UniqueViolationError:
        raise AgencyConflict(f"agency {agency.code!r} is already registered") from None


async def add_unless_present(conn: asyncpg.Connection, agency: Agency) -> bool:
    """For seeding: True when the agency was added, False when its code was already there."""
    added = await conn.fetchval(
        f"INSERT INTO agencies ({COLUMNS}) VALUES ({PLACEHOLDERS}) "
        "ON CONFLICT (code) DO NOTHING RETURNING true",
        *_values(agency),
    )
    return bool(added)


async def replace(conn: asyncpg.Connection, agency: Agency) -> None:
    await conn.execute(
        """
        UPDATE agencies
        SET name = $2, kind = $3, role = $4, status = $5, joined_on = $6, left_on = $7,
            organisation_number = $8, website = $9, coordinator_name = $10,
            coordinator_email = $11, email_domains = $12, coordinators = $13, profile = $14,
            updated_at = now()
        WHERE code = $1
        """,
        *_values(agency),
    )


async def record_change(conn: asyncpg.Connection, agency: Agency, change: str) -> None:
    await conn.execute(
        "INSERT INTO agency_history (code, change, state) VALUES ($1, $2, $3)",
        agency.code,
        change,
        agency.state().model_dump(mode="json", exclude={"http_keys"}),
    )


async def history(conn: asyncpg.Connection, code: str) -> list[dict[str, object]]:
    rows = await conn.fetch(
        "SELECT change, state, changed_at FROM agency_history WHERE code = $1 ORDER BY id", code
    )
    return [dict(r) for r in rows]


async def codes_with_status(conn: asyncpg.Connection, status: AgencyStatus) -> list[str]:
    rows = await conn.fetch("SELECT code FROM agencies WHERE status = $1", status.value)
    return [r["code"] for r in rows]


async def add_http_key(conn: asyncpg.Connection, code: str, key_id: str, sha256: str) -> None:
    await conn.execute(
        "INSERT INTO agency_http_keys (key_id, code, key_sha256) VALUES ($1, $2, $3)",
        key_id,
        code,
        sha256,
    )


async def revoke_http_keys(
    conn: asyncpg.Connection, code: str, key_id: str | None = None
) -> list[str]:
    """Revoke one live key of the agency (or, without `key_id`, all); the ids revoked."""
    rows = await conn.fetch(
        "UPDATE agency_http_keys SET revoked_at = now() "
        "WHERE code = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR key_id = $2) "
        "RETURNING key_id",
        code,
        key_id,
    )
    return [r["key_id"] for r in rows]


async def http_keys(conn: asyncpg.Connection, code: str) -> list[dict[str, object]]:
    rows = await conn.fetch(
        "SELECT key_id, created_at, revoked_at FROM agency_http_keys WHERE code = $1 "
        "ORDER BY created_at, key_id",
        code,
    )
    return [dict(r) for r in rows]
