"""Who a presented key belongs to, and how many events a key may post a minute. Plain Python."""

import hashlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from myndnet_schemas.events import AgencyState


@dataclass(frozen=True)
class KeyHolder:
    agency: str
    key_id: str


def digest(key: str) -> str:
    """As membership keeps it (a key is 32 random bytes: a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_ring(agencies: Iterable[AgencyState]) -> dict[str, KeyHolder]:
    """Every live key of every participating agency, by its hash. An agency that left has no
    keys (membership revokes them); one that is not participating is skipped all the same."""
    return {
        key.sha256: KeyHolder(agency.code, key.key_id)
        for agency in agencies
        if agency.participates
        for key in agency.http_keys
    }


@dataclass
class RateLimit:
    """At most `per_minute` events per key in any sixty seconds."""

    per_minute: int
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def take(self, key_id: str, events: int, now: float) -> float | None:
        """None when the events may go (and they are counted); else the seconds to wait."""
        times = self._seen.setdefault(key_id, deque())
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) + events > self.per_minute:
            if not times or events > self.per_minute:
                return 60.0
            return max(1.0, 60 - (now - times[0]))
        times.extend([now] * events)
        return None
