"""Exchange's store on PostgreSQL: assignments, interests, skills profiles, and in the same
transaction the outbox and the requests to notify."""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import asyncpg
from myndnet_kit import notify_requests
from myndnet_kit.store import PostgresStore
from myndnet_schemas.events.exchange import Step
from myndnet_schemas.vocabulary import AssignmentKind, OpenTo, RemoteWork

from myndnet_exchange.domain.assignments import (
    Assignment,
    AssignmentState,
    Interest,
    InterestState,
    Letter,
)
from myndnet_exchange.domain.profiles import Profile

ASSIGNMENT = """host, assignment_id, revision, title, description, skills, percent, first_day,
    last_day, municipality, remote, kind, answer_by, state, posted_at"""
INTEREST = """interest_id, host, assignment_id, email, home, note, language, state, step_since,
    reminded, declined_step"""
PROFILE = "email, agency, skills, languages, open_to, summary, updated_at, used_at"


def _assignment(row: asyncpg.Record) -> Assignment:
    return Assignment(
        host=row["host"],
        assignment_id=row["assignment_id"],
        revision=row["revision"],
        title=row["title"],
        description=row["description"],
        skills=tuple(row["skills"]),
        percent=row["percent"],
        first_day=row["first_day"],
        last_day=row["last_day"],
        municipality=row["municipality"],
        remote=RemoteWork(row["remote"]),
        kind=AssignmentKind(row["kind"]),
        answer_by=row["answer_by"],
        state=AssignmentState(row["state"]),
        posted_at=row["posted_at"],
    )


def _interest(row: asyncpg.Record) -> Interest:
    return Interest(
        row["interest_id"],
        row["host"],
        row["assignment_id"],
        row["email"],
        row["home"],
        row["note"],
        row["language"],
        InterestState(row["state"]),
        row["step_since"],
        row["reminded"],
        Step(row["declined_step"]) if row["declined_step"] else None,
    )


def _profile(row: asyncpg.Record) -> Profile:
    return Profile(
        row["email"],
        row["agency"],
        tuple(row["skills"]),
        tuple(row["languages"]),
        tuple(OpenTo(o) for o in row["open_to"]),
        row["summary"],
        row["updated_at"],
        row["used_at"],
    )


SAVE_ASSIGNMENTS = f"""
INSERT INTO assignments ({ASSIGNMENT})
SELECT host, assignment_id, revision, title, description,
       ARRAY(SELECT jsonb_array_elements_text(skills)), percent, first_day, last_day,
       municipality, remote, kind, answer_by, state, posted_at
FROM jsonb_to_recordset($1::jsonb) AS a(
    host text, assignment_id text, revision integer, title text, description text,
    skills jsonb, percent integer, first_day date, last_day date, municipality text,
    remote text, kind text, answer_by date, state text, posted_at timestamptz)
ON CONFLICT (host, assignment_id) DO UPDATE SET
    revision = EXCLUDED.revision, title = EXCLUDED.title, description = EXCLUDED.description,
    skills = EXCLUDED.skills, percent = EXCLUDED.percent, first_day = EXCLUDED.first_day,
    last_day = EXCLUDED.last_day, municipality = EXCLUDED.municipality,
    remote = EXCLUDED.remote, kind = EXCLUDED.kind, answer_by = EXCLUDED.answer_by,
    state = EXCLUDED.state, updated_at = now(),
    agreed_at = CASE WHEN EXCLUDED.state = 'agreed' AND assignments.state <> 'agreed'
                     THEN now() ELSE assignments.agreed_at END
"""

SAVE_INTERESTS = f"""
INSERT INTO interests ({INTEREST})
SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
    interest_id text, host text, assignment_id text, email text, home text, note text,
    language text, state text, step_since date, reminded boolean, declined_step text)
ON CONFLICT (interest_id) DO UPDATE SET
    state = EXCLUDED.state, step_since = EXCLUDED.step_since, reminded = EXCLUDED.reminded,
    declined_step = EXCLUDED.declined_step
"""


