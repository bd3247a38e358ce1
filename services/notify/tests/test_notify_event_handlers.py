"""What mentoring's and trainings' events mean for mail, on the in-memory store: a letter to
each person of a match at each step, one to a training's participant at each step of their
registration, once however often an event arrives, and nothing more about a person erased."""

import json

import pytest
from myndnet_kit.classify import Incoming
from myndnet_notify.adapters.memory import MemoryNotify
from myndnet_notify.domain.subscriptions import person_ref
from myndnet_notify.handlers.events import (
    on_match_events,
    on_sign_in_events,
    on_training_events,
)
from myndnet_schemas import parse
from myndnet_testing import example

STRUCTURED = [("content-type", b"application/cloudevents+json")]


def incoming(event_type: str, **data: object) -> Incoming:
    """The contract's example event of a type, with `data` changed."""
    document = example(event_type)
    document["data"] |= data
    event = parse(STRUCTURED, None, json.dumps(document).encode())
    return Incoming(event, None)  # type: ignore[arg-type]  # the handler does not read it


def named(code: str) -> str:
    return f"Myndigheten {code}"


@pytest.fixture
def store() -> MemoryNotify:
    return MemoryNotify()


def letters(store: MemoryNotify) -> list[tuple[str, str | None, str]]:
    return sorted((d.kind, d.work_email, d.status) for d in store.state.deliveries.values())


async def test_a_proposed_match_writes_to_both_people_once_each_in_their_language(store):
    proposed = incoming("se.myndnet.mentoring.match.proposed.v1")
    await on_match_events(store, [proposed, proposed], named)  # delivered twice
    await on_match_events(store, [proposed], named)
    written = list(store.state.deliveries.values())
    assert sorted(d.context["role"] for d in written) == ["manager", "mentor"]
    data = proposed.event.data
    by_role = {d.context["role"]: d for d in written}
    assert by_role["manager"].work_email == data.manager.email
    assert by_role["mentor"].work_email == data.mentor.email
    assert by_role["manager"].context["other_agency"] == named(data.mentor.agency)
    assert by_role["manager"].recipient_ref == person_ref(
        data.manager.agency, data.manager.person_id
    )
    assert {d.kind for d in written} == {"match_proposed"}


async def test_nothing_more_is_written_about_a_person_erased_and_queued_mail_to_them_goes(store):
    proposed = incoming("se.myndnet.mentoring.match.proposed.v1")
    await on_match_events(store, [proposed], named)
    manager = proposed.event.data.manager
    erased = incoming(
        "se.myndnet.mentoring.person.erased.v1", agency=manager.agency, person_id=manager.person_id
    )
    await on_match_events(store, [erased], named)
    # Both letters named the manager: the manager's and the mentor's (which names the other).
    assert [(d.status, d.work_email, d.context) for d in store.state.deliveries.values()] == [
        ("cancelled", None, {}),
        ("cancelled", None, {}),
    ]
    # The next step of a match with them: no letter about them to either.
    them = example("se.myndnet.mentoring.match.proposed.v1")["data"]["manager"]
    accepted = incoming("se.myndnet.mentoring.match.accepted.v1", manager=them)
    await on_match_events(store, [accepted], named)
    assert len(store.state.deliveries) == 2


async def test_each_step_of_a_registration_is_one_letter_and_an_erasure_stops_them(store):
    requested = incoming("se.myndnet.training.registration.requested.v1")
    confirmed = incoming("se.myndnet.training.registration.confirmed.v1")
    await on_training_events(store, [requested, confirmed, confirmed], named)
    kinds = sorted(d.kind for d in store.state.deliveries.values())
    assert kinds == ["training_confirmed", "training_requested"]
    letter = next(iter(store.state.deliveries.values()))
    assert letter.context["host_name"].startswith("Myndigheten ")
    registration = confirmed.event.data.registration_id
    erased = incoming("se.myndnet.training.registration.erased.v1", registration_id=registration)
    await on_training_events(store, [erased], named)
    assert {d.status for d in store.state.deliveries.values()} == {"cancelled"}
    assert all(d.work_email is None for d in store.state.deliveries.values())


async def test_a_sign_in_link_asked_for_is_one_letter_to_that_work_address_however_often_it_comes(
    store,
):
    asked = incoming("se.myndnet.staff.sign_in.requested.v1", language="en")
    await on_sign_in_events(store, [asked, asked])
    await on_sign_in_events(store, [asked])
    assert letters(store) == [("sign_in", "anna.andersson@csn.se", "queued")]
    (letter,) = store.state.deliveries.values()
    # 09:15 UTC is 10:15 in Stockholm in December: the time the letter gives.
    assert letter.context == {
        "link_id": asked.event.data.link_id,
        "language": "en",
        "expires": "10:15",
        "expires_on": "2026-12-07",
    }
