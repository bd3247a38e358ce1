"""HTTP: public sign-up, confirmation and unsubscribe pages; the preference centre's API for
the public site (each call names the address by its `X-Manage-Token`); erasure, deliveries
and suppressed addresses for operators (right `notify:operate`). Addresses are never logged."""

import contextlib
import ipaddress
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from myndnet_kit import audit
from myndnet_kit.addresses import CandidateEmail, deliverable_address
from myndnet_kit.auth import presented_token_allows, require_operator
from myndnet_kit.web import Refusal, pool_of
from myndnet_schemas.clock import stockholm_days
from myndnet_schemas.events.base import Municipality
from myndnet_schemas.text import one_line
from myndnet_schemas.topics import validate_agency_code
from myndnet_schemas.vocabulary import EmploymentType, OccupationField, TargetGroup
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from myndnet_notify.adapters import campaigns as campaign_table
from myndnet_notify.adapters import deliveries as delivery_table
from myndnet_notify.adapters import staff_alerts
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.letters import HANDED, LETTERS
from myndnet_notify.domain.news import Interest
from myndnet_notify.domain.subscriptions import Preferences, TooManyCombinations, subscription_keys
from myndnet_notify.handlers import campaigns as campaign_handlers
from myndnet_notify.handlers import handed_letters, sending
from myndnet_notify.handlers import subscriptions as handlers

router = APIRouter(tags=["subscriptions"])
preferences = APIRouter(tags=["preference centre"])
operators = APIRouter(tags=["operators"], dependencies=[require_operator("notify:operate")])
letters = APIRouter(tags=["letters handed over"], dependencies=[require_operator("notify:letters")])
staff = APIRouter(tags=["internal alerts"], dependencies=[require_operator("notify:relay")])

AgencyCode = Annotated[str, AfterValidator(validate_agency_code)]
Keyword = Annotated[str, Field(min_length=2, max_length=50), AfterValidator(one_line)]


class Filters(BaseModel):
    """AND across fields, OR within one; an empty field means any."""

    model_config = ConfigDict(extra="forbid")
    agencies: list[AgencyCode] = Field(default_factory=list, max_length=30)
    occupation_fields: list[OccupationField] = Field(default_factory=list)
    municipalities: list[Municipality] = Field(default_factory=list, max_length=50)
    employment_types: list[EmploymentType] = Field(default_factory=list)
    target_groups: list[TargetGroup] = Field(default_factory=list)
    keywords: list[Keyword] = Field(default_factory=list, max_length=20)


class SubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: CandidateEmail
    language: Literal["sv", "en"] = "sv"
    frequency: Literal["immediate", "daily", "weekly"] = "immediate"
    filters: Filters = Field(default_factory=Filters)
    news: bool = False  # news from the network too: a consent of its own


def site_page(request: Request, language: str, path: str, **query: str) -> RedirectResponse:
    """A person's page on the public site, in their language: notify shows no pages itself."""
    site: str = request.app.state.site_url
    prefix = "/en" if language == "en" else ""
    return RedirectResponse(f"{site}{prefix}{path}?{urlencode(query)}", status_code=303)


def preferences_of(language: str, frequency: str, f: Filters) -> Preferences:
    """The domain's preferences, refused with 422 when the filters combine into too many
    alternatives."""
    wish = Preferences(
        language=language,
        frequency=frequency,
        agencies=tuple(f.agencies),
        occupation_fields=tuple(x.value for x in f.occupation_fields),
        municipalities=tuple(f.municipalities),
        employment_types=tuple(x.value for x in f.employment_types),
        target_groups=tuple(x.value for x in f.target_groups),
        keywords=tuple(f.keywords),
    )
    try:
        subscription_keys(wish)
    except TooManyCombinations as exc:
        raise Refusal(422, "too_broad", str(exc)) from None
    return wish


RELAY_RIGHT = "notify:relay"


def client_of(request: Request) -> str:
    """Whom a sign-up is counted under: the connecting client, or, for a holder of the right
    `notify:relay` (the public site, which signs people up on their behalf), the person's
    address it names in `X-Client-Address`."""
    relayed = request.headers.get("x-client-address", "").strip()
    if relayed and presented_token_allows(request, RELAY_RIGHT):
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(relayed))
    return request.client.host if request.client else "unknown"


