"""Periodic jobs: run now, then every so often; a failure is logged and the next run still comes."""

import asyncio
from collections.abc import Awaitable, Callable

from myndnet_kit.logging import get_logger

log = get_logger(__name__)


def cancelled() -> bool:
    """True when this task was asked to stop, even if a library swallowed the CancelledError."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def every(seconds: float, job: Callable[[], Awaitable[object]], what: str) -> None:
    while not cancelled():
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(f"{what} failed; it runs again in {seconds:g} s", error=repr(exc))
        if cancelled():
            break
        await asyncio.sleep(seconds)
