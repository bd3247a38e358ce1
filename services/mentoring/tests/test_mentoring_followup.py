"""The programme's follow-up as plain rules: reminders, check-ins, erasure, figures."""

from datetime import date

import pytest
from myndnet_mentoring.domain.followup import (
    Answer,
    Checkin,
    CheckinInvalid,
    Pair,
    Waiting,
    checkins_due,
    erasure_due,
    figures,
    figures_csv,
    mail_language,
    missed_checkins,
    reminder_due,
)


def test_a_reminder_is_due_three_days_before_the_answer_date_once():
    respond_by = date(2026, 12, 14)
    assert not reminder_due(respond_by, None, date(2026, 12, 10))
    assert reminder_due(respond_by, None, date(2026, 12, 11))
    assert reminder_due(respond_by, None, date(2026, 12, 14))
    assert not reminder_due(respond_by, None, date(2026, 12, 15))  # expired instead
    assert not reminder_due(respond_by, date(2026, 12, 11), date(2026, 12, 12))


def test_check_ins_fall_due_at_one_three_six_and_twelve_months_each_once():
    accepted = date(2026, 1, 31)
    assert checkins_due(accepted, [], date(2026, 2, 27)) == []
    assert checkins_due(accepted, [], date(2026, 2, 28)) == [1]  # the month's last day
    assert checkins_due(accepted, [1], date(2026, 4, 30)) == [3]
    assert checkins_due(accepted, [], date(2027, 1, 31)) == [1, 3, 6, 12]
    assert checkins_due(accepted, [1, 3, 6, 12], date(2028, 1, 1)) == []


def test_personal_data_goes_24_months_after_the_end():
    assert not erasure_due(date(2026, 3, 1), date(2028, 2, 29))
    assert erasure_due(date(2026, 3, 1), date(2028, 3, 1))


def test_a_mail_is_english_only_for_someone_without_swedish():
    assert mail_language(["en"]) == "en"
    assert mail_language(["sv", "en"]) == "sv" and mail_language([]) == "sv"


def test_a_check_in_refuses_what_cannot_be_true():
    with pytest.raises(CheckinInvalid):
        Checkin(met=True, meetings=1, satisfaction=6)
    with pytest.raises(CheckinInvalid):
        Checkin(met=False, meetings=2, satisfaction=3)
    assert Checkin(met=False, meetings=0, satisfaction=2).satisfaction == 2


def test_the_figures_count_pairs_meetings_satisfaction_and_agencies():
    pairs = [
        Pair("m1", "csn", "skv", date(2026, 1, 10), "accepted", None),
        Pair("m2", "skv", "csn", date(2026, 1, 10), "accepted", None),
        Pair("m3", "csn", "tull", date(2025, 1, 10), "ended", "completed"),
        Pair("m4", "csn", "tull", date(2025, 6, 1), "ended", "mentor_withdrawn"),
    ]
    answers = [
        Answer("m1", 1, True, 4),
        Answer("m1", 1, True, 5),
        Answer("m2", 1, False, 2),
    ]
    waiting = [Waiting("digg", "d-1", "no mentor", date(2026, 3, 2))]
    summary = figures(pairs, answers, waiting, date(2026, 5, 1))
    assert summary["pairs"] == 4 and summary["live"] == 2
    assert summary["completed"] == 1 and summary["ended_early"] == 1
    assert summary["share_met"] == 0.5  # of the two pairs that answered, one has met
    assert summary["mean_satisfaction"] == 3.67
    assert summary["not_met_by_month_3"] == ["m2"]
    agencies = {a["agency"]: a for a in summary["agencies"]}
    assert agencies["csn"] == {
        "agency": "csn",
        "pairs": 3,
        "share_met": 1.0,  # m1 answered and met; m3 and m4 never answered
        "mean_satisfaction": 4.5,
        "mentors_given": 1,
        "mentors_received": 3,
    }
    assert agencies["skv"]["share_met"] == 0.0 and agencies["skv"]["mean_satisfaction"] == 2
    assert agencies["tull"]["mentors_given"] == 2 and agencies["tull"]["pairs"] == 0
    assert summary["matrix"] == [
        {"mentor_agency": "csn", "manager_agency": "skv", "pairs": 1},
        {"mentor_agency": "skv", "manager_agency": "csn", "pairs": 1},
        {"mentor_agency": "tull", "manager_agency": "csn", "pairs": 2},
    ]
    assert summary["waiting"] == [
        {"agency": "digg", "person_id": "d-1", "why": "no mentor", "since": "2026-03-02"}
    ]
    csv_text = figures_csv(summary)
    assert "pairs,,4" in csv_text and "mentors_received,csn,3" in csv_text
    assert "pairs,csn,3" in csv_text


def test_the_figures_of_a_period_count_the_pairs_accepted_in_it():
    pairs = [
        Pair("m1", "csn", "skv", date(2026, 1, 10), "accepted", None),
        Pair("m2", "skv", "csn", date(2025, 3, 10), "accepted", None),
    ]
    answers = [Answer("m1", 1, True, 4), Answer("m2", 1, False, 1)]
    period = (date(2026, 1, 1), date(2026, 1, 31))
    summary = figures(pairs, answers, [], date(2026, 5, 1), period)
    assert summary["pairs"] == 1 and summary["from"] == "2026-01-01"
    assert summary["share_met"] == 1.0 and summary["mean_satisfaction"] == 4
    assert summary["matrix"] == [{"mentor_agency": "skv", "manager_agency": "csn", "pairs": 1}]
    # what needs attention is of every live pair: m2, accepted before the period, has not met
    assert summary["not_met_by_month_3"] == ["m2"]


def test_a_checkin_not_answered_when_its_answer_time_is_over_is_missed():
    pairs = [
        Pair("m1", "csn", "skv", date(2026, 1, 10), "accepted", None),
        Pair("m2", "skv", "csn", date(2026, 1, 10), "ended", "completed"),
    ]
    # month 1's answer time ends 2026-03-10 (28 days after 2026-02-10)
    assert missed_checkins(pairs, [], date(2026, 3, 10)) == []
    missed = missed_checkins(pairs, [], date(2026, 3, 11))
    assert missed == [
        {
            "match_id": "m1",
            "manager_agency": "csn",
            "mentor_agency": "skv",
            "month": 1,
            "answer_by": "2026-03-10",
        }
    ]
    # one answer (of either of the two) is enough
    assert missed_checkins(pairs, [Answer("m1", 1, True, 4)], date(2026, 3, 11)) == []
