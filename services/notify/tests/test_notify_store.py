"""The store's contract, run against the in-memory fake and the PostgreSQL adapter alike, so
that the handlers' unit tests (on the fake) mean what they say about PostgreSQL."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from myndnet_notify.adapters.memory import MemoryNotify
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.adapters.store import NotifyStore
from myndnet_notify.domain.delivery import NewDelivery, Outcome
from myndnet_notify.domain.letters import LinkToken
from myndnet_notify.domain.news import Interest
from myndnet_notify.domain.subscriptions import (
    ANY,
    OpenVacancy,
    Preferences,
    subscription_keys,
    token_hash,
)
from myndnet_notify.main import MIGRATIONS
from myndnet_testing import migrated_connection

JURIST = Preferences("sv", "daily", agencies=("csn",), keywords=("Jurist",))
ANYTHING = Preferences("en", "immediate")
DAY = timedelta(days=1)


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
async def store(request) -> AsyncIterator[NotifyStore]:
    if request.param == "memory":
        yield MemoryNotify()
        return
    async with migrated_connection("notify", MIGRATIONS) as conn:
        yield PostgresNotify(conn)


async def saved(store: NotifyStore, search_id: str, wish: Preferences) -> None:
    await store.save_preferences(search_id, wish, wish.columns(), subscription_keys(wish))


def confirmation(search_id: str, wish: Preferences, n: int = 1) -> NewDelivery:
    return NewDelivery(
        dedupe_key=f"confirm:{search_id}:{n}",
        kind="confirmation",
        recipient_ref=search_id,
        subscription_id=search_id,
        context={"language": wish.language, "preferences": wish.as_json()},
    )


async def test_an_address_is_found_by_its_lower_cased_form(store):
    person = await store.add_subscriber("Anna.Berg@Example.org", "sv")
    found = await store.subscriber_by_email("anna.berg@example.ORG")
    assert found is not None and found.id == person and found.email == "anna.berg@example.org"
    assert (await store.subscriber(person)) == found
    assert found.suppressed_at is None and found.created_at is not None
    assert await store.subscriber_by_email("other@example.org") is None
    assert await store.subscriber("p-nobody") is None


async def test_a_new_search_waits_with_its_wish_until_its_preferences_are_saved(store):
    person = await store.add_subscriber("a@example.org", "sv")
    first = await store.add_search(person, JURIST)
    second = await store.add_search(person, ANYTHING)
    search = await store.search(first)
    assert search is not None
    assert (search.status, search.language, search.frequency) == ("pending", "sv", "daily")
    assert search.pending == JURIST.as_json() and search.email == "a@example.org"
    assert search.filters["agencies"] == [ANY] and search.filters["keywords_given"] == []
    assert await store.search_keys(first) == []  # found by no vacancy yet
    assert [s.id for s in await store.searches_of(person)] == [first, second]
    by_filters = await store.search_with_filters(person, JURIST.filter_key())
    assert by_filters is not None and by_filters.id == first
    other = Preferences("sv", "daily", agencies=("skv",))
    assert await store.search_with_filters(person, other.filter_key()) is None
    assert await store.search("s-nothing") is None


async def test_saved_preferences_are_its_filters_and_keys_and_dropping_keys_hides_it(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, ANYTHING)
    await store.set_pending(search_id, JURIST)
    assert (await store.search(search_id)).pending == JURIST.as_json()
    await saved(store, search_id, JURIST)
    search = await store.search(search_id)
    assert search.pending is None and search.frequency == "daily"
    assert search.filters["agencies"] == ["csn"] and search.filters["keywords_given"] == ["Jurist"]
    assert search.preferences() == JURIST
    assert await store.search_keys(search_id) == sorted(subscription_keys(JURIST))
    found = await store.search_with_filters(person, JURIST.filter_key())
    assert found is not None and found.id == search_id  # found by its new filters
    assert await store.search_with_filters(person, ANYTHING.filter_key()) is None
    await store.drop_keys(search_id)
    assert await store.search_keys(search_id) == []


async def test_confirming_keeps_the_first_confirmation_and_starts_digests_then(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, JURIST)
    first = datetime(2027, 1, 4, 12, tzinfo=UTC)
    await store.mark_confirmed(search_id, first)
    await store.set_status(search_id, "paused")
    await store.mark_confirmed(search_id, first + DAY)
    search = await store.search(search_id)
    assert search.status == "confirmed"
    assert search.confirmed_at == first and search.last_digest_at == first


async def test_links_tokens_by_purpose_their_use_and_their_language(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, ANYTHING)  # in English
    confirm, stop, manage = token_hash("c" * 20), token_hash("u" * 20), token_hash("m" * 20)
    await store.add_link_tokens(
        [
            LinkToken(confirm, "confirm", search_id, DAY, JURIST.as_json()),
            LinkToken(stop, "unsubscribe", search_id, 365 * DAY),
        ]
    )
    await store.add_manage_token(manage, person, datetime.now(UTC) + DAY)
    link = await store.token(confirm, "confirm")
    assert link is not None and link.subscription_id == search_id and link.used_at is None
    assert link.preferences == JURIST.as_json() and link.valid(datetime.now(UTC), once=True)
    assert not link.valid(datetime.now(UTC) + 2 * DAY)
    assert await store.token(confirm, "unsubscribe") is None  # one purpose each
    owner = await store.token(manage, "manage")
    assert owner is not None and owner.subscriber_id == person and owner.subscription_id is None
    used = datetime(2027, 1, 4, tzinfo=UTC)
    await store.use_token(stop, used, first_use_only=True)
    await store.use_token(stop, used + DAY, first_use_only=True)
    assert (await store.token(stop, "unsubscribe")).used_at == used
    await store.use_token(confirm, used + DAY)
    assert not (await store.token(confirm, "confirm")).valid(used, once=True)
    assert await store.language_of_token(stop, "unsubscribe") == "en"
    assert await store.language_of_token(manage, "manage") is None  # an address's, no search's
    assert await store.language_of_token(token_hash("x" * 20), "confirm") is None


async def test_an_address_deleted_takes_its_searches_and_tokens_with_it(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, JURIST)
    await store.add_link_tokens([LinkToken(token_hash("c" * 20), "confirm", search_id, DAY)])
    await store.add_manage_token(token_hash("m" * 20), person, datetime.now(UTC) + DAY)
    await store.delete_subscriber(person)
    assert await store.subscriber(person) is None and await store.search(search_id) is None
    assert await store.token(token_hash("c" * 20), "confirm") is None
    assert await store.token(token_hash("m" * 20), "manage") is None


async def test_sign_up_attempts_are_counted_per_key_since_a_time_and_forgotten(store):
    before = datetime.now(UTC) - timedelta(seconds=5)
    await store.record_attempt("address:a", "client:1")
    await store.record_attempt("address:a", "client:2")
    assert await store.count_attempts("address:a", before) == 2
    assert await store.count_attempts("client:1", before) == 1
    assert await store.count_attempts("address:a", datetime.now(UTC) + DAY) == 0
    await store.forget_signups("address:a")
    assert await store.count_attempts("address:a", before) == 0
    assert await store.count_attempts("client:2", before) == 1


async def test_a_letter_is_recorded_once_and_a_confirmation_is_pending_until_long_sent(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, JURIST)
    since = datetime.now(UTC) - timedelta(hours=1)
    assert not await store.confirmation_pending(search_id, JURIST.as_json(), since)
    assert await store.queue(confirmation(search_id, JURIST))
    assert not await store.queue(confirmation(search_id, JURIST))  # the same key: no second
    [letter] = await store.deliveries_for(search_id)
    assert (letter.kind, letter.status, letter.attempts) == ("confirmation", "queued", 0)
    assert letter.context["preferences"] == JURIST.as_json()
    assert await store.confirmation_pending(search_id, JURIST.as_json(), since)
    assert not await store.confirmation_pending(search_id, ANYTHING.as_json(), since)
    await store.record_outcomes([Outcome(letter.id, "sent", 1)])
    [sent] = await store.deliveries_for(search_id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    assert await store.confirmation_pending(search_id, JURIST.as_json(), since)
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert not await store.confirmation_pending(search_id, JURIST.as_json(), later)


async def test_cancelling_touches_only_queued_letters_and_erasure_forgets_what_they_said(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, JURIST)
    await store.queue(confirmation(search_id, JURIST, 1))
    await store.queue(confirmation(search_id, JURIST, 2))
    first, second = await store.deliveries_for(search_id)
    await store.record_outcomes([Outcome(first.id, "sent", 1)])
    await store.cancel_queued_for(search_id, "unsubscribed")
    statuses = [(d.id, d.status, d.last_error) for d in await store.deliveries_for(search_id)]
    assert statuses == [(first.id, "sent", None), (second.id, "cancelled", "unsubscribed")]
    await store.forget_context_of(search_id)
    assert [d.context for d in await store.deliveries_for(search_id)] == [{}, {}]


async def test_unconfirmed_searches_older_than_a_time_go_and_addresses_left_without_any(store):
    kept_person = await store.add_subscriber("kept@example.org", "sv")
    confirmed = await store.add_search(kept_person, JURIST)
    await store.mark_confirmed(confirmed, datetime.now(UTC))
    pending_too = await store.add_search(kept_person, ANYTHING)
    gone_person = await store.add_subscriber("gone@example.org", "sv")
    gone = await store.add_search(gone_person, JURIST)
    assert await store.purge_unconfirmed(datetime.now(UTC) - DAY) == 0  # none that old
    assert await store.purge_unconfirmed(datetime.now(UTC) + DAY) == 2
    assert await store.search(confirmed) is not None
    assert await store.search(pending_too) is None and await store.search(gone) is None
    assert await store.subscriber(kept_person) is not None
    assert await store.subscriber(gone_person) is None


def vacancy(key: str, opened: datetime, title: str = "Jurist") -> OpenVacancy:
    agency = key.split("/")[0]
    return OpenVacancy(
        key, agency, title, "Sundsvall", date(2027, 2, 1), f"https://x/{key}", opened
    )


async def test_a_digest_lists_its_open_vacancies_oldest_first_once_each(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, JURIST)
    t = datetime(2027, 1, 4, 8, tzinfo=UTC)
    await store.remember_open_vacancies([vacancy("csn/2", t + DAY), vacancy("csn/1", t)])
    # Announced again: its fields change, its opening time stays.
    await store.remember_open_vacancies([vacancy("csn/2", t + 3 * DAY, title="Chefsjurist")])
    await store.add_digest_items([(search_id, "csn/2"), (search_id, "csn/1")])
    await store.add_digest_items([(search_id, "csn/2"), (search_id, "csn/closed")])
    listed = await store.digest_vacancies(search_id)
    assert [(v.key, v.title, v.agency_name) for v in listed] == [
        ("csn/1", "Jurist", "csn"),  # no name from membership: its code
        ("csn/2", "Chefsjurist", "csn"),
    ]
    await store.drop_digest_items(search_id, ["csn/1"])
    assert [v.key for v in await store.digest_vacancies(search_id)] == ["csn/2"]
    await store.drop_digest_items(search_id)
    assert await store.digest_vacancies(search_id) == []


async def test_searches_due_for_a_digest_are_the_confirmed_ones_whose_slot_has_come(store):
    person = await store.add_subscriber("a@example.org", "sv")
    slot = datetime(2027, 1, 4, 6, tzinfo=UTC)  # a Monday, 07:00 in Stockholm
    ids = {}
    for frequency in ("daily", "weekly", "immediate"):
        ids[frequency] = await store.add_search(person, Preferences("sv", frequency))
        await store.mark_confirmed(ids[frequency], slot - 2 * DAY)
    waiting = await store.add_search(person, Preferences("sv", "daily", agencies=("skv",)))
    assert {s.id for s in await store.due_for_digest(slot, slot)} == {
        ids["daily"],
        ids["weekly"],
    }
    await store.set_last_digest(ids["daily"], slot)
    assert [s.id for s in await store.due_for_digest(slot, slot - 7 * DAY)] == []
    assert waiting not in {s.id for s in await store.due_for_digest(slot + DAY, slot + DAY)}


async def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError):
        async with store.transaction():
            person = await store.add_subscriber("a@example.org", "sv")
            await store.add_search(person, JURIST)
            await store.record_attempt("address:a")
            raise RuntimeError("refused")
    assert await store.subscriber_by_email("a@example.org") is None
    assert await store.count_attempts("address:a", datetime.now(UTC) - DAY) == 0


def work_letter(key: str, email: str) -> NewDelivery:
    return NewDelivery(
        dedupe_key=key, kind="checkin", recipient_ref="person-1", context={}, work_email=email
    )


async def test_a_claim_takes_what_is_due_oldest_first_and_a_pause_keeps_a_letter_back(store):
    person = await store.add_subscriber("a@example.org", "sv")
    search_id = await store.add_search(person, JURIST)
    for n in range(3):
        await store.queue(confirmation(search_id, JURIST, n))
    first, second, third = await store.deliveries_for(search_id)
    assert [d.id for d in await store.claim_due(2)] == [first.id, second.id]
    await store.record_outcomes(
        [
            Outcome(first.id, "queued", 1, "421 busy", timedelta(minutes=5)),
            Outcome(second.id, "sent", 1),
        ]
    )
    assert [d.id for d in await store.claim_due(10)] == [third.id]  # the first waits its pause
    held = await store.searches_for({search_id, "s-gone"})
    assert set(held) == {search_id}
    assert (held[search_id].email, held[search_id].status) == ("a@example.org", "pending")
    assert await store.lock_delivery(first.id) == (await store.deliveries_for(search_id))[0]
    assert await store.lock_delivery("d-none") is None


async def test_a_hard_bounce_suppresses_the_address_and_cancels_its_other_mail(store):
    person = await store.add_subscriber("a@example.org", "sv")
    one, other = await store.add_search(person, JURIST), await store.add_search(person, ANYTHING)
    await store.queue(confirmation(one, JURIST))
    await store.queue(confirmation(other, ANYTHING))
    [bounced] = await store.deliveries_for(one)
    await store.mark_failed(bounced.id, 2, "550 5.1.1")
    at = datetime(2027, 1, 4, tzinfo=UTC)
    assert await store.suppress(one, "hard_bounce", at) == person
    assert await store.suppress("s-gone", "hard_bounce", at) is None
    await store.cancel_queued_for_subscriber(person, "suppressed")
    failed = (await store.deliveries_for(one))[0]
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 2, "550 5.1.1")
    assert [d.status for d in await store.deliveries_for(other)] == ["cancelled"]
    suppressed = await store.subscriber(person)
    assert suppressed.suppressed_at == at and suppressed.suppressed_reason == "hard_bounce"
    assert (await store.searches_for({one}))[one].suppressed_at == at


async def test_a_work_address_that_bounced_gets_no_more_mail(store):
    await store.queue(work_letter("w1", "Anna.Berg@csn.se"))
    await store.queue(work_letter("w2", "other@csn.se"))
    assert await store.suppressed_work_among({"anna.berg@csn.se"}) == set()
    await store.suppress_work_address(
        "anna.berg@CSN.se", "person-1", "hard_bounce", datetime.now(UTC)
    )
    assert await store.suppressed_work_among({"Anna.Berg@csn.se", "other@csn.se"}) == {
        "anna.berg@csn.se"
    }
    assert [d.work_email for d in await store.claim_due(10)] == ["other@csn.se"]


async def test_a_person_erased_leaves_no_address_or_words_in_any_letter(store):
    await store.queue(work_letter("w1", "anna@csn.se"))  # to person-1
    about = {"other_ref": "person-1", "other": {"name": "Anna"}}
    await store.queue(NewDelivery("m1", "match_proposed", "person-2", about, work_email="b@x.se"))
    await store.queue(NewDelivery("w3", "checkin", "person-3", {"a": 1}, work_email="c@x.se"))
    sent = (await store.claim_due(1))[0]  # the first, to person-1
    await store.record_outcomes([Outcome(sent.id, "sent", 1)])
    await store.suppress_work_address("anna@csn.se", "person-1", "hard_bounce", datetime.now(UTC))
    assert not await store.erased_among(["person-1"])
    await store.forget_person("person-1")
    assert await store.erased_among(["person-9", "person-1"])
    assert [d.recipient_ref for d in await store.claim_due(10)] == ["person-3"]
    forgotten = await store.lock_delivery(sent.id)
    assert forgotten is not None and forgotten.status == "sent"
    assert (forgotten.work_email, forgotten.context) == (None, {})
    assert await store.suppressed_work_among({"anna@csn.se"}) == set()


async def test_news_is_a_consent_of_its_own_kept_from_the_first_yes_with_its_interests(store):
    person = await store.add_subscriber("ada@example.se", "sv")
    assert (await store.subscriber(person)).news_since is None
    first, later = datetime(2027, 1, 2, tzinfo=UTC), datetime(2027, 2, 3, tzinfo=UTC)
    await store.set_news(person, first)
    await store.set_news(person, later)
    assert (await store.subscriber(person)).news_since == first
    await store.add_news_interest(
        person, "outreach/oe-1", Interest(("students",), (), ("Sundsvall",))
    )
    await store.add_news_interest(person, "outreach/oe-1", Interest(("students",), (), ("Timrå",)))
    assert await store.news_interests(person) == [Interest(("students",), (), ("timrå",))]
    await store.set_news(person, None)
    assert (await store.subscriber(person)).news_since is None
    await store.delete_subscriber(person)
    assert await store.news_interests(person) == []
