"""Sign-up with double opt-in, confirmation, one-click unsubscribe, the preference centre of
one address (its saved searches), erasure and clean-up."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from myndnet_kit.logging import get_logger

from myndnet_notify.adapters.store import NotifyStore
from myndnet_notify.domain.delivery import NewDelivery, new_id
from myndnet_notify.domain.news import Interest
from myndnet_notify.domain.subscriptions import (
    MANAGE_TOKEN_LIFETIME,
    Preferences,
    SavedSearch,
    address_key,
    new_token,
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
    store: NotifyStore,
    email: str,
    preferences: Preferences,
    client: str,
    now: datetime,
    news: bool = False,
) -> None:
    """Record the wish and send a confirmation; nothing else is sent until it is confirmed.
    An address may hold several saved searches: signing up again with the same filters
    changes that search (once confirmed), other filters add one. The same wish again, while
    its confirmation is on its way, sends nothing more."""
    hour_ago = now - timedelta(hours=1)
    by_address, by_client = address_key(email), f"client:{client}"
    # A yes to news travels with the wish and takes effect when the address is confirmed.
    wish = {**preferences.as_json(), **({"news": True} if news else {})}
    async with store.transaction():
        await store.lock_for_signup(by_address, by_client)
        person = await store.subscriber_by_email(email)
        existing = (
            None
            if person is None
            else await store.search_with_filters(person.id, preferences.filter_key())
        )
        if existing is not None and await store.confirmation_pending(existing.id, wish, hour_ago):
            return
        if await store.count_attempts(by_address, hour_ago) >= PER_ADDRESS_PER_HOUR:
            raise RateLimited("too many sign-ups for this address; try again in an hour")
        if await store.count_attempts(by_client, hour_ago) >= PER_CLIENT_PER_HOUR:
            raise RateLimited("too many sign-ups from this client; try again in an hour")
        await store.record_attempt(by_address, by_client)
        subscriber_id = (
            person.id
            if person is not None
            else await store.add_subscriber(email, preferences.language)
        )
        if existing is None:
            search_id = await store.add_search(subscriber_id, preferences)
        else:
            search_id = existing.id
            await store.set_pending(search_id, preferences)
        await store.queue(
            NewDelivery(
                dedupe_key=f"confirm:{search_id}:{new_id('c')}",
                kind="confirmation",
                recipient_ref=search_id,
                subscription_id=search_id,
                # The link confirms these preferences, whatever is submitted after them.
                context={"language": preferences.language, "preferences": wish},
            ),
        )


async def confirm(store: NotifyStore, token: str, now: datetime) -> Confirmed:
    """Follow a confirmation link: the saved search (or its new preferences) takes effect, and
    an address suppressed after a bounce may be mailed again."""
    async with store.transaction():
        link = await store.token(token_hash(token), "confirm")
        if link is None or not link.valid(now, once=True) or link.subscription_id is None:
            raise InvalidToken("this confirmation link is not valid (used, expired or unknown)")
        await store.use_token(link.token_hash, now)
        search = await store.search(link.subscription_id)
        assert search is not None  # the token goes with its search
        # What this link was sent for (links minted before that was recorded: the latest wish).
        wish = link.preferences or search.pending
        if wish:
            await save_preferences(store, search.id, Preferences.from_json(wish))
            if wish.get("news"):
                await store.set_news(search.subscriber_id, now)
        await store.mark_confirmed(search.id, now)
        await store.lift_suppression(search.subscriber_id)
        manage = await new_manage_token(store, search.subscriber_id, now)
        return Confirmed(search.language, manage)


async def new_manage_token(store: NotifyStore, subscriber_id: str, now: datetime) -> str:
    token, digest = new_token()
    await store.add_manage_token(digest, subscriber_id, now + MANAGE_TOKEN_LIFETIME)
    return token


async def save_preferences(store: NotifyStore, search_id: str, preferences: Preferences) -> None:
    await store.save_preferences(
        search_id, preferences, preferences.columns(), subscription_keys(preferences)
    )


async def language_of_link(store: NotifyStore, token: str, purpose: str) -> str:
    """The language a person's link is shown in: its saved search's (Swedish when unknown)."""
    return await store.language_of_token(token_hash(token), purpose) or "sv"


async def stop_news(store: NotifyStore, token: str, now: datetime) -> str:
    """A campaign mail's one-click link: no more news to the address (its job alerts go on);
    the campaign it came from counts one withdrawal, however often the link is followed. The
    address's language, for the page that says so."""
    async with store.transaction():
        link = await store.token(token_hash(token), "news")
        if link is None or not link.valid(now) or link.subscriber_id is None:
            raise InvalidToken("this link is not valid (expired or unknown)")
        if link.used_at is None:
            campaign_id = (link.preferences or {}).get("campaign_id")
            if campaign_id:
                await store.record_news_withdrawal(str(campaign_id))
            await store.use_token(link.token_hash, now, first_use_only=True)
        await store.set_news(link.subscriber_id, None)
        return await language_of(store, link.subscriber_id)


