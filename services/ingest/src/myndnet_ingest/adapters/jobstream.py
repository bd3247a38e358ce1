"""JobStream over HTTP (aiohttp), and the connector's tables."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg

from myndnet_ingest.domain.jobstream import Decision, Known


class JobStreamUnavailable(Exception):
    pass


class JobStreamClient:
    def __init__(self, url: str, api_key: str = "", timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.headers = {"accept": "application/json"}
        if api_key:
            self.headers["api-key"] = api_key
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def snapshot(self) -> list[dict[str, Any]]:
        return await self._get("/v2/snapshot", {})

    async def stream(self, after: datetime, before: datetime) -> list[dict[str, Any]]:
        return await self._get(
            "/v2/stream",
            {"updated-after": _iso(after), "updated-before": _iso(before)},
        )

    async def _get(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout, headers=self.headers) as session,
                session.get(f"{self.url}{path}", params=params) as response,
            ):
                if response.status != 200:
                    raise JobStreamUnavailable(f"{path}: HTTP {response.status}")
                found = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise JobStreamUnavailable(f"{path}: {type(exc).__name__}") from None
        if not isinstance(found, list):
            raise JobStreamUnavailable(f"{path}: the answer is not a list of ads")
        return [ad for ad in found if isinstance(ad, dict)]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


async def position(conn: asyncpg.Connection) -> tuple[bool, datetime | None]:
    row = await conn.fetchrow("SELECT snapshot_done, updated_after FROM jobstream_position")
    return (False, None) if row is None else (row["snapshot_done"], row["updated_after"])


async def known(conn: asyncpg.Connection, ad_ids: Sequence[str]) -> dict[str, Known]:
    rows = await conn.fetch(
        "SELECT ad_id, agency, revision, application_deadline, withdrawn FROM jobstream_ads "
        "WHERE ad_id = ANY($1::text[])",
        list(ad_ids),
    )
    return {
        r["ad_id"]: Known(r["agency"], r["revision"], r["application_deadline"], r["withdrawn"])
        for r in rows
    }


async def save(
    conn: asyncpg.Connection, decisions: Sequence[Decision], updated_after: datetime
) -> None:
    """What was published, and how far the stream is read, in one transaction."""
    async with conn.transaction():
        await conn.execute(
            """
            INSERT INTO jobstream_ads (ad_id, agency, revision, application_deadline, withdrawn)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::date[], $5::bool[])
            ON CONFLICT (ad_id) DO UPDATE SET agency = EXCLUDED.agency,
                revision = EXCLUDED.revision,
                application_deadline = EXCLUDED.application_deadline,
                withdrawn = EXCLUDED.withdrawn, updated_at = now()
            WHERE jobstream_ads.revision < EXCLUDED.revision
            """,
            [d.ad_id for d in decisions],
            [d.known.agency for d in decisions],
            [d.known.revision for d in decisions],
            [d.known.application_deadline for d in decisions],
            [d.known.withdrawn for d in decisions],
        )
        await conn.execute(
            "INSERT INTO jobstream_position (only_row, snapshot_done, updated_after) "
            "VALUES (true, true, $1) ON CONFLICT (only_row) DO UPDATE "
            "SET snapshot_done = true, updated_after = EXCLUDED.updated_after",
            updated_after,
        )
