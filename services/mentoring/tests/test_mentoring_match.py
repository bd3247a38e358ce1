"""A match's transitions (plain Python, no servers)."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from myndnet_mentoring.domain.match import Actor, Match, MatchConflict, MatchStatus

AT = datetime(2026, 11, 27, 10, 0)
LATER = datetime(2026, 11, 28, 9, 0)


def proposed() -> Match:
    return Match(
        "m-1", ("csn", "P1"), ("skatteverket", "P2"), MatchStatus.PROPOSED, date(2026, 12, 11)
    )


def test_both_people_accept_and_the_programme_runs_for_its_months():
    once = proposed().accept(Actor.MANAGER, AT, 12)
    assert once.status is MatchStatus.PROPOSED and once.manager_accepted_at == AT
    assert once.accept(Actor.MANAGER, LATER, 12) == once  # the same person again changes nothing
    both = once.accept(Actor.MENTOR, LATER, 12)
    assert both.status is MatchStatus.ACCEPTED
    assert (both.accepted_at, both.ends_on) == (LATER, date(2027, 11, 28))


def test_an_operator_accepts_for_both():
    accepted = proposed().accept(Actor.OPERATOR, AT, 12)
    assert accepted.status is MatchStatus.ACCEPTED
    assert accepted.manager_accepted_at == accepted.mentor_accepted_at == AT


def test_a_month_end_start_ends_on_the_last_day_of_the_shorter_month():
    start = datetime(2026, 8, 31, 12, 0)
    assert proposed().accept(Actor.OPERATOR, start, 6).ends_on == date(2027, 2, 28)


def test_declined_or_expired_and_then_nothing_more():
    declined = proposed().decline("mentor", AT)
    assert (declined.status, declined.close_reason) == (MatchStatus.DECLINED, "mentor")
    assert proposed().decline("expiry", AT).status is MatchStatus.EXPIRED
    with pytest.raises(MatchConflict, match="only a proposed match can be accepted"):
        declined.accept(Actor.MANAGER, LATER, 12)
    with pytest.raises(MatchConflict, match="only a proposed match can be declined"):
        declined.decline("manager", LATER)
    with pytest.raises(MatchConflict):
        declined.end("completed", LATER)


def test_a_live_match_ends_once():
    ended = proposed().accept(Actor.OPERATOR, AT, 12).end("completed", LATER)
    assert (ended.status, ended.closed_at) == (MatchStatus.ENDED, LATER)
    with pytest.raises(MatchConflict):
        ended.end("completed", LATER)


steps = st.lists(
    st.sampled_from(["manager", "mentor", "operator", "decline", "expire", "end"]), max_size=8
)


@given(steps)
def test_whatever_happens_a_match_only_moves_forward(sequence):
    match = proposed()
    order = [MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.ENDED]
    for step in sequence:
        before = match
        try:
            if step in ("manager", "mentor", "operator"):
                match = match.accept(Actor(step), AT, 12)
            elif step == "decline":
                match = match.decline("manager", AT)
            elif step == "expire":
                match = match.decline("expiry", AT)
            else:
                match = match.end("completed", AT)
        except MatchConflict:
            assert match == before
            continue
        if before.status in order and match.status in order:
            assert order.index(match.status) >= order.index(before.status)
        else:
            assert before.status is MatchStatus.PROPOSED  # only a proposal is declined
        if match.status is MatchStatus.ACCEPTED:
            assert match.manager_accepted_at and match.mentor_accepted_at and match.ends_on
