"""The programme's tables: rows in, domain objects out."""

from collections.abc import Mapping
from datetime import date, datetime

import asyncpg
from myndnet_kit.store import PostgresStore
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.topics import MENTORING_MATCHES

from myndnet_mentoring.domain.followup import Answer, Checkin, Pair, Waiting, mail_language
from myndnet_mentoring.domain.match import ManagerStatus, Match, MatchStatus, Pairing, Party
from myndnet_mentoring.domain.matching import Candidate, Key, Mentor, Rules
from myndnet_mentoring.domain.people import (
    AgencyFlow,
    Manager,
    Person,
    Volunteer,
    VolunteerStatus,
)

_ROUND_LOCK = 0x6D617463  # "matc"

SAVE_MANAGER = """
INSERT INTO managers (agency, person_id, name, email, title, unit, start_date,
                      competence_areas, languages, municipality, status, waiting_since)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce($12, now()))
ON CONFLICT (agency, person_id) DO UPDATE SET
    name = EXCLUDED.name, email = EXCLUDED.email, title = EXCLUDED.title,
    unit = EXCLUDED.unit, start_date = EXCLUDED.start_date,
    competence_areas = EXCLUDED.competence_areas, languages = EXCLUDED.languages,
    municipality = EXCLUDED.municipality
"""

SAVE_VOLUNTEER = """
INSERT INTO mentors (agency, person_id, name, email, title, unit, competence_areas,
                     languages, municipality, years_as_manager, capacity, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active')
ON CONFLICT (agency, person_id) DO UPDATE SET
    name = EXCLUDED.name, email = EXCLUDED.email, title = EXCLUDED.title,
    unit = EXCLUDED.unit, competence_areas = EXCLUDED.competence_areas,
    languages = EXCLUDED.languages, municipality = EXCLUDED.municipality,
    years_as_manager = EXCLUDED.years_as_manager, capacity = EXCLUDED.capacity,
    status = 'active'
"""

VOLUNTEERS = """
SELECT t.agency, t.person_id, t.name, t.email, t.title, t.unit, t.competence_areas,
       t.languages, t.municipality, t.years_as_manager, t.capacity, t.status, t.erased_at,
       count(m.match_id)::int AS current_mentees
FROM mentors t
LEFT JOIN matches m ON m.mentor_agency = t.agency AND m.mentor_id = t.person_id
                   AND m.status IN ('proposed', 'accepted')
GROUP BY t.agency, t.person_id ORDER BY t.agency, t.person_id
"""

BALANCE = """
SELECT agency, sum(received) AS received, sum(given) AS given FROM (
    SELECT manager_agency AS agency, 1 AS received, 0 AS given FROM matches
    WHERE status IN ('proposed', 'accepted', 'ended')
    UNION ALL
    SELECT mentor_agency, 0, 1 FROM matches
    WHERE status IN ('proposed', 'accepted', 'ended')
) flow GROUP BY agency
"""

MATCHES = """
SELECT m.*, g.name AS manager_name, g.email AS manager_email, g.title AS manager_title,
    g.languages AS manager_languages, t.name AS mentor_name, t.email AS mentor_email,
    t.title AS mentor_title, t.languages AS mentor_languages
FROM matches m
JOIN managers g ON g.agency = m.manager_agency AND g.person_id = m.manager_id
JOIN mentors t ON t.agency = m.mentor_agency AND t.person_id = m.mentor_id
"""
LIVE = "m.status IN ('proposed', 'accepted')"
IN_ORDER = "ORDER BY m.proposed_at, m.match_id"
LOCKED = f"{IN_ORDER} FOR UPDATE OF m"

AGENCY_FLOWS = """
WITH live AS (SELECT * FROM matches WHERE status IN ('proposed', 'accepted', 'ended'))
SELECT agency, sum(given)::int AS mentors_given, sum(received)::int AS mentors_received,
       sum(waiting)::int AS managers_waiting
FROM (
    SELECT mentor_agency AS agency, 1 AS given, 0 AS received, 0 AS waiting FROM live
    UNION ALL SELECT manager_agency, 0, 1, 0 FROM live
    UNION ALL SELECT agency, 0, 0, 1 FROM managers WHERE status = 'waiting'
) figures GROUP BY agency ORDER BY agency
"""

PEOPLE_DONE_BEFORE = """
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
ORDER BY 2, 3, 1
"""


def manager_of(r: asyncpg.Record) -> Manager:
    return Manager(
        r["agency"],
        r["person_id"],
        r["name"],
        r["email"],
        r["title"],
        r["unit"],
        r["start_date"],
        tuple(r["competence_areas"]),
        tuple(r["languages"]),
        r["municipality"],
        ManagerStatus(r["status"]),
        r["waiting_since"],
        r["unmatched_reason"],
        r["erased_at"],
    )


