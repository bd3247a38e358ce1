"""The programme's tables."""

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg
from myndnet_schemas.events import ManagerAppointed, MatchParty, MentorVolunteered

from myndnet_mentoring.domain.followup import mail_language
from myndnet_mentoring.domain.match import Match, MatchStatus
from myndnet_mentoring.domain.matching import Candidate, Key, Mentor, Rules

_ROUND_LOCK = 0x6D617463  # "matc"


async def save_manager(conn: asyncpg.Connection, agency: str, m: ManagerAppointed) -> None:
    """A new manager waits for a mentor; a known one only has their details refreshed."""
    await conn.execute(
        """
        INSERT INTO managers (agency, person_id, name, email, title, unit, start_date,
                              competence_areas, languages, municipality, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting')
        ON CONFLICT (agency, person_id) DO UPDATE SET
            name = EXCLUDED.name, email = EXCLUDED.email, title = EXCLUDED.title,
            unit = EXCLUDED.unit, start_date = EXCLUDED.start_date,
            competence_areas = EXCLUDED.competence_areas, languages = EXCLUDED.languages,
            municipality = EXCLUDED.municipality
        """,
        agency,
        m.person_id,
        m.name,
        m.email,
        m.title,
        m.unit,
        m.start_date,
        list(m.competence_areas),
        list(m.languages),
        m.municipality,
    )


async def save_mentor(conn: asyncpg.Connection, agency: str, m: MentorVolunteered) -> None:
    await conn.execute(
        """
        INSERT INTO mentors (agency, person_id, name, email, title, unit, competence_areas,
                             languages, municipality, years_as_manager, capacity, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active')
        ON CONFLICT (agency, person_id) DO UPDATE SET
            name = EXCLUDED.name, email = EXCLUDED.email, title = EXCLUDED.title,
            unit = EXCLUDED.unit, competence_areas = EXCLUDED.competence_areas,
            languages = EXCLUDED.languages, municipality = EXCLUDED.municipality,
            years_as_manager = EXCLUDED.years_as_manager, capacity = EXCLUDED.capacity,
            status = 'active'
        """,
        agency,
        m.person_id,
        m.name,
        m.email,
        m.title,
        m.unit,
        list(m.competence_areas),
        list(m.languages),
        m.municipality,
        m.years_as_manager,
        m.capacity,
    )


async def withdraw_mentor(conn: asyncpg.Connection, key: Key) -> bool:
    status = await conn.fetchval(
        "UPDATE mentors SET status = 'withdrawn' WHERE agency = $1 AND person_id = $2 "
        "RETURNING status",
        *key,
    )
    return status is not None


async def candidates(conn: asyncpg.Connection, now: datetime) -> list[Candidate]:
    rows = await conn.fetch(
        "SELECT agency, person_id, competence_areas, languages, municipality, waiting_since "
        "FROM managers WHERE status = 'waiting' ORDER BY agency, person_id FOR UPDATE"
    )
    return [
        Candidate(
            (r["agency"], r["person_id"]),
            frozenset(r["competence_areas"]),
            frozenset(r["languages"]),
            r["municipality"],
            max(0, (now - r["waiting_since"]).days),
        )
        for r in rows
    ]


async def mentors_with_places(conn: asyncpg.Connection) -> list[Mentor]:
    rows = await conn.fetch(
        """
        SELECT t.agency, t.person_id, t.competence_areas, t.languages, t.municipality,
               t.years_as_manager, t.capacity - count(m.match_id) AS free_slots
        FROM mentors t
        LEFT JOIN matches m ON m.mentor_agency = t.agency AND m.mentor_id = t.person_id
                           AND m.status IN ('proposed', 'accepted')
        WHERE t.status = 'active'
        GROUP BY t.agency, t.person_id
        HAVING t.capacity - count(m.match_id) > 0
        ORDER BY t.agency, t.person_id
        """
    )
    return [
        Mentor(
            (r["agency"], r["person_id"]),
            frozenset(r["competence_areas"]),
            frozenset(r["languages"]),
            r["municipality"],
            r["years_as_manager"],
            r["free_slots"],
        )
        for r in rows
    ]


