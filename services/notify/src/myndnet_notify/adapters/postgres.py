"""Candidates' addresses, saved searches, links' tokens, sign-up attempts and digests on
PostgreSQL: rows in, domain objects out."""

import contextlib
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from myndnet_kit.outbox import OutgoingMessage, enqueue
from myndnet_kit.store import PostgresStore

from myndnet_notify.adapters import campaigns, deliveries, open_vacancies
from myndnet_notify.adapters.campaigns import CampaignLetter, NewsAddress
from myndnet_notify.domain.delivery import Delivery, NewDelivery, Outcome, SearchAddress, new_id
from myndnet_notify.domain.letters import LinkToken
from myndnet_notify.domain.news import Interest
from myndnet_notify.domain.subscriptions import (
    ANY,
    FILTER_FIELDS,
    DigestVacancy,
    OpenVacancy,
    Preferences,
    SavedSearch,
    Subscriber,
    Token,
)

FILTER_COLUMNS = """agencies, occupation_fields, municipalities, employment_types,
    target_groups, keywords_given"""

SUBSCRIBER = (
    "SELECT id, email, language, suppressed_at, suppressed_reason, created_at, news_since "
    "FROM subscribers"
)

SEARCH = f"""
SELECT s.id, s.subscriber_id, s.status, s.language, s.frequency, {FILTER_COLUMNS}, s.pending,
       p.email, p.suppressed_at, s.created_at, s.confirmed_at, s.last_digest_at
FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
"""

TOKEN = """
SELECT token_hash, purpose, expires_at, subscription_id, subscriber_id, used_at, preferences
FROM tokens
"""

SAVE_PREFERENCES = f"""
UPDATE subscriptions SET language = $2, frequency = $3,
    ({FILTER_COLUMNS}) = ($4, $5, $6, $7, $8, $9),
    keywords = COALESCE(NULLIF(tsvector_to_array(to_tsvector('swedish',
                 array_to_string($9::text[], ' '))), '{{}}'), ARRAY['{ANY}']),
    pending = NULL, filter_key = $10
WHERE id = $1
"""


def search_of(row: asyncpg.Record) -> SavedSearch:
    return SavedSearch(
        id=row["id"],
        subscriber_id=row["subscriber_id"],
        status=row["status"],
        language=row["language"],
        frequency=row["frequency"],
        filters={f: list(row[f]) for f in (*FILTER_FIELDS, "keywords_given")},
        pending=row["pending"],
        email=row["email"],
        suppressed_at=row["suppressed_at"],
        created_at=row["created_at"],
        confirmed_at=row["confirmed_at"],
        last_digest_at=row["last_digest_at"],
    )


@contextlib.asynccontextmanager
async def pooled(pool: asyncpg.Pool) -> AsyncIterator["PostgresNotify"]:
    """The store on a connection of `pool`, for as long as the block runs."""
    async with pool.acquire() as conn:
        yield PostgresNotify(conn)


