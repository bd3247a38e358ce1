"""Periodic jobs: run now, then every so often; a failure is logged and the next run still comes."""

import asyncio
from collections.abc import Awaitable, Callable

from myndnet_kit.logging import get_logger

log = get_logger(__name__)


async def every(seconds: float, job: Callable[[], Awaitable[object]], what: str) -> None:
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(f"{what} failed; it runs again in {seconds:g} s", error=repr(exc))
        await asyncio.sleep(seconds)
