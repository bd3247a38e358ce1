"""What every service's store (its repositories and its outbox, one unit of work) has in
common, on PostgreSQL and in memory.

A handler takes a store: it loads domain objects from it, saves them, and announces events
through it, inside `store.transaction()`. The PostgreSQL store works on one connection and
writes the events to the outbox in the same transaction. The in-memory store is the fake that
handlers' unit tests use: its state is one object, copied when a transaction begins and put
back if the transaction fails, so a refused request leaves nothing behind there either. Each
service runs one set of contract tests against both, so the fake cannot drift from PostgreSQL.
"""

import contextlib
import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeVar

import asyncpg
from myndnet_schemas import Event

from myndnet_kit import audit
from myndnet_kit.outbox import publish_events

State = TypeVar("State")


class PostgresStore:
    """Repositories on one connection; the caller holds the connection for the store's life."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """A transaction, or a savepoint inside the caller's."""
        return self.conn.transaction()

    async def announce(self, topic: str, events: Sequence[Event[Any]]) -> None:
        """The events go to the outbox in the current transaction; the relay publishes them."""
        if events:
            await publish_events(self.conn, topic, events)

    async def record_action(
        self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> None:
        """Who did what (the audit log), in the current transaction."""
        await audit.record(self.conn, actor, action, subject, details)


class MemoryStore(Generic[State]):
    """The fakes' base: `state` holds everything; `announced` the events, in order."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.announced: list[tuple[str, Event[Any]]] = []
        self.actions: list[tuple[str, str, str, dict[str, Any]]] = []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        saved_state = copy.deepcopy(self.state)
        saved_announced, saved_actions = list(self.announced), list(self.actions)
        try:
            yield
        except BaseException:
            self.state = saved_state
            self.announced[:] = saved_announced
            self.actions[:] = saved_actions
            raise

    async def announce(self, topic: str, events: Sequence[Event[Any]]) -> None:
        self.announced.extend((topic, event) for event in events)

    async def record_action(
        self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> None:
        self.actions.append((actor, action, subject, details or {}))

    def announced_types(self, topic: str | None = None) -> list[str]:
        """The announced events' types, oldest first (of one topic, if given)."""
        return [e.type for t, e in self.announced if topic is None or t == topic]
