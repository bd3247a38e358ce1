"""The courses, sessions, seats and registrations tables: rows in, domain objects out."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import asyncpg
from myndnet_kit.store import PostgresStore

from myndnet_trainings.domain.figures import EVER, AgencyFigures
from myndnet_trainings.domain.people import Participant, PersonalRegistration
from myndnet_trainings.domain.seats import Change, Status
from myndnet_trainings.domain.sessions import Conflict, Course, Session

SESSION = """
SELECT s.session_id, s.course_code, c.title, c.description, c.kind,
       c.host_agency, s.starts_at, s.ends_at, s.place, s.online, s.language, s.total_seats,
       s.registration_deadline, s.status, s.deadline_passed, s.reminded
FROM sessions s JOIN courses c ON c.code = s.course_code
"""

REGISTRATION = """
SELECT registration_id, session_id, agency, name, email, language, status, registration_order,
       attended, requested_at, confirmed_at, cancelled_at, cancelled_because, erased_at
FROM registrations
"""

PERSONAL = """
SELECT r.registration_id, r.session_id, r.status, s.starts_at
FROM registrations r JOIN sessions s ON s.session_id = r.session_id
WHERE r.erased_at IS NULL
"""

LAST_SEEN_BEFORE = f"""
WITH last_seen AS (
    SELECT lower(r.email) AS person FROM registrations r
    JOIN sessions s ON s.session_id = r.session_id
    WHERE r.erased_at IS NULL
    GROUP BY lower(r.email) HAVING max(s.ends_at) < $1
)
{PERSONAL} AND lower(r.email) IN (SELECT person FROM last_seen)
ORDER BY r.registration_id
"""

SAVE_CHANGES = """
UPDATE registrations r
SET status = c.status,
    registration_order = coalesce(c.registration_order, r.registration_order),
    confirmed_at = CASE WHEN r.status = 'unconfirmed' AND c.status IN ('registered', 'waitlisted')
                        THEN $5 ELSE r.confirmed_at END,
    cancelled_at = CASE WHEN c.status = 'cancelled' THEN $5 ELSE r.cancelled_at END,
    cancelled_because = CASE WHEN c.status = 'cancelled' THEN c.because
                             ELSE r.cancelled_because END
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
     AS c (registration_id, status, registration_order, because)
WHERE r.registration_id = c.registration_id
"""

FIGURES = """
WITH offered AS (
    SELECT ss.agency, c.kind, sum(ss.seats) AS seats_offered
    FROM session_seats ss
    JOIN sessions s ON s.session_id = ss.session_id AND s.status = 'scheduled'
         AND s.starts_at >= $1 AND s.starts_at < $2
    JOIN courses c ON c.code = s.course_code
    GROUP BY ss.agency, c.kind
), taken AS (
    SELECT r.agency, c.kind,
           count(*) FILTER (WHERE r.status = 'registered') AS seats_used,
           count(*) FILTER (WHERE r.status = 'registered' AND r.attended) AS attended,
           count(*) FILTER (WHERE r.status = 'waitlisted') AS waitlisted
    FROM registrations r
    JOIN sessions s ON s.session_id = r.session_id AND s.status = 'scheduled'
         AND s.starts_at >= $1 AND s.starts_at < $2
    JOIN courses c ON c.code = s.course_code
    GROUP BY r.agency, c.kind
)
SELECT coalesce(o.agency, t.agency) AS agency, coalesce(o.kind, t.kind) AS kind,
       coalesce(o.seats_offered, 0)::int AS seats_offered,
       coalesce(t.seats_used, 0)::int AS seats_used,
       coalesce(t.attended, 0)::int AS attended,
       coalesce(t.waitlisted, 0)::int AS waitlisted
