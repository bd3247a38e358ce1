"""Outreach's store on PostgreSQL: open events, their registrations, the outbox and the
requests to notify in the same transaction."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
from myndnet_kit import notify_requests
from myndnet_kit.store import PostgresStore
from myndnet_schemas.events.outreach import OpenEventKind
from myndnet_schemas.vocabulary import TargetGroup

from myndnet_outreach.domain.campaigns import Campaign, CampaignState
from myndnet_outreach.domain.open_events import Conflict, OpenEvent, Status
from myndnet_outreach.domain.registrations import Letter, Registration, RegistrationStatus

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


REGISTRATION = """registration_id, event_id, name, email, language, news, status, requested_at,
    confirmed_at, reminded"""


def _registration(row: asyncpg.Record) -> Registration:
    return Registration(
        row["registration_id"],
        row["event_id"],
        row["name"],
        row["email"],
        row["language"],
        row["news"],
        RegistrationStatus(row["status"]),
        row["requested_at"],
        row["confirmed_at"],
        row["reminded"],
    )


CAMPAIGN = """campaign_id, agencies, audience, subject, text, link, "window", state, link_visits,
    created_at"""


def _campaign(row: asyncpg.Record) -> Campaign:
    window = dict(row["window"])
    for day in ("first_day", "last_day"):
        window[day] = date.fromisoformat(window[day])
    return Campaign(
        row["campaign_id"],
        tuple(row["agencies"]),
        row["audience"],
        row["subject"],
        row["text"],
        row["link"],
        window,
        CampaignState(row["state"]),
        row["link_visits"],
        row["created_at"],
    )


def _window_json(window: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in window.items()}


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

    async def registration(self, registration_id: str) -> Registration | None:
        row = await self.conn.fetchrow(
            f"SELECT {REGISTRATION} FROM registrations WHERE registration_id = $1",
            registration_id,
        )
        return _registration(row) if row else None

    async def registrations_for(self, event_id: str) -> list[Registration]:
        rows = await self.conn.fetch(
            f"SELECT {REGISTRATION} FROM registrations WHERE event_id = $1 "
            "ORDER BY requested_at, registration_id",
            event_id,
        )
        return [_registration(r) for r in rows]

    async def registrations_by_email(self, email: str) -> list[Registration]:
        rows = await self.conn.fetch(
            f"SELECT {REGISTRATION} FROM registrations WHERE lower(email) = lower($1) "
            "ORDER BY requested_at, registration_id",
            email,
        )
        return [_registration(r) for r in rows]

    async def registration_counts(self, event_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        rows = await self.conn.fetch(
            "SELECT event_id, count(*) FILTER (WHERE status = 'confirmed') AS taken, "
            "count(*) FILTER (WHERE status = 'waiting') AS waiting FROM registrations "
            "WHERE event_id = ANY($1::text[]) AND status IN ('confirmed', 'waiting') "
            "GROUP BY event_id",
            list(event_ids),
        )
        return {r["event_id"]: (r["taken"], r["waiting"]) for r in rows}

    async def add_registration(self, registration: Registration) -> None:
        r = registration
        try:
            await self.conn.execute(
                f"INSERT INTO registrations ({REGISTRATION}) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                r.registration_id,
                r.event_id,
                r.name,
                r.email,
                r.language,
                r.news,
                r.status.value,
                r.requested_at,
                r.confirmed_at,
                r.reminded,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(f"registration {r.registration_id!r} exists") from None

    async def save_registrations(self, registrations: Sequence[Registration]) -> None:
        if not registrations:
            return
        await self.conn.executemany(
            "UPDATE registrations SET name = $2, email = $3, status = $4, confirmed_at = $5, "
            "reminded = $6 WHERE registration_id = $1",
            [
                (r.registration_id, r.name, r.email, r.status.value, r.confirmed_at, r.reminded)
                for r in registrations
            ],
        )

    async def ended_with_registrations(self, ended_before: datetime) -> list[OpenEvent]:
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM open_events e WHERE ends_at < $1 "
            "AND EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = e.event_id "
            "AND (r.name IS NOT NULL OR r.email IS NOT NULL)) "
            "ORDER BY starts_at, event_id",
            ended_before,
        )
        return [_event(r) for r in rows]

    async def forget_registrations(self, registration_ids: Sequence[str]) -> None:
        await self.conn.execute(
            "UPDATE registrations SET name = NULL, email = NULL, erased_at = now() "
            "WHERE registration_id = ANY($1::text[])",
            list(registration_ids),
        )

    async def figures(self, first: datetime, after: datetime) -> dict[str, Any]:
        rows = await self.conn.fetch(
            """
            WITH events AS (
                SELECT e.event_id, e.hosts,
                       (SELECT count(*) FROM registrations r
                        WHERE r.event_id = e.event_id AND r.status = 'confirmed') AS taken
                FROM open_events e
                WHERE e.status = 'scheduled' AND e.starts_at >= $1 AND e.starts_at < $2),
            per AS (
                SELECT h.code AS agency, 'open_events' AS measure, count(*) AS n
                FROM events, unnest(events.hosts) AS h(code) GROUP BY h.code
                UNION ALL
                SELECT h.code, 'event_seats_taken', sum(taken)
                FROM events, unnest(events.hosts) AS h(code) GROUP BY h.code
                UNION ALL
                SELECT NULL, 'open_events', count(*) FROM events
                UNION ALL
                SELECT NULL, 'event_seats_taken', coalesce(sum(taken), 0) FROM events
                UNION ALL
                SELECT a.code, 'campaigns', count(*)
                FROM campaigns c, unnest(c.agencies) AS a(code)
                WHERE c.state IN ('scheduled', 'completed')
                  AND (c."window" ->> 'first_day')::date >= $1::timestamptz::date
                  AND (c."window" ->> 'first_day')::date < $2::timestamptz::date
                GROUP BY a.code
                UNION ALL
                SELECT NULL, 'campaigns', count(*) FROM campaigns c
                WHERE c.state IN ('scheduled', 'completed')
                  AND (c."window" ->> 'first_day')::date >= $1::timestamptz::date
                  AND (c."window" ->> 'first_day')::date < $2::timestamptz::date)
            SELECT agency, measure, n::int AS n FROM per
            """,
            first,
            after,
        )
        per: dict[str, dict[str, int]] = {}
        network = {"open_events": 0, "event_seats_taken": 0, "campaigns": 0}
        for r in rows:
            if r["agency"] is None:
                network[r["measure"]] = r["n"]
            else:
                values = per.setdefault(
                    r["agency"], {"open_events": 0, "event_seats_taken": 0, "campaigns": 0}
                )
                values[r["measure"]] = r["n"]
        return {
            "agencies": [{"agency": code, **values} for code, values in sorted(per.items())],
            "network": network,
        }

    async def queue_letters(self, letters: Sequence[Letter]) -> None:
        await notify_requests.queue_letters(self.conn, letters)

    async def queue_forget(self, recipient_refs: Sequence[str]) -> None:
        await notify_requests.queue_forget(self.conn, recipient_refs)

    async def queue_news_consent(self, consent: dict[str, Any]) -> None:
        await self.conn.execute(
            "INSERT INTO notify_requests (path, body) VALUES ('/news-consents', $1)", consent
        )

    async def campaign(self, campaign_id: str, *, for_update: bool = False) -> Campaign | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT {CAMPAIGN} FROM campaigns WHERE campaign_id = $1{lock}", campaign_id
        )
        return _campaign(row) if row else None

    async def add_campaign(self, campaign: Campaign) -> None:
        c = campaign
        try:
            await self.conn.execute(
                "INSERT INTO campaigns (campaign_id, agencies, audience, subject, text, link, "
                '"window", state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
                c.campaign_id,
                list(c.agencies),
                c.audience,
                c.subject,
                c.text,
                c.link,
                _window_json(c.window),
                c.state.value,
            )
        except asyncpg.UniqueViolationError:
            raise Conflict(f"campaign {c.campaign_id!r} exists") from None

    async def save_campaign(self, campaign: Campaign) -> None:
        await self.conn.execute(
            "UPDATE campaigns SET state = $2, updated_at = now() WHERE campaign_id = $1",
            campaign.campaign_id,
            campaign.state.value,
        )

    async def scheduled_campaigns(self) -> list[Campaign]:
        rows = await self.conn.fetch(
            f"SELECT {CAMPAIGN} FROM campaigns WHERE state = 'scheduled' ORDER BY campaign_id"
        )
        return [_campaign(r) for r in rows]

    async def campaigns(self, limit: int) -> list[Campaign]:
        rows = await self.conn.fetch(
            f"SELECT {CAMPAIGN} FROM campaigns ORDER BY created_at DESC, campaign_id LIMIT $1",
            limit,
        )
        return [_campaign(r) for r in rows]

    async def count_visit(self, campaign_id: str) -> None:
        await self.conn.execute(
            "UPDATE campaigns SET link_visits = link_visits + 1 WHERE campaign_id = $1",
            campaign_id,
        )
