"""Campaigns in PostgreSQL: their audience (people who said yes to news and match), what became
of each person in it, the letters queued for them and the campaign's counts. Each runs on the
caller's connection, in the caller's transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from myndnet_notify.domain.news import CAP_DAYS, CampaignWindow, Pending

# A person is in an audience when they said yes to news, are not suppressed, write in one of
# its languages, and one of their confirmed saved searches (or what they registered for) names
# one of the values of each field the audience gives. An audience with no field: all of them.
AUDIENCE = """
SELECT p.id FROM subscribers p
WHERE p.news_since IS NOT NULL AND p.suppressed_at IS NULL
  AND (cardinality($4::text[]) = 0 OR p.language = ANY ($4::text[]))
  AND (
    cardinality($1::text[]) + cardinality($2::text[]) + cardinality($3::text[]) = 0
    OR EXISTS (
      SELECT 1 FROM subscriptions s
      WHERE s.subscriber_id = p.id AND s.status = 'confirmed'
        AND (cardinality($1::text[]) = 0 OR s.target_groups && $1::text[])
        AND (cardinality($2::text[]) = 0 OR s.occupation_fields && $2::text[])
        AND (cardinality($3::text[]) = 0 OR s.municipalities && $3::text[]))
    OR EXISTS (
      SELECT 1 FROM news_interests i
      WHERE i.subscriber_id = p.id
        AND (cardinality($1::text[]) = 0 OR i.target_groups && $1::text[])
        AND (cardinality($2::text[]) = 0 OR i.occupation_fields && $2::text[])
        AND (cardinality($3::text[]) = 0 OR i.municipalities && $3::text[])))
"""


def _audience_args(audience: Mapping[str, Sequence[str]]) -> list[list[str]]:
    return [
        list(audience.get("target_groups", [])),
        list(audience.get("occupation_fields", [])),
        [m.lower() for m in audience.get("municipalities", [])],
        list(audience.get("languages", [])),
    ]


async def audience_count(conn: asyncpg.Connection, audience: Mapping[str, Sequence[str]]) -> int:
    return int(
        await conn.fetchval(f"SELECT count(*) FROM ({AUDIENCE}) a", *_audience_args(audience))
    )


@dataclass(frozen=True)
class CampaignLetter:
    """What a campaign's mail says, in both languages."""

    campaign_id: str
    subject: Mapping[str, str | None]
    text: Mapping[str, str | None]
    window: CampaignWindow
    state: str


def _letter(row: asyncpg.Record) -> CampaignLetter:
    return CampaignLetter(
        row["id"],
        {"sv": row["subject_sv"], "en": row["subject_en"]},
        {"sv": row["text_sv"], "en": row["text_en"]},
        CampaignWindow(
            row["first_day"],
            row["last_day"],
            row["from_hour"],
            row["to_hour"],
            row["weekdays_only"],
        ),
        row["state"],
    )


COLUMNS = """id, subject_sv, subject_en, text_sv, text_en, first_day, last_day, from_hour, to_hour,
    weekdays_only, state"""


async def receive(conn: asyncpg.Connection, data: Any) -> int | None:
    """A campaign as outreach announced it, and its audience taken now; None when it was
    received before (the event delivered again)."""
    inserted = await conn.fetchval(
        """
        INSERT INTO campaigns (id, subject_sv, subject_en, text_sv, text_en, link, first_day,
                               last_day, from_hour, to_hour, weekdays_only, state)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'sending')
        ON CONFLICT (id) DO NOTHING RETURNING true
        """,
        data.campaign_id,
        data.mail_subject.sv,
        data.mail_subject.en,
        data.text.sv,
        data.text.en,
        str(data.link),
        data.window.first_day,
        data.window.last_day,
        data.window.from_hour,
        data.window.to_hour,
        data.window.weekdays_only,
    )
    if not inserted:
        return None
    result = await conn.execute(
        f"INSERT INTO campaign_recipients (campaign_id, subscriber_id, status) "
        f"SELECT $5, a.id, 'pending' FROM ({AUDIENCE}) a",
        *_audience_args(data.audience.model_dump()),
        data.campaign_id,
    )
    return int(result.split()[-1])


async def cancel(conn: asyncpg.Connection, campaign_id: str) -> None:
    """Nothing more goes out: who waited is dropped, and letters still queued are cancelled."""
    await conn.execute(
        "UPDATE campaigns SET state = 'cancelled' WHERE id = $1 AND state = 'sending'",
        campaign_id,
    )
    await conn.execute(
        "UPDATE campaign_recipients SET status = 'cancelled' "
        "WHERE campaign_id = $1 AND status = 'pending'",
        campaign_id,
    )
    await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', last_error = 'the campaign was cancelled' "
        "WHERE kind = 'campaign' AND status = 'queued' AND context ->> 'campaign_id' = $1",
        campaign_id,
    )


async def sending(conn: asyncpg.Connection) -> list[CampaignLetter]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM campaigns WHERE state = 'sending' ORDER BY received_at, id"
    )
    return [_letter(r) for r in rows]


async def letters(
    conn: asyncpg.Connection, campaign_ids: Sequence[str]
) -> dict[str, CampaignLetter]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM campaigns WHERE id = ANY ($1::text[])", list(campaign_ids)
    )
    return {r["id"]: _letter(r) for r in rows}


