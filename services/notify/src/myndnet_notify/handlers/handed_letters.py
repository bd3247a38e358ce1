"""Letters another service hands over with their address (`POST /letters`): outreach's to the
people registered for open events, whose addresses never go on a topic. One delivery per
letter key, however often it is handed over (outreach hands a letter over again when it did not
hear the answer); none for a person erased, whose letters may still be on their way here."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from myndnet_notify.adapters.store import NotifyStore
from myndnet_notify.domain.delivery import NewDelivery


@dataclass(frozen=True)
class HandedLetter:
    key: str
    kind: str
    to: str
    language: str
    recipient_ref: str
    context: Mapping[str, Any]


async def take(store: NotifyStore, letter: HandedLetter) -> bool:
    """True when the letter is queued now; False when it was before, or its person is erased."""
    async with store.transaction():
        if await store.erased_among([letter.recipient_ref]):
            return False
        return await store.queue(
            NewDelivery(
                dedupe_key=f"letter:{letter.key}",
                kind=letter.kind,
                recipient_ref=letter.recipient_ref,
                work_email=letter.to,
                context={**letter.context, "language": letter.language},
            )
        )


async def forget(store: NotifyStore, recipient_refs: Sequence[str]) -> None:
    """The people were erased where they registered: their letters still queued are cancelled,
    their addresses and names go from every delivery, and a letter handed over late is refused."""
    async with store.transaction():
        for reference in recipient_refs:
            await store.forget_person(reference)