@contextlib.asynccontextmanager
async def store_of(request: Request) -> AsyncIterator[PostgresNotify]:
    async with pool_of(request).acquire() as conn:
        yield PostgresNotify(conn)


@router.post("/subscriptions", status_code=202)
async def subscribe(request: Request, body: SubscriptionRequest) -> dict[str, str]:
    """Ask for job alerts: one saved search (the same filters again change that search).
    Only a confirmation e-mail is sent until its link is followed."""
    preferences = preferences_of(body.language, body.frequency, body.filters)
    client = client_of(request)
    try:
        async with store_of(request) as store:
            await handlers.subscribe(
                store, body.email, preferences, client, datetime.now(UTC), body.news
            )
    except handlers.RateLimited as exc:
        raise Refusal(429, "rate_limited", str(exc), headers={"Retry-After": "3600"}) from None
    # The same answer whether the address was known or not.
    return {
        "status": "confirmation_sent",
        "message": "Check your inbox: the subscription starts when you confirm it.",
    }


@router.get("/subscriptions/confirm", status_code=303, response_class=RedirectResponse)
async def confirm(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> RedirectResponse:
    """Follow a confirmation link: the saved search is confirmed, and the person is sent to the
    site's page that says so, in their language (a link no longer valid: the site's page for
    that)."""
    try:
        async with store_of(request) as store:
            confirmed = await handlers.confirm(store, token, datetime.now(UTC))
    except handlers.InvalidToken:
        return site_page(request, "sv", "/bevakning/bekrafta", token=token)
    return site_page(
        request, confirmed.language, "/bevakning/bekraftad", token=confirmed.manage_token
    )


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, Field(min_length=10, max_length=100)]


@router.post("/subscriptions/confirm")
async def confirm_for_site(request: Request, body: ConfirmRequest) -> dict[str, str]:
    """The same as following the link, for the public site: answers with a token for the
    address's preference centre."""
    try:
        async with store_of(request) as store:
            confirmed = await handlers.confirm(store, body.token, datetime.now(UTC))
    except handlers.InvalidToken as exc:
        raise HTTPException(400, str(exc)) from None
    return {
        "status": "confirmed",
        "language": confirmed.language,
        "manage_token": confirmed.manage_token,
    }