async def rules(conn: asyncpg.Connection) -> Rules:
    excluded = await conn.fetch("SELECT * FROM excluded_pairs")
    forbidden = await conn.fetch("SELECT agency_a, agency_b FROM forbidden_agency_pairs")
    flows = await conn.fetch(
        """
        SELECT agency, sum(received) AS received, sum(given) AS given FROM (
            SELECT manager_agency AS agency, 1 AS received, 0 AS given FROM matches
            WHERE status IN ('proposed', 'accepted', 'ended')
            UNION ALL
            SELECT mentor_agency, 0, 1 FROM matches
            WHERE status IN ('proposed', 'accepted', 'ended')
        ) flow GROUP BY agency
        """
    )
    return Rules(
        excluded_pairs=frozenset(
            ((r["manager_agency"], r["manager_id"]), (r["mentor_agency"], r["mentor_id"]))
            for r in excluded
        ),
        forbidden_agency_pairs=frozenset(
            frozenset((r["agency_a"], r["agency_b"])) for r in forbidden
        ),
        agency_balance={
            r["agency"]: (r["received"] - r["given"]) / (r["received"] + r["given"]) for r in flows
        },
    )


async def record_unmatched(conn: asyncpg.Connection, reasons: dict[Key, str]) -> None:
    if reasons:
        items = sorted(reasons.items())
        await conn.execute(
            "UPDATE managers m SET unmatched_reason = r.reason "
            "FROM unnest($1::text[], $2::text[], $3::text[]) AS r(agency, person_id, reason) "
            "WHERE m.agency = r.agency AND m.person_id = r.person_id",
            [k[0] for k, _ in items],
            [k[1] for k, _ in items],
            [v for _, v in items],
        )


async def add_match(
    conn: asyncpg.Connection,
    match_id: str,
    manager: Key,
    mentor: Key,
    score: float,
    reasons: Sequence[str],
    now: datetime,
    respond_by: date,
) -> None:
    await conn.execute(
        """
        INSERT INTO matches (match_id, manager_agency, manager_id, mentor_agency, mentor_id,
                             status, score, reasons, proposed_at, respond_by)
        VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7, $8, $9)
        """,
        match_id,
        *manager,
        *mentor,
        score,
        list(reasons),
        now,
        respond_by,
    )
    await set_manager_status(conn, manager, "proposed", clear_reason=True)


async def set_manager_status(
    conn: asyncpg.Connection, manager: Key, status: str, clear_reason: bool = False
) -> None:
    await conn.execute(
        "UPDATE managers SET status = $3, "
        "unmatched_reason = CASE WHEN $4 THEN NULL ELSE unmatched_reason END "
        "WHERE agency = $1 AND person_id = $2",
        *manager,
        status,
        clear_reason,
    )


async def exclude_pair(conn: asyncpg.Connection, manager: Key, mentor: Key) -> None:
    await conn.execute(
        "INSERT INTO excluded_pairs VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        *manager,
        *mentor,
    )


MATCH_COLUMNS = """m.*, g.name AS manager_name, g.email AS manager_email, g.title AS manager_title,
    g.languages AS manager_languages, t.name AS mentor_name, t.email AS mentor_email,
    t.title AS mentor_title, t.languages AS mentor_languages"""


async def match(
    conn: asyncpg.Connection, match_id: str, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " FOR UPDATE OF m" if for_update else ""
    return await conn.fetchrow(
        f"SELECT {MATCH_COLUMNS} FROM matches m "
        "JOIN managers g ON g.agency = m.manager_agency AND g.person_id = m.manager_id "
        "JOIN mentors t ON t.agency = m.mentor_agency AND t.person_id = m.mentor_id "
        f"WHERE m.match_id = $1{lock}",
        match_id,
    )


_MATCHES = f"""
SELECT {MATCH_COLUMNS} FROM matches m
JOIN managers g ON g.agency = m.manager_agency AND g.person_id = m.manager_id
JOIN mentors t ON t.agency = m.mentor_agency AND t.person_id = m.mentor_id
"""
_LIVE = "m.status IN ('proposed', 'accepted')"
_IN_ORDER = "ORDER BY m.proposed_at, m.match_id"


async def list_matches(conn: asyncpg.Connection, status: str | None) -> list[asyncpg.Record]:
    """For reading only: takes no locks."""
    return await conn.fetch(
        f"{_MATCHES} WHERE $1::text IS NULL OR m.status = $1 {_IN_ORDER}", status
    )


async def live_matches_of_mentor(conn: asyncpg.Connection, mentor: Key) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{_MATCHES} WHERE m.mentor_agency = $1 AND m.mentor_id = $2 AND {_LIVE} "
        f"{_IN_ORDER} FOR UPDATE OF m",
        *mentor,
    )


