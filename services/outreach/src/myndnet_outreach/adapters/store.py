"""What outreach's handlers need of its storage: open events and the outbox, one unit of
work. PostgreSQL (`postgres.py`) and the fake the handlers' unit tests use (`memory.py`) both
pass the contract tests in `tests/test_outreach_store.py`."""

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from myndnet_schemas import Event

from myndnet_outreach.domain.open_events import OpenEvent


class OutreachStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def announce(self, topic: str, events: Sequence[Event[Any]]) -> None: ...

    async def record_action(
        self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> None: ...

    async def open_event(self, event_id: str, *, for_update: bool = False) -> OpenEvent | None: ...

    async def open_events(self, ending_after: datetime) -> list[OpenEvent]:
        """Events not over by `ending_after` (cancelled ones too), soonest first."""
        ...

    async def add_open_event(self, event: OpenEvent) -> None: ...

    async def save_open_event(self, event: OpenEvent) -> None: ...
