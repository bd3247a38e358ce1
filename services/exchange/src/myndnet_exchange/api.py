"""HTTP: open assignments and interest in them for signed-in staff (right `exchange:staff`; the
site names the person in `X-Acting-For`), the three parties' links (the link is the
permission), skills profiles, and for coordinators and operators the search of profiles, the
schedule, erasure and the figures (right `exchange:write`)."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from myndnet_kit.audit import OPERATOR, actor_of
from myndnet_kit.auth import require_operator
from myndnet_kit.links import EXCHANGE_ANSWER, InvalidLink, read_link
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.web import Refusal, pool_of, service_of
from myndnet_schemas.clock import STOCKHOLM, stockholm_days
from myndnet_schemas.events import AssignmentPosted, AssignmentWithdrawn
from myndnet_schemas.events.base import (
    CompetenceArea,
    Description,
    Languages,
    Municipality,
    ShortText,
)
from myndnet_schemas.events.exchange import Step
from myndnet_schemas.text import multiline
from myndnet_schemas.vocabulary import SKILLS, AssignmentKind, OpenTo, RemoteWork
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from myndnet_exchange import views
from myndnet_exchange.adapters.postgres import PostgresExchange
from myndnet_exchange.domain.assignments import Refused
from myndnet_exchange.domain.profiles import Profile
from myndnet_exchange.handlers import assignments as handlers

staff = APIRouter(tags=["staff"], dependencies=[require_operator("exchange:staff")])
operators = APIRouter(tags=["operators"], dependencies=[require_operator("exchange:write")])
links = APIRouter(tags=["people's own links"])
Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Code = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,40}$")]
Note = Annotated[str, Field(max_length=1000), AfterValidator(multiline)]
Token = Annotated[str, Field(min_length=20, max_length=400)]

STATUS = {"not_found": 404, "closed": 409, "answered": 410, "taken": 409}


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except Refused as exc:
        raise Refusal(STATUS.get(exc.code, 409), exc.code, str(exc)) from None


def membership(request: Request) -> MembershipFollower:
    follower = service_of(request).membership
    assert follower is not None
    return follower


def topic(request: Request) -> str:
    return str(service_of(request).api.state.topic)


def today() -> date:
    return datetime.now(UTC).astimezone(STOCKHOLM).date()


@contextlib.asynccontextmanager
async def store_of(request: Request) -> AsyncIterator[PostgresExchange]:
    async with pool_of(request).acquire() as conn:
        yield PostgresExchange(conn)


def member_of_staff(request: Request) -> tuple[str, str]:
    """The signed-in person the site names (`X-Acting-For`), and their agency: the member whose
    work e-mail domain (or coordinators) the address has."""
    email = actor_of(request)
    if email == OPERATOR:
        raise Refusal(422, "no_person", "name the member of staff in X-Acting-For")
    domain = email.rsplit("@", 1)[1]
    for code, state in sorted(membership(request).agencies.items()):
        if state.participates and (domain in state.email_domains or email in state.coordinators):
            return email, code
    raise Refusal(403, "not_staff", "the address is not a work address of a member agency")


# -- assignments -------------------------------------------------------------------------------


@staff.get("/assignments")
async def list_assignments(
    request: Request,
    skill: Annotated[str | None, Query(max_length=60)] = None,
    agency: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{2,40}$")] = None,
) -> list[dict[str, Any]]:
    """Open assignments whose answer date has not passed, the soonest answer date first; with
    `skill`, those asking for it; with `agency`, that host's."""
    async with store_of(request) as store:
        found = await store.open_assignments(today())
    names = {code: state.name for code, state in membership(request).agencies.items()}
    wanted = skill.strip().casefold() if skill else None
    return [
        views.assignment_json(a, names.get(a.host, a.host))
        for a in found
        if (agency is None or a.host == agency)
        and (wanted is None or any(s.casefold() == wanted for s in a.skills))
    ]


@staff.get("/assignments/{code}/{assignment_id}")
async def get_assignment(request: Request, code: Code, assignment_id: Id) -> dict[str, Any]:
    """One assignment (open or not), and whether the person named has said they are interested."""
    async with store_of(request) as store:
        found = await store.assignment(code, assignment_id)
        interests = (await store.interests_in([(code, assignment_id)]))[(code, assignment_id)]
    if found is None:
        raise Refusal(404, "not_found", f"no assignment {code}/{assignment_id}")
    asker = actor_of(request)
    mine = next((i for i in interests if i.email == asker), None)
    return {
        **views.assignment_json(found, membership(request).name_of(code)),
        "interest": views.interest_json(mine) if mine else None,
    }


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note = ""
    language: Literal["sv", "en"] = "sv"


