"""Which failures are worth waiting out, and how long to wait."""

import asyncio
import random

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaError

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
