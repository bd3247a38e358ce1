"""The courses, sessions, seats and registrations tables."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from myndnet_trainings.domain.seats import Change, Registration, Seating, Status
from myndnet_trainings.domain.sessions import Conflict, SessionPlan

SESSION = """
SELECT s.session_id, s.course_code, c.title AS course_title, c.description, c.kind,
       c.host_agency, s.starts_at, s.ends_at, s.place, s.online, s.language, s.total_seats,
       s.registration_deadline, s.status, s.deadline_passed, s.reminded
FROM sessions s JOIN courses c ON c.code = s.course_code
"""

REGISTRATION = """
SELECT registration_id, session_id, agency, name, email, language, status, registration_order,
       attended, requested_at, confirmed_at, cancelled_at, cancelled_because, erased_at
FROM registrations
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
    JOIN courses c ON c.code = s.course_code
    GROUP BY ss.agency, c.kind
), taken AS (
    SELECT r.agency, c.kind,
           count(*) FILTER (WHERE r.status = 'registered') AS seats_used,
           count(*) FILTER (WHERE r.status = 'registered' AND r.attended) AS attended,
           count(*) FILTER (WHERE r.status = 'waitlisted') AS waitlisted
    FROM registrations r
    JOIN sessions s ON s.session_id = r.session_id AND s.status = 'scheduled'
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


# -- courses -------------------------------------------------------------------------------


async def add_course(
    conn: asyncpg.Connection, code: str, title: str, description: str, kind: str, host: str
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO courses (code, title, description, kind, host_agency) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING "
        "RETURNING code, title, description, kind, host_agency",
        code,
        title,
        description,
        kind,
        host,
    )
    if row is None:
        raise Conflict(f"there is already a course {code!r}")
    return row


async def course(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT code, title, description, kind, host_agency FROM courses WHERE code = $1", code
    )


async def courses(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT code, title, description, kind, host_agency FROM courses ORDER BY title"
    )


# -- sessions ------------------------------------------------------------------------------


async def add_session(
    conn: asyncpg.Connection, session_id: str, course_code: str, plan: SessionPlan, language: str
) -> None:
    await conn.execute(
        "INSERT INTO sessions (session_id, course_code, starts_at, ends_at, place, online, "
        "language, total_seats, registration_deadline) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        session_id,
        course_code,
        plan.starts_at,
        plan.ends_at,
        plan.place,
        plan.online,
        language,
        plan.total_seats,
        plan.registration_deadline,
    )
    await conn.execute(
        "INSERT INTO session_seats (session_id, agency, seats) "
        "SELECT $1, agency, seats FROM unnest($2::text[], $3::int[]) AS q (agency, seats)",
        session_id,
        list(plan.seats_per_agency),
        list(plan.seats_per_agency.values()),
    )


async def session(
    conn: asyncpg.Connection, session_id: str, *, lock: bool = False
) -> asyncpg.Record | None:
    """One session with its course; `lock` holds its row until the transaction ends, so its
    seats are decided by one request at a time."""
    if lock:
        await conn.execute("SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE", session_id)
    return await conn.fetchrow(f"{SESSION} WHERE s.session_id = $1", session_id)


async def sessions(
    conn: asyncpg.Connection,
    starting_after: datetime,
    course_code: str | None = None,
    kind: str | None = None,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""{SESSION}
        WHERE s.status = 'scheduled' AND s.starts_at > $1
          AND ($2::text IS NULL OR s.course_code = $2) AND ($3::text IS NULL OR c.kind = $3)
        ORDER BY s.starts_at, s.session_id""",
        starting_after,
        course_code,
        kind,
    )


async def seats(conn: asyncpg.Connection, session_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    rows = await conn.fetch(
        "SELECT session_id, agency, seats FROM session_seats WHERE session_id = ANY($1::text[]) "
        "ORDER BY session_id, agency",
        list(session_ids),
    )
    found: dict[str, dict[str, int]] = {sid: {} for sid in session_ids}
    for row in rows:
        found[row["session_id"]][row["agency"]] = row["seats"]
    return found


async def set_session(conn: asyncpg.Connection, session_id: str, **flags: object) -> None:
    """Set some of status, deadline_passed, reminded."""
    allowed = {"status", "deadline_passed", "reminded"}
    assert set(flags) <= allowed, flags
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(flags, start=2))
    await conn.execute(
        f"UPDATE sessions SET {assignments} WHERE session_id = $1", session_id, *flags.values()
    )


async def deadlines_passed(conn: asyncpg.Connection, today: date) -> list[str]:
    rows = await conn.fetch(
        "SELECT session_id FROM sessions WHERE status = 'scheduled' AND NOT deadline_passed "
        "AND registration_deadline < $1 ORDER BY session_id",
        today,
    )
    return [r["session_id"] for r in rows]


async def reminders_due(conn: asyncpg.Connection, first: datetime, last: datetime) -> list[str]:
    """Sessions starting in [first, last) whose registered people are not reminded yet."""
    rows = await conn.fetch(
        "SELECT session_id FROM sessions WHERE status = 'scheduled' AND NOT reminded "
        "AND starts_at >= $1 AND starts_at < $2 ORDER BY session_id",
        first,
        last,
    )
    return [r["session_id"] for r in rows]


async def sessions_with_agency(
    conn: asyncpg.Connection, agency: str, starting_after: datetime
) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT r.session_id FROM registrations r "
        "JOIN sessions s ON s.session_id = r.session_id "
        "WHERE r.agency = $1 AND r.status <> 'cancelled' AND s.starts_at > $2 "
        "ORDER BY r.session_id",
        agency,
        starting_after,
    )
    return [r["session_id"] for r in rows]


# -- registrations -------------------------------------------------------------------------


def seating(
    session_row: asyncpg.Record, quotas: dict[str, int], rows: list[asyncpg.Record]
) -> Seating:
    return Seating(
        total=session_row["total_seats"],
        quotas=quotas,
        deadline_passed=session_row["deadline_passed"],
        registrations=tuple(
            Registration(
                r["registration_id"],
                r["agency"],
                r["email"],
                Status(r["status"]),
                r["registration_order"],
            )
            for r in rows
        ),
    )


async def registrations(conn: asyncpg.Connection, session_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{REGISTRATION} WHERE session_id = $1 ORDER BY registration_order NULLS LAST, "
        "requested_at",
        session_id,
    )


async def registrations_of_sessions(
    conn: asyncpg.Connection, session_ids: Sequence[str]
) -> dict[str, list[asyncpg.Record]]:
    rows = await conn.fetch(
        f"{REGISTRATION} WHERE session_id = ANY($1::text[]) AND status <> 'cancelled'",
        list(session_ids),
    )
    found: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        found.setdefault(row["session_id"], []).append(row)
    return found


async def registration(conn: asyncpg.Connection, registration_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"{REGISTRATION} WHERE registration_id = $1", registration_id)


async def add_registration(
    conn: asyncpg.Connection,
    registration_id: str,
    session_id: str,
    agency: str,
    name: str,
    email: str,
    language: str,
) -> None:
    await conn.execute(
        "INSERT INTO registrations (registration_id, session_id, agency, name, email, language, "
        "status) VALUES ($1, $2, $3, $4, $5, $6, 'unconfirmed')",
        registration_id,
        session_id,
        agency,
        name,
        email,
        language,
    )


async def requested_again(conn: asyncpg.Connection, registration_id: str, at: datetime) -> None:
    await conn.execute(
        "UPDATE registrations SET requested_at = $2 WHERE registration_id = $1",
        registration_id,
        at,
    )


async def next_order(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT nextval('registration_order')"))


async def save_changes(conn: asyncpg.Connection, changes: Sequence[Change], at: datetime) -> None:
    if not changes:
        return
    await conn.execute(
        SAVE_CHANGES,
        [c.registration_id for c in changes],
        [c.status.value for c in changes],
        [c.order for c in changes],
        [c.because for c in changes],
        at,
    )


async def mark_attendance(
    conn: asyncpg.Connection, session_id: str, marks: dict[str, bool]
) -> list[str]:
    """Record who came; the ids whose mark changed."""
    rows = await conn.fetch(
        "UPDATE registrations r SET attended = m.attended "
        "FROM unnest($2::text[], $3::bool[]) AS m (registration_id, attended) "
        "WHERE r.registration_id = m.registration_id AND r.session_id = $1 "
        "AND r.attended IS DISTINCT FROM m.attended RETURNING r.registration_id",
        session_id,
        list(marks),
        list(marks.values()),
    )
    return [r["registration_id"] for r in rows]


# -- people ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalRegistration:
    """A registration that still holds someone's name and address."""

    registration_id: str
    session_id: str
    status: str
    starts_at: datetime


PERSONAL = """
SELECT r.registration_id, r.session_id, r.status, s.starts_at
FROM registrations r JOIN sessions s ON s.session_id = r.session_id
WHERE r.erased_at IS NULL
"""


async def registrations_of_person(
    conn: asyncpg.Connection, email: str
) -> list[PersonalRegistration]:
    rows = await conn.fetch(
        f"{PERSONAL} AND lower(r.email) = lower($1) ORDER BY r.registration_id", email
    )
    return [PersonalRegistration(*r) for r in rows]


async def registrations_last_seen_before(
    conn: asyncpg.Connection, cutoff: datetime
) -> list[PersonalRegistration]:
    """Every registration of the people whose last session (any: held or cancelled) ended
    before `cutoff`."""
    rows = await conn.fetch(
        f"""
        WITH last_seen AS (
            SELECT lower(r.email) AS person FROM registrations r
            JOIN sessions s ON s.session_id = r.session_id
            WHERE r.erased_at IS NULL
            GROUP BY lower(r.email) HAVING max(s.ends_at) < $1
        )
        {PERSONAL} AND lower(r.email) IN (SELECT person FROM last_seen)
        ORDER BY r.registration_id
        """,
        cutoff,
    )
    return [PersonalRegistration(*r) for r in rows]


async def erase_registrations(
    conn: asyncpg.Connection, registration_ids: Sequence[str], at: datetime
) -> None:
    await conn.execute(
        "UPDATE registrations SET name = NULL, email = NULL, erased_at = $2 "
        "WHERE registration_id = ANY($1::text[])",
        list(registration_ids),
        at,
    )


async def figures(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(FIGURES)
