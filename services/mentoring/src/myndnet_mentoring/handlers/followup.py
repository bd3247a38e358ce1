"""What happens as the programme's time passes (`run_schedule`, for any date), and when people
answer through their own links: a proposal's answer, a check-in. Erasure of a person's data,
and the coordinator's figures."""

import asyncio
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg
from myndnet_kit.links import InvalidLink, link_digest, read_link
from myndnet_kit.logging import get_logger
from myndnet_kit.schedule import every
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.events import (
    CheckinDue,
    CheckinRecorded,
    EventData,
    MatchReminded,
    PersonErased,
)
from myndnet_schemas.events.mentoring import EndReason, Role

from myndnet_mentoring.adapters import programme as repository
from myndnet_mentoring.domain import followup
from myndnet_mentoring.domain.match import Actor, MatchError, MatchStatus, add_months
from myndnet_mentoring.handlers.programme import (
    Programme,
    _end,
    accept_match,
    announce,
    decline_match,
    end_programmes,
    expire_proposals,
    run_round,
)

log = get_logger(__name__)


def _moment(day: date) -> datetime:
    """The time a job run for `day` records: 07:00 in Stockholm that day."""
    return datetime.combine(day, time(7, 0), STOCKHOLM)


async def run_schedule(pool: asyncpg.Pool, programme: Programme, today: date) -> dict[str, int]:
    """Everything due on `today`: reminders, expiries, check-ins, endings, erasure. Running it
    twice for a day does nothing more the second time."""
    at = _moment(today)
    done = {"reminded": 0, "checkins": 0}
    async with pool.acquire() as conn, conn.transaction():
        last_day = today + timedelta(followup.REMINDER_DAYS_BEFORE)
        events: list[EventData] = []
        for row in await repository.proposals_to_remind(conn, today, last_day):
            waiting = [
                Role(role) for role in ("manager", "mentor") if row[f"{role}_accepted_at"] is None
            ]
            manager, mentor = repository.parties(row)
            events.append(
                MatchReminded(
                    match_id=row["match_id"],
                    manager=manager,
                    mentor=mentor,
                    at=at,
                    respond_by=row["respond_by"],
                    waiting_for=waiting,
                )
            )
            await repository.set_reminded(conn, row["match_id"], today)
        done["reminded"] = len(events)
        for row in await repository.accepted_matches(conn):
            accepted_on = row["accepted_at"].astimezone(STOCKHOLM).date()
            months = followup.checkins_due(accepted_on, row["checkins_announced"], today)
            if not months:
                continue
            # A schedule that jumped over several asks only the latest.
            month = months[-1]
            manager, mentor = repository.parties(row)
            events.append(
                CheckinDue(
                    match_id=row["match_id"],
                    manager=manager,
                    mentor=mentor,
                    at=at,
                    month=month,
                    answer_by=followup.checkin_answer_by(accepted_on, month),
                )
            )
            announced = sorted({*row["checkins_announced"], *months})
            await repository.set_checkins_announced(conn, row["match_id"], announced)
            done["checkins"] += 1
        await announce(conn, events)
    done["expired"] = await expire_proposals(pool, today, at)
    done["ended"] = await end_programmes(pool, today, at)
    done["erased"] = await erase_after_programme(pool, today, at)
    return done


# -- people's own links --------------------------------------------------------------------------


class LinkRefused(Exception):
    """The link cannot do this; the message says why, and `code` says it for the site, which
    words it in the person's language: forged, purpose, expired, unconfigured (from the link),
    used, closed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _read(key: str, token: str, purpose: str, today: date) -> tuple[str, ...]:
    try:
        return read_link(key, token, purpose, today).fields
    except InvalidLink as exc:
        raise LinkRefused(exc.code, str(exc)) from None


async def _view(conn: asyncpg.Connection, match_id: str, role: str) -> tuple[Any, dict[str, Any]]:
    row = await repository.match(conn, match_id)
    if row is None:
        raise LinkRefused("closed", "this proposal is no longer in the programme")
    manager, mentor = repository.parties(row)
    me, other = (manager, mentor) if role == "manager" else (mentor, manager)
    return row, {
        "match_id": match_id,
        "role": role,
        "status": row["status"],
        "you": {"name": me.name, "language": me.language},
        "other": {"name": other.name, "title": other.title, "agency": other.agency},
        "reasons": list(row["reasons"]),
        "respond_by": row["respond_by"].isoformat(),
        "you_accepted": row[f"{role}_accepted_at"] is not None,
    }


async def show_proposal(
    conn: asyncpg.Connection, key: str, token: str, today: date
) -> dict[str, Any]:
    """What the person sees before answering; changes nothing."""
    match_id, role = _read(key, token, followup.ANSWER_LINK, today)
    _row, view = await _view(conn, match_id, role)
    view["answered"] = await repository.link_was_used(conn, link_digest(token))
    return view


async def answer_proposal(
    conn: asyncpg.Connection,
    key: str,
    token: str,
    accept: bool,
    programme: Programme,
    today: date,
) -> dict[str, Any]:
    """The person's own answer, once: accept (the match starts when both have) or decline."""
    match_id, role = _read(key, token, followup.ANSWER_LINK, today)
    async with conn.transaction():
        if not await repository.use_link(conn, link_digest(token)):
            raise LinkRefused("used", "you have already answered with this link")
        try:
            if accept:
                await accept_match(conn, match_id, Actor(role), programme)
            else:
                await decline_match(conn, match_id, Actor(role))
        except MatchError:
            raise LinkRefused(
                "closed", "the proposal has already been answered or has expired"
            ) from None
    _row, view = await _view(conn, match_id, role)
    return view


