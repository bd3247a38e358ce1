"""HTTP: public sign-up, confirmation and unsubscribe pages; erasure and deliveries for
operators (right `notify:operate`). Addresses are never logged."""

import contextlib
from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from myndnet_kit.auth import require_operator
from myndnet_kit.web import pool_of
from myndnet_schemas.events.base import Municipality
from myndnet_schemas.text import one_line
from myndnet_schemas.topics import validate_agency_code
from myndnet_schemas.vocabulary import EmploymentType, OccupationField, TargetGroup
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from myndnet_notify.adapters import deliveries as delivery_table
from myndnet_notify.domain.subscriptions import Preferences, TooManyCombinations, subscription_keys
from myndnet_notify.handlers import subscriptions as handlers

router = APIRouter(tags=["subscriptions"])
operators = APIRouter(tags=["operators"], dependencies=[require_operator("notify:operate")])

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


def deliverable_address(value: str) -> str:
    """An address our mail can reach, as it is sent: an internationalised domain in its ASCII
    form (xn--); a non-ASCII local part is refused, since SMTP without SMTPUTF8 cannot carry it
    (and one such address stopped every e-mail)."""
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not an e-mail address: {exc}") from None
    if checked.ascii_email is None:
        raise ValueError(
            "the part before @ has characters other than a-z, digits and . _ + -, which our "
            "mail cannot carry; please use another address"
        )
    return checked.ascii_email


class SubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(max_length=254), AfterValidator(deliverable_address)]
    language: Literal["sv", "en"] = "sv"
    frequency: Literal["immediate", "daily", "weekly"] = "immediate"
    filters: Filters = Field(default_factory=Filters)


PAGES = {
    ("confirmed", "sv"): ("Tack!", "Din jobbevakning är bekräftad."),
    ("confirmed", "en"): ("Thank you!", "Your job alert is confirmed."),
    ("unsubscribe", "sv"): ("Avsluta bevakningen?", "Tryck på knappen för att avsluta."),
    ("unsubscribe", "en"): ("Unsubscribe?", "Press the button to unsubscribe."),
    ("unsubscribed", "sv"): ("Avslutad", "Du får inga fler jobbtips från oss."),
    ("unsubscribed", "en"): ("Unsubscribed", "You will get no more job alerts from us."),
    ("invalid", "sv"): ("Länken fungerar inte", "Länken är ogiltig eller för gammal."),
}


def page(
    kind: str,
    language: str = "sv",
    status: int = 200,
    form: str | None = None,
    detail: str | None = None,
) -> HTMLResponse:
    title, text = PAGES.get(
        (kind, language), PAGES[(kind, "sv")] if (kind, "sv") in PAGES else PAGES[("invalid", "sv")]
    )
    body = f"<h1>{escape(title)}</h1><p>{escape(detail or text)}</p>"
    if form:
        label = "Avsluta" if language == "sv" else "Unsubscribe"
        body += (
            f'<form method="post" action="{escape(form)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{label}</button></form>'
        )
    return HTMLResponse(
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>{body}</body></html>",
        status_code=status,
    )


@router.post("/subscriptions", status_code=202)
async def subscribe(request: Request, body: SubscriptionRequest) -> dict[str, str]:
    """Ask for job alerts. Only a confirmation e-mail is sent until its link is followed."""
    f = body.filters
    preferences = Preferences(
        language=body.language,
        frequency=body.frequency,
        agencies=tuple(f.agencies),
        occupation_fields=tuple(x.value for x in f.occupation_fields),
        municipalities=tuple(f.municipalities),
        employment_types=tuple(x.value for x in f.employment_types),
        target_groups=tuple(x.value for x in f.target_groups),
        keywords=tuple(f.keywords),
    )
    try:
        subscription_keys(preferences)
    except TooManyCombinations as exc:
        raise HTTPException(422, str(exc)) from None
    client = request.client.host if request.client else "unknown"
    try:
        async with pool_of(request).acquire() as conn:
            await handlers.subscribe(conn, body.email, preferences, client, datetime.now(UTC))
    except handlers.RateLimited as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "3600"}) from None
    # The same answer whether the address was known or not.
    return {
        "status": "confirmation_sent",
        "message": "Check your inbox: the subscription starts when you confirm it.",
    }


@router.get("/subscriptions/confirm", response_class=HTMLResponse)
async def confirm(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> HTMLResponse:
    try:
        async with pool_of(request).acquire() as conn:
            language = await handlers.confirm(conn, token, datetime.now(UTC))
    except handlers.InvalidToken as exc:
        return page("invalid", status=400, detail=str(exc))
    return page("confirmed", language)


@router.get("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(
    token: Annotated[str, Query(min_length=10, max_length=100)],
) -> HTMLResponse:
    """Shows a button; changes nothing (mail scanners follow links)."""
    return page("unsubscribe", form=f"/unsubscribe?token={token}")


@router.post("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(
    request: Request, token: Annotated[str, Query(min_length=10, max_length=100)]
) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe (and the page's button)."""
    try:
        async with pool_of(request).acquire() as conn:
            language = await handlers.unsubscribe(conn, token, datetime.now(UTC))
    except handlers.InvalidToken as exc:
        return page("invalid", status=400, detail=str(exc))
    return page("unsubscribed", language)


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
    async with pool_of(request).acquire() as conn:
        for form in sorted(forms):
            erased += await handlers.erase(conn, form)
    return {"erased": erased}


@operators.get("/deliveries")
async def deliveries(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(queued|sent|failed|cancelled)$")] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    async with pool_of(request).acquire() as conn:
        rows = await delivery_table.recent(conn, status, kind, limit)
    items: list[dict[str, Any]] = [
        {
            **dict(r),
            "vacancy_keys": list(r["vacancy_keys"]),
            "created_at": r["created_at"].isoformat(),
            "sent_at": r["sent_at"].isoformat() if r["sent_at"] else None,
        }
        for r in rows
    ]
    return JSONResponse(items)
