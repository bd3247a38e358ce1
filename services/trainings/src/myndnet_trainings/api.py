"""HTTP: public reads of courses and sessions and registration; a person's own confirm and
cancel links (the link is the permission); operators' writes, attendance, the schedule and the
figures (right `trainings:write`)."""

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from myndnet_kit.auth import require_operator
from myndnet_kit.links import TRAINING_CANCEL, TRAINING_CONFIRM, InvalidLink, read_link
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.web import Refusal, pool_of, service_of
from myndnet_schemas.events.base import Description, Language, Name, ShortText, WorkEmail
from myndnet_schemas.events.trainings import CourseCode, CourseKind
from myndnet_schemas.topics import AGENCY_CODE_RE
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from myndnet_trainings.adapters import trainings as repository
from myndnet_trainings.domain.figures import figures_csv
from myndnet_trainings.domain.seats import AlreadyRegistered, QuotaInvalid
from myndnet_trainings.domain.sessions import (
    Conflict,
    NotFound,
    NotWorkAddress,
    SessionInvalid,
    SessionPlan,
)
from myndnet_trainings.handlers import people as erasure
from myndnet_trainings.handlers import registrations as people
from myndnet_trainings.handlers import sessions as handlers

router = APIRouter(tags=["trainings"])
operators = APIRouter(tags=["operators"], dependencies=[require_operator("trainings:write")])
links = APIRouter(tags=["people's own links"])

AgencyCode = Annotated[str, Field(pattern=AGENCY_CODE_RE.pattern)]
ENTITY_ID = r"^[A-Za-z0-9._-]{1,64}$"
COURSE_CODE = r"^[a-z0-9][a-z0-9-]{0,39}$"
SessionId = Annotated[str, Path(pattern=ENTITY_ID)]
CoursePath = Annotated[str, Path(pattern=COURSE_CODE)]
RegistrationId = Annotated[str, Field(pattern=ENTITY_ID)]
Token = Annotated[str, Query(min_length=20, max_length=400)]


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise Refusal(404, exc.code, str(exc)) from None
    except (Conflict, AlreadyRegistered) as exc:
        raise Refusal(409, exc.code, str(exc)) from None
    except (SessionInvalid, NotWorkAddress, QuotaInvalid) as exc:
        raise Refusal(422, exc.code, str(exc)) from None


def membership(request: Request) -> MembershipFollower:
    follower = service_of(request).membership
    assert follower is not None
    return follower


def topic(request: Request) -> str:
    return str(service_of(request).api.state.topic)


def participating(request: Request) -> set[str]:
    return {code for code, state in membership(request).agencies.items() if state.participates}


# -- public -----------------------------------------------------------------------------------


def course_json(row: Any) -> dict[str, Any]:
    return dict(row)


@router.get("/courses")
async def list_courses(request: Request) -> list[dict[str, Any]]:
    async with pool_of(request).acquire() as conn:
        return [course_json(r) for r in await repository.courses(conn)]


@router.get("/courses/{code}")
async def get_course(request: Request, code: CoursePath) -> dict[str, Any]:
    async with pool_of(request).acquire() as conn:
        row = await repository.course(conn, code)
    if row is None:
        raise HTTPException(404, f"no course {code!r}")
    return course_json(row)


@router.get("/sessions")
async def list_sessions(
    request: Request,
    course: Annotated[str | None, Query(pattern=COURSE_CODE)] = None,
    kind: CourseKind | None = None,
) -> list[dict[str, Any]]:
    """Sessions still to come, with the seats left in all and per agency."""
    async with pool_of(request).acquire() as conn:
        return await handlers.upcoming(conn, people.now(), course, kind.value if kind else None)


@router.get("/sessions/{session_id}")
async def get_session(request: Request, session_id: SessionId) -> dict[str, Any]:
    with refusals():
        async with pool_of(request).acquire() as conn:
            return await handlers.one_session(conn, session_id)


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: WorkEmail
    agency: AgencyCode
    language: Literal["sv", "en"] = "sv"


@router.post("/sessions/{session_id}/registrations", status_code=202)
async def register(request: Request, session_id: SessionId, body: RegistrationIn) -> Any:
    """Ask for a place with your work e-mail; a mail with a link confirms the address, and
    only then is a seat (or a waitlist place) given."""
    with refusals():
        async with pool_of(request).acquire() as conn:
            return await people.request_registration(
                conn,
                people.Request(session_id, body.name, body.email, body.agency, body.language),
                membership(request).agencies.get(body.agency),
                people.now(),
                topic(request),
            )


# -- a person's own links ------------------------------------------------------------------


def _registration_of(request: Request, token: str, purpose: str) -> str:
    key = str(service_of(request).api.state.link_key)
    try:
        return read_link(key, token, purpose, people.now().date()).fields[0]
    except InvalidLink as exc:
        raise HTTPException(400, {"code": exc.code, "message": str(exc)}) from None


@links.get("/registrations/confirm")
async def show_to_confirm(request: Request, token: Token) -> dict[str, Any]:
    """What the confirmation link shows; changes nothing (mail scanners open links)."""
    registration_id = _registration_of(request, token, TRAINING_CONFIRM)
    with refusals():
        async with pool_of(request).acquire() as conn:
            return await people.show_registration(conn, registration_id)


@links.post("/registrations/confirm")
async def confirm(request: Request, token: Token) -> dict[str, Any]:
    """The address is confirmed: a seat, or a place on the agency's waitlist."""
    registration_id = _registration_of(request, token, TRAINING_CONFIRM)
    with refusals():
        async with pool_of(request).acquire() as conn:
            return await people.confirm_registration(
                conn, registration_id, people.now(), topic(request)
            )


