"""Sign-up with double opt-in, confirmation, one-click unsubscribe, erasure and clean-up."""

from datetime import datetime, timedelta

import asyncpg
from myndnet_kit.logging import get_logger

from myndnet_notify.adapters import deliveries, store
from myndnet_notify.domain.subscriptions import (
    Preferences,
    address_key,
    subscription_keys,
    token_hash,
)

log = get_logger(__name__)
PER_ADDRESS_PER_HOUR = 5
PER_CLIENT_PER_HOUR = 30
UNCONFIRMED_KEPT = timedelta(days=7)


class SubscriptionError(Exception):
    pass


class RateLimited(SubscriptionError):
    pass


class InvalidToken(SubscriptionError):
    pass


async def subscribe(
    conn: asyncpg.Connection, email: str, preferences: Preferences, client: str, now: datetime
) -> None:
    """Record the wish and send a confirmation; nothing else is sent until it is confirmed.
    Subscribing again with the same address changes the same subscription (once confirmed).
    The same wish again, while its confirmation is on its way, sends nothing more."""
    hour_ago = now - timedelta(hours=1)
    by_address, by_client = address_key(email), f"client:{client}"
    wish = preferences.as_json()
    async with conn.transaction():
        await store.lock_for_signup(conn, by_address, by_client)
        existing = await store.subscription_by_email(conn, email)
        if existing is not None and await store.confirmation_pending(
            conn, existing["id"], wish, hour_ago
        ):
            return
        if await store.count_attempts(conn, by_address, hour_ago) >= PER_ADDRESS_PER_HOUR:
            raise RateLimited("too many sign-ups for this address; try again in an hour")
        if await store.count_attempts(conn, by_client, hour_ago) >= PER_CLIENT_PER_HOUR:
            raise RateLimited("too many sign-ups from this client; try again in an hour")
        await store.record_attempt(conn, by_address, by_client)
        if existing is None:
            subscription_id = await store.add_subscription(conn, email, preferences)
        else:
            subscription_id = existing["id"]
            await store.set_pending(conn, subscription_id, preferences)
        await deliveries.queue(
            conn,
            dedupe_key=f"confirm:{subscription_id}:{deliveries.new_id('c')}",
            kind="confirmation",
            recipient_ref=subscription_id,
            subscription_id=subscription_id,
            # The link confirms these preferences, whatever is submitted after them.
            context={"language": preferences.language, "preferences": wish},
        )


async def confirm(conn: asyncpg.Connection, token: str, now: datetime) -> str:
    """Follow a confirmation link: the subscription (or its new preferences) takes effect."""
    async with conn.transaction():
        row = await store.token(conn, token_hash(token), "confirm")
        if row is None or row["used_at"] is not None or row["expires_at"] < now:
            raise InvalidToken("this confirmation link is not valid (used, expired or unknown)")
        await store.use_token(conn, row["token_hash"], now)
        subscription = await store.subscription(conn, row["subscription_id"])
        assert subscription is not None
        # What this link was sent for (links minted before that was recorded: the latest wish).
        wish = row["preferences"] or subscription["pending"]
        if wish:
            await save_preferences(conn, subscription["id"], Preferences.from_json(wish))
        await store.mark_confirmed(conn, subscription["id"], now)
        return str(subscription["language"])


async def save_preferences(
    conn: asyncpg.Connection, subscription_id: str, preferences: Preferences
) -> None:
    await store.apply_preferences(
        conn, subscription_id, preferences, preferences.columns(), subscription_keys(preferences)
    )


async def unsubscribe(conn: asyncpg.Connection, token: str, now: datetime) -> str:
    async with conn.transaction():
        row = await store.token(conn, token_hash(token), "unsubscribe")
        if row is None or row["expires_at"] < now:
            raise InvalidToken("this unsubscribe link is not valid (expired or unknown)")
        await store.use_token_once(conn, row["token_hash"], now)
        language = await store.mark_unsubscribed(conn, row["subscription_id"])
        await _stop_sending(conn, row["subscription_id"], "unsubscribed")
        return str(language or "sv")


async def _stop_sending(conn: asyncpg.Connection, subscription_id: str, why: str) -> None:
    await store.drop_keys(conn, subscription_id)
    await store.drop_digest_items(conn, subscription_id)
    await deliveries.cancel_queued_for(conn, subscription_id, why)


async def erase(conn: asyncpg.Connection, email: str) -> int:
    """Forget an address and everything tied to it; deliveries keep only the opaque id."""
    async with conn.transaction():
        row = await store.subscription_by_email(conn, email)
        await store.forget_signups(conn, address_key(email))
        if row is None:
            return 0
        await _stop_sending(conn, row["id"], "erased")
        await deliveries.forget_context_of(conn, row["id"])
        await store.delete_subscription(conn, row["id"])
    log.info("a subscriber was erased", subscription=row["id"])
    return 1


async def purge_unconfirmed(pool: asyncpg.Pool, now: datetime) -> int:
    async with pool.acquire() as conn:
        return await store.purge_unconfirmed(conn, now - UNCONFIRMED_KEPT)