def volunteer_of(r: asyncpg.Record) -> Volunteer:
    return Volunteer(
        r["agency"],
        r["person_id"],
        r["name"],
        r["email"],
        r["title"],
        r["unit"],
        tuple(r["competence_areas"]),
        tuple(r["languages"]),
        r["municipality"],
        r["years_as_manager"],
        r["capacity"],
        VolunteerStatus(r["status"]),
        r["current_mentees"],
        r["erased_at"],
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
        score=row["score"],
        reasons=tuple(row["reasons"]),
        proposed_at=row["proposed_at"],
        reminded_on=row["reminded_on"],
        checkins_announced=tuple(row["checkins_announced"]),
    )


def pairing_of(row: asyncpg.Record) -> Pairing:
    def party(role: str) -> Party:
        return Party(
            agency=row[f"{role}_agency"],
            person_id=row[f"{role}_id"],
            name=row[f"{role}_name"],
            email=row[f"{role}_email"],
            title=row[f"{role}_title"],
            language=mail_language(row[f"{role}_languages"]),
        )

    return Pairing(match_of(row), party("manager"), party("mentor"))


class PostgresMentoring(PostgresStore):
    def __init__(self, conn: asyncpg.Connection, matches_topic: str = MENTORING_MATCHES) -> None:
        super().__init__(conn)
        self.matches_topic = matches_topic  # where the matches' events go

    async def _pairings(self, where: str, *args: object) -> list[Pairing]:
        return [pairing_of(r) for r in await self.conn.fetch(f"{MATCHES} {where}", *args)]

    # -- people ----------------------------------------------------------------------------

    async def save_manager(self, manager: Manager) -> None:
        m = manager
        await self.conn.execute(
            SAVE_MANAGER,
            m.agency,
            m.person_id,
            m.name,
            m.email,
            m.title,
            m.unit,
            m.start_date,
            list(m.competence_areas),
            list(m.languages),
            m.municipality,
            m.status.value,
            m.waiting_since,
        )

    async def save_volunteer(self, volunteer: Volunteer) -> None:
        v = volunteer
        await self.conn.execute(
            SAVE_VOLUNTEER,
            v.agency,
            v.person_id,
            v.name,
            v.email,
            v.title,
            v.unit,
            list(v.competence_areas),
            list(v.languages),
            v.municipality,
            v.years_as_manager,
            v.capacity,
        )

    async def withdraw_volunteer(self, mentor: Key) -> bool:
        status = await self.conn.fetchval(
            "UPDATE mentors SET status = 'withdrawn' WHERE agency = $1 AND person_id = $2 "
            "RETURNING status",
            *mentor,
        )
        return status is not None

    async def set_manager_status(
        self, manager: Key, status: ManagerStatus, *, clear_reason: bool = False
    ) -> None:
        await self.conn.execute(
            "UPDATE managers SET status = $3, "
            "unmatched_reason = CASE WHEN $4 THEN NULL ELSE unmatched_reason END "
            "WHERE agency = $1 AND person_id = $2",
            *manager,
            status.value,
            clear_reason,
        )

    async def agency_left(self, agency: str) -> None:
        await self.conn.execute("UPDATE mentors SET status = 'withdrawn' WHERE agency = $1", agency)
        await self.conn.execute(
            "UPDATE managers SET status = 'completed' WHERE agency = $1 AND status = 'waiting'",
            agency,
        )

    async def managers(self, status: ManagerStatus | None = None) -> list[Manager]:
        rows = await self.conn.fetch(
            "SELECT * FROM managers WHERE $1::text IS NULL OR status = $1 "
            "ORDER BY waiting_since, agency, person_id",
            None if status is None else status.value,
        )
        return [manager_of(r) for r in rows]

    async def volunteers(self) -> list[Volunteer]:
        return [volunteer_of(r) for r in await self.conn.fetch(VOLUNTEERS)]

    # -- a matching round ------------------------------------------------------------------

    async def one_round_at_a_time(self) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock($1)", _ROUND_LOCK)

    async def candidates(self, now: datetime) -> list[Candidate]:
        rows = await self.conn.fetch(
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

    async def mentors_with_places(self) -> list[Mentor]:
        return [
            Mentor(
                v.key,
                frozenset(v.competence_areas),
                frozenset(v.languages),
                v.municipality,
                v.years_as_manager,
                v.free_places,
            )
            for v in await self.volunteers()
            if v.free_places > 0
        ]

    async def rules(self) -> Rules:
        excluded = await self.conn.fetch("SELECT * FROM excluded_pairs")
        flows = await self.conn.fetch(BALANCE)
        return Rules(
            excluded_pairs=frozenset(
                ((r["manager_agency"], r["manager_id"]), (r["mentor_agency"], r["mentor_id"]))
                for r in excluded
            ),
            forbidden_agency_pairs=frozenset(frozenset(p) for p in await self.forbidden_pairs()),
            agency_balance={
                r["agency"]: (r["received"] - r["given"]) / (r["received"] + r["given"])
                for r in flows
            },
        )

    async def record_unmatched(self, reasons: Mapping[Key, str]) -> None:
        if reasons:
            items = sorted(reasons.items())
            await self.conn.execute(
                "UPDATE managers m SET unmatched_reason = r.reason "
                "FROM unnest($1::text[], $2::text[], $3::text[]) AS r(agency, person_id, reason) "
                "WHERE m.agency = r.agency AND m.person_id = r.person_id",
                [k[0] for k, _ in items],
                [k[1] for k, _ in items],
                [v for _, v in items],
            )

    async def exclude_pair(self, manager: Key, mentor: Key) -> None:
        await self.conn.execute(
            "INSERT INTO excluded_pairs VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            *manager,
            *mentor,
        )

    # -- matches ---------------------------------------------------------------------------

    async def add_match(self, match: Match) -> None:
        await self.conn.execute(
            """
            INSERT INTO matches (match_id, manager_agency, manager_id, mentor_agency, mentor_id,
                                 status, score, reasons, proposed_at, respond_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            match.match_id,
            *match.manager,
            *match.mentor,
            match.status.value,
            match.score,
            list(match.reasons),
            match.proposed_at,
            match.respond_by,
        )

    async def save_match(self, match: Match) -> None:
        await self.conn.execute(
            """
            UPDATE matches SET status = $2, manager_accepted_at = $3, mentor_accepted_at = $4,
                               accepted_at = $5, ends_on = $6, closed_at = $7, close_reason = $8,
                               reminded_on = $9, checkins_announced = $10
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
            match.reminded_on,
            list(match.checkins_announced),
        )

    async def pairing(self, match_id: str, *, for_update: bool = False) -> Pairing | None:
        lock = " FOR UPDATE OF m" if for_update else ""
        found = await self._pairings(f"WHERE m.match_id = $1{lock}", match_id)
        return found[0] if found else None

    async def pairings(self, status: str | None = None) -> list[Pairing]:
        return await self._pairings(f"WHERE $1::text IS NULL OR m.status = $1 {IN_ORDER}", status)

    async def live_pairings_of(self, kind: str, person: Key) -> list[Pairing]:
        role = "manager" if kind == "manager" else "mentor"
        return await self._pairings(
            f"WHERE m.{role}_agency = $1 AND m.{role}_id = $2 AND {LIVE} {LOCKED}", *person
        )

    async def live_pairings_of_agency(self, agency: str) -> list[Pairing]:
        return await self._pairings(
            f"WHERE (m.manager_agency = $1 OR m.mentor_agency = $1) AND {LIVE} {LOCKED}", agency
        )

    async def unanswered_proposals(self, today: date) -> list[Pairing]:
        return await self._pairings(
            f"WHERE m.status = 'proposed' AND m.respond_by < $1 {LOCKED}", today
        )

    async def programmes_ending(self, today: date) -> list[Pairing]:
        return await self._pairings(
            f"WHERE m.status = 'accepted' AND m.ends_on <= $1 {LOCKED}", today
        )

    async def proposals_to_remind(self, today: date, last_day: date) -> list[Pairing]:
        return await self._pairings(
            "WHERE m.status = 'proposed' AND m.reminded_on IS NULL "
            f"AND m.respond_by BETWEEN $1 AND $2 {LOCKED}",
            today,
            last_day,
        )

    async def accepted_pairings(self) -> list[Pairing]:
        return await self._pairings(f"WHERE m.status = 'accepted' {LOCKED}")

    # -- forbidden agency pairs ------------------------------------------------------------

    async def forbidden_pairs(self) -> list[tuple[str, str]]:
        rows = await self.conn.fetch(
            "SELECT agency_a, agency_b FROM forbidden_agency_pairs ORDER BY agency_a, agency_b"
        )
        return [(r["agency_a"], r["agency_b"]) for r in rows]

    async def forbid_pair(self, a: str, b: str) -> None:
        await self.conn.execute(
            "INSERT INTO forbidden_agency_pairs VALUES ($1, $2) ON CONFLICT DO NOTHING", a, b
        )

    async def allow_pair(self, a: str, b: str) -> None:
        await self.conn.execute(
            "DELETE FROM forbidden_agency_pairs WHERE agency_a = $1 AND agency_b = $2", a, b
        )

    # -- people's own links, check-ins -----------------------------------------------------

    async def use_link(self, digest: bytes) -> bool:
        return bool(
            await self.conn.fetchval(
                "INSERT INTO used_links (link_hash) VALUES ($1) ON CONFLICT DO NOTHING "
                "RETURNING true",
                digest,
            )
        )

    async def link_was_used(self, digest: bytes) -> bool:
        return bool(
            await self.conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM used_links WHERE link_hash = $1)", digest
            )
        )

    async def save_checkin(self, match_id: str, role: str, month: int, checkin: Checkin) -> bool:
        return bool(
            await self.conn.fetchval(
                """
                INSERT INTO checkins (match_id, role, month, met, meetings, satisfaction, comment)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING true
                """,
                match_id,
                role,
                month,
                checkin.met,
                checkin.meetings,
                checkin.satisfaction,
                checkin.comment,
            )
        )

    # -- figures ---------------------------------------------------------------------------

    async def agency_flows(self) -> list[AgencyFlow]:
        return [AgencyFlow(**r) for r in await self.conn.fetch(AGENCY_FLOWS)]

    async def figures_input(
        self,
    ) -> tuple[list[Pair], list[Answer], list[Waiting]]:
        pairs = await self.conn.fetch(
            "SELECT match_id, manager_agency, mentor_agency, accepted_at, status, close_reason "
            "FROM matches WHERE accepted_at IS NOT NULL ORDER BY accepted_at, match_id"
        )
        answers = await self.conn.fetch(
            "SELECT match_id, month, met, satisfaction FROM checkins ORDER BY match_id, month, role"
        )
        waiting = await self.conn.fetch(
            "SELECT agency, person_id, unmatched_reason, waiting_since FROM managers "
            "WHERE status = 'waiting' "
            "ORDER BY waiting_since, agency, person_id"
        )
        return (
            [
                Pair(
                    r["match_id"],
                    r["manager_agency"],
                    r["mentor_agency"],
                    r["accepted_at"].astimezone(STOCKHOLM).date(),
                    r["status"],
                    r["close_reason"],
                )
                for r in pairs
            ],
            [Answer(r["match_id"], r["month"], r["met"], r["satisfaction"]) for r in answers],
            [
                Waiting(
                    r["agency"],
                    r["person_id"],
                    r["unmatched_reason"],
                    r["waiting_since"].astimezone(STOCKHOLM).date(),
                )
                for r in waiting
            ],
        )

    # -- personal data ---------------------------------------------------------------------

    async def people_named(self, person_id: str) -> list[Person]:
        rows = await self.conn.fetch(
            "SELECT 'manager' AS kind, agency, person_id FROM managers "
            "WHERE person_id = $1 AND erased_at IS NULL "
            "UNION ALL SELECT 'mentor', agency, person_id FROM mentors "
            "WHERE person_id = $1 AND erased_at IS NULL ORDER BY 2, 1",
            person_id,
        )
        return [Person(*r) for r in rows]

    async def people_done_before(self, cutoff: datetime) -> list[Person]:
        return [Person(*r) for r in await self.conn.fetch(PEOPLE_DONE_BEFORE, cutoff)]

    async def erase_person(self, person: Person, anonymous_id: str) -> None:
        manager = person.kind == "manager"
        table, column = ("managers", "manager") if manager else ("mentors", "mentor")
        await self.conn.execute(
            f"""
            UPDATE {table} SET person_id = $3, name = '', email = '', title = '', unit = NULL,
                competence_areas = '{{}}', municipality = '', erased_at = now(),
                status = '{"completed" if manager else "withdrawn"}'
            WHERE agency = $1 AND person_id = $2
            """,
            person.agency,
            person.person_id,
            anonymous_id,
        )
        await self.conn.execute(
            f"UPDATE excluded_pairs SET {column}_id = $3 "
            f"WHERE {column}_agency = $1 AND {column}_id = $2",
            person.agency,
            person.person_id,
            anonymous_id,
        )
        await self.conn.execute(
            f"UPDATE checkins c SET comment = NULL FROM matches m WHERE m.match_id = c.match_id "
            f"AND m.{column}_agency = $1 AND m.{column}_id = $2 AND c.role = '{column}'",
            person.agency,
            anonymous_id,
        )
