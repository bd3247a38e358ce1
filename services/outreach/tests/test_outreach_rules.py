"""Open events' rules without servers: what a plan must hold, what a change and a cancellation
do and announce."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from myndnet_outreach.domain.open_events import (
    Conflict,
    OpenEvent,
    PlanInvalid,
    Status,
    cancel,
    change,
    schedule,
)
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.events.outreach import OpenEventKind
from myndnet_schemas.vocabulary import TargetGroup

START = datetime(2027, 3, 4, 10, 0, tzinfo=STOCKHOLM)
MEMBERS = {"csn", "skv"}


def plan(**changes) -> OpenEvent:
    event = OpenEvent(
        event_id="oe-1",
        revision=1,
        title={"sv": "Karriärdag", "en": "Career day"},
        text={"sv": "Träffa oss.", "en": None},
        kind=OpenEventKind.CAREER_FAIR,
        starts_at=START,
        ends_at=START + timedelta(hours=5),
        place="Mittuniversitetet, Sundsvall",
        online_url=None,
        hosts=("csn",),
        target_groups=(TargetGroup.STUDENTS,),
        seats=100,
        registration_deadline=date(2027, 3, 1),
    )
    return replace(event, **changes)


def test_a_plan_is_scheduled_and_announced_as_it_is():
    planned, announced = schedule(plan(), MEMBERS)
    assert planned.status is Status.SCHEDULED
    assert announced.event_id == "oe-1" and announced.revision == 1
    assert announced.title.sv == "Karriärdag" and announced.hosts == ["csn"]
    assert announced.event_type == "se.myndnet.outreach.open_event.scheduled.v1"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"ends_at": START}, "end after it starts"),
        ({"place": None}, "a place, an online_url"),
        ({"registration_deadline": date(2027, 3, 5)}, "deadline is after"),
        ({"hosts": ("csn", "nobody")}, "not current members of the network: nobody"),
        ({"hosts": ("csn", "csn")}, "named twice"),
        ({"starts_at": START.replace(tzinfo=None)}, "time zone"),
        ({"title": {"sv": "x" * 201, "en": None}}, "200"),
    ],
)
def test_a_plan_that_cannot_be_held_says_why(changes, words):
    with pytest.raises((PlanInvalid, ValueError), match=words):
        schedule(plan(**changes), MEMBERS)


def test_an_online_event_needs_no_place():
    planned, _ = schedule(plan(place=None, online_url="https://example.se/webbinarium"), MEMBERS)
    assert planned.place is None


def test_a_change_counts_the_revision_up_and_nothing_changed_announces_nothing():
    planned, _ = schedule(plan(), MEMBERS)
    changed, announced = change(planned, {"seats": 150}, MEMBERS)
    assert changed.revision == 2 and announced is not None and announced.seats == 150
    same, none = change(changed, {"seats": 150}, MEMBERS)
    assert same == changed and none is None
    with pytest.raises(PlanInvalid, match="cannot be changed"):
        change(changed, {"event_id": "other"}, MEMBERS)


def test_a_host_that_left_stays_on_the_event_but_a_new_host_must_be_a_member():
    planned, _ = schedule(plan(hosts=("csn", "skv")), MEMBERS)
    after_skv_left = {"csn"}
    changed, _ = change(planned, {"seats": 120}, after_skv_left)
    assert changed.hosts == ("csn", "skv")
    with pytest.raises(PlanInvalid, match="tull"):
        change(planned, {"hosts": ("csn", "tull")}, after_skv_left)


def test_a_cancelled_event_is_announced_once_and_cannot_change():
    planned, _ = schedule(plan(), MEMBERS)
    cancelled, announced = cancel(planned, "Lokalen är inte tillgänglig")
    assert (
        cancelled.status is Status.CANCELLED and announced.reason == "Lokalen är inte tillgänglig"
    )
    assert announced.revision == 2
    with pytest.raises(Conflict):
        cancel(cancelled, None)
    with pytest.raises(Conflict):
        change(cancelled, {"seats": 5}, MEMBERS)
