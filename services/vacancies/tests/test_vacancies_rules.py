"""The register's rules, and the search's cursors, without servers."""

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import HTTPException
from myndnet_schemas import VacancyPublished, VacancyUpdated, VacancyWithdrawn
from myndnet_testing import vacancy
from myndnet_vacancies import api
from myndnet_vacancies.adapters import search as reader
from myndnet_vacancies.domain.register import CLOSED, OPEN, apply, close_all

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def snapshot(revision: int, model=VacancyPublished, vacancy_id="V-1", **changes):
    dates = {"published_on": "2026-03-01", "application_deadline": "2026-03-31"}
    return vacancy(vacancy_id, revision, model, **{**dates, **changes})


def withdrawal(revision: int, vacancy_id="V-1", reason="filled"):
    return VacancyWithdrawn(vacancy_id=vacancy_id, revision=revision, reason=reason)


def run(events, current=None, early=None):
    return apply(current or {}, early or {}, [("csn", e) for e in events], TODAY, NOW)


def kinds(outcome):
    return [type(a).__name__ for a in outcome.announcements]


def test_out_of_order_revisions_converge_on_the_highest():
    outcome = run([snapshot(2, title="Ny titel"), snapshot(1, VacancyUpdated), snapshot(2)])
    vacancy = outcome.changed[("csn", "V-1")]
    assert vacancy.revision == 2 and vacancy.fields.title == "Ny titel"
    assert outcome.stale == 2
    assert kinds(outcome) == ["VacancyOpened"]


def test_a_visible_change_is_announced_with_its_fields_and_a_no_op_update_is_not():
    first = run([snapshot(1)])
    current = dict(first.changed)
    noop = run([snapshot(2, VacancyUpdated)], current)
    assert kinds(noop) == []
    assert noop.changed[("csn", "V-1")].revision == 2
    change = run(
        [snapshot(3, VacancyUpdated, application_deadline="2026-04-15", remote="remote")],
        dict(noop.changed),
    )
    assert kinds(change) == ["VacancyChanged"]
    assert change.announcements[0].changed_fields == ["application_deadline", "remote"]


def test_withdrawal_closes_once_and_an_older_snapshot_cannot_reopen():
    outcome = run([snapshot(1), withdrawal(2), withdrawal(3, reason="cancelled"), snapshot(2)])
    vacancy = outcome.changed[("csn", "V-1")]
    assert vacancy.status == CLOSED and vacancy.closed_reason.value == "cancelled"  # newest wins
    assert kinds(outcome) == ["VacancyOpened", "VacancyClosed"]
    assert outcome.stale == 1
    reopened = run([snapshot(4)], dict(outcome.changed))
    assert kinds(reopened) == ["VacancyOpened"] and reopened.changed[("csn", "V-1")].status == OPEN


def test_a_withdrawal_before_the_vacancy_is_remembered():
    early = run([withdrawal(3)])
    assert early.early_withdrawals == {("csn", "V-1"): (3, withdrawal(3).reason)}
    stale = run([snapshot(2)], early=dict(early.early_withdrawals))
    assert stale.changed == {} and stale.stale == 1 and kinds(stale) == []
    newer = run([snapshot(4)], early=dict(early.early_withdrawals))
    assert kinds(newer) == ["VacancyOpened"]


def test_a_vacancy_past_its_deadline_never_opens_and_an_update_into_the_past_closes_it():
    late = run([snapshot(1, application_deadline="2026-03-09", published_on="2026-03-01")])
    assert kinds(late) == [] and late.changed[("csn", "V-1")].status == CLOSED
    opened = run([snapshot(1)])
    moved = run(
        [snapshot(2, VacancyUpdated, application_deadline="2026-03-09")], dict(opened.changed)
    )
    assert kinds(moved) == ["VacancyClosed"]
    assert moved.announcements[0].reason.value == "deadline_passed"


def test_the_deadline_day_itself_is_still_open():
    outcome = run([snapshot(1, application_deadline=TODAY.isoformat())])
    assert outcome.changed[("csn", "V-1")].status == OPEN


def test_close_all_closes_only_what_is_open():
    opened = run([snapshot(1, vacancy_id="A"), snapshot(1, vacancy_id="B"), withdrawal(2, "B")])
    closed, events = close_all(list(opened.changed.values()), "agency_left", NOW + timedelta(1))
    assert [v.fields.vacancy_id for v in closed] == ["A"]
    assert [e.reason for e in events] == ["agency_left"]


def test_a_query_s_words_become_title_patterns_longest_first_without_exclusions():
    from myndnet_vacancies.domain.search import title_patterns

    assert title_patterns("utvecklare") == ["%utvecklare%"]
    assert title_patterns('"Jurist förvaltningsrätten" -chef OR it') == [
        "%förvaltningsrätten%",
        "%jurist%",
    ]
    assert title_patterns("50% ab_cd") == ["%ab\\_cd%"]  # LIKE's own characters taken literally
    assert title_patterns(None) == [] and title_patterns("it hr") == []


def test_a_query_s_excluded_words_are_kept_apart():
    from myndnet_vacancies.domain.search import excluded_words

    assert excluded_words("utvecklare -tull") == "tull"
    assert excluded_words('jurist -"skatt" -chef') == "skatt OR chef"
    assert excluded_words("utvecklare") is None and excluded_words("-") is None


@pytest.mark.parametrize(
    "first",
    [[7, "2026-11-27"], ["x", "2026-11-27"], [1], [1, "igår"], [1, "2026-11-27", 3], None, "ord"],
)
def test_a_forged_search_cursor_is_refused_with_a_clear_error(first):
    filters = reader.Filters(q="utvecklare")
    document = [api._fingerprint(filters), first, "csn", "V-1"]
    forged = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    with pytest.raises(HTTPException) as refused:
        api.decode_cursor(filters, forged)
    assert refused.value.status_code == 422
    assert "cursor is not valid for this search" in refused.value.detail


def test_a_broad_search_cursor_reads_back_as_it_was_written():
    filters = reader.Filters(q="utvecklare")
    document = [api._fingerprint(filters), [0, "2026-11-27"], "csn", "V-1"]
    cursor = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    assert api.decode_cursor(filters, cursor) == ([0, "2026-11-27"], "csn", "V-1")


def test_a_vacancy_for_the_network_s_staff_keeps_its_visibility_and_a_change_of_it_is_told():
    staff_only = run([snapshot(1, visibility="network")])
    [opened] = staff_only.announcements
    assert opened.visibility.value == "network"
    made_public = run([snapshot(2, VacancyUpdated)], dict(staff_only.changed))
    assert kinds(made_public) == ["VacancyChanged"]
    assert made_public.announcements[0].changed_fields == ["visibility"]
    assert made_public.announcements[0].visibility.value == "public"
