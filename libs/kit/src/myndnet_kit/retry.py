"""Which failures are worth waiting out, and how long to wait."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from myndnet_kit.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class NotYet(Exception):
    """Something that exists but cannot be used yet: a topic whose partitions the broker's
    metadata does not list yet, right after it was created. Waited out like a broker outage."""


_TRANSIENT = (
    OSError,  # connection refused or reset, including ConnectionError
    TimeoutError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # connection closed under us
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    KafkaConnectionError,
    KafkaTimeoutError,  # the broker did not answer in time: still starting, or busy
    NotYet,
)


def is_transient(exc: BaseException) -> bool:
    """A failure of the database or the broker, not of the message: wait and try again."""
    if isinstance(exc, _TRANSIENT):
        return True
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", False))
    return False


class Backoff:
    """Capped exponential backoff with jitter: 0.2 s, 0.4 s, ... up to `cap` seconds."""

    def __init__(self, first: float = 0.2, cap: float = 10.0) -> None:
        self.first = first
        self.cap = cap
        self.attempt = 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self.attempt)
        self.attempt += 1
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.attempt = 0


async def until_done(
    what: str,
    step: Callable[[], Awaitable[T]],
    backoff: Backoff | None = None,
    on_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """Run `step` until it succeeds, waiting out transient failures with backoff and a log line
    each (and `on_retry`, to count or report them); any other failure is raised at once."""
    backoff = backoff or Backoff(first=0.5, cap=5.0)
    while True:
        try:
            return await step()
        except Exception as exc:
            if not is_transient(exc):
                raise
            if on_retry is not None:
                on_retry(exc)
            delay = backoff.next()
            log.warning(f"waiting for {what}", error=repr(exc), retry_in_s=round(delay, 1))
            await asyncio.sleep(delay)


async def forever(
    what: str,
    step: Callable[[], Awaitable[object]],
    *,
    healthy: Callable[[bool], None] = lambda _: None,
    stop: Callable[[], bool] = lambda: False,
    backoff: Backoff | None = None,
) -> None:
    """Keep a background loop running: `step` again and again until `stop()` says so; after a
    failure of any kind, a log line, `healthy(False)` and a growing pause, which starts short
    again after the next success."""
    backoff = backoff or Backoff()
    while not stop():
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            healthy(False)
            delay = backoff.next()
            log.warning(
                f"{what} interrupted; retrying",
                error=repr(exc),
                transient=is_transient(exc),
                retry_in_s=round(delay, 2),
            )
            await asyncio.sleep(delay)
        else:
            healthy(True)
            backoff.reset()
