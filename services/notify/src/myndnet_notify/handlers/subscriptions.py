"""Sign-up with double opt-in, confirmation, one-click unsubscribe, the preference centre of
one address (its saved searches), erasure and clean-up."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from myndnet_kit.logging import get_logger

from myndnet_notify.adapters import deliveries, store
from myndnet_notify.domain.delivery import NewDelivery, new_id
from myndnet_notify.domain.subscriptions import (
    MANAGE_TOKEN_LIFETIME,
    Preferences,
    address_key,
    new_token,
    shown_filters,
    stored_preferences,
    subscription_keys,
    token_hash,
)

log = get_logger(__name__)
PER_ADDRESS_PER_HOUR = 5
PER_CLIENT_PER_HOUR = 30
UNCONFIRMED_KEPT = timedelta(days=7)
# The limits look back an hour; a day of attempts is kept for operators, then deleted.
SIGNUP_ATTEMPTS_KEPT = timedelta(hours=24)


class SubscriptionError(Exception):
    pass


class RateLimited(SubscriptionError):
    pass


class InvalidToken(SubscriptionError):
    pass


class UnknownSearch(SubscriptionError):
    pass


@dataclass(frozen=True)
class Confirmed:
    language: str
    manage_token: str  # opens the preference centre of the address at once


async def subscribe(
    conn: asyncpg.Connection, email: str, preferences: Preferences, client: str, now: datetime
) -> None:
    """Record the wish and send a confirmation; nothing else is sent until it is confirmed.
    An address may hold several saved searches: signing up again with the same filters
    changes that search (once confirmed), other filters add one. The same wish again, while
    its confirmation is on its way, sends nothing more."""
    hour_ago = now - timedelta(hours=1)
    by_address, by_client = address_key(email), f"client:{client}"
    wish = preferences.as_json()
    async with conn.transaction():
        await store.lock_for_signup(conn, by_address, by_client)
        person = await store.subscriber_by_email(conn, email)
        existing = (
            None
            if person is None
            else await store.search_with_filters(conn, person["id"], preferences.filter_key())
        )
        if existing is not None and await store.confirmation_pending(
            conn, existing["id"], wish, hour_ago
        ):
            return
        if await store.count_attempts(conn, by_address, hour_ago) >= PER_ADDRESS_PER_HOUR:
            raise RateLimited("too many sign-ups for this address; try again in an hour")
        if await store.count_attempts(conn, by_client, hour_ago) >= PER_CLIENT_PER_HOUR:
            raise RateLimited("too many sign-ups from this client; try again in an hour")
        await store.record_attempt(conn, by_address, by_client)
        if person is None:
            subscriber_id = await store.add_subscriber(conn, email, preferences.language)
        else:
            subscriber_id = person["id"]
        if existing is None:
            subscription_id = await store.add_subscription(conn, subscriber_id, preferences)
        else:
            subscription_id = existing["id"]
            await store.set_pending(conn, subscription_id, preferences)
        await deliveries.queue(
            conn,
            NewDelivery(
                dedupe_key=f"confirm:{subscription_id}:{new_id('c')}",
                kind="confirmation",
                recipient_ref=subscription_id,
                subscription_id=subscription_id,
                # The link confirms these preferences, whatever is submitted after them.
                context={"language": preferences.language, "preferences": wish},
            ),
        )


async def confirm(conn: asyncpg.Connection, token: str, now: datetime) -> Confirmed:
    """Follow a confirmation link: the saved search (or its new preferences) takes effect, and
    an address suppressed after a bounce may be mailed again."""
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
        await store.lift_suppression(conn, subscription["subscriber_id"])
        manage = await new_manage_token(conn, subscription["subscriber_id"], now)
        return Confirmed(str(subscription["language"]), manage)


async def new_manage_token(conn: asyncpg.Connection, subscriber_id: str, now: datetime) -> str:
    token, digest = new_token()
    await store.add_manage_token(conn, digest, subscriber_id, now + MANAGE_TOKEN_LIFETIME)
    return token


async def save_preferences(
    conn: asyncpg.Connection, subscription_id: str, preferences: Preferences
) -> None:
    await store.apply_preferences(
        conn, subscription_id, preferences, preferences.columns(), subscription_keys(preferences)
    )


async def language_of_link(conn: asyncpg.Connection, token: str, purpose: str) -> str:
    """The language a person's link is shown in: its saved search's (Swedish when unknown)."""
    return str(await store.language_of_token(conn, token_hash(token), purpose) or "sv")


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
    """Forget an address and everything tied to it; deliveries keep only the opaque ids."""
    async with conn.transaction():
        person = await store.subscriber_by_email(conn, email)
        await store.forget_signups(conn, address_key(email))
        if person is None:
            return 0
        await _erase_subscriber(conn, person["id"])
    log.info("a subscriber was erased", subscriber=person["id"])
    return 1


async def _erase_subscriber(conn: asyncpg.Connection, subscriber_id: str) -> None:
    for search in await store.searches_of(conn, subscriber_id):
        await _stop_sending(conn, search["id"], "erased")
        await deliveries.forget_context_of(conn, search["id"])
    await store.delete_subscriber(conn, subscriber_id)


# The preference centre: every call names the address by a `manage` token, and a saved search
# by its id within that address only; another address's search is unknown here.


async def subscriber_of(conn: asyncpg.Connection, token: str, now: datetime) -> str:
    subscriber_id = await store.manage_token(conn, token_hash(token), now)
    if subscriber_id is None:
        raise InvalidToken("this link to your job alerts is not valid (expired or unknown)")
    return str(subscriber_id)


async def language_of(conn: asyncpg.Connection, subscriber_id: str) -> str:
    """The language a search added or changed in the preference centre mails in."""
    person = await store.subscriber(conn, subscriber_id)
    assert person is not None  # the token named it a moment ago
    return str(person["language"])


async def preferences_of(conn: asyncpg.Connection, subscriber_id: str) -> dict[str, Any]:
    person = await store.subscriber(conn, subscriber_id)
    assert person is not None
    searches = []
    for row in await store.searches_of(conn, subscriber_id):
        if row["status"] == "pending" and row["pending"]:
            waiting = Preferences.from_json(row["pending"])
            filters = shown_filters(waiting.columns())
            frequency = waiting.frequency
        else:
            filters, frequency = shown_filters(dict(row)), row["frequency"]
        searches.append(
            {"id": row["id"], "status": row["status"], "frequency": frequency, "filters": filters}
        )
    return {
        "language": person["language"],
        "suppressed": person["suppressed_at"] is not None,
        "searches": searches,
    }


async def _own_search(conn: asyncpg.Connection, subscriber_id: str, search_id: str) -> Any:
    row = await store.subscription(conn, search_id)
    if row is None or row["subscriber_id"] != subscriber_id:
        raise UnknownSearch(f"no saved search {search_id!r} for this address")
    return row


async def add_search(
    conn: asyncpg.Connection, subscriber_id: str, preferences: Preferences, now: datetime
) -> str:
    """A search added in the preference centre needs no confirmation: the link proved the
    address. The same filters as an existing search change that one."""
    async with conn.transaction():
        existing = await store.search_with_filters(conn, subscriber_id, preferences.filter_key())
        search_id = (
            existing["id"]
            if existing is not None
            else await store.add_subscription(conn, subscriber_id, preferences)
        )
        await save_preferences(conn, search_id, preferences)
        await store.mark_confirmed(conn, search_id, now)
        return str(search_id)


async def change_search(
    conn: asyncpg.Connection,
    subscriber_id: str,
    search_id: str,
    preferences: Preferences,
    now: datetime,
) -> None:
    """New filters or frequency; a search waiting for its confirmation is confirmed by this."""
    async with conn.transaction():
        row = await _own_search(conn, subscriber_id, search_id)
        await store.drop_digest_items(conn, search_id)
        if row["frequency"] == "immediate" and preferences.frequency != "immediate":
            await deliveries.cancel_queued_for(conn, search_id, "changed to a digest")
        await save_preferences(conn, search_id, preferences)
        if row["status"] in ("pending", "unsubscribed"):
            await store.mark_confirmed(conn, search_id, now)
        elif row["status"] == "paused":
            await store.drop_keys(conn, search_id)


async def pause_search(
    conn: asyncpg.Connection, subscriber_id: str, search_id: str, paused: bool
) -> None:
    async with conn.transaction():
        row = await _own_search(conn, subscriber_id, search_id)
        if paused and row["status"] == "confirmed":
            await store.set_status(conn, search_id, "paused")
            await _stop_sending(conn, search_id, "paused")
        elif not paused and row["status"] == "paused":
            await store.set_status(conn, search_id, "confirmed")
            await save_preferences(conn, search_id, stored_preferences(dict(row)))


async def remove_search(conn: asyncpg.Connection, subscriber_id: str, search_id: str) -> None:
    async with conn.transaction():
        await _own_search(conn, subscriber_id, search_id)
        await _stop_sending(conn, search_id, "removed")
        await store.delete_subscription(conn, search_id)


async def unsubscribe_all(conn: asyncpg.Connection, subscriber_id: str) -> int:
    async with conn.transaction():
        stopped = 0
        for row in await store.searches_of(conn, subscriber_id):
            if row["status"] != "unsubscribed":
                await store.set_status(conn, row["id"], "unsubscribed")
                await _stop_sending(conn, row["id"], "unsubscribed")
                stopped += 1
        return stopped


async def erase_subscriber(conn: asyncpg.Connection, subscriber_id: str) -> None:
    async with conn.transaction():
        person = await store.subscriber(conn, subscriber_id)
        if person is not None:
            await store.forget_signups(conn, address_key(person["email"]))
            await _erase_subscriber(conn, subscriber_id)
    log.info("a subscriber erased everything", subscriber=subscriber_id)


async def purge_unconfirmed(pool: asyncpg.Pool, now: datetime) -> int:
    async with pool.acquire() as conn:
        return await store.purge_unconfirmed(conn, now - UNCONFIRMED_KEPT)