async def pending(
    conn: asyncpg.Connection, campaign_id: str, moment: datetime, limit: int
) -> list[Pending]:
    """The next people of the campaign not yet decided, locked for this run, with how many
    campaign mails each was given in the cap's days before `moment`."""
    rows = await conn.fetch(
        """
        WITH batch AS (
            SELECT subscriber_id FROM campaign_recipients
            WHERE campaign_id = $1 AND status = 'pending'
            ORDER BY subscriber_id LIMIT $3 FOR UPDATE)
        SELECT b.subscriber_id,
               p.news_since IS NOT NULL AND p.suppressed_at IS NULL AS reachable,
               (SELECT count(*) FROM campaign_recipients g
                WHERE g.subscriber_id = b.subscriber_id AND g.status = 'sent'
                  AND g.decided_at > $2::timestamptz - $4::interval
                  AND g.decided_at <= $2::timestamptz) AS given
        FROM batch b JOIN subscribers p ON p.id = b.subscriber_id
        ORDER BY b.subscriber_id
        """,
        campaign_id,
        moment,
        limit,
        timedelta(days=CAP_DAYS),
    )
    return [Pending(r["subscriber_id"], r["reachable"], r["given"]) for r in rows]


async def decide(
    conn: asyncpg.Connection,
    campaign_id: str,
    decided: Mapping[str, str],
    moment: datetime,
    send_before: datetime,
) -> int:
    """Each person's outcome recorded; a letter queued for each one to be mailed (one per
    campaign and person, however often this runs). How many letters were queued."""
    await conn.execute(
        "UPDATE campaign_recipients r SET status = d.status, decided_at = $2 "
        "FROM unnest($3::text[], $4::text[]) AS d (subscriber_id, status) "
        "WHERE r.campaign_id = $1 AND r.subscriber_id = d.subscriber_id",
        campaign_id,
        moment,
        list(decided),
        list(decided.values()),
    )
    mailed = [s for s, status in decided.items() if status == "sent"]
    if not mailed:
        return 0
    context = {"campaign_id": campaign_id, "send_before": send_before.isoformat()}
    result = await conn.execute(
        """
        INSERT INTO deliveries (id, dedupe_key, kind, recipient_ref, context, status)
        SELECT 'd-' || substr(md5(random()::text || s), 1, 20), 'campaign:' || $1 || ':' || s,
               'campaign', s, $3::jsonb, 'queued'
        FROM unnest($2::text[]) AS s
        ON CONFLICT (dedupe_key) DO NOTHING
        """,
        campaign_id,
        mailed,
        context,
    )
    return int(result.split()[-1])


async def finish(conn: asyncpg.Connection, campaign_id: str) -> None:
    """The window is over: whoever was not reached in it is not mailed later."""
    await conn.execute(
        "UPDATE campaign_recipients SET status = 'missed' "
        "WHERE campaign_id = $1 AND status = 'pending'",
        campaign_id,
    )
    await conn.execute("UPDATE campaigns SET state = 'done' WHERE id = $1", campaign_id)


async def figures(conn: asyncpg.Connection, campaign_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        """
        SELECT c.state,
          (SELECT count(*) FROM campaign_recipients r WHERE r.campaign_id = c.id) AS audience,
          (SELECT count(*) FROM deliveries d
           WHERE d.kind = 'campaign' AND d.status = 'sent'
             AND d.dedupe_key LIKE 'campaign:' || c.id || ':%') AS sent,
          (SELECT count(*) FROM campaign_recipients r
           WHERE r.campaign_id = c.id AND r.status = 'skipped_cap') AS skipped_by_cap,
          (SELECT count(*) FROM campaign_recipients r
           WHERE r.campaign_id = c.id AND r.status = 'pending') AS pending,
          (SELECT count(*) FROM news_withdrawals w WHERE w.campaign_id = c.id) AS news_withdrawn,
          (SELECT count(*) FROM campaign_recipients r
           JOIN subscriptions s ON s.subscriber_id = r.subscriber_id
           WHERE r.campaign_id = c.id AND r.status = 'sent'
             AND s.created_at > r.decided_at
             AND s.created_at <= r.decided_at + interval '30 days') AS searches_created
        FROM campaigns c WHERE c.id = $1
        """,
        campaign_id,
    )
    return None if row is None else {k: row[k] for k in row.keys()}


async def withdrawn(conn: asyncpg.Connection, campaign_id: str) -> None:
    await conn.execute("INSERT INTO news_withdrawals (campaign_id) VALUES ($1)", campaign_id)


@dataclass(frozen=True)
class NewsAddress:
    subscriber_id: str
    email: str
    language: str
    reachable: bool


async def news_addresses(
    conn: asyncpg.Connection, subscriber_ids: Sequence[str]
) -> dict[str, NewsAddress]:
    rows = await conn.fetch(
        "SELECT id, email, language, news_since IS NOT NULL AND suppressed_at IS NULL AS ok "
        "FROM subscribers WHERE id = ANY ($1::text[])",
        list(subscriber_ids),
    )
    return {r["id"]: NewsAddress(r["id"], r["email"], r["language"], r["ok"]) for r in rows}