async def unsubscribe(store: NotifyStore, token: str, now: datetime) -> str:
    async with store.transaction():
        link = await store.token(token_hash(token), "unsubscribe")
        if link is None or not link.valid(now) or link.subscription_id is None:
            raise InvalidToken("this unsubscribe link is not valid (expired or unknown)")
        await store.use_token(link.token_hash, now, first_use_only=True)
        search = await store.search(link.subscription_id)
        if search is None:
            return "sv"
        await store.set_status(search.id, "unsubscribed")
        await _stop_sending(store, search.id, "unsubscribed")
        return search.language


async def _stop_sending(store: NotifyStore, search_id: str, why: str) -> None:
    await store.drop_keys(search_id)
    await store.drop_digest_items(search_id)
    await store.cancel_queued_for(search_id, why)


async def erase(store: NotifyStore, email: str) -> int:
    """Forget an address and everything tied to it; deliveries keep only the opaque ids."""
    async with store.transaction():
        person = await store.subscriber_by_email(email)
        await store.forget_signups(address_key(email))
        if person is None:
            return 0
        await _erase_subscriber(store, person.id)
    log.info("a subscriber was erased", subscriber=person.id)
    return 1


async def _erase_subscriber(store: NotifyStore, subscriber_id: str) -> None:
    for search in await store.searches_of(subscriber_id):
        await _stop_sending(store, search.id, "erased")
        await store.forget_context_of(search.id)
    await store.delete_subscriber(subscriber_id)


# The preference centre: every call names the address by a `manage` token, and a saved search
# by its id within that address only; another address's search is unknown here.


async def subscriber_of(store: NotifyStore, token: str, now: datetime) -> str:
    link = await store.token(token_hash(token), "manage")
    if link is None or not link.valid(now) or link.subscriber_id is None:
        raise InvalidToken("this link to your job alerts is not valid (expired or unknown)")
    return link.subscriber_id


async def language_of(store: NotifyStore, subscriber_id: str) -> str:
    """The language a search added or changed in the preference centre mails in."""
    person = await store.subscriber(subscriber_id)
    assert person is not None  # the token named it a moment ago
    return person.language


async def preferences_of(store: NotifyStore, subscriber_id: str) -> dict[str, Any]:
    person = await store.subscriber(subscriber_id)
    assert person is not None
    searches = []
    for search in await store.searches_of(subscriber_id):
        filters, frequency = search.shown()
        searches.append(
            {"id": search.id, "status": search.status, "frequency": frequency, "filters": filters}
        )
    return {
        "language": person.language,
        "suppressed": person.suppressed_at is not None,
        "news": person.news_since is not None,
        "searches": searches,
    }