@router.get("/unsubscribe", status_code=303, response_class=RedirectResponse)
async def unsubscribe_page(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> RedirectResponse:
    """The site's page with the button, in the search's language; changes nothing (mail
    scanners follow links)."""
    async with store_of(request) as store:
        language = await handlers.language_of_link(store, token, "unsubscribe")
    return site_page(request, language, "/bevakning/avsluta", token=token)


@router.post("/unsubscribe")
async def unsubscribe(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe (a mail client's POST; it wants no redirect), and the
    site's button."""
    try:
        async with store_of(request) as store:
            language = await handlers.unsubscribe(store, token, datetime.now(UTC))
    except handlers.InvalidToken as exc:
        raise Refusal(400, "invalid_link", str(exc)) from None
    return {"status": "unsubscribed", "language": language}


@router.get("/unsubscribe/news", status_code=303, response_class=RedirectResponse)
async def stop_news_page(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> RedirectResponse:
    """The site's page with the button; changes nothing (mail scanners follow links)."""
    return site_page(request, "sv", "/nyheter/avsluta", token=token)


@router.post("/unsubscribe/news")
async def stop_news(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> dict[str, str]:
    """RFC 8058 one-click withdrawal of the yes to news, from a campaign mail (and the site's
    button). Job alerts go on."""
    try:
        async with store_of(request) as store:
            language = await handlers.stop_news(store, token, datetime.now(UTC))
    except handlers.InvalidToken as exc:
        raise Refusal(400, "invalid_link", str(exc)) from None
    return {"status": "news_stopped", "language": language}


@operators.delete("/subscribers")
async def erase(
    request: Request,
    email: Annotated[str, Query(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")],
) -> dict[str, int]:
    """Erase an address and everything tied to it: as given, and as notify sends to it (an
    internationalised domain in its xn-- form). Any address is accepted here, also one stored
    before sign-up refused what SMTP cannot carry."""
    forms = {email}
    with contextlib.suppress(ValueError):
        forms.add(deliverable_address(email))
    erased = 0
    async with store_of(request) as store:
        for form in sorted(forms):
            erased += await handlers.erase(store, form)
            await staff_alerts.forget(store.conn, form)  # a member of staff's internal alerts
    return {"erased": erased}


async def subscriber_of(
    request: Request,
    x_manage_token: Annotated[
        str | None,
        Header(
            min_length=10,
            max_length=100,
            description="the token of a preference-centre link (from any alert or digest)",
        ),
    ] = None,
) -> str:
    if x_manage_token is None:
        raise HTTPException(401, "the X-Manage-Token header is missing")
    async with store_of(request) as store:
        try:
            return await handlers.subscriber_of(store, x_manage_token, datetime.now(UTC))
        except handlers.InvalidToken as exc:
            raise HTTPException(401, str(exc)) from None


Subscriber = Annotated[str, Depends(subscriber_of)]
SearchId = Annotated[str, Path(pattern=r"^s-[0-9a-f]{1,40}$")]


class SavedSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frequency: Literal["immediate", "daily", "weekly"] = "immediate"
    filters: Filters = Field(default_factory=Filters)


class SearchChange(SavedSearch):
    paused: bool | None = None  # true pauses the search, false resumes it, absent keeps it


def _unknown_search(exc: handlers.UnknownSearch) -> HTTPException:
    return HTTPException(404, str(exc))


@preferences.get("/preferences")
async def show_preferences(request: Request, subscriber: Subscriber) -> dict[str, Any]:
    """Every saved search of the address the token was made for, and whether mail to it is
    suppressed after a bounce."""
    async with store_of(request) as store:
        return await handlers.preferences_of(store, subscriber)


@preferences.post("/preferences/searches", status_code=201)
async def add_search(request: Request, subscriber: Subscriber, body: SavedSearch) -> dict[str, str]:
    async with store_of(request) as store:
        language = await handlers.language_of(store, subscriber)
        wish = preferences_of(language, body.frequency, body.filters)
        search_id = await handlers.add_search(store, subscriber, wish, datetime.now(UTC))
    return {"id": search_id}


@preferences.put("/preferences/searches/{search_id}")
async def change_search(
    request: Request, subscriber: Subscriber, search_id: SearchId, body: SearchChange
) -> dict[str, Any]:
    async with store_of(request) as store:
        language = await handlers.language_of(store, subscriber)
        wish = preferences_of(language, body.frequency, body.filters)
        try:
            await handlers.change_search(store, subscriber, search_id, wish, datetime.now(UTC))
            if body.paused is not None:
                await handlers.pause_search(store, subscriber, search_id, body.paused)
        except handlers.UnknownSearch as exc:
            raise _unknown_search(exc) from None
        return await handlers.preferences_of(store, subscriber)


@preferences.delete("/preferences/searches/{search_id}", status_code=204)
async def remove_search(request: Request, subscriber: Subscriber, search_id: SearchId) -> Response:
    async with store_of(request) as store:
        try:
            await handlers.remove_search(store, subscriber, search_id)
        except handlers.UnknownSearch as exc:
            raise _unknown_search(exc) from None
    return Response(status_code=204)


class NewsChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    news: bool


@preferences.put("/preferences/news")
async def choose_news(request: Request, subscriber: Subscriber, body: NewsChoice) -> dict[str, Any]:
    """Yes or no to news from the network (campaign mail); job alerts never need it."""
    async with store_of(request) as store:
        await handlers.set_news(store, subscriber, body.news, datetime.now(UTC))
        return await handlers.preferences_of(store, subscriber)


@preferences.post("/preferences/unsubscribe")
async def unsubscribe_everything(request: Request, subscriber: Subscriber) -> dict[str, int]:
    """Stop every saved search of the address (they stay listed, and can be resumed by
    changing them)."""
    async with store_of(request) as store:
        return {"stopped": await handlers.unsubscribe_all(store, subscriber)}


@preferences.delete("/preferences")
async def erase_everything(request: Request, subscriber: Subscriber) -> dict[str, int]:
    """Erase the address and everything tied to it; the token stops working."""
    async with store_of(request) as store:
        await handlers.erase_subscriber(store, subscriber)
    return {"erased": 1}


class DeliveryStatusNotification(BaseModel):
    """What a bounce processor read from a delivery status notification (RFC 3464)."""

    model_config = ConfigDict(extra="forbid")
    original_message_id: Annotated[
        str, Field(max_length=300, pattern=r"^<?[A-Za-z0-9_.-]+@[^>\s]+>?$")
    ]
    status: Annotated[str, Field(pattern=r"^[245]\.\d{1,3}\.\d{1,3}$")]


@operators.post("/bounces")
async def report_bounce(request: Request, body: DeliveryStatusNotification) -> dict[str, Any]:
    """A delivery status notification for a message notify sent (its `Original-Message-ID` and
    `Status`): the mailbox refused for good (5.1.x but 5.1.7 and 5.1.8, or 5.2.1) suppresses
    the address, as such a refusal during SMTP does; any other status (a delay, a policy or
    content refusal) changes nothing."""
    delivery_id = body.original_message_id.strip("<>").split("@", 1)[0]
    try:
        async with store_of(request) as store:
            bounced = await sending.report_bounce(store, delivery_id, body.status)
    except sending.UnknownDelivery as exc:
        raise HTTPException(404, str(exc)) from None
    return {"delivery_id": delivery_id, "hard_bounce": bounced}


@operators.get("/suppressions")
async def suppressions(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """Addresses nothing is sent to after a permanent failure, newest first: candidates'
    (`kind` candidate; lifted when the address confirms a saved search again) and public
    employees' work addresses (`kind` work; lifted with `DELETE /suppressions?email=`)."""
    async with pool_of(request).acquire() as conn:
        listed = await delivery_table.suppressed(conn, limit)
    return [
        {"email": s.email, "reason": s.reason, "since": s.since.isoformat(), "kind": s.kind}
        for s in listed
    ]


@operators.delete("/suppressions", status_code=204)
async def lift_suppression(
    request: Request, email: Annotated[str, Query(min_length=3, max_length=320)]
) -> None:
    """Mail may go to a suppressed work address again (its owner's mailbox works once more).
    A candidate's address is lifted only by the candidate confirming a saved search again.
    Logged as `suppression.lifted` (subject: the work address)."""
    async with pool_of(request).acquire() as conn, conn.transaction():
        if not await delivery_table.lift_work_suppression(conn, email):
            raise HTTPException(404, "no work address is suppressed under that address")
        await audit.record(conn, audit.actor_of(request), "suppression.lifted", email.lower())


@operators.get("/figures")
async def figures(
    request: Request,
    from_: Annotated[date, Query(alias="from")],
    to: Annotated[date, Query()],
) -> dict[str, Any]:
    """Job alerts and digests sent on the days `from` to `to` (both included, Swedish time),
    and the saved searches they went to, per agency of the vacancies they told of and for the
    network. Deliveries are kept 13 months, so a longer period counts only those."""
    if from_ > to:
        raise HTTPException(422, "`from` is after `to`")
    first, after = stockholm_days(from_, to)
    async with pool_of(request).acquire() as conn:
        found = await delivery_table.alert_figures(conn, first, after)
    return {"from": from_.isoformat(), "to": to.isoformat(), **found}


@operators.get("/deliveries")
async def deliveries(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(queued|sent|failed|cancelled)$")] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    async with pool_of(request).acquire() as conn:
        found = await delivery_table.recent(conn, status, kind, limit)
    items: list[dict[str, Any]] = [
        {
            "id": d.id,
            "kind": d.kind,
            "status": d.status,
            "recipient_ref": d.recipient_ref,
            "subscription_id": d.subscription_id,
            "match_id": d.match_id,
            "vacancy_keys": list(d.vacancy_keys),
            "attempts": d.attempts,
            "last_error": d.last_error,
            "created_at": d.created_at.isoformat() if d.created_at else None,
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        }
        for d in found
    ]
    return JSONResponse(items)


# -- letters other services hand over (outreach's registrations) -------------------------------

HANDED_KINDS = tuple(k for k, letter in LETTERS.items() if letter.to == HANDED)
HandedKind = Annotated[
    str,
    Field(json_schema_extra={"enum": list(HANDED_KINDS)}),
    AfterValidator(lambda kind: _handed_kind(kind)),
]


def _handed_kind(kind: str) -> str:
    if kind not in HANDED_KINDS:
        raise ValueError(f"not a letter handed over: one of {', '.join(HANDED_KINDS)}")
    return kind


Reference = Annotated[str, Field(pattern=r"^[a-z]+/[A-Za-z0-9._-]{1,64}$")]


class EventOfLetter(BaseModel):
    event_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    title: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
    place: Annotated[str, Field(max_length=200), AfterValidator(one_line)] | None = None
    online_url: Annotated[str, Field(pattern=r"^https://\S{1,500}$")] | None = None


class RecipientOfLetter(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]


LocalTime = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")]


class LetterContext(BaseModel):
    """What an open event's letters say; their links are signed here when the letter is sent."""

    recipient: RecipientOfLetter
    registration_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    event: EventOfLetter
    starts: LocalTime
    ends: LocalTime
    event_day: date
    confirm_by: date
    place: Annotated[int, Field(ge=1, le=100_000)] | None = None
    because: Literal["person", "event"] | None = None


Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
OneLine = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]


class AssignmentOfLetter(BaseModel):
    host: Annotated[str, Field(pattern=r"^[a-z0-9-]{2,40}$")]
    host_name: OneLine
    assignment_id: Id
    title: OneLine
    kind: Literal["loan", "secondment", "gig"]
    first_day: date
    last_day: date
    percent: Annotated[int, Field(ge=10, le=100)]


class PersonOfLetter(BaseModel):
    email: Annotated[str, Field(max_length=254)]
    home_name: OneLine


class AssignmentLetterContext(BaseModel):
    """What an assignment's letters say (exchange's); the answer link is signed here."""

    model_config = ConfigDict(extra="forbid")
    interest_id: Id
    answer_by: date
    assignment: AssignmentOfLetter
    person: PersonOfLetter
    note: Annotated[str, Field(max_length=1000)] = ""
    step: Literal["host", "home", "person"] | None = None  # the step the link answers
    by: Literal["host", "home", "person"] | None = None  # who declined
    because: Literal["closed", "withdrawn", "filled"] | None = None


class LetterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,120}$")]
    kind: HandedKind
    to: CandidateEmail
    language: Literal["sv", "en"]
    recipient_ref: Reference
    context: LetterContext | AssignmentLetterContext

    @model_validator(mode="after")
    def _context_of_its_kind(self) -> "LetterIn":
        wanted = AssignmentLetterContext if self.kind.startswith("exchange_") else LetterContext
        if not isinstance(self.context, wanted):
            raise ValueError(f"a {self.kind} letter's context is {wanted.__name__}")
        return self


@letters.post("/letters", status_code=202)
async def take_letter(request: Request, body: LetterIn) -> dict[str, bool]:
    """A letter to send to the address given, once per `key` however often it is handed over;
    `queued` is false when it was queued before (or its person is erased). The address is kept
    only as long as a delivery's record is, and forgotten with `POST /letters/forget`."""
    letter = handed_letters.HandedLetter(
        body.key,
        body.kind,
        body.to,
        body.language,
        body.recipient_ref,
        body.context.model_dump(mode="json"),
    )
    async with store_of(request) as store:
        return {"queued": await handed_letters.take(store, letter)}


class ForgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient_refs: Annotated[list[Reference], Field(min_length=1, max_length=1000)]


@letters.post("/letters/forget")
async def forget_letters(request: Request, body: ForgetIn) -> dict[str, int]:
    """The people were erased where their letters came from: what is queued for them is
    cancelled, their addresses go from every delivery, and later letters for them are refused."""
    async with store_of(request) as store:
        await handed_letters.forget(store, body.recipient_refs)
    return {"forgotten": len(body.recipient_refs)}


class NewsConsentIn(BaseModel):
    """A yes to news given where another service confirmed the address."""

    model_config = ConfigDict(extra="forbid")
    email: CandidateEmail
    language: Literal["sv", "en"]
    source: Reference
    target_groups: list[TargetGroup] = Field(default_factory=list)
    occupation_fields: list[OccupationField] = Field(default_factory=list)
    municipalities: list[Municipality] = Field(default_factory=list, max_length=50)


@letters.post("/news-consents", status_code=204)
async def take_news_consent(request: Request, body: NewsConsentIn) -> Response:
    """outreach's registrant said yes to news and confirmed the address from its mail: the
    address may get campaigns from now on (withdrawn in the preference centre or by any
    campaign mail's link), with what it registered for as its interest."""
    interest = Interest(
        tuple(g.value for g in body.target_groups),
        tuple(f.value for f in body.occupation_fields),
        tuple(body.municipalities),
    )
    async with store_of(request) as store:
        await handlers.news_consent(
            store, body.email, body.language, body.source, interest, datetime.now(UTC)
        )
    return Response(status_code=204)


# -- campaigns (outreach asks; the campaigns themselves come on outreach.activities) ----------


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_groups: list[TargetGroup] = Field(default_factory=list, max_length=4)
    occupation_fields: list[OccupationField] = Field(default_factory=list, max_length=30)
    municipalities: list[Municipality] = Field(default_factory=list, max_length=50)
    languages: list[Literal["sv", "en"]] = Field(default_factory=list, max_length=2)


@letters.post("/campaigns/audience")
async def campaign_audience(request: Request, body: AudienceIn) -> dict[str, int]:
    """How many people who said yes to news an audience holds now."""
    async with pool_of(request).acquire() as conn:
        return {"count": await campaign_table.audience_count(conn, body.model_dump(mode="json"))}


CampaignId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


@letters.get("/campaigns/{campaign_id}")
async def campaign_figures(request: Request, campaign_id: CampaignId) -> dict[str, Any]:
    """A campaign's counts: its audience, mails sent, people skipped by the cap, still
    pending, news withdrawn from its mail, saved searches its people created in the 30 days
    after their mail."""
    async with pool_of(request).acquire() as conn:
        found = await campaign_table.figures(conn, campaign_id)
    if found is None:
        raise HTTPException(404, f"no campaign {campaign_id!r} has reached notify")
    return found


@letters.post("/campaigns/run")
async def run_campaigns(
    request: Request, as_of: Annotated[datetime | None, Query()] = None
) -> dict[str, Any]:
    """Send what is due at `as_of` (an RFC 3339 moment; now when left out), as the schedule
    does every minute: used by outreach's `POST /schedule/run`."""
    moment = as_of or datetime.now(UTC)
    if moment.tzinfo is None:
        raise HTTPException(422, "as_of needs a time zone (an RFC 3339 time)")
    return await campaign_handlers.run(pool_of(request), moment, request.app.state.campaign_cap)


# -- internal alerts: a signed-in member of staff's, at their work address --------------------


class StaffAlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    occupation_fields: Annotated[list[OccupationField], Field(max_length=14)] = Field(
        default_factory=list
    )
    municipalities: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100), AfterValidator(one_line)]],
        Field(max_length=10),
    ] = Field(default_factory=list)
    language: Literal["sv", "en"] = "sv"


def _staff_member(request: Request) -> str:
    """The signed-in person the site names: internal alerts go to that work address only."""
    email = audit.actor_of(request)
    if email == audit.OPERATOR:
        raise Refusal(422, "no_person", "name the signed-in member of staff in X-Acting-For")
    return email


def _staff_alert_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "occupation_fields": list(row["occupation_fields"]),
        "municipalities": list(row["municipalities"]),
        "language": row["language"],
        "created_at": row["created_at"].isoformat(),
    }


@staff.get("/staff-alerts")
async def list_staff_alerts(request: Request) -> list[dict[str, Any]]:
    """The named person's internal alerts."""
    async with pool_of(request).acquire() as conn:
        return [_staff_alert_json(r) for r in await staff_alerts.of(conn, _staff_member(request))]


@staff.post("/staff-alerts", status_code=201)
async def add_staff_alert(request: Request, body: StaffAlertIn) -> dict[str, str]:
    """An internal alert for the named person (the site vouches that they signed in with the
    address): each vacancy for staff only it answers is mailed to them, once. Empty lists are
    any field and any municipality. At most ten a person."""
    alert_id = f"sa-{uuid.uuid4().hex[:16]}"
    async with pool_of(request).acquire() as conn:
        added = await staff_alerts.add(
            conn,
            alert_id,
            _staff_member(request),
            [f.value for f in dict.fromkeys(body.occupation_fields)],
            list(dict.fromkeys(body.municipalities)),
            body.language,
        )
    if not added:
        raise Refusal(409, "too_many", "ten internal alerts are the most one person keeps")
    return {"id": alert_id}


@staff.delete("/staff-alerts/{alert_id}", status_code=204)
async def remove_staff_alert(
    request: Request, alert_id: Annotated[str, Path(pattern=r"^sa-[0-9a-f]{16}$")]
) -> None:
    async with pool_of(request).acquire() as conn:
        if not await staff_alerts.remove(conn, alert_id, _staff_member(request)):
            raise Refusal(404, "not_found", "no such internal alert of yours")
