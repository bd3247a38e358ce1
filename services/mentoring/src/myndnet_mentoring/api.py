"""HTTP for operators (right `mentoring:operate`): people, matches, rounds, answers, the
schedule, figures and erasure; and, for the public site, what a person's own answer or check-in
link shows and does (the link itself is the permission)."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from myndnet_kit.audit import actor_of
from myndnet_kit.auth import require_operator
from myndnet_kit.web import pool_of, service_of
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.topics import validate_agency_code
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from myndnet_mentoring import views
from myndnet_mentoring.adapters.postgres import PostgresMentoring
from myndnet_mentoring.domain.followup import Checkin, CheckinInvalid, figures_csv
from myndnet_mentoring.domain.match import Actor, ManagerStatus, MatchConflict, MatchNotFound
from myndnet_mentoring.domain.people import cohorts as cohorts_of
from myndnet_mentoring.handlers import followup
from myndnet_mentoring.handlers import programme as handlers

router = APIRouter(tags=["mentoring"], dependencies=[require_operator("mentoring:operate")])
links = APIRouter(tags=["people's own links"])
AgencyCode = Annotated[str, AfterValidator(validate_agency_code)]


def programme(request: Request) -> handlers.Programme:
    return service_of(request).api.state.programme


@contextlib.asynccontextmanager
async def store_of(request: Request) -> AsyncIterator[PostgresMentoring]:
    async with pool_of(request).acquire() as conn:
        yield service_of(request).api.state.store(conn)


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except MatchNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except MatchConflict as exc:
        raise HTTPException(409, str(exc)) from None


@router.get("/managers")
async def list_managers(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(waiting|proposed|matched|completed)$")] = None,
) -> list[dict[str, Any]]:
    async with store_of(request) as store:
        found = await store.managers(None if status is None else ManagerStatus(status))
    at = datetime.now(STOCKHOLM)
    return [views.manager_json(m, at) for m in found]


@router.get("/mentors")
async def list_mentors(request: Request) -> list[dict[str, Any]]:
    async with store_of(request) as store:
        return [views.mentor_json(v) for v in await store.volunteers()]


@router.get("/matches")
async def list_matches(
    request: Request,
    status: Annotated[
        str | None, Query(pattern="^(proposed|accepted|declined|expired|ended)$")
    ] = None,
) -> list[dict[str, Any]]:
    async with store_of(request) as store:
        return [views.match_json(p) for p in await store.pairings(status)]


@router.post("/matching/run")
async def run_matching(request: Request) -> dict[str, Any]:
    """A matching round over the whole waiting pool, now (logged as `matching.run`)."""
    async with store_of(request) as store, store.transaction():
        done = await handlers.run_round(store, programme(request))
        details = {"proposed": len(done.proposed), "waiting_before": done.waiting_before}
        await store.record_action(actor_of(request), "matching.run", "mentoring", details)
    return views.round_json(done)


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Actor = Actor.OPERATOR


@router.post("/matches/{match_id}/accept")
async def accept(request: Request, match_id: str, body: Answer | None = None) -> dict[str, Any]:
    """Record an acceptance: the manager's, the mentor's, or an operator's (for both)."""
    with refusals():
        async with store_of(request) as store:
            pairing = await handlers.accept_match(
                store, match_id, (body or Answer()).by, programme(request)
            )
    return views.match_json(pairing)


@router.post("/matches/{match_id}/decline")
async def decline(request: Request, match_id: str, body: Answer | None = None) -> dict[str, Any]:
    with refusals():
        async with store_of(request) as store:
            pairing = await handlers.decline_match(store, match_id, (body or Answer()).by)
    return views.match_json(pairing)


@router.get("/cohorts")
async def cohorts(request: Request) -> list[dict[str, Any]]:
    """Managers grouped by the half-year of their start date."""
    async with store_of(request) as store:
        managers = await store.managers()
    return [views.cohort_json(c) for c in cohorts_of(managers)]


@router.get("/agencies/figures")
async def agency_figures(request: Request) -> list[dict[str, Any]]:
    """Per agency: mentors given, mentors received, managers waiting."""
    async with store_of(request) as store:
        return [views.flow_json(f) for f in await store.agency_flows()]


class AgencyPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agencies: tuple[AgencyCode, AgencyCode]


@router.get("/forbidden-pairs")
async def forbidden_pairs(request: Request) -> list[list[str]]:
    async with store_of(request) as store:
        return [[a, b] for a, b in await store.forbidden_pairs()]


@router.post("/forbidden-pairs", status_code=201)
async def forbid_pair(request: Request, body: AgencyPair) -> list[str]:
    """Never match a manager of one of these agencies with a mentor of the other."""
    a, b = sorted(body.agencies)
    if a == b:
        raise HTTPException(422, "a forbidden pair names two different agencies")
    async with store_of(request) as store:
        await store.forbid_pair(a, b)
    return [a, b]


@router.delete("/forbidden-pairs", status_code=204)
async def allow_pair(request: Request, body: AgencyPair) -> None:
    a, b = sorted(body.agencies)
    async with store_of(request) as store:
        await store.allow_pair(a, b)


@router.post("/schedule/run")
async def run_schedule(
    request: Request,
    as_of: Annotated[date | None, Query(description="the day to run (default today)")] = None,
) -> dict[str, Any]:
    """Reminders, expiries, check-ins, endings and erasure due on `as_of`: how tests and the
    demo move time. The periodic job runs the same for today."""
    today = as_of or stockholm_today()
    async with store_of(request) as store:
        done = await followup.run_schedule(store, programme(request), today)
    return {"as_of": today.isoformat(), **done}


@router.get(
    "/programme/figures",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def programme_figures(
    request: Request,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    as_of: Annotated[date | None, Query()] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> Response:
    """Pairs, the share that have met, mean satisfaction, completed and ended early, per agency
    (pairs of its managers, their share met and satisfaction, mentors given and received), the
    matrix of whose mentors serve whose managers, pairs not met by month 3, missed check-ins,
    and who waits since when and why. With `from` and/or `to` (days, both included), the pairs
    accepted in that period. JSON, or CSV with `format=csv` or `Accept: text/csv`."""
    today = as_of or stockholm_today()
    period = None
    if from_ is not None or to is not None:
        period = (from_ or date.min, to or date.max)
        if period[0] > period[1]:
            raise HTTPException(422, "`from` is after `to`")
    async with store_of(request) as store:
        summary = await followup.programme_figures(store, today, period)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(figures_csv(summary), media_type="text/csv; charset=utf-8")
    return JSONResponse(summary)


@router.delete("/people/{person_id}")
async def erase_person(
    request: Request, person_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
) -> dict[str, int]:
    """Erase a manager's or mentor's personal data (in every agency with this id): their live
    matches end, names and addresses go, and notify erases its copies; figures stay."""
    async with store_of(request) as store:
        erased = await followup.erase_person(store, person_id, datetime.now(STOCKHOLM))
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
        async with store_of(request) as store:
            seen = await followup.show_proposal(
                store, _link_key(request), body.token, stockholm_today()
            )
    return views.seen_by_link_json(seen)


@links.post("/links/answer")
async def answer_proposal(request: Request, body: AnswerRequest) -> dict[str, Any]:
    """The person's answer, once. When both have accepted, the match starts."""
    with link_refusals():
        async with store_of(request) as store:
            seen = await followup.answer_proposal(
                store,
                _link_key(request),
                body.token,
                body.answer == "accept",
                programme(request),
                stockholm_today(),
            )
    return views.seen_by_link_json(seen, answered=False)


@links.post("/links/checkin")
async def show_checkin(request: Request, body: LinkRequest) -> dict[str, Any]:
    with link_refusals():
        async with store_of(request) as store:
            seen = await followup.show_checkin(
                store, _link_key(request), body.token, stockholm_today()
            )
    return views.seen_by_link_json(seen)


@links.post("/links/checkin/answer")
async def record_checkin(request: Request, body: CheckinRequest) -> dict[str, Any]:
    """One check-in answer, once; `checkin.recorded` carries it without the comment."""
    with link_refusals():
        checkin = Checkin(body.met, body.meetings, body.satisfaction, body.comment or None)
        async with store_of(request) as store:
            seen = await followup.record_checkin(
                store, _link_key(request), body.token, checkin, stockholm_today()
            )
    return views.checkin_recorded_json(seen)