async def set_news(store: NotifyStore, subscriber_id: str, news: bool, now: datetime) -> None:
    """Yes or no to news from the network, from the preference centre."""
    async with store.transaction():
        await store.set_news(subscriber_id, now if news else None)


async def news_consent(
    store: NotifyStore, email: str, language: str, source: str, interest: Interest, now: datetime
) -> None:
    """A yes to news given where the address was confirmed by another service (an open
    event's registration, confirmed from outreach's mail): the address is known from now on,
    with what it registered for as its interest."""
    async with store.transaction():
        person = await store.subscriber_by_email(email)
        subscriber_id = (
            person.id if person is not None else await store.add_subscriber(email, language)
        )
        await store.set_news(subscriber_id, now)
        await store.add_news_interest(subscriber_id, source, interest)


async def _own_search(store: NotifyStore, subscriber_id: str, search_id: str) -> SavedSearch:
    search = await store.search(search_id)
    if search is None or search.subscriber_id != subscriber_id:
        raise UnknownSearch(f"no saved search {search_id!r} for this address")
    return search


async def add_search(
    store: NotifyStore, subscriber_id: str, preferences: Preferences, now: datetime
) -> str:
    """A search added in the preference centre needs no confirmation: the link proved the
    address. The same filters as an existing search change that one."""
    async with store.transaction():
        existing = await store.search_with_filters(subscriber_id, preferences.filter_key())
        search_id = (
            existing.id
            if existing is not None
            else await store.add_search(subscriber_id, preferences)
        )
        await save_preferences(store, search_id, preferences)
        await store.mark_confirmed(search_id, now)
        return search_id


async def change_search(
    store: NotifyStore,
    subscriber_id: str,
    search_id: str,
    preferences: Preferences,
    now: datetime,
) -> None:
    """New filters or frequency; a search waiting for its confirmation is confirmed by this."""
    async with store.transaction():
        search = await _own_search(store, subscriber_id, search_id)
        await store.drop_digest_items(search_id)
        if search.frequency == "immediate" and preferences.frequency != "immediate":
            await store.cancel_queued_for(search_id, "changed to a digest")
        await save_preferences(store, search_id, preferences)
        if search.status in ("pending", "unsubscribed"):
            await store.mark_confirmed(search_id, now)
        elif search.status == "paused":
            await store.drop_keys(search_id)


async def pause_search(
    store: NotifyStore, subscriber_id: str, search_id: str, paused: bool
) -> None:
    async with store.transaction():
        search = await _own_search(store, subscriber_id, search_id)
        if paused and search.status == "confirmed":
            await store.set_status(search_id, "paused")
            await _stop_sending(store, search_id, "paused")
        elif not paused and search.status == "paused":
            await store.set_status(search_id, "confirmed")
            await save_preferences(store, search_id, search.preferences())


async def remove_search(store: NotifyStore, subscriber_id: str, search_id: str) -> None:
    async with store.transaction():
        await _own_search(store, subscriber_id, search_id)
        await _stop_sending(store, search_id, "removed")
        await store.delete_search(search_id)


async def unsubscribe_all(store: NotifyStore, subscriber_id: str) -> int:
    async with store.transaction():
        stopped = 0
        for search in await store.searches_of(subscriber_id):
            if search.status != "unsubscribed":
                await store.set_status(search.id, "unsubscribed")
                await _stop_sending(store, search.id, "unsubscribed")
                stopped += 1
        return stopped


async def erase_subscriber(store: NotifyStore, subscriber_id: str) -> None:
    async with store.transaction():
        person = await store.subscriber(subscriber_id)
        if person is not None:
            await store.forget_signups(address_key(person.email))
            await _erase_subscriber(store, subscriber_id)
    log.info("a subscriber erased everything", subscriber=subscriber_id)


async def purge_unconfirmed(store: NotifyStore, now: datetime) -> int:
    return await store.purge_unconfirmed(now - UNCONFIRMED_KEPT)
