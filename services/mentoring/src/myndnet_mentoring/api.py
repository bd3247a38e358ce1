"""HTTP for operators (right `mentoring:operate`): people, matches, rounds, answers, the
schedule, figures and erasure; and, for the public site, what a person's own answer or check-in
link shows and does (the link itself is the permission)."""

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from myndnet_kit.auth import require_operator
from myndnet_kit.web import pool_of, service_of
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.topics import validate_agency_code
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from myndnet_mentoring.adapters import programme as repository
from myndnet_mentoring.domain.followup import Checkin, CheckinInvalid, figures_csv
from myndnet_mentoring.domain.match import Actor, MatchConflict, MatchNotFound, cohort_of
from myndnet_mentoring.handlers import followup
from myndnet_mentoring.handlers import programme as handlers

router = APIRouter(tags=["mentoring"], dependencies=[require_operator("mentoring:operate")])
links = APIRouter(tags=["people's own links"])
AgencyCode = Annotated[str, AfterValidator(validate_agency_code)]


def programme(request: Request) -> handlers.Programme:
    return service_of(request).api.state.programme


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except MatchNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except MatchConflict as exc:
        raise HTTPException(409, str(exc)) from None


def _when(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def match_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "match_id": row["match_id"],
        "status": row["status"],
        "score": row["score"],
        "reasons": list(row["reasons"]),
        "manager": {
            "agency": row["manager_agency"],
            "person_id": row["manager_id"],
            "name": row["manager_name"],
            "accepted": row["manager_accepted_at"] is not None,
        },
        "mentor": {
            "agency": row["mentor_agency"],
            "person_id": row["mentor_id"],
            "name": row["mentor_name"],
            "accepted": row["mentor_accepted_at"] is not None,
        },
        "proposed_at": _when(row["proposed_at"]),
        "respond_by": _when(row["respond_by"]),
        "accepted_at": _when(row["accepted_at"]),
        "ends_on": _when(row["ends_on"]),
        "closed_at": _when(row["closed_at"]),
        "close_reason": row["close_reason"],
    }


@router.get("/managers")
async def list_managers(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(waiting|proposed|matched|completed)$")] = None,
) -> list[dict[str, Any]]:
    async with pool_of(request).acquire() as conn:
        rows = await repository.list_managers(conn, status)
    at = datetime.now(STOCKHOLM)
    return [
        {
            **{k: _when(v) for k, v in dict(r).items()},
            "competence_areas": list(r["competence_areas"]),
            "languages": list(r["languages"]),
            "cohort": cohort_of(r["start_date"]),
            "waiting_days": (at - r["waiting_since"]).days if r["status"] == "waiting" else None,
            "why_waiting": r["unmatched_reason"] if r["status"] == "waiting" else None,
        }
        for r in rows
    ]


@router.get("/mentors")
async def list_mentors(request: Request) -> list[dict[str, Any]]:
    async with pool_of(request).acquire() as conn:
        rows = await repository.list_mentors(conn)
    return [
        {
            **dict(r),
            "competence_areas": list(r["competence_areas"]),
            "languages": list(r["languages"]),
            "free_places": max(0, r["capacity"] - r["current_mentees"])
            if r["status"] == "active"
            else 0,
        }
        for r in rows
    ]


@router.get("/matches")
async def list_matches(
    request: Request,
    status: Annotated[
        str | None, Query(pattern="^(proposed|accepted|declined|expired|ended)$")
    ] = None,
) -> list[dict[str, Any]]:
    async with pool_of(request).acquire() as conn:
        rows = await repository.list_matches(conn, status)
    return [match_json(r) for r in rows]


@router.post("/matching/run")
async def run_matching(request: Request) -> dict[str, Any]:
    """A matching round over the whole waiting pool, now."""
    return await handlers.run_round(pool_of(request), programme(request))


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Actor = Actor.OPERATOR


@router.post("/matches/{match_id}/accept")
async def accept(request: Request, match_id: str, body: Answer | None = None) -> dict[str, Any]:
    """Record an acceptance: the manager's, the mentor's, or an operator's (for both)."""
    with refusals():
        async with pool_of(request).acquire() as conn:
            row = await handlers.accept_match(
                conn, match_id, (body or Answer()).by, programme(request)
            )
    return match_json(row)


@router.post("/matches/{match_id}/decline")
async def decline(request: Request, match_id: str, body: Answer | None = None) -> dict[str, Any]:
    with refusals():
        async with pool_of(request).acquire() as conn:
            row = await handlers.decline_match(conn, match_id, (body or Answer()).by)
    return match_json(row)


@router.get("/cohorts")
async def cohorts(request: Request) -> list[dict[str, Any]]:
    """Managers grouped by the half-year of their start date."""
    async with pool_of(request).acquire() as conn:
        rows = await repository.manager_starts(conn)
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        cohort = grouped.setdefault(
            cohort_of(row["start_date"]),
            {"managers": 0, "waiting": 0, "proposed": 0, "matched": 0, "completed": 0},
        )
        cohort["managers"] += 1
        cohort[row["status"]] += 1
    return [
        {"cohort": name, **counts, "status": _cohort_status(counts)}
        for name, counts in sorted(grouped.items())
    ]


def _cohort_status(counts: dict[str, int]) -> str:
    if counts["completed"] == counts["managers"]:
        return "completed"
    if counts["waiting"] or counts["proposed"]:
        return "matching"
    return "in programme"