@staff.post("/assignments/{code}/{assignment_id}/interests", status_code=201)
async def say_interested(
    request: Request, code: Code, assignment_id: Id, body: InterestIn
) -> dict[str, Any]:
    """The person named says they are interested, with a short note: the host's coordinators
    get a letter whose link picks them (or declines); `interest.recorded` is announced."""
    email, home = member_of_staff(request)
    with refusals():
        async with store_of(request) as store:
            interest = await handlers.record_interest(
                store,
                code,
                assignment_id,
                email,
                home,
                body.note.strip(),
                body.language,
                lambda: membership(request).agencies,
                today(),
                topic(request),
            )
    return views.interest_json(interest)


@staff.get("/interests")
async def my_interests(request: Request) -> list[dict[str, Any]]:
    """The person's own interests, newest first."""
    email, _home = member_of_staff(request)
    async with store_of(request) as store:
        return [views.interest_json(i) for i in await store.interests_of(email)]


class AssignmentIn(BaseModel):
    """An assignment posted in the console: what `assignment.posted` carries but its id and
    revision, which exchange gives it."""

    model_config = ConfigDict(extra="forbid")
    title: ShortText
    description: Description
    skills: Annotated[list[CompetenceArea], Field(max_length=30)] = Field(default_factory=list)
    percent: Annotated[int, Field(ge=10, le=100)]
    first_day: date
    last_day: date
    municipality: Municipality
    remote: RemoteWork
    kind: AssignmentKind
    answer_by: date


@operators.post("/assignments/{code}", status_code=201)
async def post_assignment(request: Request, code: Code, body: AssignmentIn) -> dict[str, Any]:
    """An assignment posted for agency `code` in the console (its HR system may post them on
    `hr.<code>.exchange` too), with the same rules; the answer carries its new id."""
    if not membership(request).participates(code):
        raise Refusal(422, "not_a_member", f"{code!r} is not a member of the network")
    try:
        data = AssignmentPosted(
            assignment_id=f"K-{uuid.uuid4().hex[:12]}", revision=1, **body.model_dump()
        )
    except ValueError as exc:
        raise Refusal(422, "invalid", str(exc)) from None
    with refusals():
        async with store_of(request) as store:
            posted = await handlers.post_or_withdraw(
                store,
                code,
                data,
                lambda: membership(request).agencies,
                topic(request),
                actor_of(request),
            )
    return views.assignment_json(posted, membership(request).name_of(code))


@operators.post("/assignments/{code}/{assignment_id}/withdraw")
async def withdraw_assignment(request: Request, code: Code, assignment_id: Id) -> dict[str, Any]:
    """Withdrawn in the console: everyone still waiting on it is told."""
    data = AssignmentWithdrawn(assignment_id=assignment_id, revision=1)
    with refusals():
        async with store_of(request) as store:
            withdrawn = await handlers.post_or_withdraw(
                store,
                code,
                data,
                lambda: membership(request).agencies,
                topic(request),
                actor_of(request),
            )
    return views.assignment_json(withdrawn, membership(request).name_of(code))


# -- the parties' links ------------------------------------------------------------------------


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Token


class AnswerRequest(LinkRequest):
    answer: Literal["yes", "no"]


def _link(request: Request, token: str) -> tuple[str, Step]:
    key = str(service_of(request).api.state.link_key)
    try:
        link = read_link(key, token, EXCHANGE_ANSWER, today())
    except InvalidLink as exc:
        raise Refusal(400, exc.code, str(exc)) from None
    interest_id, step = link.fields
    return interest_id, Step(step)


@links.post("/links/assignment")
async def show_link(request: Request, body: LinkRequest) -> dict[str, Any]:
    """What a party's link shows: the assignment, the interest as that party sees it, the step
    the link answers and whether it still can. Changes nothing (mail scanners open links)."""
    interest_id, step = _link(request, body.token)
    with refusals():
        async with store_of(request) as store:
            assignment, interest = await handlers.show(store, interest_id)
    return views.seen_by_link(assignment, interest, step, membership(request))


