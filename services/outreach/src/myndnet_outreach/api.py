"""HTTP: the public list and page of open events and registration for one; a person's own
confirm and cancel links (the link is the permission); coordinators' and operators' writes,
the schedule and erasure (right `outreach:write`; the site names the coordinator it acts for in
`X-Acting-For`)."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from myndnet_kit.addresses import CandidateEmail
from myndnet_kit.audit import actor_of
from myndnet_kit.auth import require_operator
from myndnet_kit.links import OUTREACH_CANCEL, OUTREACH_CONFIRM, InvalidLink, read_link
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.web import Refusal, pool_of, service_of
from myndnet_schemas.clock import STOCKHOLM, stockholm_days
from myndnet_schemas.events.base import Date, HttpsUrl, Name, ShortText
from myndnet_schemas.events.membership import AgencyCode
from myndnet_schemas.events.outreach import (
    Audience,
    Bilingual,
    BilingualText,
    CampaignBody,
    OpenEventKind,
    Seats,
    Window,
)
from myndnet_schemas.vocabulary import TargetGroup
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from myndnet_outreach import views
from myndnet_outreach.adapters.notify_campaigns import NotifyCampaigns, NotifyUnavailable
from myndnet_outreach.adapters.postgres import PostgresOutreach
from myndnet_outreach.domain.campaigns import Campaign, new_campaign_id
from myndnet_outreach.domain.open_events import (
    Conflict,
    NotFound,
    OpenEvent,
    PlanInvalid,
    new_event_id,
)
from myndnet_outreach.domain.registrations import Closed
from myndnet_outreach.handlers import campaigns as campaign_handlers
from myndnet_outreach.handlers import open_events as handlers
from myndnet_outreach.handlers import registrations as people

router = APIRouter(tags=["open events"])
operators = APIRouter(tags=["operators"], dependencies=[require_operator("outreach:write")])
links = APIRouter(tags=["people's own links"])
EventId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Token = Annotated[str, Query(min_length=20, max_length=400)]


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise Refusal(404, exc.code, str(exc)) from None
    except (Conflict, Closed) as exc:
        raise Refusal(409, exc.code, str(exc)) from None
    except (PlanInvalid, ValueError) as exc:
        raise Refusal(422, "invalid", str(exc)) from None
    except NotifyUnavailable as exc:
        raise Refusal(503, "notify_unavailable", str(exc)) from None


def membership(request: Request) -> MembershipFollower:
    follower = service_of(request).membership
    assert follower is not None
    return follower


def members(request: Request) -> set[str]:
    return {code for code, state in membership(request).agencies.items() if state.participates}


def topic(request: Request) -> str:
    return str(service_of(request).api.state.topic)


@contextlib.asynccontextmanager
async def store_of(request: Request) -> AsyncIterator[PostgresOutreach]:
    async with pool_of(request).acquire() as conn:
        yield PostgresOutreach(conn)


class OpenEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Bilingual
    text: BilingualText
    kind: OpenEventKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: ShortText | None = None
    online_url: HttpsUrl | None = None
    hosts: Annotated[list[AgencyCode], Field(min_length=1, max_length=30)]
    target_groups: Annotated[list[TargetGroup], Field(max_length=4)] = Field(default_factory=list)
    seats: Seats | None = None
    registration_deadline: Date


class OpenEventChange(BaseModel):
    """Only the fields given are changed; null clears an optional one."""

    model_config = ConfigDict(extra="forbid")
    title: Bilingual | None = None
    text: BilingualText | None = None
    kind: OpenEventKind | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    place: ShortText | None = None
    online_url: HttpsUrl | None = None
    hosts: Annotated[list[AgencyCode], Field(min_length=1, max_length=30)] | None = None
    target_groups: Annotated[list[TargetGroup], Field(max_length=4)] | None = None
    seats: Seats | None = None
    registration_deadline: Date | None = None


class Cancellation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ShortText | None = None


REQUIRED = ("title", "text", "kind", "starts_at", "ends_at", "hosts", "registration_deadline")


def _domain_values(fields: dict[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    for name in ("title", "text"):
        if isinstance(values.get(name), BaseModel):
            values[name] = values[name].model_dump()
    if "hosts" in values:
        values["hosts"] = tuple(values["hosts"])
    if "target_groups" in values:
        values["target_groups"] = tuple(values["target_groups"] or ())
    return values


@router.get("/open-events")
async def list_open_events(
    request: Request, target_group: Annotated[TargetGroup | None, Query()] = None
) -> list[dict[str, Any]]:
    """Open events not over yet and not cancelled, soonest first; with `target_group`, those
    for that group (or for everyone)."""
    async with store_of(request) as store:
        found = [
            e
            for e in await handlers.upcoming(store, datetime.now(UTC))
            if target_group is None or not e.target_groups or target_group in e.target_groups
        ]
        counts = await store.registration_counts([e.event_id for e in found])
    return [views.open_event_json(e, counts.get(e.event_id, (0, 0))) for e in found]


@router.get("/open-events/{event_id}")
async def get_open_event(request: Request, event_id: EventId) -> dict[str, Any]:
    async with store_of(request) as store:
        found = await store.open_event(event_id)
        counts = await store.registration_counts([event_id])
    if found is None:
        raise Refusal(404, "not_found", f"no open event {event_id!r}")
    return views.open_event_json(found, counts.get(event_id, (0, 0)))


@operators.post("/open-events", status_code=201)
async def schedule_open_event(request: Request, body: OpenEventIn) -> dict[str, Any]:
    """A career fair, campus visit, open house or webinar, announced as
    `open_event.scheduled`; `hosts` must be current members of the network."""
    plan = OpenEvent(
        event_id=new_event_id(), revision=1, **_domain_values(body.model_dump(exclude_none=False))
    )
    with refusals():
        async with store_of(request) as store:
            planned = await handlers.schedule_open_event(
                store, plan, members(request), actor_of(request), topic(request)
            )
    return views.open_event_json(planned)


@operators.patch("/open-events/{event_id}")
async def change_open_event(
    request: Request, event_id: EventId, body: OpenEventChange
) -> dict[str, Any]:
    for required in REQUIRED:
        if required in body.model_fields_set and getattr(body, required) is None:
            raise Refusal(422, "invalid", f"{required} cannot be cleared")
    changes = _domain_values({k: getattr(body, k) for k in body.model_fields_set})
    with refusals():
        async with store_of(request) as store:
            changed = await handlers.change_open_event(
                store, event_id, changes, members(request), actor_of(request), topic(request)
            )
    return views.open_event_json(changed)


@operators.post("/open-events/{event_id}/cancel")
async def cancel_open_event(
    request: Request, event_id: EventId, body: Cancellation | None = None
) -> dict[str, Any]:
    with refusals():
        async with store_of(request) as store:
            cancelled = await handlers.cancel_open_event(
                store, event_id, (body or Cancellation()).reason, actor_of(request), topic(request)
            )
    return views.open_event_json(cancelled)


# -- registration -----------------------------------------------------------------------------


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    email: CandidateEmail
    language: Literal["sv", "en"] = "sv"
    news: bool = False


def now() -> datetime:
    return datetime.now(UTC)


@router.post("/open-events/{event_id}/registrations", status_code=202)
async def register(request: Request, event_id: EventId, body: RegistrationIn) -> dict[str, str]:
    """Ask for a place: a mail with a link confirms the address, and only then is a seat (or a
    place on the waiting list) given. The answer is the same whether or not the address had
    asked before (a second request sends no second mail)."""
    with refusals():
        async with store_of(request) as store:
            await people.request_registration(
                store, event_id, body.name, body.email, body.language, body.news, now()
            )
    return {"status": "accepted"}


def _registration_of(request: Request, token: str, purpose: str) -> str:
    key = str(service_of(request).api.state.link_key)
    try:
        return read_link(key, token, purpose, now().astimezone(STOCKHOLM).date()).fields[0]
    except InvalidLink as exc:
        raise HTTPException(400, {"code": exc.code, "message": str(exc)}) from None


@links.get("/registrations/confirm")
async def show_to_confirm(request: Request, token: Token) -> dict[str, Any]:
    """What the confirmation link shows; changes nothing (mail scanners open links)."""
    registration_id = _registration_of(request, token, OUTREACH_CONFIRM)
    with refusals():
        async with store_of(request) as store:
            return views.registration_json(await people.show(store, registration_id))


@links.post("/registrations/confirm")
async def confirm(request: Request, token: Token) -> dict[str, Any]:
    """The address is confirmed: a seat, or a place on the waiting list. Again: nothing more."""
    registration_id = _registration_of(request, token, OUTREACH_CONFIRM)
    with refusals():
        async with store_of(request) as store:
            return views.registration_json(await people.confirm(store, registration_id, now()))


@links.get("/registrations/cancel")
async def show_to_cancel(request: Request, token: Token) -> dict[str, Any]:
    registration_id = _registration_of(request, token, OUTREACH_CANCEL)
    with refusals():
        async with store_of(request) as store:
            return views.registration_json(await people.show(store, registration_id))


@links.post("/registrations/cancel")
async def cancel(request: Request, token: Token) -> dict[str, Any]:
    """Cancelled, the name and address forgotten; the seat goes to the first who waits."""
    registration_id = _registration_of(request, token, OUTREACH_CANCEL)
    with refusals():
        async with store_of(request) as store:
            return views.registration_json(await people.cancel(store, registration_id, now()))


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: CandidateEmail


@operators.post("/registrations/erase")
async def erase(request: Request, body: ErasureIn) -> dict[str, int]:
    """A person asked to be forgotten: every registration of the address is erased here and in
    notify (a seat it held goes to the first who waits)."""
    with refusals():
        async with store_of(request) as store:
            erased = await people.erase_address(store, body.email, now())
            await store.record_action(actor_of(request), "registrations.erased", "address")
    return {"erased": erased}


@operators.post("/schedule/run")
async def run_schedule(
    request: Request, as_of: Annotated[datetime | None, Query()] = None
) -> dict[str, int]:
    """What is due at `as_of` (an RFC 3339 moment; now when left out): the reminders the day
    before an event, and the erasure of registrations 30 days after theirs ended."""
    moment = as_of or now()
    if moment.tzinfo is None:
        raise Refusal(422, "invalid", "as_of needs a time zone (an RFC 3339 time)")
    async with store_of(request) as store:
        done = await people.run_schedule(
            store,
            await store.open_events(moment),
            moment.astimezone(STOCKHOLM).date(),
            moment,
        )
        with refusals():
            sent = await campaign_handlers.run_campaigns(
                store, notify_of(request), moment, topic(request)
            )
    return {"reminded": done.reminded, "erased": done.erased, **sent}


# -- campaigns --------------------------------------------------------------------------------

CampaignId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


def notify_of(request: Request) -> NotifyCampaigns:
    client: NotifyCampaigns = service_of(request).api.state.notify
    return client


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audience: Audience = Field(default_factory=Audience)
    subject: Bilingual
    text: CampaignBody
    link: HttpsUrl
    window: Window
    agencies: Annotated[list[AgencyCode], Field(max_length=30)] = Field(default_factory=list)


@operators.post("/campaigns", status_code=201)
async def plan_campaign(request: Request, body: CampaignIn) -> dict[str, str]:
    """A campaign as a draft: count its audience (`GET /campaigns/{id}/audience`) before it is
    scheduled. `agencies` (optional) are those that asked for it."""
    campaign = Campaign(
        new_campaign_id(),
        tuple(body.agencies),
        body.audience.model_dump(mode="json"),
        body.subject.model_dump(),
        body.text.model_dump(),
        str(body.link),
        body.window.model_dump(),
    )
    with refusals():
        async with store_of(request) as store:
            planned = await campaign_handlers.plan_campaign(
                store, campaign, members(request), actor_of(request), now().date()
            )
    return {"id": planned.campaign_id}


@operators.get("/figures")
async def figures(
    request: Request,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> dict[str, Any]:
    """For the console's report, the days `from` to `to` (both included, Swedish time): open
    events held and not cancelled, and the seats taken at them, per host agency (an event of
    three hosts counts for each) and for the network; campaigns whose window began then, per
    agency that asked and for the network."""
    if from_ > to:
        raise Refusal(422, "invalid", "`from` is after `to`")
    first, after = stockholm_days(from_, to)
    async with store_of(request) as store:
        found = await store.figures(first, after)
    return {"from": from_.isoformat(), "to": to.isoformat(), **found}


@operators.get("/campaigns")
async def list_campaigns(
    request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    """Campaigns, the newest first (their figures: `GET /campaigns/{id}`)."""
    async with store_of(request) as store:
        return [views.campaign_json(c) for c in await store.campaigns(limit)]


@operators.get("/campaigns/{campaign_id}/audience")
async def campaign_audience(request: Request, campaign_id: CampaignId) -> dict[str, int]:
    """How many people the campaign would reach now (who said yes to news and match)."""
    with refusals():
        async with store_of(request) as store:
            count = await campaign_handlers.audience(store, notify_of(request), campaign_id)
    return {"count": count}


@operators.post("/campaigns/{campaign_id}/schedule")
async def schedule_campaign(request: Request, campaign_id: CampaignId) -> dict[str, Any]:
    """Sent in its window by notify, at most `CAMPAIGN_CAP` campaign mails a person in 30
    days across the network."""
    with refusals():
        async with store_of(request) as store:
            scheduled = await campaign_handlers.schedule_campaign(
                store,
                campaign_id,
                actor_of(request),
                now().astimezone(STOCKHOLM).date(),
                topic(request),
            )
    return {"id": scheduled.campaign_id, "state": scheduled.state.value}


@operators.post("/campaigns/{campaign_id}/cancel")
async def cancel_campaign(request: Request, campaign_id: CampaignId) -> dict[str, Any]:
    with refusals():
        async with store_of(request) as store:
            cancelled = await campaign_handlers.cancel_campaign(
                store, campaign_id, actor_of(request), topic(request)
            )
    return {"id": cancelled.campaign_id, "state": cancelled.state.value}


@operators.get("/campaigns/{campaign_id}")
async def campaign_figures(request: Request, campaign_id: CampaignId) -> dict[str, Any]:
    """The campaign's state and figures: audience, sent, skipped by the cap, link visits,
    news consents withdrawn from its mail, saved searches created in the 30 days after; and
    the campaign itself (`campaign`)."""
    with refusals():
        async with store_of(request) as store:
            campaign, counted = await campaign_handlers.figures(
                store, notify_of(request), campaign_id
            )
    return {**counted, "campaign": views.campaign_json(campaign)}


@router.post("/campaigns/{campaign_id}/visits")
async def campaign_visit(request: Request, campaign_id: CampaignId) -> dict[str, str]:
    """The site's redirect counts a visit of the campaign's link here and sends the person on
    to `link`; nothing about the visitor is kept."""
    with refusals():
        async with store_of(request) as store:
            return {"link": await campaign_handlers.visit(store, campaign_id)}
