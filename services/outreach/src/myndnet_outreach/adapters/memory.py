"""The fake of outreach's store, for the handlers' unit tests."""

from dataclasses import dataclass, field
from datetime import datetime

from myndnet_kit.store import MemoryStore

from myndnet_outreach.domain.open_events import Conflict, OpenEvent


@dataclass
class State:
    open_events: dict[str, OpenEvent] = field(default_factory=dict)


class MemoryOutreach(MemoryStore[State]):
    def __init__(self) -> None:
        super().__init__(State())

    async def open_event(self, event_id: str, *, for_update: bool = False) -> OpenEvent | None:
        return self.state.open_events.get(event_id)

    async def open_events(self, ending_after: datetime) -> list[OpenEvent]:
        found = [e for e in self.state.open_events.values() if e.ends_at > ending_after]
        return sorted(found, key=lambda e: (e.starts_at, e.event_id))

    async def add_open_event(self, event: OpenEvent) -> None:
        if event.event_id in self.state.open_events:
            raise Conflict(f"open event {event.event_id!r} exists")
        self.state.open_events[event.event_id] = event

    async def save_open_event(self, event: OpenEvent) -> None:
        self.state.open_events[event.event_id] = event
