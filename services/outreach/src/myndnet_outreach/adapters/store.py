"""What outreach's handlers need of its storage: open events, their registrations, the
outbox and the requests to notify, one unit of work. PostgreSQL (`postgres.py`) and the fake
the handlers' unit tests use (`memory.py`) both pass the contract tests in
`tests/test_outreach_store.py`."""

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from myndnet_schemas import Event

from myndnet_outreach.domain.campaigns import Campaign
from myndnet_outreach.domain.open_events import OpenEvent
from myndnet_outreach.domain.registrations import Letter, Registration


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

    # registrations
    async def registration(self, registration_id: str) -> Registration | None: ...

    async def registrations_for(self, event_id: str) -> list[Registration]:
        """Every registration of the event, cancelled ones too, oldest first."""
        ...

    async def registrations_by_email(self, email: str) -> list[Registration]:
        """The live registrations of an address (any case), oldest first."""
        ...

    async def registration_counts(self, event_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Per event: (seats taken, people waiting); events without any are left out."""
        ...

    async def add_registration(self, registration: Registration) -> None: ...

    async def save_registrations(self, registrations: Sequence[Registration]) -> None: ...

    async def ended_with_registrations(self, ended_before: datetime) -> list[OpenEvent]:
        """Events ended before then whose registrations still hold a name or an address."""
        ...

    async def forget_registrations(self, registration_ids: Sequence[str]) -> None:
        """Their names and addresses erased; the rows stay, for the counts."""
        ...

    async def figures(self, first: datetime, after: datetime) -> dict[str, Any]:
        """Open events starting in [first, after) and not cancelled, and the seats taken at
        them, per host agency and for the network; campaigns whose window begins then (not
        cancelled), per agency that asked and for the network."""
        ...

    # what notify is asked to do, in order (`relay.py` hands it over)
    async def queue_letters(self, letters: Sequence[Letter]) -> None: ...

    async def queue_forget(self, recipient_refs: Sequence[str]) -> None: ...

    async def queue_news_consent(self, consent: dict[str, Any]) -> None: ...

    # campaigns
    async def campaign(self, campaign_id: str, *, for_update: bool = False) -> Campaign | None: ...

    async def add_campaign(self, campaign: Campaign) -> None: ...

    async def save_campaign(self, campaign: Campaign) -> None:
        """Its state (not its visits, which `count_visit` keeps)."""
        ...

    async def scheduled_campaigns(self) -> list[Campaign]: ...

    async def campaigns(self, limit: int) -> list[Campaign]:
        """The newest first."""
        ...

    async def count_visit(self, campaign_id: str) -> None: ...
