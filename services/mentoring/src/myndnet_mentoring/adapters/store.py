"""What the handlers need of storage: the store they take, on PostgreSQL (`postgres.py`) or in
memory (`memory.py`). Both pass `tests/test_mentoring_store.py`."""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol

from myndnet_schemas import Event

from myndnet_mentoring.domain.followup import Answer, Checkin, Pair, Waiting
from myndnet_mentoring.domain.match import ManagerStatus, Match, Pairing
from myndnet_mentoring.domain.matching import Candidate, Key, Mentor, Rules
from myndnet_mentoring.domain.people import AgencyFlow, Manager, Person, Volunteer


class MentoringStore(Protocol):
    matches_topic: str  # where the matches' events are announced

    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def announce(self, topic: str, events: Sequence[Event[Any]]) -> None: ...

    # -- people
    async def save_manager(self, manager: Manager) -> None:
        """A new manager waits for a mentor; a known one only has their details refreshed."""

    async def save_volunteer(self, volunteer: Volunteer) -> None:
        """A mentor volunteers, or again: details refreshed, active."""

    async def withdraw_volunteer(self, mentor: Key) -> bool:
        """False for a mentor never seen."""

    async def set_manager_status(
        self, manager: Key, status: ManagerStatus, *, clear_reason: bool = False
    ) -> None: ...

    async def agency_left(self, agency: str) -> None:
        """Its mentors step down; its waiting managers leave the programme."""

    async def managers(self, status: ManagerStatus | None = None) -> list[Manager]:
        """By waiting since, then key."""

    async def volunteers(self) -> list[Volunteer]:
        """Every mentor with their current mentees, by key."""

    # -- a matching round
    async def one_round_at_a_time(self) -> None:
        """Held until the transaction ends."""

    async def candidates(self, now: datetime) -> list[Candidate]:
        """The waiting managers, by key."""

    async def mentors_with_places(self) -> list[Mentor]:
        """Active mentors with a free place, by key."""

    async def rules(self) -> Rules:
        """Pairs declined before, forbidden agency pairs, each agency's balance."""

    async def record_unmatched(self, reasons: Mapping[Key, str]) -> None: ...

    async def exclude_pair(self, manager: Key, mentor: Key) -> None: ...

    # -- matches
    async def add_match(self, match: Match) -> None: ...

    async def save_match(self, match: Match) -> None:
        """Its state after a transition, reminder and check-ins announced included."""

    async def pairing(self, match_id: str, *, for_update: bool = False) -> Pairing | None: ...

    async def pairings(self, status: str | None = None) -> list[Pairing]:
        """By proposal time; for reading only."""

    async def live_pairings_of(self, kind: str, person: Key) -> list[Pairing]:
        """Live (proposed or accepted) matches of a manager or a mentor (kind)."""

    async def live_pairings_of_agency(self, agency: str) -> list[Pairing]: ...

    async def unanswered_proposals(self, today: date) -> list[Pairing]:
        """Proposed, and the answer date is before `today`."""

    async def programmes_ending(self, today: date) -> list[Pairing]:
        """Accepted, ending on or before `today`."""

    async def proposals_to_remind(self, today: date, last_day: date) -> list[Pairing]:
        """Proposed, not reminded, the answer date between `today` and `last_day`."""

    async def accepted_pairings(self) -> list[Pairing]: ...

    # -- forbidden agency pairs
    async def forbidden_pairs(self) -> list[tuple[str, str]]: ...

    async def forbid_pair(self, a: str, b: str) -> None:
        """`a` before `b`."""

    async def allow_pair(self, a: str, b: str) -> None: ...

    # -- people's own links, check-ins
    async def use_link(self, digest: bytes) -> bool:
        """True the first time a link is used."""

    async def link_was_used(self, digest: bytes) -> bool: ...

    async def save_checkin(self, match_id: str, role: str, month: int, checkin: Checkin) -> bool:
        """False when this person answered this month's check-in before."""

    # -- figures
    async def agency_flows(self) -> list[AgencyFlow]: ...

    async def figures_input(
        self,
    ) -> tuple[list[Pair], list[Answer], list[Waiting]]:
        """Pairs (every match ever accepted), check-in answers, waiting managers."""

    # -- personal data
    async def people_named(self, person_id: str) -> list[Person]:
        """The managers and mentors with this id, not yet erased."""

    async def people_done_before(self, cutoff: datetime) -> list[Person]:
        """No live match, and their last match closed before `cutoff`."""

    async def erase_person(self, person: Person, anonymous_id: str) -> None:
        """Names, addresses, titles and the HR system's id go; agency and the figures stay."""
