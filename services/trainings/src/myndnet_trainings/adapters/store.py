"""What the handlers need of storage: the store they take, on PostgreSQL (`postgres.py`) or
in memory (`memory.py`). Both pass `tests/test_trainings_store.py`."""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol

from myndnet_schemas import Event

from myndnet_trainings.domain.figures import EVER, AgencyFigures
from myndnet_trainings.domain.people import Participant, PersonalRegistration
from myndnet_trainings.domain.seats import Change
from myndnet_trainings.domain.sessions import Course, Session


class TrainingsStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def announce(self, topic: str, events: Sequence[Event[Any]]) -> None: ...

    # -- courses
    async def add_course(self, course: Course) -> None:
        """Raises `Conflict` if a course has the code already."""

    async def course(self, code: str) -> Course | None: ...

    async def courses(self) -> list[Course]:
        """By title."""

    # -- sessions
    async def add_session(self, session: Session) -> None: ...

    async def session(self, session_id: str, *, lock: bool = False) -> Session | None:
        """`lock` holds the session until the transaction ends, so its seats are decided by
        one request at a time."""

    async def upcoming_sessions(
        self, starting_after: datetime, course_code: str | None = None, kind: str | None = None
    ) -> list[Session]:
        """Scheduled sessions starting after the moment, by start."""

    async def save_session_state(self, session: Session) -> None:
        """Its status, and whether its deadline has passed and its people were reminded."""

    async def deadlines_passed(self, today: date) -> list[str]:
        """Scheduled sessions whose deadline is before `today` and not yet passed."""

    async def reminders_due(self, first: datetime, last: datetime) -> list[str]:
        """Scheduled sessions starting in [first, last) whose people are not reminded yet."""

    async def sessions_with_agency(self, agency: str, starting_after: datetime) -> list[str]:
        """Sessions starting after the moment with a live registration of the agency."""

    # -- registrations
    async def participants(self, session_id: str) -> list[Participant]:
        """Everyone who asked, in registration order, then the unconfirmed by request."""

    async def live_participants(
        self, session_ids: Sequence[str]
    ) -> Mapping[str, list[Participant]]:
        """The registrations not cancelled, per session."""

    async def participant(self, registration_id: str) -> Participant | None: ...

    async def add_participant(self, participant: Participant) -> None: ...

    async def requested_again(self, registration_id: str, at: datetime) -> None: ...

    async def next_order(self) -> int:
        """The next place in registration order, never given twice."""

    async def save_changes(self, changes: Sequence[Change], at: datetime) -> None: ...

    async def mark_attendance(self, session_id: str, marks: Mapping[str, bool]) -> list[str]:
        """Record who came; the ids whose mark changed."""

    # -- personal data
    async def registrations_of_person(self, email: str) -> list[PersonalRegistration]:
        """Not yet erased, the address in any case."""

    async def registrations_last_seen_before(self, cutoff: datetime) -> list[PersonalRegistration]:
        """Every registration of the people whose last session ended before `cutoff`."""

    async def erase_registrations(self, registration_ids: Sequence[str], at: datetime) -> None: ...

    async def figures(self, starting: tuple[datetime, datetime] = EVER) -> list[AgencyFigures]:
        """Per agency and course kind, of sessions not cancelled that start in `starting`
        (from, before)."""
