"""The routes every event service has besides health and metrics (`http.py`): the DLQ for
operators, with its replay policy, and the log of what people did."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from myndnet_schemas import topics as topic_names
from pydantic import BaseModel, Field

from myndnet_kit import audit, dlq
from myndnet_kit.auth import require_operator
from myndnet_kit.kafka import existing_topics
from myndnet_kit.web import pool_of, service_of

# A PostgreSQL bigserial id: anything else cannot name a row.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ReplayRequest(BaseModel):
    ids: list[RowId] = Field(min_length=1, max_length=1000, description="DLQ entry ids to replay")


def dlq_router() -> APIRouter:
    router = APIRouter()

    @router.get("/dlq", tags=["operators"], dependencies=[require_operator("dlq:replay")])
    async def list_dlq(
        request: Request,
        reason: str | None = Query(None, max_length=64),
        include_replayed: bool = False,
        before_id: int | None = Query(None, ge=1, le=2**63 - 1),
        limit: int = Query(50, ge=1, le=500),
    ) -> dict[str, Any]:
        async with pool_of(request).acquire() as conn:
            entries = await dlq.list_entries(
                conn,
                reason=reason,
                include_replayed=include_replayed,
                before_id=before_id,
                limit=limit,
            )
        return {
            "entries": entries,
            "next_before_id": entries[-1]["id"] if len(entries) == limit else None,
        }

    @router.post("/dlq/replay", tags=["operators"], dependencies=[require_operator("dlq:replay")])
    async def replay_dlq(request: Request, body: ReplayRequest) -> dict[str, Any]:
        """Some entries stay in the DLQ, because the outbox would hold everything behind them:
        those whose topic no longer exists (`topic_gone`, an agency's after it left), and in the
        secure profile those from an agency's topic (`agency_topic`), which only the agency may
        write: it publishes the event again. Entries kept only as a truncated copy
        (`too_large`) are not sent either."""
        async with pool_of(request).acquire() as conn:
            topic_of = await dlq.topics_of(conn, body.ids)
            too_large = await dlq.truncated(conn, body.ids)
        kafka = service_of(request).settings.kafka()
        agency_topic = sorted(
            i
            for i, topic in topic_of.items()
            if kafka.secure and topic_names.agency_of_hr_topic(topic)
        )
        existing = await existing_topics(kafka, set(topic_of.values()))
        gone = sorted(i for i, topic in topic_of.items() if topic not in existing)
        kept = set(gone) | set(agency_topic) | too_large
        async with pool_of(request).acquire() as conn, conn.transaction():
            replayed = await dlq.replay(conn, [i for i in topic_of if i not in kept])
            if replayed:
                service = service_of(request).settings.service
                details = {"ids": replayed, "topics": sorted({topic_of[i] for i in replayed})}
                await audit.record(conn, audit.actor_of(request), "dlq.replayed", service, details)
        missing = sorted(set(body.ids) - set(topic_of))
        return {
            "replayed": replayed,
            "not_found": missing,
            "topic_gone": gone,
            "agency_topic": [i for i in agency_topic if i not in gone],
            "too_large": sorted(too_large - set(gone)),
        }

    return router


def audit_router() -> APIRouter:
    router = APIRouter()

    @router.get("/audit-log", tags=["operators"], dependencies=[require_operator("audit:read")])
    async def audit_log(
        request: Request,
        subject: Annotated[list[str] | None, Query(max_length=100)] = None,
        before_id: int | None = Query(None, ge=1, le=2**63 - 1),
        limit: int = Query(100, ge=1, le=500),
    ) -> dict[str, Any]:
        """What people did here, latest first (kept two years): who (a coordinator's work
        address, or `operator`), when, what, on what. `subject` (repeatable) narrows it to some
        subjects (an agency's code, say); `before_id` pages back."""
        if subject and any(len(s) > 200 for s in subject):
            raise HTTPException(422, "a subject is at most 200 characters")
        async with pool_of(request).acquire() as conn:
            found = await audit.actions(conn, subjects=subject, before_id=before_id, limit=limit)
        return {
            "actions": [a.as_dict() for a in found],
            "next_before_id": found[-1].id if len(found) == limit else None,
        }

    return router