@router.get("/agencies/figures")
async def agency_figures(request: Request) -> list[dict[str, Any]]:
    """Per agency: mentors given, mentors received, managers waiting."""
    async with pool_of(request).acquire() as conn:
        rows = await repository.agency_figures(conn)
    return [dict(r) for r in rows]


class AgencyPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agencies: tuple[AgencyCode, AgencyCode]


@router.get("/forbidden-pairs")
async def forbidden_pairs(request: Request) -> list[list[str]]:
    async with pool_of(request).acquire() as conn:
        rows = await repository.forbidden_pairs(conn)
    return [[r["agency_a"], r["agency_b"]] for r in rows]


@router.post("/forbidden-pairs", status_code=201)
async def forbid_pair(request: Request, body: AgencyPair) -> list[str]:
    """Never match a manager of one of these agencies with a mentor of the other."""
    a, b = sorted(body.agencies)
    if a == b:
        raise HTTPException(422, "a forbidden pair names two different agencies")
    async with pool_of(request).acquire() as conn:
        await repository.forbid_pair(conn, a, b)
    return [a, b]


@router.delete("/forbidden-pairs", status_code=204)
async def allow_pair(request: Request, body: AgencyPair) -> None:
    a, b = sorted(body.agencies)
    async with pool_of(request).acquire() as conn:
        await repository.allow_pair(conn, a, b)


@router.post("/schedule/run")
async def run_schedule(
    request: Request,
    as_of: Annotated[date | None, Query(description="the day to run (default today)")] = None,
) -> dict[str, Any]:
    """Reminders, expiries, check-ins, endings and erasure due on `as_of`: how tests and the
    demo move time. The periodic job runs the same for today."""
    today = as_of or stockholm_today()
    done = await followup.run_schedule(pool_of(request), programme(request), today)
    return {"as_of": today.isoformat(), **done}


@router.get(
    "/programme/figures",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def programme_figures(
    request: Request,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    as_of: Annotated[date | None, Query()] = None,
) -> Response:
    """Pairs, the share that have met, mean satisfaction, completed and ended early, mentors
    given and received per agency, pairs not met by month 3, and who waits and why. JSON, or
    CSV with `format=csv` or `Accept: text/csv`."""
    today = as_of or stockholm_today()
    async with pool_of(request).acquire() as conn:
        summary = await followup.programme_figures(conn, today)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(figures_csv(summary), media_type="text/csv; charset=utf-8")
    return JSONResponse(summary)


@router.delete("/people/{person_id}")
async def erase_person(
    request: Request, person_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
) -> dict[str, int]:
    """Erase a manager's or mentor's personal data (in every agency with this id): their live
    matches end, names and addresses go, and notify erases its copies; figures stay."""
    async with pool_of(request).acquire() as conn:
        erased = await followup.erase_person(conn, person_id, datetime.now(STOCKHOLM))
    if not erased:
        raise HTTPException(404, f"no manager or mentor {person_id!r} (or already erased)")
    return {"erased": erased}


Token = Annotated[str, Field(min_length=20, max_length=400)]


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Token


class AnswerRequest(LinkRequest):
    answer: Literal["accept", "decline"]


class CheckinRequest(LinkRequest):
    met: bool
    meetings: Annotated[int, Field(ge=0, le=500)]
    satisfaction: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str | None, Field(max_length=2000)] = None


def _link_key(request: Request) -> str:
    return str(service_of(request).api.state.link_key)


@contextlib.contextmanager
def link_refusals() -> Iterator[None]:
    try:
        yield
    except followup.LinkRefused as exc:
        raise HTTPException(400, {"code": exc.code, "message": str(exc)}) from None
    except CheckinInvalid as exc:
        raise HTTPException(422, str(exc)) from None


@links.post("/links/proposal")
async def show_proposal(request: Request, body: LinkRequest) -> dict[str, Any]:
    """What one person's answer link shows: the proposal as that person sees it. Changes
    nothing."""
    with link_refusals():
        async with pool_of(request).acquire() as conn:
            return await followup.show_proposal(
                conn, _link_key(request), body.token, stockholm_today()
            )


@links.post("/links/answer")
async def answer_proposal(request: Request, body: AnswerRequest) -> dict[str, Any]:
    """The person's answer, once. When both have accepted, the match starts."""
    with link_refusals():
        async with pool_of(request).acquire() as conn:
            return await followup.answer_proposal(
                conn,
                _link_key(request),
                body.token,
                body.answer == "accept",
                programme(request),
                stockholm_today(),
            )


@links.post("/links/checkin")
async def show_checkin(request: Request, body: LinkRequest) -> dict[str, Any]:
    with link_refusals():
        async with pool_of(request).acquire() as conn:
            return await followup.show_checkin(
                conn, _link_key(request), body.token, stockholm_today()
            )


@links.post("/links/checkin/answer")
async def record_checkin(request: Request, body: CheckinRequest) -> dict[str, Any]:
    """One check-in answer, once; `checkin.recorded` carries it without the comment."""
    with link_refusals():
        checkin = Checkin(body.met, body.meetings, body.satisfaction, body.comment or None)
        async with pool_of(request).acquire() as conn:
            return await followup.record_checkin(
                conn, _link_key(request), body.token, checkin, stockholm_today()
            )
