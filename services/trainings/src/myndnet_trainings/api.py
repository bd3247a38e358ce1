"""HTTP: public reads of courses and sessions and registration; a person's own confirm and
cancel links (the link is the permission); operators' writes, attendance, the schedule and the
figures (right `trainings:write`)."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from myndnet_kit.auth import require_operator
from myndnet_kit.links import TRAINING_CANCEL, TRAINING_CONFIRM, InvalidLink, read_link
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.web import Refusal, pool_of, service_of
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.base import Description, Language, Name, ShortText, WorkEmail
from myndnet_schemas.events.trainings import CourseCode, CourseKind
from myndnet_schemas.topics import AGENCY_CODE_RE
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from myndnet_trainings import views
from myndnet_trainings.adapters.postgres import PostgresTrainings
from myndnet_trainings.domain.figures import EVER, figures_csv
from myndnet_trainings.domain.seats import AlreadyRegistered, QuotaInvalid, Status
from myndnet_trainings.domain.sessions import (
    Conflict,
    Course,
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


@contextlib.asynccontextmanager
async def store_of(request: Request) -> AsyncIterator[PostgresTrainings]:
    async with pool_of(request).acquire() as conn:
        yield PostgresTrainings(conn)


# -- public -----------------------------------------------------------------------------------


@router.get("/courses")
async def list_courses(request: Request) -> list[dict[str, Any]]:
    async with store_of(request) as store:
        return [views.course_json(c) for c in await store.courses()]


@router.get("/courses/{code}")
async def get_course(request: Request, code: CoursePath) -> dict[str, Any]:
    async with store_of(request) as store:
        course = await store.course(code)
    if course is None:
        raise HTTPException(404, f"no course {code!r}")
    return views.course_json(course)


@router.get("/sessions")
async def list_sessions(
    request: Request,
    course: Annotated[str | None, Query(pattern=COURSE_CODE)] = None,
    kind: CourseKind | None = None,
) -> list[dict[str, Any]]:
    """Sessions still to come, with the seats left in all and per agency."""
    async with store_of(request) as store:
        found = await handlers.upcoming(store, people.now(), course, kind.value if kind else None)
    return [views.session_json(s) for s in found]


@router.get("/sessions/{session_id}")
async def get_session(request: Request, session_id: SessionId) -> dict[str, Any]:
    with refusals():
        async with store_of(request) as store:
            return views.session_json(await handlers.one_session(store, session_id))


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
        async with store_of(request) as store:
            registration_id = await people.request_registration(
                store,
                people.Request(session_id, body.name, body.email, body.agency, body.language),
                membership(request).agencies.get(body.agency),
                people.now(),
                topic(request),
            )
    return {"registration_id": registration_id, "status": Status.UNCONFIRMED.value}


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
        async with store_of(request) as store:
            return views.registration_json(await people.show_registration(store, registration_id))


@links.post("/registrations/confirm")
async def confirm(request: Request, token: Token) -> dict[str, Any]:
    """The address is confirmed: a seat, or a place on the agency's waitlist."""
    registration_id = _registration_of(request, token, TRAINING_CONFIRM)
    with refusals():
        async with store_of(request) as store:
            state = await people.confirm_registration(
                store, registration_id, people.now(), topic(request)
            )
    return views.registration_json(state)


@links.get("/registrations/cancel")
async def show_to_cancel(request: Request, token: Token) -> dict[str, Any]:
    registration_id = _registration_of(request, token, TRAINING_CANCEL)
    with refusals():
        async with store_of(request) as store:
            return views.registration_json(await people.show_registration(store, registration_id))


@links.post("/registrations/cancel")
async def cancel(request: Request, token: Token) -> dict[str, Any]:
    """Cancel; a seat goes to the first on the agency's waitlist. Again: nothing more."""
    registration_id = _registration_of(request, token, TRAINING_CANCEL)
    with refusals():
        async with store_of(request) as store:
            state = await people.cancel_registration(
                store, registration_id, people.now(), topic(request)
            )
    return views.registration_json(state)


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
    course = Course(body.code, body.title, body.description, body.kind.value, body.host_agency)
    with refusals():
        async with store_of(request) as store:
            await handlers.create_course(store, course, participating(request))
    return views.course_json(course)


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
        async with store_of(request) as store:
            session_id = await handlers.schedule_session(
                store,
                code,
                plan,
                body.language,
                participating(request),
                people.now(),
                topic(request),
            )
            return views.session_json(await handlers.one_session(store, session_id))


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ShortText | None = None


@operators.post("/sessions/{session_id}/cancel")
async def cancel_session(
    request: Request, session_id: SessionId, body: CancelIn | None = None
) -> dict[str, Any]:
    """Cancel a session: everyone registered or waiting is told."""
    with refusals():
        async with store_of(request) as store:
            told = await handlers.cancel_session(
                store, session_id, (body or CancelIn()).reason, people.now(), topic(request)
            )
    return {"session_id": session_id, "status": "cancelled", "told": told}


@operators.get("/sessions/{session_id}/registrations")
async def list_registrations(request: Request, session_id: SessionId) -> list[dict[str, Any]]:
    """Everyone who asked for a place, in registration order; names and work e-mail."""
    async with store_of(request) as store:
        if await store.session(session_id) is None:
            raise HTTPException(404, f"no session {session_id!r}")
        found = await store.participants(session_id)
    return [views.participant_json(p) for p in found]


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
        async with store_of(request) as store:
            changed = await handlers.record_attendance(
                store, session_id, marks, people.now(), topic(request)
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
    async with store_of(request) as store:
        erased = await erasure.erase_person(store, email, people.now(), topic(request))
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
    async with store_of(request) as store:
        done = await handlers.run_schedule(store, today, topic(request))
    return {"as_of": today.isoformat(), **done}


@operators.get("/figures", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
async def figures(
    request: Request,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> Response:
    """Per agency and course kind: seats offered, used, attended and waitlisted (sessions not
    cancelled; with `from` and/or `to`, those starting on those days, both included, Swedish
    time). JSON, or CSV with `format=csv` or `Accept: text/csv`."""
    if from_ is not None and to is not None and from_ > to:
        raise HTTPException(422, "`from` is after `to`")
    starting = (
        stockholm_midnight(from_) if from_ and from_ > date.min else EVER[0],
        stockholm_midnight(to + timedelta(days=1)) if to and to < date.max else EVER[1],
    )
    async with store_of(request) as store:
        rows = await store.figures(starting)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(figures_csv(rows), media_type="text/csv; charset=utf-8")
    return JSONResponse([r.as_dict() for r in rows])


def stockholm_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), STOCKHOLM)