def _json(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    return value


class PostgresExchange(PostgresStore):
    # -- assignments ----------------------------------------------------------------------

    async def assignments(
        self, keys: Sequence[tuple[str, str]], *, for_update: bool = False
    ) -> dict[tuple[str, str], Assignment]:
        if not keys:
            return {}
        lock = " FOR UPDATE" if for_update else ""
        rows = await self.conn.fetch(
            f"SELECT {ASSIGNMENT} FROM assignments WHERE (host, assignment_id) IN "
            "(SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY host, assignment_id" + lock,
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return {(r["host"], r["assignment_id"]): _assignment(r) for r in rows}

    async def assignment(
        self, host: str, assignment_id: str, *, for_update: bool = False
    ) -> Assignment | None:
        return (await self.assignments([(host, assignment_id)], for_update=for_update)).get(
            (host, assignment_id)
        )

    async def save_assignments(self, assignments: Sequence[Assignment]) -> None:
        if assignments:
            rows = [{k: _json(v) for k, v in asdict(a).items()} for a in assignments]
            await self.conn.execute(SAVE_ASSIGNMENTS, rows)

    async def open_assignments(self, today: date) -> list[Assignment]:
        rows = await self.conn.fetch(
            f"SELECT {ASSIGNMENT} FROM assignments WHERE state = 'open' AND answer_by >= $1 "
            "ORDER BY answer_by, host, assignment_id",
            today,
        )
        return [_assignment(r) for r in rows]

    async def open_of(self, host: str) -> list[Assignment]:
        rows = await self.conn.fetch(
            f"SELECT {ASSIGNMENT} FROM assignments WHERE state = 'open' AND host = $1 "
            "ORDER BY assignment_id FOR UPDATE",
            host,
        )
        return [_assignment(r) for r in rows]

    async def past_answer_date(self, today: date) -> list[Assignment]:
        rows = await self.conn.fetch(
            f"SELECT {ASSIGNMENT} FROM assignments WHERE state = 'open' AND answer_by < $1 "
            "ORDER BY host, assignment_id FOR UPDATE",
            today,
        )
        return [_assignment(r) for r in rows]

    # -- interests ------------------------------------------------------------------------

    async def interests_in(
        self, keys: Sequence[tuple[str, str]], *, for_update: bool = False
    ) -> dict[tuple[str, str], list[Interest]]:
        found: dict[tuple[str, str], list[Interest]] = {k: [] for k in keys}
        if not keys:
            return found
        lock = " FOR UPDATE" if for_update else ""
        rows = await self.conn.fetch(
            f"SELECT {INTEREST} FROM interests WHERE (host, assignment_id) IN "
            "(SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY created_at, interest_id"
            + lock,
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        for r in rows:
            found.setdefault((r["host"], r["assignment_id"]), []).append(_interest(r))
        return found

    async def interest(self, interest_id: str, *, for_update: bool = False) -> Interest | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT {INTEREST} FROM interests WHERE interest_id = $1" + lock, interest_id
        )
        return _interest(row) if row else None

    async def interests_of(self, email: str) -> list[Interest]:
        rows = await self.conn.fetch(
            f"SELECT {INTEREST} FROM interests WHERE email = $1 ORDER BY created_at DESC", email
        )
        return [_interest(r) for r in rows]

    async def pending_interests(self) -> list[Interest]:
        rows = await self.conn.fetch(
            f"SELECT {INTEREST} FROM interests WHERE state IN ('interested', 'picked', 'approved') "
            "AND NOT reminded ORDER BY step_since, interest_id FOR UPDATE"
        )
        return [_interest(r) for r in rows]

    async def save_interests(self, interests: Sequence[Interest]) -> None:
        if interests:
            rows = [{k: _json(v) for k, v in asdict(i).items()} for i in interests]
            await self.conn.execute(SAVE_INTERESTS, rows)

    async def forget_interests_of(self, email: str) -> list[str]:
        """The address goes from every interest that has ended (the rows stay for the figures);
        the ids, for notify to forget them too. One still under way is kept: it is withdrawn by
        declining it."""
        rows = await self.conn.fetch(
            "UPDATE interests SET email = 'erased:' || interest_id, note = '' "
            "WHERE email = $1 AND state IN ('agreed', 'declined', 'closed') "
            "RETURNING interest_id",
            email,
        )
        return [r["interest_id"] for r in rows]

    # -- letters --------------------------------------------------------------------------

    async def queue_letters(self, letters: Sequence[Letter]) -> None:
        await notify_requests.queue_letters(self.conn, letters)

    async def queue_forget(self, recipient_refs: Sequence[str]) -> None:
        await notify_requests.queue_forget(self.conn, recipient_refs)

    # -- profiles -------------------------------------------------------------------------

    async def profile(self, email: str) -> Profile | None:
        row = await self.conn.fetchrow(
            f"UPDATE profiles SET used_at = now() WHERE email = $1 RETURNING {PROFILE}", email
        )
        return _profile(row) if row else None

    async def save_profile(self, profile: Profile) -> Profile:
        row = await self.conn.fetchrow(
            f"""INSERT INTO profiles ({PROFILE}) VALUES ($1, $2, $3, $4, $5, $6, now(), now())
            ON CONFLICT (email) DO UPDATE SET agency = EXCLUDED.agency,
                skills = EXCLUDED.skills, languages = EXCLUDED.languages,
                open_to = EXCLUDED.open_to, summary = EXCLUDED.summary,
                updated_at = now(), used_at = now()
            RETURNING {PROFILE}""",
            profile.email,
            profile.agency,
            list(profile.skills),
            list(profile.languages),
            [o.value for o in profile.open_to],
            profile.summary,
        )
        return _profile(row)

    async def remove_profile(self, email: str) -> bool:
        return await self.conn.fetchval(
            "WITH gone AS (DELETE FROM profiles WHERE email = $1 RETURNING 1) "
            "SELECT count(*) > 0 FROM gone",
            email,
        )

    async def search_profiles(
        self, skills: Sequence[str], language: str | None, open_to: OpenTo | None, limit: int
    ) -> list[Profile]:
        """Profiles with every skill asked for (compared without case), newest first."""
        rows = await self.conn.fetch(
            f"""SELECT {PROFILE} FROM profiles p
            WHERE (SELECT bool_and(EXISTS (
                       SELECT 1 FROM unnest(p.skills) s
                       WHERE lower(btrim(s)) = lower(btrim(wanted))))
                   FROM unnest($1::text[]) wanted) IS NOT FALSE
              AND ($2::text IS NULL OR $2 = ANY (languages))
              AND ($3::text IS NULL OR $3 = ANY (open_to))
            ORDER BY updated_at DESC, email LIMIT $4""",
            list(skills),
            language,
            open_to.value if open_to else None,
            limit,
        )
        return [_profile(r) for r in rows]

    # -- figures --------------------------------------------------------------------------

    async def figures(self, first: datetime, after: datetime) -> dict[str, Any]:
        """Per agency: assignments posted and agreed in the period; the moves between agencies
        (home to host) agreed in it, by month."""
        per = await self.conn.fetch(
            """SELECT host AS agency,
                      count(*) FILTER (WHERE posted_at >= $1 AND posted_at < $2) AS posted,
                      count(*) FILTER (WHERE agreed_at >= $1 AND agreed_at < $2) AS agreed
               FROM assignments GROUP BY host ORDER BY host""",
            first,
            after,
        )
        moves = await self.conn.fetch(
            """SELECT to_char(a.agreed_at AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM') AS period,
                      i.home AS "from", a.host AS "to", count(*) AS n
               FROM assignments a JOIN interests i
                 ON i.host = a.host AND i.assignment_id = a.assignment_id AND i.state = 'agreed'
               WHERE a.agreed_at >= $1 AND a.agreed_at < $2
               GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
            first,
            after,
        )
        agencies = [dict(r) for r in per if r["posted"] or r["agreed"]]
        return {
            "agencies": agencies,
            "network": {
                "posted": sum(a["posted"] for a in agencies),
                "agreed": sum(a["agreed"] for a in agencies),
            },
            "moves": [
                {"period": r["period"], "from": r["from"], "to": r["to"], "count": r["n"]}
                for r in moves
            ],
        }
