"""Outreach's store on PostgreSQL: open events, and the outbox in the same transaction."""

from datetime import datetime

import asyncpg
from myndnet_kit.store import PostgresStore
from myndnet_schemas.events.outreach import OpenEventKind
from myndnet_schemas.vocabulary import TargetGroup

from myndnet_outreach.domain.open_events import Conflict, OpenEvent, Status

COLUMNS = """event_id, revision, title_sv, title_en, text_sv, text_en, kind, starts_at, ends_at,
    place, online_url, hosts, target_groups, seats, registration_deadline, status, cancel_reason"""


def _event(row: asyncpg.Record) -> OpenEvent:
    return OpenEvent(
        event_id=row["event_id"],
        revision=row["revision"],
        title={"sv": row["title_sv"], "en": row["title_en"]},
        text={"sv": row["text_sv"], "en": row["text_en"]},
        kind=OpenEventKind(row["kind"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        place=row["place"],
        online_url=row["online_url"],
        hosts=tuple(row["hosts"]),
        target_groups=tuple(TargetGroup(g) for g in row["target_groups"]),
        seats=row["seats"],
        registration_deadline=row["registration_deadline"],
        status=Status(row["status"]),
        cancel_reason=row["cancel_reason"],
    )


def _values(e: OpenEvent) -> tuple[object, ...]:
    return (
        e.event_id,
        e.revision,
        e.title["sv"],
        e.title.get("en"),
        e.text["sv"],
        e.text.get("en"),
        e.kind.value,
        e.starts_at,
        e.ends_at,
        e.place,
        e.online_url,
        list(e.hosts),
        [g.value for g in e.target_groups],
        e.seats,
        e.registration_deadline,
        e.status.value,
        e.cancel_reason,
    )


class PostgresOutreach(PostgresStore):
    async def open_event(self, event_id: str, *, for_update: bool = False) -> OpenEvent | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT {COLUMNS} FROM open_events WHERE event_id = $1{lock}", event_id
        )
        return _event(row) if row else None

    async def open_events(self, ending_after: datetime) -> list[OpenEvent]:
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM open_events WHERE ends_at > $1 ORDER BY starts_at, event_id",
            ending_after,
        )
        return [_event(r) for r in rows]

    async def add_open_event(self, event: OpenEvent) -> None:
        placeholders = ", ".join(f"${n}" for n in range(1, 18))
        try:
            await self.conn.execute(
                f"INSERT INTO open_events ({COLUMNS}) VALUES ({placeholders})", *_values(event)
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(f"open event {event.event_id!r} exists") from None

    async def save_open_event(self, event: OpenEvent) -> None:
        await self.conn.execute(
            """
            UPDATE open_events
            SET revision = $2, title_sv = $3, title_en = $4, text_sv = $5, text_en = $6,
                kind = $7, starts_at = $8, ends_at = $9, place = $10, online_url = $11,
                hosts = $12, target_groups = $13, seats = $14, registration_deadline = $15,
                status = $16, cancel_reason = $17, updated_at = now()
            WHERE event_id = $1
            """,
            *_values(event),
        )
