"""Registrations' rules without servers: double opt-in, seats and the waiting list, promotion,
reminders, and the letters each step causes."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from myndnet_outreach.domain import registrations as rules
from myndnet_outreach.domain.open_events import Status
from myndnet_outreach.domain.registrations import Closed, RegistrationStatus
from test_outreach_rules import START, plan

BEFORE = START - timedelta(days=5)


def asked(event, name: str, existing=(), at=BEFORE, news=False):
    registration, letters = rules.request(
        event, name.title(), f"{name}@example.se", "sv", news, list(existing), at
    )
    return registration, letters


def confirmed_all(event, names):
    """Each asks and confirms in turn; the registrations as they end up."""
    everyone = []
    for n, name in enumerate(names):
        registration, _ = asked(event, name, everyone)
        everyone.append(registration)
        done, _ = rules.confirm(event, registration, everyone, BEFORE + timedelta(minutes=n))
        everyone = [done if r.registration_id == done.registration_id else r for r in everyone]
    return everyone


def test_a_request_holds_nothing_until_the_address_is_confirmed():
    event = plan(seats=1)
    registration, letters = asked(event, "ada", news=True)
    assert registration.status is RegistrationStatus.UNCONFIRMED and registration.news
    assert [(letter.kind, letter.to) for letter in letters] == [("event_confirm", "ada@example.se")]
    context = letters[0].context
    assert context["event"]["title"] == "Karriärdag" and context["starts"] == "2027-03-04 10:00"
    assert context["confirm_by"] == "2027-03-04"  # the confirmation ends when the event starts
    assert letters[0].recipient_ref == f"outreach/{registration.registration_id}"
    assert rules.seats_taken([registration]) == 0


def test_the_same_address_asking_again_gets_no_second_registration_and_no_mail():
    event = plan()
    first, _ = asked(event, "ada")
    again, letters = rules.request(event, "Ada", "ADA@example.se", "sv", False, [first], BEFORE)
    assert again is None and letters == []


def test_the_last_seat_then_the_waiting_list_in_the_order_of_confirmation():
    event = plan(seats=1)
    ada, bo, cy = confirmed_all(event, ["ada", "bo", "cy"])
    assert ada.status is RegistrationStatus.CONFIRMED
    assert bo.status is cy.status is RegistrationStatus.WAITING
    assert rules.place_in_line(cy, [ada, bo, cy]) == 2
    _, letters = rules.confirm(
        event, replace(bo, status=RegistrationStatus.UNCONFIRMED), [ada], BEFORE
    )
    assert letters[0].kind == "event_waitlisted" and letters[0].context["place"] == 1


def test_confirming_twice_changes_nothing_and_sends_nothing():
    event = plan()
    (ada,) = confirmed_all(event, ["ada"])
    assert rules.confirm(event, ada, [ada], BEFORE) == (ada, [])


def test_a_cancelled_seat_goes_to_the_first_who_waits_and_the_cancelled_keeps_no_address():
    event = plan(seats=1)
    ada, bo, cy = confirmed_all(event, ["ada", "bo", "cy"])
    changed, letters = rules.cancel(event, ada, [ada, bo, cy], BEFORE)
    by_id = {r.registration_id: r for r in changed}
    assert by_id[ada.registration_id].status is RegistrationStatus.CANCELLED
    assert by_id[ada.registration_id].email is None and by_id[ada.registration_id].name is None
    assert by_id[bo.registration_id].status is RegistrationStatus.CONFIRMED
    assert cy.registration_id not in by_id
    assert [(letter.kind, letter.to) for letter in letters] == [
        ("event_cancelled", "ada@example.se"),
        ("event_promoted", "bo@example.se"),
    ]
    assert rules.cancel(event, by_id[ada.registration_id], changed, BEFORE) == ([], [])


def test_a_waiting_person_who_cancels_frees_no_seat():
    event = plan(seats=1)
    ada, bo, cy = confirmed_all(event, ["ada", "bo", "cy"])
    changed, letters = rules.cancel(event, bo, [ada, bo, cy], BEFORE)
    assert [r.registration_id for r in changed] == [bo.registration_id]
    assert [letter.kind for letter in letters] == ["event_cancelled"]


def test_more_seats_promote_as_many_as_they_hold():
    event = plan(seats=1)
    everyone = confirmed_all(event, ["ada", "bo", "cy", "di"])
    promoted, letters = rules.promote(replace(event, seats=3), everyone, BEFORE)
    assert [r.name for r in promoted] == ["Bo", "Cy"]
    assert [letter.kind for letter in letters] == ["event_promoted"] * 2


def test_no_registration_after_the_deadline_or_once_cancelled_or_begun():
    event = plan()
    with pytest.raises(Closed):
        asked(event, "ada", at=START - timedelta(days=2))  # the deadline was 1 March
    with pytest.raises(Closed):
        asked(replace(event, status=Status.CANCELLED), "ada")
    (ada,) = confirmed_all(event, ["ada"])
    registration, _ = asked(event, "bo")
    with pytest.raises(Closed):
        rules.confirm(event, registration, [ada, registration], START + timedelta(minutes=1))


def test_a_cancelled_event_cancels_every_live_registration_telling_each_why():
    event = replace(plan(seats=1), status=Status.CANCELLED)
    everyone = confirmed_all(plan(seats=1), ["ada", "bo"])
    changed, letters = rules.cancel_event(event, everyone, BEFORE)
    assert {r.status for r in changed} == {RegistrationStatus.CANCELLED}
    assert [(letter.kind, letter.context["because"]) for letter in letters] == [
        ("event_cancelled", "event")
    ] * 2


def test_the_reminder_goes_the_day_before_to_those_with_a_seat_once():
    event = plan(seats=1)
    everyone = confirmed_all(event, ["ada", "bo"])
    assert rules.reminders(event, everyone, date(2027, 3, 2)) == ([], [])
    reminded, letters = rules.reminders(event, everyone, date(2027, 3, 3))
    assert [(r.name, r.reminded) for r in reminded] == [("Ada", True)]
    assert [(letter.kind, letter.to) for letter in letters] == [
        ("event_reminder", "ada@example.se")
    ]
    assert rules.reminders(event, reminded + everyone[1:], date(2027, 3, 3)) == ([], [])


def test_every_letter_has_one_key_per_registration_and_kind():
    event = plan(seats=1)
    registration, (first,) = asked(event, "ada")
    assert first.key == f"{registration.registration_id}:event_confirm"
    assert rules.erasable(event, event.ends_at + rules.ERASED_AFTER)
    assert not rules.erasable(event, event.ends_at + rules.ERASED_AFTER - timedelta(seconds=1))
