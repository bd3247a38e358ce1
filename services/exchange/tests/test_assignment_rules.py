"""The rules of assignments and their three steps, without servers."""

import dataclasses
from datetime import UTC, date, datetime

import pytest
from myndnet_exchange.domain import assignments as rules
from myndnet_exchange.domain.assignments import (
    AssignmentState,
    InterestState,
    Parties,
    Refused,
)
from myndnet_schemas import AssignmentPosted, AssignmentWithdrawn
from myndnet_schemas.events.exchange import Step

AT = datetime(2027, 1, 4, 9, tzinfo=UTC)
TODAY = date(2027, 1, 4)
PARTIES = Parties("SPV", ("a@spv.se", "b@spv.se"), "CSN", ("c@csn.se",))


def posted(revision: int = 1, **changes) -> AssignmentPosted:
    fields = {
        "assignment_id": "U-1",
        "revision": revision,
        "title": "Informationssäkerhet",
        "description": "Tre månader.",
        "skills": ["informationssäkerhet"],
        "percent": 50,
        "first_day": date(2027, 2, 1),
        "last_day": date(2027, 4, 30),
        "municipality": "Sundsvall",
        "remote": "hybrid",
        "kind": "loan",
        "answer_by": date(2027, 1, 20),
        **changes,
    }
    return AssignmentPosted(**fields)


def assignment(**changes):
    made = rules.apply_hr_event(None, "spv", posted(**changes), AT)
    assert made is not None
    return made


def interested(a=None, email: str = "ada@csn.se"):
    a = a or assignment()
    return rules.record_interest(a, [], email, "csn", "Gärna.", "sv", PARTIES, TODAY)


def test_the_latest_revision_wins_and_an_older_or_repeated_one_changes_nothing():
    first = assignment()
    newer = rules.apply_hr_event(first, "spv", posted(2, title="Ny titel"), AT)
    assert newer is not None and newer.title == "Ny titel" and newer.revision == 2
    assert rules.apply_hr_event(newer, "spv", posted(2), AT) is None
    assert rules.apply_hr_event(newer, "spv", posted(1), AT) is None
    gone = rules.apply_hr_event(
        newer, "spv", AssignmentWithdrawn(assignment_id="U-1", revision=3), AT
    )
    assert gone is not None and gone.state is AssignmentState.WITHDRAWN
    # A withdrawal of one never posted is nothing to keep.
    assert (
        rules.apply_hr_event(None, "spv", AssignmentWithdrawn(assignment_id="U-9", revision=1), AT)
        is None
    )


def test_an_agreed_assignment_is_not_reopened_by_a_later_posting():
    agreed = assignment()
    agreed = dataclasses.replace(agreed, state=AssignmentState.AGREED)
    after = rules.apply_hr_event(agreed, "spv", posted(2, percent=60), AT)
    assert after is not None and after.state is AssignmentState.AGREED and after.percent == 60


def test_a_period_that_ends_before_it_begins_is_refused_by_the_schema():
    with pytest.raises(ValueError, match="last_day"):
        posted(last_day=date(2027, 1, 1))
    with pytest.raises(ValueError, match="answer_by"):
        posted(answer_by=date(2027, 3, 1))


def test_interest_letters_each_host_coordinator_with_the_step_its_link_answers():
    outcome = interested()
    [interest] = outcome.interests
    assert interest.state is InterestState.INTERESTED and interest.pending is Step.HOST
    assert [letter.to for letter in outcome.letters] == ["a@spv.se", "b@spv.se"]
    assert {letter.kind for letter in outcome.letters} == {"exchange_pick"}
    assert outcome.letters[0].context["step"] == "host"
    assert outcome.letters[0].key != outcome.letters[1].key  # one delivery each
    [event] = outcome.events
    assert event.event_type.endswith("interest.recorded.v1")
    assert "ada@csn.se" not in event.model_dump_json()


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("own agency", "own_agency"),
        ("twice", "already_interested"),
        ("closed", "closed"),
        ("past the answer date", "closed"),
        ("no coordinator", "no_coordinator"),
    ],
)
def test_interest_is_refused_when_it_cannot_go_anywhere(case, code):
    a = assignment()
    earlier = []
    home, parties, today = "csn", PARTIES, TODAY
    if case == "own agency":
        home = "spv"
    if case == "twice":
        earlier = interested(a).interests
    if case == "closed":
        a = dataclasses.replace(a, state=AssignmentState.CLOSED)
    if case == "past the answer date":
        today = date(2027, 1, 21)
    if case == "no coordinator":
        parties = Parties("SPV", (), "CSN", ("c@csn.se",))
    with pytest.raises(Refused) as refused:
        rules.record_interest(a, earlier, "ada@csn.se", home, "", "sv", parties, today)
    assert refused.value.code == code


