"""The handlers of candidates' saved searches and digests, on the in-memory store: sign-up and
its limits, confirmation, unsubscribing, the preference centre, erasure, the purge and the
digests, decided without servers (`test_notify_store.py` holds the fake to PostgreSQL)."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from myndnet_notify.adapters.memory import MemoryNotify
from myndnet_notify.domain.delivery import NewDelivery, Outcome
from myndnet_notify.domain.letters import candidate_links
from myndnet_notify.domain.subscriptions import (
    OpenVacancy,
    Preferences,
    address_key,
    latest_digest_slot,
    subscription_keys,
)
from myndnet_notify.handlers import subscriptions as handlers
from myndnet_notify.handlers.digests import run_digests

NOW = datetime.now(UTC)
JURIST = Preferences("sv", "immediate", agencies=("csn",), keywords=("jurist",))
DAILY = Preferences("en", "daily")


@pytest.fixture
def store() -> MemoryNotify:
    return MemoryNotify()


async def send_next(store: MemoryNotify, search_id: str) -> dict[str, str]:
    """What the sending round does to the search's oldest queued letter: its links' tokens
    stored, the letter sent; the raw tokens by link (`confirm_url`, `unsubscribe_url`, ...)."""
    letter = next(d for d in await store.deliveries_for(search_id) if d.status == "queued")
    search = await store.search(search_id)
    assert search is not None
    links = candidate_links(
        letter.kind,
        "https://site",
        "https://notify",
        search_id,
        search.subscriber_id,
        letter.context.get("preferences"),
    )
    await store.add_link_tokens(links.tokens)
    await store.record_outcomes([Outcome(letter.id, "sent", 1)])
    return {name: parse_qs(urlsplit(url).query)["token"][0] for name, url in links.urls.items()}


async def only_search(store: MemoryNotify, email: str) -> str:
    person = await store.subscriber_by_email(email)
    assert person is not None
    [search] = await store.searches_of(person.id)
    return search.id


async def signed_up_and_confirmed(store: MemoryNotify, email: str, wish: Preferences) -> str:
    await handlers.subscribe(store, email, wish, "client", NOW)
    search_id = await only_search(store, email)
    await handlers.confirm(store, (await send_next(store, search_id))["confirm_url"], NOW)
    return search_id


async def test_a_sign_up_records_the_wish_and_queues_one_confirmation_however_often_sent(store):
    for _ in range(3):
        await handlers.subscribe(store, "Anna@Example.org", JURIST, "client", NOW)
    search_id = await only_search(store, "anna@example.org")
    search = await store.search(search_id)
    assert search is not None and search.status == "pending"
    assert await store.search_keys(search_id) == []  # nothing is sent before confirmation
    [letter] = await store.deliveries_for(search_id)
    assert letter.kind == "confirmation" and letter.context["preferences"] == JURIST.as_json()
    assert (
        await store.count_attempts(address_key("anna@example.org"), NOW - timedelta(hours=1)) == 1
    )


async def test_sign_ups_are_limited_per_address_with_its_tags_and_per_client(store):
    for n in range(handlers.PER_ADDRESS_PER_HOUR):
        wish = Preferences("sv", "daily", keywords=(f"ord{n}",))
        await handlers.subscribe(store, f"olle+{n}@example.org", wish, "client-a", NOW)
    with pytest.raises(handlers.RateLimited, match="this address"):
        await handlers.subscribe(store, "olle+x@example.org", DAILY, "client-a", NOW)
    assert await store.subscriber_by_email("olle+x@example.org") is None  # nothing kept
    for n in range(handlers.PER_CLIENT_PER_HOUR - handlers.PER_ADDRESS_PER_HOUR):
        await handlers.subscribe(store, f"person{n}@example.org", DAILY, "client-a", NOW)
    with pytest.raises(handlers.RateLimited, match="this client"):
        await handlers.subscribe(store, "one-more@example.org", DAILY, "client-a", NOW)
    await handlers.subscribe(store, "one-more@example.org", DAILY, "client-b", NOW)


async def test_confirming_saves_the_preferences_the_link_was_sent_for_once(store):
    await handlers.subscribe(store, "a@example.org", JURIST, "client", NOW)
    search_id = await only_search(store, "a@example.org")
    tokens = await send_next(store, search_id)
    # Changed again before the link is followed: a new confirmation, the old link keeps its own.
    changed = Preferences("sv", "weekly", agencies=("csn",), keywords=("jurist",))
    await handlers.subscribe(store, "a@example.org", changed, "client", NOW)
    confirmed = await handlers.confirm(store, tokens["confirm_url"], NOW)
    search = await store.search(search_id)
    assert search is not None and search.status == "confirmed" and search.frequency == "immediate"
    assert await store.search_keys(search_id) == sorted(subscription_keys(JURIST))
    assert confirmed.language == "sv"
    assert await handlers.subscriber_of(store, confirmed.manage_token, NOW) == search.subscriber_id
    with pytest.raises(handlers.InvalidToken):
        await handlers.confirm(store, tokens["confirm_url"], NOW)  # used
    second = await send_next(store, search_id)
    later = NOW + timedelta(days=8)
    with pytest.raises(handlers.InvalidToken):
        await handlers.confirm(store, second["confirm_url"], later)  # expired after 7 days
    with pytest.raises(handlers.InvalidToken):
        await handlers.subscriber_of(store, "not-a-token-at-all", NOW)


async def test_unsubscribing_stops_the_search_and_its_queued_mail_and_works_twice(store):
    search_id = await signed_up_and_confirmed(store, "a@example.org", DAILY)
    await store.queue(NewDelivery("digest:1", "digest", search_id, {}, subscription_id=search_id))
    links = await send_next(store, search_id)  # the digest, with its unsubscribe link
    await store.queue(NewDelivery("digest:2", "digest", search_id, {}, subscription_id=search_id))
    assert await handlers.unsubscribe(store, links["unsubscribe_url"], NOW) == "en"
    search = await store.search(search_id)
    assert search is not None and search.status == "unsubscribed"
    assert await store.search_keys(search_id) == []
    assert [d.status for d in await store.deliveries_for(search_id)][-1] == "cancelled"
    assert await handlers.unsubscribe(store, links["unsubscribe_url"], NOW) == "en"
    assert await handlers.language_of_link(store, links["unsubscribe_url"], "unsubscribe") == "en"
    assert await handlers.language_of_link(store, "unknown-token", "unsubscribe") == "sv"
    with pytest.raises(handlers.InvalidToken):
        await handlers.unsubscribe(store, "unknown-token", NOW)


async def test_the_preference_centre_adds_changes_pauses_and_removes_only_its_own_searches(
    store,
):
    first = await signed_up_and_confirmed(store, "a@example.org", JURIST)
    person = (await store.search(first)).subscriber_id
    added = await handlers.add_search(store, person, DAILY, NOW)
    assert added != first and (await store.search(added)).status == "confirmed"
    assert await handlers.add_search(store, person, DAILY, NOW) == added  # the same filters
    shown = await handlers.preferences_of(store, person)
    assert [s["id"] for s in shown["searches"]] == [first, added] and not shown["suppressed"]
    assert shown["searches"][0]["filters"]["keywords"] == ["jurist"]

    await store.queue(NewDelivery("alert:1", "vacancy_alert", first, {}, subscription_id=first))
    digest = Preferences("sv", "daily", agencies=("csn",))
    await handlers.change_search(store, person, first, digest, NOW)
    assert (await store.search(first)).frequency == "daily"
    assert [d.status for d in await store.deliveries_for(first)][-1] == "cancelled"

    await handlers.pause_search(store, person, first, paused=True)
    assert (await store.search(first)).status == "paused"
    assert await store.search_keys(first) == []
    await handlers.change_search(store, person, first, digest, NOW)  # changed while paused
    assert (await store.search(first)).status == "paused"
    assert await store.search_keys(first) == []  # still found by no vacancy
    await handlers.pause_search(store, person, first, paused=False)
    assert await store.search_keys(first) == sorted(subscription_keys(digest))

    other = await signed_up_and_confirmed(store, "b@example.org", DAILY)
    for change in (
        handlers.remove_search(store, person, other),
        handlers.pause_search(store, person, other, paused=True),
        handlers.change_search(store, person, other, digest, NOW),
    ):
        with pytest.raises(handlers.UnknownSearch):
            await change
    assert (await store.search(other)).status == "confirmed"

    await handlers.remove_search(store, person, added)
    assert await store.search(added) is None
    assert await handlers.unsubscribe_all(store, person) == 1
    assert await handlers.unsubscribe_all(store, person) == 0


async def test_erasure_forgets_the_address_its_searches_attempts_and_letters_contents(store):
    search_id = await signed_up_and_confirmed(store, "a+jobb@example.org", JURIST)
    assert await handlers.erase(store, "a+jobb@example.org") == 1
    assert await store.subscriber_by_email("a+jobb@example.org") is None
    assert await store.search(search_id) is None
    [letter] = await store.deliveries_for(search_id)
    assert letter.context == {}  # the opaque id only
    key = address_key("a@example.org")  # the address's tags share its limit
    assert await store.count_attempts(key, NOW - timedelta(hours=1)) == 0
    assert await handlers.erase(store, "a+jobb@example.org") == 0

    kept = await signed_up_and_confirmed(store, "b@example.org", JURIST)
    person = (await store.search(kept)).subscriber_id
    await handlers.erase_subscriber(store, person)  # from the preference centre
    assert await store.subscriber(person) is None


async def test_unconfirmed_sign_ups_go_after_a_week(store):
    await handlers.subscribe(store, "never@example.org", JURIST, "client", NOW)
    await signed_up_and_confirmed(store, "yes@example.org", JURIST)
    assert await handlers.purge_unconfirmed(store, datetime.now(UTC) + timedelta(days=6)) == 0
    assert await handlers.purge_unconfirmed(store, datetime.now(UTC) + timedelta(days=8)) == 1
    assert await store.subscriber_by_email("never@example.org") is None
    assert await store.subscriber_by_email("yes@example.org") is not None


async def test_a_digest_goes_once_a_slot_with_what_is_still_open_and_never_empty(store):
    search_id = await signed_up_and_confirmed(store, "a@example.org", DAILY)
    opened = datetime.now(UTC)
    await store.remember_open_vacancies(
        [
            OpenVacancy(key, "csn", key, "Sundsvall", date(2027, 2, 1), "https://x", opened)
            for key in ("csn/1", "csn/2")
        ]
    )
    await store.add_digest_items([(search_id, "csn/1"), (search_id, "csn/2")])
    slot = latest_digest_slot("daily", datetime.now(UTC)) + timedelta(days=1)
    minute = timedelta(minutes=1)
    assert await run_digests(store, slot - minute) == 0  # not yet
    assert await run_digests(store, slot + minute) == 1
    assert await run_digests(store, slot + 2 * minute) == 0  # once a slot
    assert await run_digests(store, slot + timedelta(days=1) + minute) == 0  # nothing new
    digest = (await store.deliveries_for(search_id))[-1]
    assert digest.kind == "digest" and digest.vacancy_keys == ("csn/1", "csn/2")
    assert [v["key"] for v in digest.context["vacancies"]] == ["csn/1", "csn/2"]
    assert await store.digest_vacancies(search_id) == []  # listed once