class PostgresNotify(PostgresStore):
    # -- addresses -------------------------------------------------------------------------

    async def subscriber_by_email(self, email: str) -> Subscriber | None:
        """The address, held against an erasure until the transaction ends. NO KEY UPDATE,
        not UPDATE: a sending round holds its addresses FOR KEY SHARE while it waits for a
        second pooled connection, and a sign-up waiting for it would keep the pool full of
        sign-ups waiting for this one's lock."""
        row = await self.conn.fetchrow(
            f"{SUBSCRIBER} WHERE email = $1 FOR NO KEY UPDATE", email.lower()
        )
        return None if row is None else Subscriber(*row)

    async def subscriber(self, subscriber_id: str) -> Subscriber | None:
        row = await self.conn.fetchrow(f"{SUBSCRIBER} WHERE id = $1", subscriber_id)
        return None if row is None else Subscriber(*row)

    async def add_subscriber(self, email: str, language: str) -> str:
        subscriber_id = new_id("p")
        await self.conn.execute(
            "INSERT INTO subscribers (id, email, language) VALUES ($1, $2, $3)",
            subscriber_id,
            email.lower(),
            language,
        )
        return subscriber_id

    async def news_addresses(self, subscriber_ids: Collection[str]) -> dict[str, NewsAddress]:
        if not subscriber_ids:
            return {}
        return await campaigns.news_addresses(self.conn, list(subscriber_ids))

    async def campaign_letters(self, campaign_ids: Collection[str]) -> dict[str, CampaignLetter]:
        if not campaign_ids:
            return {}
        return await campaigns.letters(self.conn, list(campaign_ids))

    async def set_news(self, subscriber_id: str, since: datetime | None) -> None:
        """Yes to news from `since` (kept from the first yes), or no (None)."""
        await self.conn.execute(
            "UPDATE subscribers SET news_since = CASE WHEN $2::timestamptz IS NULL THEN NULL "
            "ELSE coalesce(news_since, $2) END WHERE id = $1",
            subscriber_id,
            since,
        )

    async def add_news_interest(self, subscriber_id: str, source: str, interest: Interest) -> None:
        await self.conn.execute(
            "INSERT INTO news_interests (subscriber_id, source, target_groups, occupation_fields,"
            " municipalities) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscriber_id, source) "
            "DO UPDATE SET target_groups = $3, occupation_fields = $4, municipalities = $5",
            subscriber_id,
            source,
            list(interest.target_groups),
            list(interest.occupation_fields),
            [m.lower() for m in interest.municipalities],
        )

    async def record_news_withdrawal(self, campaign_id: str) -> None:
        await campaigns.withdrawn(self.conn, campaign_id)

    async def news_interests(self, subscriber_id: str) -> list[Interest]:
        rows = await self.conn.fetch(
            "SELECT target_groups, occupation_fields, municipalities FROM news_interests "
            "WHERE subscriber_id = $1 ORDER BY source",
            subscriber_id,
        )
        return [Interest(tuple(r[0]), tuple(r[1]), tuple(r[2])) for r in rows]

    async def lift_suppression(self, subscriber_id: str) -> None:
        await self.conn.execute(
            "UPDATE subscribers SET suppressed_at = NULL, suppressed_reason = NULL WHERE id = $1",
            subscriber_id,
        )

    async def delete_subscriber(self, subscriber_id: str) -> None:
        """The address, its saved searches and its tokens (cascading)."""
        await self.conn.execute("DELETE FROM subscribers WHERE id = $1", subscriber_id)

    # -- saved searches --------------------------------------------------------------------

    async def search(self, search_id: str) -> SavedSearch | None:
        row = await self.conn.fetchrow(f"{SEARCH} WHERE s.id = $1", search_id)
        return None if row is None else search_of(row)

    async def searches_of(self, subscriber_id: str) -> list[SavedSearch]:
        rows = await self.conn.fetch(
            f"{SEARCH} WHERE s.subscriber_id = $1 ORDER BY s.created_at, s.id", subscriber_id
        )
        return [search_of(r) for r in rows]

    async def search_with_filters(self, subscriber_id: str, filter_key: str) -> SavedSearch | None:
        """The address's saved search with exactly these filters, locked (NO KEY UPDATE, as in
        `subscriber_by_email`)."""
        row = await self.conn.fetchrow(
            f"{SEARCH} WHERE s.subscriber_id = $1 AND s.filter_key = $2 "
            "ORDER BY s.created_at LIMIT 1 FOR NO KEY UPDATE OF s",
            subscriber_id,
            filter_key,
        )
        return None if row is None else search_of(row)

    async def add_search(self, subscriber_id: str, preferences: Preferences) -> str:
        """A new saved search, pending until its preferences are saved."""
        search_id = new_id("s")
        await self.conn.execute(
            f"""
            INSERT INTO subscriptions (id, subscriber_id, status, language, frequency,
                                       {FILTER_COLUMNS}, keywords, pending, filter_key)
            VALUES ($1, $2, 'pending', $3, $4, '{{{ANY}}}', '{{{ANY}}}', '{{{ANY}}}',
                    '{{{ANY}}}', '{{{ANY}}}', '{{}}', '{{{ANY}}}', $5, $6)
            """,
            search_id,
            subscriber_id,
            preferences.language,
            preferences.frequency,
            preferences.as_json(),
            preferences.filter_key(),
        )
        return search_id

    async def set_pending(self, search_id: str, preferences: Preferences) -> None:
        await self.conn.execute(
            "UPDATE subscriptions SET pending = $2 WHERE id = $1", search_id, preferences.as_json()
        )

    async def save_preferences(
        self,
        search_id: str,
        preferences: Preferences,
        columns: Mapping[str, Sequence[str]],
        keys: Sequence[str],
    ) -> None:
        """Confirmed preferences: their stored filter columns and the keys under which a
        vacancy finds the search (both computed by the domain)."""
        await self.conn.execute(
            SAVE_PREFERENCES,
            search_id,
            preferences.language,
            preferences.frequency,
            *(list(columns[f]) for f in (*FILTER_FIELDS, "keywords_given")),
            preferences.filter_key(),
        )
        await self.drop_keys(search_id)
        await self.conn.execute(
            "INSERT INTO subscription_keys (key, subscription_id, frequency, keywords) "
            "SELECT unnest($1::text[]), id, frequency, keywords FROM subscriptions WHERE id = $2",
            list(keys),
            search_id,
        )

    async def search_keys(self, search_id: str) -> list[str]:
        """The keys a vacancy finds the search under, sorted."""
        rows = await self.conn.fetch(
            "SELECT key FROM subscription_keys WHERE subscription_id = $1 ORDER BY key", search_id
        )
        return [r["key"] for r in rows]

    async def drop_keys(self, search_id: str) -> None:
        """A search that is not confirmed is found by no vacancy."""
        await self.conn.execute(
            "DELETE FROM subscription_keys WHERE subscription_id = $1", search_id
        )

    async def set_status(self, search_id: str, status: str) -> None:
        await self.conn.execute(
            "UPDATE subscriptions SET status = $2 WHERE id = $1", search_id, status
        )

    async def mark_confirmed(self, search_id: str, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE subscriptions SET status = 'confirmed', confirmed_at = coalesce("
            "confirmed_at, $2), last_digest_at = coalesce(last_digest_at, $2) WHERE id = $1",
            search_id,
            at,
        )

    async def delete_search(self, search_id: str) -> None:
        await self.conn.execute("DELETE FROM subscriptions WHERE id = $1", search_id)

    async def purge_unconfirmed(self, created_before: datetime) -> int:
        """Saved searches never confirmed, then addresses left with no search (unless
        suppressed: that must outlive its searches)."""
        result = await self.conn.execute(
            "DELETE FROM subscriptions WHERE status = 'pending' AND confirmed_at IS NULL "
            "AND created_at < $1",
            created_before,
        )
        await self.conn.execute(
            "DELETE FROM subscribers p WHERE p.suppressed_at IS NULL AND p.created_at < $1 "
            "AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.subscriber_id = p.id)",
            created_before,
        )
        return int(result.split()[-1])

    # -- links' tokens ---------------------------------------------------------------------

    async def token(self, digest: bytes, purpose: str) -> Token | None:
        row = await self.conn.fetchrow(
            f"{TOKEN} WHERE token_hash = $1 AND purpose = $2 FOR UPDATE", digest, purpose
        )
        return None if row is None else Token(*row)

    async def use_token(self, digest: bytes, at: datetime, *, first_use_only: bool = False) -> None:
        """Record its use (`first_use_only`: an unsubscribe link may be followed again)."""
        await self.conn.execute(
            "UPDATE tokens SET used_at = CASE WHEN $3 THEN coalesce(used_at, $2) ELSE $2 END "
            "WHERE token_hash = $1",
            digest,
            at,
            first_use_only,
        )

    async def add_link_tokens(self, tokens: Sequence[LinkToken]) -> None:
        await deliveries.store_link_tokens(self.conn, tokens)

    async def add_manage_token(
        self, digest: bytes, subscriber_id: str, expires_at: datetime
    ) -> None:
        await self.conn.execute(
            "INSERT INTO tokens (token_hash, subscriber_id, purpose, expires_at) "
            "VALUES ($1, $2, 'manage', $3)",
            digest,
            subscriber_id,
            expires_at,
        )

    async def language_of_token(self, digest: bytes, purpose: str) -> str | None:
        """The language of the saved search a link belongs to (None for no such link)."""
        return await self.conn.fetchval(
            "SELECT s.language FROM tokens t JOIN subscriptions s ON s.id = t.subscription_id "
            "WHERE t.token_hash = $1 AND t.purpose = $2",
            digest,
            purpose,
        )

    # -- sign-ups --------------------------------------------------------------------------

    async def lock_for_signup(self, *keys: str) -> None:
        """Serialise sign-ups that share a key (an address, a client) until the transaction
        ends, so that limits and the one-search-per-filters rule hold under concurrency.
        Callers give keys in the same order (address, then client), so two cannot deadlock."""
        for key in keys:
            await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", key)

    async def count_attempts(self, key: str, since: datetime) -> int:
        return int(
            await self.conn.fetchval(
                "SELECT count(*) FROM signup_attempts WHERE key = $1 AND at > $2", key, since
            )
        )

    async def record_attempt(self, *keys: str) -> None:
        await self.conn.executemany(
            "INSERT INTO signup_attempts (key) VALUES ($1)", [(k,) for k in keys]
        )

    async def forget_signups(self, key: str) -> None:
        await self.conn.execute("DELETE FROM signup_attempts WHERE key = $1", key)

    # -- mail ------------------------------------------------------------------------------

    async def queue(self, delivery: NewDelivery) -> bool:
        """Record a letter to send; False when the same one was recorded before."""
        return await deliveries.queue(self.conn, delivery)

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        await deliveries.record_outcomes(self.conn, outcomes)

    async def deliveries_for(self, search_id: str) -> list[Delivery]:
        """Every letter recorded for a search, oldest first."""
        rows = await self.conn.fetch(
            "SELECT * FROM deliveries WHERE subscription_id = $1 ORDER BY created_at, id",
            search_id,
        )
        return [deliveries.delivery_of(r) for r in rows]

    async def confirmation_pending(
        self, search_id: str, preferences: dict[str, Any], since: datetime
    ) -> bool:
        """A confirmation for exactly these preferences is queued, or was sent since `since`."""
        return bool(
            await self.conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE subscription_id = $1 "
                "AND kind = 'confirmation' AND context -> 'preferences' = $2::jsonb "
                "AND (status = 'queued' OR (status = 'sent' AND sent_at > $3)))",
                search_id,
                preferences,
                since,
            )
        )

    async def cancel_queued_for(self, search_id: str, why: str) -> None:
        await deliveries.cancel_queued_for(self.conn, search_id, why)

    async def forget_context_of(self, search_id: str) -> None:
        await deliveries.forget_context_of(self.conn, search_id)

    async def forget_person(self, reference: str) -> None:
        """A public employee's data erased in mentoring or trainings."""
        await deliveries.forget_person(self.conn, reference)

    async def erased_among(self, references: Sequence[str]) -> bool:
        return await deliveries.erased_among(self.conn, references)

    # -- sending ---------------------------------------------------------------------------

    async def claim_due(self, limit: int) -> list[Delivery]:
        return await deliveries.claim_due(self.conn, limit)

    async def searches_for(self, search_ids: Collection[str]) -> dict[str, SearchAddress]:
        return await deliveries.searches_for(self.conn, search_ids)

    async def suppressed_work_among(self, emails: Collection[str]) -> set[str]:
        return await deliveries.suppressed_work_among(self.conn, emails)

    async def lock_delivery(self, delivery_id: str) -> Delivery | None:
        return await deliveries.lock(self.conn, delivery_id)

    async def mark_failed(self, delivery_id: str, attempts: int, error: str) -> None:
        await deliveries.mark_failed(self.conn, delivery_id, attempts, error)

    async def suppress(self, search_id: str, reason: str, at: datetime) -> str | None:
        return await deliveries.suppress(self.conn, search_id, reason, at)

    async def suppress_work_address(
        self, email: str, reference: str, reason: str, at: datetime
    ) -> None:
        await deliveries.suppress_work_address(self.conn, email, reference, reason, at)

    async def cancel_queued_for_subscriber(self, subscriber_id: str, why: str) -> None:
        await deliveries.cancel_queued_for_subscriber(self.conn, subscriber_id, why)

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> None:
        """Events already serialised (a round writes each letter's as its reply comes)."""
        await enqueue(self.conn, messages)

    # -- digests ---------------------------------------------------------------------------

    async def remember_open_vacancies(self, vacancies: Sequence[OpenVacancy]) -> None:
        await open_vacancies.remember_open_vacancies(self.conn, vacancies)

    async def add_digest_items(self, items: Sequence[tuple[str, str]]) -> None:
        await open_vacancies.add_digest_items(self.conn, items)

    async def due_for_digest(
        self, daily_slot: datetime, weekly_slot: datetime
    ) -> list[SavedSearch]:
        """The confirmed daily and weekly searches whose last digest is before their slot,
        locked for this run (others running at once skip them)."""
        rows = await self.conn.fetch(
            f"""{SEARCH}
            WHERE s.status = 'confirmed'
              AND ((s.frequency = 'daily' AND coalesce(s.last_digest_at, '-infinity') < $1)
                OR (s.frequency = 'weekly' AND coalesce(s.last_digest_at, '-infinity') < $2))
            ORDER BY s.id FOR UPDATE OF s SKIP LOCKED
            """,
            daily_slot,
            weekly_slot,
        )
        return [search_of(r) for r in rows]

    async def digest_vacancies(self, search_id: str) -> list[DigestVacancy]:
        """The still open vacancies waiting for a search's digest, oldest first."""
        rows = await self.conn.fetch(
            """
            SELECT v.vacancy_key AS key, v.title, v.agency, coalesce(a.state->>'name', v.agency)
                   AS agency_name, v.municipality, v.application_deadline, v.apply_url
            FROM digest_items d
            JOIN open_vacancies v USING (vacancy_key)
            LEFT JOIN network_agencies a ON a.code = v.agency
            WHERE d.subscription_id = $1
            ORDER BY v.opened_at, v.vacancy_key
            """,
            search_id,
        )
        return [DigestVacancy(*r) for r in rows]

    async def drop_digest_items(self, search_id: str, keys: Sequence[str] | None = None) -> None:
        """Digest items of a search: those of `keys`, or all of them."""
        await self.conn.execute(
            "DELETE FROM digest_items WHERE subscription_id = $1 "
            "AND ($2::text[] IS NULL OR vacancy_key = ANY($2::text[]))",
            search_id,
            None if keys is None else list(keys),
        )

    async def set_last_digest(self, search_id: str, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE subscriptions SET last_digest_at = $2 WHERE id = $1", search_id, at
        )