async def show_checkin(
    conn: asyncpg.Connection, key: str, token: str, today: date
) -> dict[str, Any]:
    match_id, role, month = _read(key, token, followup.CHECKIN_LINK, today)
    _row, view = await _view(conn, match_id, role)
    view["month"] = int(month)
    view["answered"] = await repository.link_was_used(conn, link_digest(token))
    return view


async def record_checkin(
    conn: asyncpg.Connection,
    key: str,
    token: str,
    checkin: followup.Checkin,
    today: date,
    at: datetime | None = None,
) -> dict[str, Any]:
    match_id, role, month = _read(key, token, followup.CHECKIN_LINK, today)
    async with conn.transaction():
        if not await repository.use_link(conn, link_digest(token)):
            raise LinkRefused("used", "you have already answered this check-in")
        row = await repository.match(conn, match_id)
        if row is None or row["status"] not in (MatchStatus.ACCEPTED, MatchStatus.ENDED):
            raise LinkRefused("closed", "this mentorship is no longer in the programme")
        saved = await repository.save_checkin(
            conn,
            match_id,
            role,
            int(month),
            checkin.met,
            checkin.meetings,
            checkin.satisfaction,
            checkin.comment,
        )
        if not saved:
            raise LinkRefused("used", "you have already answered this check-in")
        await announce(
            conn,
            [
                CheckinRecorded(
                    match_id=match_id,
                    role=Role(role),
                    month=int(month),
                    met=checkin.met,
                    meetings=checkin.meetings,
                    satisfaction=checkin.satisfaction,
                    at=at or datetime.now(STOCKHOLM),
                )
            ],
        )
    return {"match_id": match_id, "role": role, "month": int(month), "recorded": True}


# -- personal data -----------------------------------------------------------------------------


async def _erase(
    conn: asyncpg.Connection, people: list[tuple[str, str, str]], at: datetime
) -> list[EventData]:
    events: list[EventData] = []
    for kind, agency, person_id in people:
        live = await repository.live_matches_of_person(conn, kind, (agency, person_id))
        # An erased manager leaves the programme; an erased mentor's mentees wait again.
        manager_status = "completed" if kind == "manager" else "waiting"
        events += [await _end(conn, row, EndReason.OPERATOR, at, manager_status) for row in live]
        await repository.erase_person(
            conn, kind, agency, person_id, f"erased-{uuid.uuid4().hex[:12]}"
        )
        events.append(PersonErased(agency=agency, person_id=person_id, at=at))
    return events


async def erase_person(conn: asyncpg.Connection, person_id: str, at: datetime) -> int:
    """On request: the person's live matches end, then their data goes (and notify's copies,
    told by `person.erased`)."""
    async with conn.transaction():
        people = await repository.people_named(conn, person_id)
        await announce(conn, await _erase(conn, people, at))
    if people:
        log.info("a person's data was erased on request", count=len(people))
    return len(people)


async def erase_after_programme(pool: asyncpg.Pool, today: date, at: datetime) -> int:
    cutoff = datetime.combine(add_months(today, -followup.ERASED_AFTER_MONTHS), time(0), STOCKHOLM)
    async with pool.acquire() as conn, conn.transaction():
        people = await repository.people_done_before(conn, cutoff)
        await announce(conn, await _erase(conn, people, at))
    return len(people)


async def programme_figures(conn: asyncpg.Connection, today: date) -> dict[str, Any]:
    pairs, answers, waiting = await repository.figures_input(conn)
    return followup.figures(
        [
            followup.Pair(
                r["match_id"],
                r["manager_agency"],
                r["mentor_agency"],
                r["accepted_at"].astimezone(STOCKHOLM).date(),
                r["status"],
                r["close_reason"],
            )
            for r in pairs
        ],
        [followup.Answer(r["match_id"], r["month"], r["met"], r["satisfaction"]) for r in answers],
        [(r["agency"], r["person_id"], r["unmatched_reason"]) for r in waiting],
        today,
    )


async def keep_programme_running(
    pool: asyncpg.Pool, programme: Programme, round_seconds: float, jobs_seconds: float = 60.0
) -> None:
    """What is due today every `jobs_seconds`, a matching round every `round_seconds`."""

    async def due_today() -> None:
        await run_schedule(pool, programme, stockholm_today())

    async def matching_round() -> None:
        await run_round(pool, programme)

    await asyncio.gather(
        every(jobs_seconds, due_today, "the programme's schedule"),
        every(round_seconds, matching_round, "the matching round"),
    )
