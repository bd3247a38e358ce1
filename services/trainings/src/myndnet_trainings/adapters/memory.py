"""The trainings store in memory: the fake the handlers' unit tests use. It keeps what the
PostgreSQL store keeps and answers as it does (`tests/test_trainings_store.py` runs the same
tests against both)."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from myndnet_kit.store import MemoryStore

from myndnet_trainings.domain.figures import EVER, AgencyFigures
from myndnet_trainings.domain.people import Participant, PersonalRegistration
from myndnet_trainings.domain.seats import Change, Status
from myndnet_trainings.domain.sessions import CANCELLED, SCHEDULED, Conflict, Course, Session


@dataclass
class Tables:
    courses: dict[str, Course] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    last_order: int = 0


def _order_key(p: Participant) -> tuple[bool, int, datetime, str]:
    never = datetime.min.replace(tzinfo=UTC)
    return (p.order is None, p.order or 0, p.requested_at or never, p.registration_id)


class MemoryTrainings(MemoryStore[Tables]):
    def __init__(self) -> None:
        super().__init__(Tables())

    # -- courses ---------------------------------------------------------------------------

    async def add_course(self, course: Course) -> None:
        if course.code in self.state.courses:
            raise Conflict(f"there is already a course {course.code!r}")
        self.state.courses[course.code] = course

    async def course(self, code: str) -> Course | None:
        return self.state.courses.get(code)

    async def courses(self) -> list[Course]:
        return sorted(self.state.courses.values(), key=lambda c: (c.title, c.code))

    # -- sessions --------------------------------------------------------------------------

    async def add_session(self, session: Session) -> None:
        assert session.session_id not in self.state.sessions, "a unique key"
        assert session.course.code in self.state.courses, "a foreign key"
        self.state.sessions[session.session_id] = replace(session, quotas=dict(session.quotas))

    async def session(self, session_id: str, *, lock: bool = False) -> Session | None:
        found = self.state.sessions.get(session_id)
        if found is None:
            return None
        return replace(found, course=self.state.courses[found.course.code])

    async def upcoming_sessions(
        self, starting_after: datetime, course_code: str | None = None, kind: str | None = None
    ) -> list[Session]:
        found = [
            s
            for s in self.state.sessions.values()
            if s.status == SCHEDULED
            and s.starts_at > starting_after
            and course_code in (None, s.course.code)
            and kind in (None, s.course.kind)
        ]
        return sorted(found, key=lambda s: (s.starts_at, s.session_id))

    async def save_session_state(self, session: Session) -> None:
        stored = self.state.sessions[session.session_id]
        self.state.sessions[session.session_id] = replace(
            stored,
            status=session.status,
            deadline_passed=session.deadline_passed,
            reminded=session.reminded,
        )

    async def deadlines_passed(self, today: date) -> list[str]:
        return sorted(
            s.session_id
            for s in self.state.sessions.values()
            if s.status == SCHEDULED and not s.deadline_passed and s.registration_deadline < today
        )

    async def reminders_due(self, first: datetime, last: datetime) -> list[str]:
        return sorted(
            s.session_id
            for s in self.state.sessions.values()
            if s.status == SCHEDULED and not s.reminded and first <= s.starts_at < last
        )

    async def sessions_with_agency(self, agency: str, starting_after: datetime) -> list[str]:
        return sorted(
            {
                p.session_id
                for p in self.state.participants.values()
                if p.agency == agency
                and p.status is not Status.CANCELLED
                and self.state.sessions[p.session_id].starts_at > starting_after
            }
        )

    # -- registrations ---------------------------------------------------------------------

    async def participants(self, session_id: str) -> list[Participant]:
        found = [p for p in self.state.participants.values() if p.session_id == session_id]
        return sorted(found, key=_order_key)

    async def live_participants(
        self, session_ids: Sequence[str]
    ) -> Mapping[str, list[Participant]]:
        found: dict[str, list[Participant]] = {sid: [] for sid in session_ids}
        for p in sorted(self.state.participants.values(), key=_order_key):
            if p.session_id in found and p.status is not Status.CANCELLED:
                found[p.session_id].append(p)
        return found

    async def participant(self, registration_id: str) -> Participant | None:
        return self.state.participants.get(registration_id)

    async def add_participant(self, participant: Participant) -> None:
        assert participant.registration_id not in self.state.participants, "a unique key"
        assert participant.session_id in self.state.sessions, "a foreign key"
        requested_at = participant.requested_at or datetime.now(UTC)
        self.state.participants[participant.registration_id] = replace(
            participant, requested_at=requested_at
        )

    async def requested_again(self, registration_id: str, at: datetime) -> None:
        self._update(registration_id, requested_at=at)

    async def next_order(self) -> int:
        self.state.last_order += 1
        return self.state.last_order

    async def save_changes(self, changes: Sequence[Change], at: datetime) -> None:
        for change in changes:
            before = self.state.participants.get(change.registration_id)
            if before is None:
                continue
            confirmed = before.status is Status.UNCONFIRMED and change.status in (
                Status.REGISTERED,
                Status.WAITLISTED,
            )
            cancelled = change.status is Status.CANCELLED
            self._update(
                change.registration_id,
                status=change.status,
                order=change.order if change.order is not None else before.order,
                confirmed_at=at if confirmed else before.confirmed_at,
                cancelled_at=at if cancelled else before.cancelled_at,
                cancelled_because=change.because if cancelled else before.cancelled_because,
            )

    async def mark_attendance(self, session_id: str, marks: Mapping[str, bool]) -> list[str]:
        changed = []
        for registration_id, attended in marks.items():
            p = self.state.participants.get(registration_id)
            if p is not None and p.session_id == session_id and p.attended is not attended:
                self._update(registration_id, attended=attended)
                changed.append(registration_id)
        return sorted(changed)

    def _update(self, registration_id: str, **fields: object) -> None:
        p = self.state.participants[registration_id]
        self.state.participants[registration_id] = replace(p, **fields)  # type: ignore[arg-type]

    # -- personal data ---------------------------------------------------------------------

    def _personal(self, keep: set[str] | None = None) -> list[PersonalRegistration]:
        return [
            PersonalRegistration(
                p.registration_id,
                p.session_id,
                p.status.value,
                self.state.sessions[p.session_id].starts_at,
            )
            for p in sorted(self.state.participants.values(), key=lambda p: p.registration_id)
            if p.erased_at is None and (keep is None or (p.email or "").lower() in keep)
        ]

    async def registrations_of_person(self, email: str) -> list[PersonalRegistration]:
        return self._personal({email.lower()})

    async def registrations_last_seen_before(self, cutoff: datetime) -> list[PersonalRegistration]:
        last_seen: dict[str, datetime] = {}
        for p in self.state.participants.values():
            if p.erased_at is None and p.email is not None:
                ends = self.state.sessions[p.session_id].ends_at
                person = p.email.lower()
                last_seen[person] = max(ends, last_seen.get(person, ends))
        return self._personal({person for person, ends in last_seen.items() if ends < cutoff})

    async def erase_registrations(self, registration_ids: Sequence[str], at: datetime) -> None:
        for registration_id in registration_ids:
            if registration_id in self.state.participants:
                self._update(registration_id, name=None, email=None, erased_at=at)

    async def figures(self, starting: tuple[datetime, datetime] = EVER) -> list[AgencyFigures]:
        counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(("seats_offered", "seats_used", "attended", "waitlisted"), 0)
        )
        scheduled = {
            sid: s
            for sid, s in self.state.sessions.items()
            if s.status != CANCELLED and starting[0] <= s.starts_at < starting[1]
        }
        for session in scheduled.values():
            for agency, seats in session.quotas.items():
                counts[agency, session.course.kind]["seats_offered"] += seats
        for p in self.state.participants.values():
            held = scheduled.get(p.session_id)
            if held is None:
                continue
            row = counts[p.agency, held.course.kind]
            if p.status is Status.REGISTERED:
                row["seats_used"] += 1
                row["attended"] += 1 if p.attended else 0
            elif p.status is Status.WAITLISTED:
                row["waitlisted"] += 1
        return [
            AgencyFigures(agency, kind, **row) for (agency, kind), row in sorted(counts.items())
        ]
