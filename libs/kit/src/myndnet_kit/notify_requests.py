"""Handing notify what a service asked of it, in order, from an outbox of its own
(`notify_requests`): a letter to send (`POST /letters`), people to forget (`POST /letters/forget`)
or a yes to news (`POST /news-consents`). Outreach and exchange use it: the addresses they keep
never go on a topic, so their letters go to notify over HTTP. A request is written in the
transaction of the change that causes it, and marked handed over only after notify answered. A
crash between the two hands it over again; notify keeps one delivery per letter key, so nothing
is sent twice.

A letter's address is emptied from the row once notify has it. Notify down or slow: the request
waits, with growing pauses, and the ones behind it wait too (a forget must not overtake the
letter it forgets). A request notify refuses for good (4xx) is set aside with notify's answer
and logged; it would be refused again however often it were tried.

Each service keeps the table in its own migrations (the columns below)."""

import asyncio
import contextlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
from prometheus_client import Counter, Gauge

from myndnet_kit.logging import get_logger
from myndnet_kit.schedule import cancelled

log = get_logger(__name__)
HANDED = Counter(
    "myndnet_notify_requests_total", "Requests handed to notify, by outcome", ["outcome"]
)
WAITING = Gauge("myndnet_notify_requests_waiting", "Requests not yet handed to notify")
LONGEST_PAUSE = timedelta(minutes=5)


@dataclass(frozen=True)
class Letter:
    """A letter for notify to send (`POST /letters`): one `key` is one letter, however often it
    is handed over."""

    key: str
    kind: str
    to: str
    language: str
    recipient_ref: str
    context: dict[str, Any]


async def queue_letters(conn: asyncpg.Connection, letters: Sequence[Letter]) -> None:
    """In the caller's transaction: the relay hands them over once it commits."""
    if letters:
        await conn.executemany(
            "INSERT INTO notify_requests (path, body) VALUES ('/letters', $1)",
            [(asdict(letter),) for letter in letters],
        )


async def queue_forget(conn: asyncpg.Connection, recipient_refs: Sequence[str]) -> None:
    """People erased here: notify forgets them too, after the letters queued before."""
    if recipient_refs:
        await conn.execute(
            "INSERT INTO notify_requests (path, body) VALUES ('/letters/forget', $1)",
            {"recipient_refs": list(recipient_refs)},
        )


class NotifyUnavailable(Exception):
    """notify did not answer, or not as it should."""


@dataclass
class NotifyClient:
    """A service's HTTP session to notify, with its operator token (`notify:letters`)."""

    base_url: str
    token: str
    timeout: float = 10.0
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=2.0),
                headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, path: str, *, missing: Any = None, **kwargs: Any) -> Any:
        """notify's answer; `missing` when it answers 404 and one is given."""
        try:
            async with self.session().request(method, self.base_url + path, **kwargs) as answer:
                if answer.status == 404 and missing is not None:
                    return missing
                if answer.status != 200:
                    raise NotifyUnavailable(f"notify answered {answer.status} to {path}")
                return await answer.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NotifyUnavailable(f"notify did not answer ({type(exc).__name__})") from None


DUE = """
SELECT id, path, body, attempts FROM notify_requests
WHERE handed_at IS NULL ORDER BY id LIMIT $1
"""
# One relay at a time, whatever the number of replicas: the requests' order is kept.
ONE_RELAY = "SELECT pg_try_advisory_xact_lock(hashtext('notify requests'))"


@dataclass
class NotifyRelay:
    pool: asyncpg.Pool
    notify: NotifyClient  # its HTTP session and token, shared with the service's other calls

    async def hand_over(self, limit: int = 100) -> tuple[int, bool]:
        """Hand over what is due, in order, until one waits: (how many were handed over,
        whether one is waiting for notify)."""
        handed = 0
        async with self.pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval(ONE_RELAY):
                return 0, True
            rows = await conn.fetch(DUE, limit)
            if rows and rows[0]["attempts"] and not await _due(conn, rows[0]["id"]):
                return 0, True
            for row in rows:
                outcome = await self._post(row["path"], row["body"])
                if outcome is None:
                    await conn.execute(
                        "UPDATE notify_requests SET handed_at = now(), body = '{}'::jsonb, "
                        "last_error = NULL WHERE id = $1",
                        row["id"],
                    )
                    HANDED.labels("handed").inc()
                    handed += 1
                    continue
                refused, error = outcome
                if refused:
                    await conn.execute(
                        "UPDATE notify_requests SET handed_at = now(), body = '{}'::jsonb, "
                        "last_error = $2 WHERE id = $1",
                        row["id"],
                        error,
                    )
                    HANDED.labels("refused").inc()
                    log.warning("notify refused a request for good", request=row["id"], error=error)
                    continue
                attempts = row["attempts"] + 1
                pause = min(LONGEST_PAUSE, timedelta(seconds=2**attempts))
                await conn.execute(
                    "UPDATE notify_requests SET attempts = $2, last_error = $3, "
                    "next_attempt_at = now() + $4 WHERE id = $1",
                    row["id"],
                    attempts,
                    error,
                    pause,
                )
                HANDED.labels("retry").inc()
                log.info("notify did not take a request; it is tried again", error=error)
                return handed, True
            WAITING.set(
                await conn.fetchval("SELECT count(*) FROM notify_requests WHERE handed_at IS NULL")
            )
        return handed, False

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[bool, str] | None:
        """None when notify took it; else (refused for good, what notify or the network said)."""
        try:
            async with self.notify.session().post(self.notify.base_url + path, json=body) as answer:
                text = await answer.text()
                if answer.status < 300:
                    return None
                refused = 400 <= answer.status < 500 and answer.status not in (401, 403, 429)
                return refused, f"{answer.status} {_detail(text)}"[:300]
        except (aiohttp.ClientError, TimeoutError) as exc:
            return False, type(exc).__name__

    async def run(self, poll_interval: float = 1.0) -> None:
        """Hand requests over as they come (LISTEN on the table's inserts would save the poll;
        a second suffices for letters)."""
        try:
            while not cancelled():
                try:
                    handed, stuck = await self.hand_over()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("handing requests to notify failed", error=type(exc).__name__)
                    handed, stuck = 0, True
                if handed and not stuck:
                    continue
                await asyncio.sleep(poll_interval)
        finally:
            with contextlib.suppress(Exception):
                await self.notify.close()


async def _due(conn: asyncpg.Connection, request_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT next_attempt_at <= now() FROM notify_requests WHERE id = $1", request_id
        )
    )


def _detail(text: str) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        detail = json.loads(text).get("detail")
        if isinstance(detail, dict):
            return str(detail.get("message") or detail)
        return str(detail)
    return text[:200]