@links.post("/links/assignment/answer")
async def answer_link(request: Request, body: AnswerRequest) -> dict[str, Any]:
    """The party answers its step: yes moves on to the next party (the last yes agrees the
    assignment, `assignment.agreed`); no ends this interest, with a letter to the others. A
    step answered cannot be answered again (410)."""
    interest_id, step = _link(request, body.token)
    with refusals():
        async with store_of(request) as store:
            assignment, interest = await handlers.answer(
                store,
                interest_id,
                step,
                body.answer == "yes",
                lambda: membership(request).agencies,
                today(),
                topic(request),
            )
    return views.seen_by_link(assignment, interest, step, membership(request))


# -- skills profiles ---------------------------------------------------------------------------

Skills = Annotated[list[CompetenceArea], Field(min_length=1, max_length=30)]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skills: Skills
    languages: Languages = Field(default_factory=lambda: ["sv"], min_length=1, max_length=10)
    open_to: Annotated[list[OpenTo], Field(max_length=3)] = Field(default_factory=list)
    summary: Annotated[str, Field(max_length=1000), AfterValidator(multiline)] = ""


@staff.get("/skills")
async def skills() -> list[str]:
    """The network's one list of skills (mentoring's competence areas use it too)."""
    return list(SKILLS)


@staff.get("/profile")
async def my_profile(request: Request) -> dict[str, Any]:
    email, _home = member_of_staff(request)
    async with store_of(request) as store:
        found = await store.profile(email)
    if found is None:
        raise Refusal(404, "not_found", "no skills profile for this address")
    return views.profile_json(found)


@staff.put("/profile")
async def save_profile(request: Request, body: ProfileIn) -> dict[str, Any]:
    """The person publishes (or changes) their skills profile, for coordinators to find."""
    email, home = member_of_staff(request)
    now = datetime.now(UTC)
    profile = Profile(
        email,
        home,
        tuple(dict.fromkeys(" ".join(s.split()) for s in body.skills)),
        tuple(body.languages),
        tuple(dict.fromkeys(body.open_to)),
        body.summary.strip(),
        now,
        now,
    )
    async with store_of(request) as store:
        saved = await store.save_profile(profile)
    return views.profile_json(saved)


@staff.delete("/profile", status_code=204)
async def remove_profile(request: Request) -> None:
    """Removed at once, and for good."""
    email, _home = member_of_staff(request)
    async with store_of(request) as store:
        await store.remove_profile(email)


@operators.get("/profiles")
async def search_profiles(
    request: Request,
    skill: Annotated[list[str] | None, Query(max_length=10)] = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
    open_to: Annotated[OpenTo | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Coordinators search the profiles: every `skill` given (any case), a language, what they
    are open to."""
    wanted = [s[:60] for s in skill or [] if s.strip()]
    async with store_of(request) as store:
        found = await store.search_profiles(wanted, language, open_to, limit)
    return [views.profile_json(p) for p in found]


# -- operators ---------------------------------------------------------------------------------


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]


@operators.post("/people/erase")
async def erase_person(request: Request, body: ErasureIn) -> dict[str, int]:
    """A person asked to be forgotten: their profile goes, and their address from every
    interest that has ended (here and in notify)."""
    async with store_of(request) as store:
        erased = await handlers.forget_person(store, body.email.strip().lower())
        await store.record_action(actor_of(request), "people.erased", "address")
    return {"erased": erased}


@operators.post("/schedule/run")
async def run_schedule(
    request: Request, as_of: Annotated[date | None, Query()] = None
) -> dict[str, int]:
    """What is due on `as_of` (a date, Swedish time; today when left out): assignments past
    their answer date closed, steps waiting five working days reminded."""
    async with store_of(request) as store:
        return await handlers.run_schedule(
            store, as_of or today(), lambda: membership(request).agencies, topic(request)
        )


@operators.get("/figures")
async def figures(
    request: Request,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> dict[str, Any]:
    """For the console's report, the days `from` to `to` (both included, Swedish time):
    assignments posted and agreed per host agency and for the network, and the moves between
    agencies (from the home agency to the host) agreed, by month."""
    if from_ > to:
        raise Refusal(422, "invalid", "`from` is after `to`")
    first, after = stockholm_days(from_, to)
    async with store_of(request) as store:
        found = await store.figures(first, after)
    return {"from": from_.isoformat(), "to": to.isoformat(), **found}
