"""Registration's handlers on the fake store: what each saves and asks of notify."""

from datetime import timedelta

import pytest
from myndnet_outreach.adapters.memory import MemoryOutreach
from myndnet_outreach.domain.open_events import NotFound
from myndnet_outreach.domain.registrations import RegistrationStatus
from myndnet_outreach.handlers import open_events as events
from myndnet_outreach.handlers import registrations as handlers
from test_outreach_rules import START, plan

BEFORE = START - timedelta(days=5)
TOPIC = "outreach.activities"


async def planned(seats: int | None = 1) -> MemoryOutreach:
    store = MemoryOutreach()
    await events.schedule_open_event(store, plan(seats=seats), {"csn"}, "kim@csn.se", TOPIC)
    return store


def kinds(store: MemoryOutreach) -> list[tuple[str, str]]:
    return [
        (body["kind"], body["to"])
        if path == "/letters"
        else ("forget", ",".join(body["recipient_refs"]))
        for path, body in store.state.notify_requests
    ]


async def ask_and_confirm(store: MemoryOutreach, name: str) -> str:
    await handlers.request_registration(
        store, "oe-1", name.title(), f"{name}@example.se", "sv", False, BEFORE
    )
    (mine,) = await store.registrations_by_email(f"{name}@example.se")
    await handlers.confirm(store, mine.registration_id, BEFORE)
    return mine.registration_id


async def test_a_registration_s_letters_are_asked_of_notify_in_the_order_of_its_steps():
    store = await planned(seats=1)
    ada = await ask_and_confirm(store, "ada")
    bo = await ask_and_confirm(store, "bo")
    assert (await handlers.show(store, bo)).place == 1
    view = await handlers.cancel(store, ada, BEFORE)
    assert view.registration.status is RegistrationStatus.CANCELLED
    assert (await store.registration(bo)).status is RegistrationStatus.CONFIRMED
    assert kinds(store) == [
        ("event_confirm", "ada@example.se"),
        ("event_confirmed", "ada@example.se"),
        ("event_confirm", "bo@example.se"),
        ("event_waitlisted", "bo@example.se"),
        ("event_cancelled", "ada@example.se"),
        ("event_promoted", "bo@example.se"),
    ]


async def test_cancelling_the_event_tells_everyone_registered_and_more_seats_promote():
    store = await planned(seats=1)
    await ask_and_confirm(store, "ada")
    await ask_and_confirm(store, "bo")
    await events.change_open_event(store, "oe-1", {"seats": 2}, {"csn"}, "kim@csn.se", TOPIC)
    assert kinds(store)[-1] == ("event_promoted", "bo@example.se")
    await events.cancel_open_event(store, "oe-1", "Storm", "kim@csn.se", TOPIC)
    assert sorted(kinds(store)[-2:]) == [
        ("event_cancelled", "ada@example.se"),
        ("event_cancelled", "bo@example.se"),
    ]


async def test_the_schedule_reminds_the_day_before_and_erases_a_month_after():
    store = await planned(seats=None)
    ada = await ask_and_confirm(store, "ada")
    day_before = START - timedelta(days=1)
    run = await handlers.run_schedule(
        store, await store.open_events(day_before), day_before.date(), day_before
    )
    assert (run.reminded, run.erased) == (1, 0)
    again = await handlers.run_schedule(
        store, await store.open_events(day_before), day_before.date(), day_before
    )
    assert (again.reminded, again.erased) == (0, 0)
    later = START + timedelta(days=31)
    run = await handlers.run_schedule(store, await store.open_events(later), later.date(), later)
    assert (run.reminded, run.erased) == (0, 1)
    kept = await store.registration(ada)  # counted still, nobody named
    assert (kept.name, kept.email, kept.status) == (None, None, RegistrationStatus.CONFIRMED)
    again = await handlers.run_schedule(store, [], later.date(), later)
    assert again.erased == 0
    assert kinds(store)[-1] == ("forget", f"outreach/{ada}")


async def test_erasing_an_address_gives_its_seat_on_and_asks_notify_to_forget_it():
    store = await planned(seats=1)
    ada = await ask_and_confirm(store, "ada")
    bo = await ask_and_confirm(store, "bo")
    assert await handlers.erase_address(store, "ADA@example.se", BEFORE) == 1
    erased = await store.registration(ada)
    assert (erased.name, erased.email, erased.status) == (None, None, RegistrationStatus.CANCELLED)
    assert await store.registrations_by_email("ada@example.se") == []
    assert (await store.registration(bo)).status is RegistrationStatus.CONFIRMED
    assert kinds(store)[-2:] == [("event_promoted", "bo@example.se"), ("forget", f"outreach/{ada}")]


async def test_asking_for_an_unknown_event_leaves_nothing():
    store = MemoryOutreach()
    with pytest.raises(NotFound):
        await handlers.request_registration(
            store, "oe-x", "Ada", "a@example.se", "sv", False, BEFORE
        )
    assert store.state.notify_requests == []


async def test_a_yes_to_news_goes_to_notify_once_the_address_is_confirmed():
    store = await planned(seats=None)
    await handlers.request_registration(store, "oe-1", "Ada", "ada@example.se", "en", True, BEFORE)
    assert [path for path, _ in store.state.notify_requests] == ["/letters"]
    (ada,) = await store.registrations_by_email("ada@example.se")
    await handlers.confirm(store, ada.registration_id, BEFORE)
    await handlers.confirm(store, ada.registration_id, BEFORE)  # a second click: nothing more
    path, consent = store.state.notify_requests[-1]
    assert path == "/news-consents" and len(store.state.notify_requests) == 3
    assert consent == {
        "email": "ada@example.se",
        "language": "en",
        "source": "outreach/oe-1",
        "target_groups": ["students"],
    }