async def live_matches_of_agency(conn: asyncpg.Connection, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{_MATCHES} WHERE (m.manager_agency = $1 OR m.mentor_agency = $1) AND {_LIVE} "
        f"{_IN_ORDER} FOR UPDATE OF m",
        code,
    )


async def unanswered_proposals(conn: asyncpg.Connection, today: date) -> list[asyncpg.Record]:
    """Proposals whose answer date has passed."""
    return await conn.fetch(
        f"{_MATCHES} WHERE m.status = 'proposed' AND m.respond_by < $1 {_IN_ORDER} FOR UPDATE OF m",
        today,
    )


async def programmes_ending(conn: asyncpg.Connection, today: date) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{_MATCHES} WHERE m.status = 'accepted' AND m.ends_on <= $1 {_IN_ORDER} FOR UPDATE OF m",
        today,
    )


async def save_match(conn: asyncpg.Connection, match: Match) -> None:
    """A match's state after a transition."""
    await conn.execute(
        """
        UPDATE matches SET status = $2, manager_accepted_at = $3, mentor_accepted_at = $4,
                           accepted_at = $5, ends_on = $6, closed_at = $7, close_reason = $8
        WHERE match_id = $1
        """,
        match.match_id,
        match.status.value,
        match.manager_accepted_at,
        match.mentor_accepted_at,
        match.accepted_at,
        match.ends_on,
        match.closed_at,
        match.close_reason,
    )


def match_of(row: asyncpg.Record) -> Match:
    return Match(
        match_id=row["match_id"],
        manager=(row["manager_agency"], row["manager_id"]),
        mentor=(row["mentor_agency"], row["mentor_id"]),
        status=MatchStatus(row["status"]),
        respond_by=row["respond_by"],
        manager_accepted_at=row["manager_accepted_at"],
        mentor_accepted_at=row["mentor_accepted_at"],
        accepted_at=row["accepted_at"],
        ends_on=row["ends_on"],
        closed_at=row["closed_at"],
        close_reason=row["close_reason"],
    )


async def agency_left(conn: asyncpg.Connection, code: str) -> None:
    """Its mentors step down; its waiting managers leave the programme."""
    await conn.execute("UPDATE mentors SET status = 'withdrawn' WHERE agency = $1", code)
    await conn.execute(
        "UPDATE managers SET status = 'completed' WHERE agency = $1 AND status = 'waiting'", code
    )


async def one_round_at_a_time(conn: asyncpg.Connection) -> None:
    """Held until the transaction ends: one matching round at a time across replicas."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _ROUND_LOCK)


async def list_managers(conn: asyncpg.Connection, status: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT agency, person_id, name, title, unit, start_date, competence_areas, "
        "languages, municipality, status, waiting_since, unmatched_reason FROM managers "
        "WHERE $1::text IS NULL OR status = $1 ORDER BY waiting_since, agency, person_id",
        status,
    )


async def list_mentors(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT t.agency, t.person_id, t.name, t.title, t.competence_areas, t.languages,
               t.municipality, t.years_as_manager, t.capacity, t.status,
               count(m.match_id) AS current_mentees
        FROM mentors t
        LEFT JOIN matches m ON m.mentor_agency = t.agency AND m.mentor_id = t.person_id
                           AND m.status IN ('proposed', 'accepted')
        GROUP BY t.agency, t.person_id ORDER BY t.agency, t.person_id
        """
    )