@links.get("/registrations/cancel")
async def show_to_cancel(request: Request, token: Token) -> dict[str, Any]:
    registration_id = _registration_of(request, token, TRAINING_CANCEL)
    with refusals():
        async with pool_of(request).acquire() as conn:
            return await people.show_registration(conn, registration_id)


@links.post("/registrations/cancel")
async def cancel(request: Request, token: Token) -> dict[str, Any]:
    """Cancel; a seat goes to the first on the agency's waitlist. Again: nothing more."""
    registration_id = _registration_of(request, token, TRAINING_CANCEL)
    with refusals():
        async with pool_of(request).acquire() as conn:
            return await people.cancel_registration(
                conn, registration_id, people.now(), topic(request)
            )


# -- operators --------------------------------------------------------------------------------


class CourseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: CourseCode
    title: ShortText
    description: Description = ""
    kind: CourseKind
    host_agency: AgencyCode


@operators.post("/courses", status_code=201)
async def create_course(request: Request, body: CourseIn) -> dict[str, Any]:
    with refusals():
        async with pool_of(request).acquire() as conn:
            row = await handlers.create_course(
                conn,
                body.code,
                body.title,
                body.description,
                body.kind.value,
                body.host_agency,
                participating(request),
            )
    return course_json(row)


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: ShortText | None = None
    online: bool = False
    language: Language = "sv"
    total_seats: Annotated[int, Field(ge=1, le=10_000)]
    seats_per_agency: dict[AgencyCode, Annotated[int, Field(ge=0, le=10_000)]] = Field(
        default_factory=dict, max_length=100
    )
    registration_deadline: date


@operators.post("/courses/{code}/sessions", status_code=201)
async def schedule_session(request: Request, code: CoursePath, body: SessionIn) -> dict[str, Any]:
    plan = SessionPlan(
        body.starts_at,
        body.ends_at,
        body.registration_deadline,
        body.place,
        body.online,
        body.total_seats,
        body.seats_per_agency,
    )
    with refusals():
        async with pool_of(request).acquire() as conn:
            session_id = await handlers.schedule_session(
                conn,
                code,
                plan,
                body.language,
                participating(request),
                people.now(),
                topic(request),
            )
            return await handlers.one_session(conn, session_id)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ShortText | None = None


@operators.post("/sessions/{session_id}/cancel")
async def cancel_session(
    request: Request, session_id: SessionId, body: CancelIn | None = None
) -> dict[str, Any]:
    """Cancel a session: everyone registered or waiting is told."""
    with refusals():
        async with pool_of(request).acquire() as conn:
            told = await handlers.cancel_session(
                conn, session_id, (body or CancelIn()).reason, people.now(), topic(request)
            )
    return {"session_id": session_id, "status": "cancelled", "told": told}


@operators.get("/sessions/{session_id}/registrations")
async def list_registrations(request: Request, session_id: SessionId) -> list[dict[str, Any]]:
    """Everyone who asked for a place, in registration order; names and work e-mail."""
    async with pool_of(request).acquire() as conn:
        if await repository.session(conn, session_id) is None:
            raise HTTPException(404, f"no session {session_id!r}")
        rows = await repository.registrations(conn, session_id)
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in dict(r).items()}
        for r in rows
    ]


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attended: Annotated[list[RegistrationId], Field(max_length=10_000)] = Field(
        default_factory=list
    )
    absent: Annotated[list[RegistrationId], Field(max_length=10_000)] = Field(default_factory=list)


@operators.post("/sessions/{session_id}/attendance")
async def record_attendance(
    request: Request, session_id: SessionId, body: AttendanceIn
) -> dict[str, Any]:
    both = set(body.attended) & set(body.absent)
    if both:
        raise HTTPException(422, f"both attended and absent: {', '.join(sorted(both)[:10])}")
    marks = {**{r: True for r in body.attended}, **{r: False for r in body.absent}}
    with refusals():
        async with pool_of(request).acquire() as conn:
            changed = await handlers.record_attendance(
                conn, session_id, marks, people.now(), topic(request)
            )
    return {"session_id": session_id, "recorded": changed}


@operators.delete("/people")
async def erase_person(
    request: Request,
    email: Annotated[str, Query(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")],
) -> dict[str, int]:
    """Erase a participant on request: a registration for a session still ahead ends (its
    seat goes to the first waiting), the name and address go from every registration (the
    figures keep them, anonymous), and notify erases its copies."""
    async with pool_of(request).acquire() as conn:
        erased = await erasure.erase_person(conn, email, people.now(), topic(request))
    if not erased:
        raise HTTPException(404, "no registration holds that address (or it was erased)")
    return {"erased": erased}


@operators.post("/schedule/run")
async def run_schedule(
    request: Request,
    as_of: Annotated[date | None, Query(description="the day to run (default today)")] = None,
) -> dict[str, Any]:
    """Erasures, deadlines passing and reminders due on `as_of`: how tests and the demo move
    time. The periodic job runs the same for today."""
    today = as_of or people.now().date()
    done = await handlers.run_schedule(pool_of(request), today, topic(request))
    return {"as_of": today.isoformat(), **done}


@operators.get("/figures", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
async def figures(
    request: Request, format: Annotated[Literal["json", "csv"] | None, Query()] = None
) -> Response:
    """Per agency and course kind: seats offered, used, attended and waitlisted (sessions not
    cancelled). JSON, or CSV with `format=csv` or `Accept: text/csv`."""
    async with pool_of(request).acquire() as conn:
        rows = [dict(r) for r in await repository.figures(conn)]
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(figures_csv(rows), media_type="text/csv; charset=utf-8")
    return JSONResponse(rows)