def test_three_yeses_agree_the_assignment_and_close_the_other_interests():
    a = assignment()
    [ada] = interested(a).interests
    [bo] = interested(a, "bo@csn.se").interests
    picked = rules.answer(a, ada, [bo], Step.HOST, True, PARTIES, TODAY)
    [ada] = picked.interests
    assert ada.state is InterestState.PICKED
    assert [(letter.kind, letter.to) for letter in picked.letters] == [
        ("exchange_approve", "c@csn.se")
    ]
    with pytest.raises(Refused) as taken:  # one interest at a time past the host's step
        rules.answer(a, bo, [ada], Step.HOST, True, PARTIES, TODAY)
    assert taken.value.code == "taken"
    approved = rules.answer(a, ada, [bo], Step.HOME, True, PARTIES, TODAY)
    [ada] = approved.interests
    assert [(letter.kind, letter.to) for letter in approved.letters] == [
        ("exchange_confirm", "ada@csn.se")
    ]
    agreed = rules.answer(a, ada, [bo], Step.PERSON, True, PARTIES, TODAY)
    assert agreed.assignment is not None and agreed.assignment.state is AssignmentState.AGREED
    states = {i.email: i.state for i in agreed.interests}
    assert states == {"ada@csn.se": InterestState.AGREED, "bo@csn.se": InterestState.CLOSED}
    kinds = sorted((letter.kind, letter.to) for letter in agreed.letters)
    assert kinds == [
        ("exchange_agreed", "a@spv.se"),
        ("exchange_agreed", "ada@csn.se"),
        ("exchange_agreed", "b@spv.se"),
        ("exchange_agreed", "c@csn.se"),
        ("exchange_closed", "bo@csn.se"),
    ]
    [event] = agreed.events
    assert event.email == "ada@csn.se" and event.home == "csn" and event.host == "spv"


def test_a_step_answered_or_not_yet_due_refuses_its_link():
    a = assignment()
    [ada] = interested(a).interests
    with pytest.raises(Refused) as early:
        rules.answer(a, ada, [], Step.PERSON, True, PARTIES, TODAY)
    assert early.value.code == "answered"
    [ada] = rules.answer(a, ada, [], Step.HOST, True, PARTIES, TODAY).interests
    with pytest.raises(Refused) as again:
        rules.answer(a, ada, [], Step.HOST, True, PARTIES, TODAY)
    assert again.value.code == "answered"


@pytest.mark.parametrize(
    ("step", "told"),
    [
        (Step.HOST, ["ada@csn.se"]),
        (Step.HOME, ["a@spv.se", "ada@csn.se", "b@spv.se"]),
        (Step.PERSON, ["a@spv.se", "b@spv.se", "c@csn.se"]),
    ],
)
def test_a_no_ends_the_interest_and_tells_the_others_who_know_of_it(step, told):
    a = assignment()
    [ada] = interested(a).interests
    for earlier in (Step.HOST, Step.HOME, Step.PERSON):
        if earlier is step:
            break
        [ada] = rules.answer(a, ada, [], earlier, True, PARTIES, TODAY).interests
    outcome = rules.answer(a, ada, [], step, False, PARTIES, TODAY)
    [ended] = outcome.interests
    assert ended.state is InterestState.DECLINED and ended.declined_step is step
    assert sorted(letter.to for letter in outcome.letters) == told
    assert {letter.context["by"] for letter in outcome.letters} == {step.value}
    assert outcome.assignment is None  # the assignment stays open for others


def test_closing_tells_everyone_still_waiting_and_nobody_whose_interest_ended():
    a = assignment()
    [ada] = interested(a).interests
    [bo] = interested(a, "bo@csn.se").interests
    [bo] = rules.answer(a, bo, [], Step.HOST, False, PARTIES, TODAY).interests
    outcome = rules.close(a, [ada, bo], lambda _: PARTIES, "closed")
    assert outcome.assignment is not None and outcome.assignment.state is AssignmentState.CLOSED
    assert [(i.email, i.state) for i in outcome.interests] == [("ada@csn.se", InterestState.CLOSED)]
    [letter] = outcome.letters
    assert (letter.kind, letter.to, letter.context["because"]) == (
        "exchange_closed",
        "ada@csn.se",
        "closed",
    )


def test_working_days_skip_weekends_public_holidays_and_the_eves():
    assert rules.working_days_between(date(2027, 1, 4), date(2027, 1, 8)) == 3  # 6th: Epiphany
    assert rules.working_days_between(date(2027, 1, 8), date(2027, 1, 11)) == 1  # a weekend
    # 23 December 2026 to 4 January 2027: 28, 29, 30 December and 4 January (the eves are off).
    assert rules.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 4
    # Midsummer 2027: the eve is Friday 25 June.
    assert rules.working_days_between(date(2027, 6, 24), date(2027, 6, 28)) == 1
    assert rules.working_days_between(date(2027, 1, 8), date(2027, 1, 8)) == 0


def test_a_step_is_reminded_once_after_five_working_days():
    a = assignment()
    [ada] = interested(a).interests  # waiting since Monday 4 January
    assert not rules.reminder_due(ada, date(2027, 1, 8))
    assert not rules.reminder_due(ada, date(2027, 1, 11))  # four working days (6th is a holiday)
    assert rules.reminder_due(ada, date(2027, 1, 12))
    outcome = rules.remind(a, ada, PARTIES)
    [reminded] = outcome.interests
    assert [letter.to for letter in outcome.letters] == ["a@spv.se", "b@spv.se"]
    assert {letter.context["step"] for letter in outcome.letters} == {"host"}
    assert not rules.reminder_due(reminded, date(2027, 1, 20))