FROM offered o FULL JOIN taken t ON t.agency = o.agency AND t.kind = o.kind
ORDER BY 1, 2
"""


def course_of(row: asyncpg.Record) -> Course:
    return Course(row["code"], row["title"], row["description"], row["kind"], row["host_agency"])


def session_of(row: asyncpg.Record, quotas: Mapping[str, int]) -> Session:
    return Session(
        session_id=row["session_id"],
        course=Course(
            row["course_code"], row["title"], row["description"], row["kind"], row["host_agency"]
        ),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        place=row["place"],
        online=row["online"],
        language=row["language"],
        total_seats=row["total_seats"],
        registration_deadline=row["registration_deadline"],
        quotas=quotas,
        status=row["status"],
        deadline_passed=row["deadline_passed"],
        reminded=row["reminded"],
    )


def participant_of(row: asyncpg.Record) -> Participant:
    return Participant(
        registration_id=row["registration_id"],
        session_id=row["session_id"],
        agency=row["agency"],
        name=row["name"],
        email=row["email"],
        language=row["language"],
        status=Status(row["status"]),
        order=row["registration_order"],
        attended=row["attended"],
        requested_at=row["requested_at"],
        confirmed_at=row["confirmed_at"],
        cancelled_at=row["cancelled_at"],
        cancelled_because=row["cancelled_because"],
        erased_at=row["erased_at"],
    )


class PostgresTrainings(PostgresStore):
    # -- courses ---------------------------------------------------------------------------

    async def add_course(self, course: Course) -> None:
        added = await self.conn.fetchval(
            "INSERT INTO courses (code, title, description, kind, host_agency) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING RETURNING code",
            course.code,
            course.title,
            course.description,
            course.kind,
            course.host_agency,
        )
        if added is None:
            raise Conflict(f"there is already a course {course.code!r}")

    async def course(self, code: str) -> Course | None:
        row = await self.conn.fetchrow(
            "SELECT code, title, description, kind, host_agency FROM courses WHERE code = $1",
            code,
        )
        return None if row is None else course_of(row)

    async def courses(self) -> list[Course]:
        rows = await self.conn.fetch(
            "SELECT code, title, description, kind, host_agency FROM courses ORDER BY title, code"
        )
        return [course_of(r) for r in rows]

    # -- sessions --------------------------------------------------------------------------

    async def add_session(self, session: Session) -> None:
        await self.conn.execute(
            "INSERT INTO sessions (session_id, course_code, starts_at, ends_at, place, online, "
            "language, total_seats, registration_deadline, status, deadline_passed, reminded) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            session.session_id,
            session.course.code,
            session.starts_at,
            session.ends_at,
            session.place,
            session.online,
            session.language,
            session.total_seats,
            session.registration_deadline,
            session.status,
            session.deadline_passed,
            session.reminded,
        )
        await self.conn.execute(
            "INSERT INTO session_seats (session_id, agency, seats) "
            "SELECT $1, agency, seats FROM unnest($2::text[], $3::int[]) AS q (agency, seats)",
            session.session_id,
            list(session.quotas),
            list(session.quotas.values()),
        )

    async def session(self, session_id: str, *, lock: bool = False) -> Session | None:
        if lock:
            await self.conn.execute(
                "SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE", session_id
            )
        row = await self.conn.fetchrow(f"{SESSION} WHERE s.session_id = $1", session_id)
        if row is None:
            return None
        return session_of(row, (await self._quotas([session_id]))[session_id])

    async def upcoming_sessions(
        self, starting_after: datetime, course_code: str | None = None, kind: str | None = None
    ) -> list[Session]:
        rows = await self.conn.fetch(
            f"""{SESSION}
            WHERE s.status = 'scheduled' AND s.starts_at > $1
              AND ($2::text IS NULL OR s.course_code = $2) AND ($3::text IS NULL OR c.kind = $3)
            ORDER BY s.starts_at, s.session_id""",
            starting_after,
            course_code,
            kind,
        )
        quotas = await self._quotas([r["session_id"] for r in rows])
        return [session_of(r, quotas[r["session_id"]]) for r in rows]

    async def _quotas(self, session_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        rows = await self.conn.fetch(
            "SELECT session_id, agency, seats FROM session_seats "
            "WHERE session_id = ANY($1::text[]) ORDER BY session_id, agency",
            list(session_ids),
        )
        found: dict[str, dict[str, int]] = {sid: {} for sid in session_ids}
        for row in rows:
            found[row["session_id"]][row["agency"]] = row["seats"]
        return found

    async def save_session_state(self, session: Session) -> None:
        await self.conn.execute(
            "UPDATE sessions SET status = $2, deadline_passed = $3, reminded = $4 "
            "WHERE session_id = $1",
            session.session_id,
            session.status,
            session.deadline_passed,
            session.reminded,
        )

    async def deadlines_passed(self, today: date) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT session_id FROM sessions WHERE status = 'scheduled' AND NOT deadline_passed "
            "AND registration_deadline < $1 ORDER BY session_id",
            today,
        )
        return [r["session_id"] for r in rows]

    async def reminders_due(self, first: datetime, last: datetime) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT session_id FROM sessions WHERE status = 'scheduled' AND NOT reminded "
            "AND starts_at >= $1 AND starts_at < $2 ORDER BY session_id",
            first,
            last,
        )
        return [r["session_id"] for r in rows]

    async def sessions_with_agency(self, agency: str, starting_after: datetime) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT DISTINCT r.session_id FROM registrations r "
            "JOIN sessions s ON s.session_id = r.session_id "
            "WHERE r.agency = $1 AND r.status <> 'cancelled' AND s.starts_at > $2 "
            "ORDER BY r.session_id",
            agency,
            starting_after,
        )
        return [r["session_id"] for r in rows]

    # -- registrations ---------------------------------------------------------------------

    async def participants(self, session_id: str) -> list[Participant]:
        rows = await self.conn.fetch(
            f"{REGISTRATION} WHERE session_id = $1 "
            "ORDER BY registration_order NULLS LAST, requested_at, registration_id",
            session_id,
        )
        return [participant_of(r) for r in rows]

    async def live_participants(
        self, session_ids: Sequence[str]
    ) -> Mapping[str, list[Participant]]:
        rows = await self.conn.fetch(
            f"{REGISTRATION} WHERE session_id = ANY($1::text[]) AND status <> 'cancelled' "
            "ORDER BY registration_order NULLS LAST, requested_at, registration_id",
            list(session_ids),
        )
        found: dict[str, list[Participant]] = {sid: [] for sid in session_ids}
        for row in rows:
            found[row["session_id"]].append(participant_of(row))
        return found

    async def participant(self, registration_id: str) -> Participant | None:
        row = await self.conn.fetchrow(
            f"{REGISTRATION} WHERE registration_id = $1", registration_id
        )
        return None if row is None else participant_of(row)

    async def add_participant(self, participant: Participant) -> None:
        await self.conn.execute(
            "INSERT INTO registrations (registration_id, session_id, agency, name, email, "
            "language, status, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
            "coalesce($8, now()))",
            participant.registration_id,
            participant.session_id,
            participant.agency,
            participant.name,
            participant.email,
            participant.language,
            participant.status.value,
            participant.requested_at,
        )

    async def requested_again(self, registration_id: str, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE registrations SET requested_at = $2 WHERE registration_id = $1",
            registration_id,
            at,
        )

    async def next_order(self) -> int:
        return int(await self.conn.fetchval("SELECT nextval('registration_order')"))

    async def save_changes(self, changes: Sequence[Change], at: datetime) -> None:
        if not changes:
            return
        await self.conn.execute(
            SAVE_CHANGES,
            [c.registration_id for c in changes],
            [c.status.value for c in changes],
            [c.order for c in changes],
            [c.because for c in changes],
            at,
        )

    async def mark_attendance(self, session_id: str, marks: Mapping[str, bool]) -> list[str]:
        rows = await self.conn.fetch(
            "UPDATE registrations r SET attended = m.attended "
            "FROM unnest($2::text[], $3::bool[]) AS m (registration_id, attended) "
            "WHERE r.registration_id = m.registration_id AND r.session_id = $1 "
            "AND r.attended IS DISTINCT FROM m.attended RETURNING r.registration_id",
            session_id,
            list(marks),
            list(marks.values()),
        )
        return sorted(r["registration_id"] for r in rows)

    # -- personal data ---------------------------------------------------------------------

    async def registrations_of_person(self, email: str) -> list[PersonalRegistration]:
        rows = await self.conn.fetch(
            f"{PERSONAL} AND lower(r.email) = lower($1) ORDER BY r.registration_id", email
        )
        return [PersonalRegistration(*r) for r in rows]

    async def registrations_last_seen_before(self, cutoff: datetime) -> list[PersonalRegistration]:
        rows = await self.conn.fetch(LAST_SEEN_BEFORE, cutoff)
        return [PersonalRegistration(*r) for r in rows]

    async def erase_registrations(self, registration_ids: Sequence[str], at: datetime) -> None:
        await self.conn.execute(
            "UPDATE registrations SET name = NULL, email = NULL, erased_at = $2 "
            "WHERE registration_id = ANY($1::text[])",
            list(registration_ids),
            at,
        )

    async def figures(self, starting: tuple[datetime, datetime] = EVER) -> list[AgencyFigures]:
        return [AgencyFigures(**r) for r in await self.conn.fetch(FIGURES, *starting)]
