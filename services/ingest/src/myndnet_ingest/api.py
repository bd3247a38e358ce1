"""HTTP: `POST /events` with an agency's key (`Authorization: Bearer <key>`, issued by
membership). The request is read whole, up to a size limit; each key has a rate limit."""

import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from myndnet_kit.web import service_of

from myndnet_ingest.domain.events import RequestUnreadable, read_request
from myndnet_ingest.domain.keys import KeyHolder, digest, key_ring
from myndnet_ingest.handlers.events import PublishFailed, take_events

router = APIRouter(tags=["events"])

EXAMPLE = {
    "accepted": 1,
    "rejected": 1,
    "events": [
        {"index": 0, "id": "e-1", "status": "accepted", "topic": "hr.csn.vacancies"},
        {
            "index": 1,
            "id": "e-2",
            "status": "rejected",
            "reason": "forged_source",
            "message": "source '/agencies/skv': this key publishes as '/agencies/csn' only",
        },
    ],
}


def _holder(request: Request) -> KeyHolder:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(
            401,
            "an agency key is required (Authorization: Bearer <key>; membership issues them)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    follower = service_of(request).membership
    assert follower is not None
    holder = key_ring(follower.agencies.values()).get(digest(key.strip()))
    if holder is None:
        raise HTTPException(
            401,
            "the key is not valid (revoked, mistyped, or its agency left the network)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return holder


@router.post(
    "/events",
    responses={
        200: {
            "description": "every event, accepted or rejected",
            "content": {"application/json": {"example": EXAMPLE}},
        },
        401: {"description": "no key, or not a valid one"},
        413: {"description": "the request or the batch is too large"},
        415: {"description": "not a CloudEvents request"},
        422: {"description": "no event could be accepted; the list says why for each"},
        429: {"description": "the key's rate limit; Retry-After says when to try again"},
        503: {"description": "the broker did not acknowledge; nothing was accepted"},
    },
)
async def post_events(request: Request) -> Any:
    """CloudEvents over HTTP, binary, structured or batched. Each event is checked as a
    consumer of the agency's topics would check it; the valid ones are published to the key's
    agency's own `hr.<code>.*` topics, and the answer comes once the broker has acknowledged
    them. The same event posted again (same source and id) is applied once by the network."""
    holder = _holder(request)
    settings = request.app.state.settings
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise HTTPException(413, f"a request may hold at most {settings.max_body_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_body_bytes:
            raise HTTPException(413, f"a request may hold at most {settings.max_body_bytes} bytes")
    content_type = request.headers.get("content-type", "")
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        reads = read_request(content_type, headers, bytes(body))
    except RequestUnreadable as exc:
        raise HTTPException(exc.status, str(exc)) from None
    wait = request.app.state.rate_limit.take(holder.key_id, len(reads), time.monotonic())
    if wait is not None:
        raise HTTPException(
            429,
            f"this key may post {settings.rate_per_minute} events a minute; try again later",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    try:
        result = await take_events(request.app.state.hr_topics, holder, reads)
    except PublishFailed as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
    return JSONResponse(result, status_code=200 if result["accepted"] else 422)