async def manager_starts(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT start_date, status FROM managers")


async def agency_figures(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Per agency: mentors given, mentors received, managers waiting."""
    return await conn.fetch(
        """
        WITH live AS (SELECT * FROM matches WHERE status IN ('proposed', 'accepted', 'ended'))
        SELECT agency, sum(given)::int AS mentors_given, sum(received)::int AS mentors_received,
               sum(waiting)::int AS managers_waiting
        FROM (
            SELECT mentor_agency AS agency, 1 AS given, 0 AS received, 0 AS waiting FROM live
            UNION ALL SELECT manager_agency, 0, 1, 0 FROM live
            UNION ALL SELECT agency, 0, 0, 1 FROM managers WHERE status = 'waiting'
        ) figures GROUP BY agency ORDER BY agency
        """
    )


async def forbidden_pairs(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT agency_a, agency_b FROM forbidden_agency_pairs ORDER BY agency_a, agency_b"
    )


async def forbid_pair(conn: asyncpg.Connection, a: str, b: str) -> None:
    await conn.execute(
        "INSERT INTO forbidden_agency_pairs VALUES ($1, $2) ON CONFLICT DO NOTHING", a, b
    )


async def allow_pair(conn: asyncpg.Connection, a: str, b: str) -> None:
    await conn.execute(
        "DELETE FROM forbidden_agency_pairs WHERE agency_a = $1 AND agency_b = $2", a, b
    )


def parties(row: asyncpg.Record) -> tuple[MatchParty, MatchParty]:
    return (
        MatchParty(
            agency=row["manager_agency"],
            person_id=row["manager_id"],
            name=row["manager_name"],
            email=row["manager_email"],
            title=row["manager_title"],
            language=mail_language(row["manager_languages"]),
        ),
        MatchParty(
            agency=row["mentor_agency"],
            person_id=row["mentor_id"],
            name=row["mentor_name"],
            email=row["mentor_email"],
            title=row["mentor_title"],
            language=mail_language(row["mentor_languages"]),
        ),
    )


# -- follow-up: reminders, check-ins, used links, figures, erasure ------------------------------


async def proposals_to_remind(
    conn: asyncpg.Connection, today: date, last_day: date
) -> list[asyncpg.Record]:
    """Proposals not reminded yet whose answer date is between `today` and `last_day`."""
    return await conn.fetch(
        f"{_MATCHES} WHERE m.status = 'proposed' AND m.reminded_on IS NULL "
        f"AND m.respond_by BETWEEN $1 AND $2 {_IN_ORDER} FOR UPDATE OF m",
        today,
        last_day,
    )


async def live_matches_of_person(
    conn: asyncpg.Connection, kind: str, person: Key
) -> list[asyncpg.Record]:
    column = "manager" if kind == "manager" else "mentor"
    return await conn.fetch(
        f"{_MATCHES} WHERE m.{column}_agency = $1 AND m.{column}_id = $2 AND {_LIVE} "
        f"{_IN_ORDER} FOR UPDATE OF m",
        *person,
    )


async def set_reminded(conn: asyncpg.Connection, match_id: str, today: date) -> None:
    await conn.execute("UPDATE matches SET reminded_on = $2 WHERE match_id = $1", match_id, today)


async def accepted_matches(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(f"{_MATCHES} WHERE m.status = 'accepted' {_IN_ORDER} FOR UPDATE OF m")


async def set_checkins_announced(
    conn: asyncpg.Connection, match_id: str, months: list[int]
) -> None:
    await conn.execute(
        "UPDATE matches SET checkins_announced = $2 WHERE match_id = $1", match_id, months
    )


async def use_link(conn: asyncpg.Connection, digest: bytes) -> bool:
    """True the first time a link is used."""
    return bool(
        await conn.fetchval(
            "INSERT INTO used_links (link_hash) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
            digest,
        )
    )


async def link_was_used(conn: asyncpg.Connection, digest: bytes) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM used_links WHERE link_hash = $1)", digest)
    )


async def save_checkin(
    conn: asyncpg.Connection,
    match_id: str,
    role: str,
    month: int,
    met: bool,
    meetings: int,
    satisfaction: int,
    comment: str | None,
) -> bool:
    """False when this person answered this month's check-in before."""
    return bool(
        await conn.fetchval(
            """
            INSERT INTO checkins (match_id, role, month, met, meetings, satisfaction, comment)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING true
            """,
            match_id,
            role,
            month,
            met,
            meetings,
            satisfaction,
            comment,
        )
    )


async def figures_input(
    conn: asyncpg.Connection,
) -> tuple[list[asyncpg.Record], list[asyncpg.Record], list[asyncpg.Record]]:
    """Pairs (every match ever accepted), check-in answers, waiting managers."""
    pairs = await conn.fetch(
        "SELECT match_id, manager_agency, mentor_agency, accepted_at, status, close_reason "
        "FROM matches WHERE accepted_at IS NOT NULL ORDER BY accepted_at, match_id"
    )
    answers = await conn.fetch(
        "SELECT match_id, month, met, satisfaction FROM checkins ORDER BY match_id, month, role"
    )
    waiting = await conn.fetch(
        "SELECT agency, person_id, unmatched_reason FROM managers WHERE status = 'waiting' "
        "ORDER BY waiting_since, agency, person_id"
    )
    return pairs, answers, waiting


async def people_named(conn: asyncpg.Connection, person_id: str) -> list[tuple[str, str, str]]:
    """(kind, agency, person_id) of the managers and mentors with this id, not yet erased."""
    rows = await conn.fetch(
        "SELECT 'manager' AS kind, agency, person_id FROM managers "
        "WHERE person_id = $1 AND erased_at IS NULL "
        "UNION ALL SELECT 'mentor', agency, person_id FROM mentors "
        "WHERE person_id = $1 AND erased_at IS NULL",
        person_id,
    )
    return [(r["kind"], r["agency"], r["person_id"]) for r in rows]


async def people_done_before(
    conn: asyncpg.Connection, cutoff: datetime
) -> list[tuple[str, str, str]]:
    """Managers and mentors with no live match whose last match closed before `cutoff`."""
    rows = await conn.fetch(
        """
        WITH people AS (
            SELECT 'manager' AS kind, manager_agency AS agency, manager_id AS person_id,
                   status, closed_at FROM matches
            UNION ALL
            SELECT 'mentor', mentor_agency, mentor_id, status, closed_at FROM matches
        )
        SELECT p.kind, p.agency, p.person_id FROM people p
        LEFT JOIN managers g ON p.kind = 'manager' AND g.agency = p.agency
             AND g.person_id = p.person_id
        LEFT JOIN mentors t ON p.kind = 'mentor' AND t.agency = p.agency
             AND t.person_id = p.person_id
        WHERE coalesce(g.erased_at, t.erased_at) IS NULL
        GROUP BY p.kind, p.agency, p.person_id
        HAVING bool_and(p.status NOT IN ('proposed', 'accepted')) AND max(p.closed_at) < $1
        ORDER BY 2, 3
        """,
        cutoff,
    )
    return [(r["kind"], r["agency"], r["person_id"]) for r in rows]


async def erase_person(
    conn: asyncpg.Connection, kind: str, agency: str, person_id: str, anonymous_id: str
) -> None:
    """Names, addresses, titles and the HR system's id go; agency and the figures stay."""
    table, column = ("managers", "manager") if kind == "manager" else ("mentors", "mentor")
    await conn.execute(
        f"""
        UPDATE {table} SET person_id = $3, name = '', email = '', title = '', unit = NULL,
            competence_areas = '{{}}', municipality = '', erased_at = now(),
            status = '{"completed" if kind == "manager" else "withdrawn"}'
        WHERE agency = $1 AND person_id = $2
        """,
        agency,
        person_id,
        anonymous_id,
    )
    await conn.execute(
        f"UPDATE excluded_pairs SET {column}_id = $3 "
        f"WHERE {column}_agency = $1 AND {column}_id = $2",
        agency,
        person_id,
        anonymous_id,
    )
    await conn.execute(
        f"UPDATE checkins c SET comment = NULL FROM matches m WHERE m.match_id = c.match_id "
        f"AND m.{column}_agency = $1 AND m.{column}_id = $2 AND c.role = '{column}'",
        agency,
        anonymous_id,
    )
