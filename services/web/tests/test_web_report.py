"""The console's report and attention list without servers: the services' figures side by
side, the CSV, the bars, and what needs a coordinator's attention."""

import csv
import io
from datetime import date

from myndnet_web.domain.attention import agency_of_entry, attention, visible_to
from myndnet_web.domain.report import Period, report, report_csv

TODAY = date(2026, 12, 7)
AGENCIES = [
    {"code": "skv", "name": "Skatteverket", "email_domains": ["skatteverket.se"]},
    {"code": "csn", "name": "CSN", "email_domains": ["csn.se"]},
    {"code": "tull", "name": "=Tullverket", "email_domains": []},
]
FIGURES = {
    "vacancies": {
        "agencies": [
            {
                "agency": "csn",
                "published": 4,
                "open_now": 2,
                "median_days_open": 12.5,
                "last_change_at": "2026-12-06T09:00:00+00:00",
            },
            {
                "agency": "skv",
                "published": 0,
                "open_now": 1,
                "median_days_open": None,
                "last_change_at": "2026-11-01T09:00:00+00:00",
            },
            {
                "agency": "gone",
                "published": 9,
                "open_now": 0,
                "median_days_open": 3.0,
                "last_change_at": None,
            },
        ],
        "network": {
            "published": 13,
            "open_now": 3,
            "median_days_open": 9.0,
            "last_change_at": None,
        },
    },
    "notify": {
        "agencies": [{"agency": "csn", "alerts_sent": 7, "searches_matched": 3}],
        "network": {"alerts_sent": 7, "searches_matched": 3},
    },
    "mentoring": {
        "pairs": 2,
        "share_met": 0.5,
        "mean_satisfaction": 4.25,
        "agencies": [
            {
                "agency": "csn",
                "pairs": 1,
                "share_met": 1.0,
                "mean_satisfaction": 4.5,
                "mentors_given": 1,
                "mentors_received": 1,
            },
            {
                "agency": "skv",
                "pairs": 1,
                "share_met": 0.0,
                "mean_satisfaction": 4.0,
                "mentors_given": 1,
                "mentors_received": 1,
            },
        ],
        "matrix": [
            {"mentor_agency": "csn", "manager_agency": "skv", "pairs": 1},
            {"mentor_agency": "skv", "manager_agency": "csn", "pairs": 1},
        ],
        "waiting": [
            {"agency": "tull", "person_id": "t1", "why": None, "since": "2026-10-01"},
            {"agency": "tull", "person_id": "t2", "why": None, "since": "2026-12-01"},
        ],
        "missed_checkins": [
            {
                "match_id": "m1",
                "manager_agency": "csn",
                "mentor_agency": "skv",
                "month": 1,
                "answer_by": "2026-11-30",
            }
        ],
    },
    "trainings": [
        {
            "agency": "csn",
            "kind": "it",
            "seats_offered": 4,
            "seats_used": 3,
            "attended": 2,
            "waitlisted": 0,
        },
        {
            "agency": "csn",
            "kind": "leadership",
            "seats_offered": 2,
            "seats_used": 1,
            "attended": 1,
            "waitlisted": 1,
        },
        {
            "agency": "skv",
            "kind": "it",
            "seats_offered": 1,
            "seats_used": 0,
            "attended": 0,
            "waitlisted": 0,
        },
    ],
}
PERIOD = Period(date(2025, 12, 8), TODAY)


def test_the_period_is_the_last_12_months_unless_asked_and_a_wrong_one_is_said():
    assert Period.asked("", "", TODAY) == (PERIOD, {})
    assert Period.asked("2026-01-01", "2026-06-30", TODAY)[0] == Period(
        date(2026, 1, 1), date(2026, 6, 30)
    )
    assert Period.asked("1 jan", "", TODAY)[1] == {"from": "report_date_invalid"}
    assert Period.asked("2026-02-01", "2026-01-01", TODAY)[1] == {"to": "report_period_backwards"}
    assert Period.asked("2020-01-01", "2026-01-01", TODAY)[1] == {"from": "report_period_too_long"}
    assert Period.asked("", "", date(2028, 2, 29))[0].first == date(2027, 3, 1)


def test_a_row_per_agency_and_one_for_the_network_with_each_service_s_own_figures():
    shown = report(PERIOD, AGENCIES, FIGURES)
    assert [r.name for r in shown.rows] == ["=Tullverket", "CSN", "Skatteverket"]
    csn = next(r for r in shown.rows if r.code == "csn").values
    assert (csn["vacancies_published"], csn["vacancies_open"], csn["median_days_open"]) == (
        4,
        2,
        12.5,
    )
    assert (csn["alerts_sent"], csn["searches_matched"]) == (7, 3)
    assert (csn["mentoring_pairs"], csn["mentoring_share_met"]) == (1, 1.0)
    # trainings' kinds added up
    assert (csn["training_seats_offered"], csn["training_seats_used"]) == (6, 4)
    assert csn["training_attended"] == 3
    tull = next(r for r in shown.rows if r.code == "tull").values
    assert tull["vacancies_published"] == 0 and tull["median_days_open"] is None
    network = shown.network.values
    assert network["vacancies_published"] == 13  # the agency that left is in the network's
    assert network["mentoring_pairs"] == 2 and network["training_seats_offered"] == 7
    assert shown.matrix[0] == {"mentor": "CSN", "manager": "Skatteverket", "pairs": 1}
    assert shown.missing == []


def test_a_service_that_did_not_answer_leaves_its_columns_empty_and_is_named():
    shown = report(PERIOD, AGENCIES, {**FIGURES, "notify": None})
    assert shown.missing == ["notify"]
    assert all(r.values["alerts_sent"] is None for r in [*shown.rows, shown.network])
    assert shown.network.values["vacancies_open"] == 3


def test_the_csv_has_the_same_figures_a_row_per_agency_and_one_for_the_network():
    text = report_csv(report(PERIOD, AGENCIES, FIGURES), "Hela nätverket")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["agency"] for r in rows] == ["tull", "csn", "skv", "network"]
    assert rows[0]["name"] == "'=Tullverket"  # no formula in a spreadsheet
    assert rows[1]["alerts_sent"] == "7" and rows[1]["median_days_open"] == "12.5"
    assert rows[0]["median_days_open"] == "" and rows[3]["name"] == "Hela nätverket"
    assert rows[3]["from"] == "2025-12-08" and rows[3]["to"] == "2026-12-07"


def test_the_bars_are_shares_of_the_longest_and_leave_out_agencies_with_nothing():
    bars = report(PERIOD, AGENCIES, FIGURES).bars(("vacancies_published", "vacancies_open"))
    assert [b["name"] for b in bars] == ["CSN", "Skatteverket"]
    assert bars[0]["shares"] == [1.0, 0.5] and bars[1]["shares"] == [0.0, 0.25]
    assert bars[0]["values"] == [("vacancies_published", 4), ("vacancies_open", 2)]


def test_what_needs_attention_and_who_sees_it():
    dlq = {
        "vacancies": [
            {"id": 1, "topic": "hr.skv.vacancies", "key": "x"},
            {"id": 2, "topic": "membership.agencies", "key": "csn"},
            {"id": 3, "topic": "membership.agencies", "key": None},
        ]
    }
    bounced = [{"email": "bo@csn.se", "since": "2026-12-01T10:00:00+00:00", "kind": "work"}]
    items = attention(
        AGENCIES,
        TODAY,
        vacancies=FIGURES["vacancies"],
        mentoring=FIGURES["mentoring"],
        dlq=dlq,
        bounced=bounced,
    )
    kinds = [(i.kind, i.agency) for i in items]
    assert ("silent_feed", "skv") in kinds and ("silent_feed", "tull") in kinds
    assert ("silent_feed", "csn") not in kinds  # news yesterday
    assert ("dlq", "skv") in kinds and ("dlq", "csn") in kinds and ("dlq", None) in kinds
    waiting = next(i for i in items if i.kind == "waiting")
    assert (waiting.agency, waiting.values["count"]) == ("tull", 1)  # t2 waits 6 days only
    missed = next(i for i in items if i.kind == "missed_checkin")
    assert missed.agency == "csn" and missed.values["mentor_agency"] == "Skatteverket"
    assert next(i for i in items if i.kind == "bounced").agency == "csn"
    mine = visible_to(items, False, ("csn",))
    assert {i.agency for i in mine} == {"csn"}
    assert len(visible_to(items, True, ())) == len(items)
    skv_silent = next(i for i in items if i.kind == "silent_feed" and i.agency == "skv")
    assert skv_silent.values["since"] == date(2026, 11, 1)


def test_a_dead_letter_is_an_agency_s_by_its_topic_or_key():
    names = {"skv": "Skatteverket", "csn": "CSN"}
    assert agency_of_entry({"topic": "hr.skv.exchange", "key": "a/b"}, names) == "skv"
    assert agency_of_entry({"topic": "vacancies.events", "key": "csn/V1"}, names) == "csn"
    assert agency_of_entry({"topic": "hr.zzz.vacancies", "key": None}, names) is None


def test_outreach_s_figures_are_a_row_s_events_seats_and_campaigns_and_the_network_s():
    agencies = [{"code": "csn", "name": "CSN"}, {"code": "skv", "name": "Skatteverket"}]
    outreach = {
        "agencies": [
            {"agency": "csn", "open_events": 2, "event_seats_taken": 30, "campaigns": 1},
            {"agency": "gone", "open_events": 9, "event_seats_taken": 9, "campaigns": 9},
        ],
        "network": {"open_events": 2, "event_seats_taken": 30, "campaigns": 1},
    }
    period = Period(date(2027, 1, 1), date(2027, 12, 31))
    shown = report(period, agencies, {"outreach": outreach})
    rows = {r.code: r.values for r in shown.rows}
    assert rows["csn"]["open_events"] == 2 and rows["csn"]["event_seats_taken"] == 30
    assert rows["skv"]["campaigns"] == 0
    assert shown.network.values["campaigns"] == 1
    missing = report(period, agencies, {"outreach": None})
    assert missing.missing == ["outreach"] and missing.network.values["open_events"] is None


def test_exchange_s_figures_are_assignments_per_host_and_the_moves_each_way():
    agencies = [
        {"code": "csn", "name": "CSN"},
        {"code": "spv", "name": "SPV"},
        {"code": "skv", "name": "Skatteverket"},
    ]
    exchange = {
        "agencies": [{"agency": "spv", "posted": 3, "agreed": 2}],
        "network": {"posted": 3, "agreed": 2},
        "moves": [
            {"period": "2027-02", "from": "csn", "to": "spv", "count": 1},
            {"period": "2027-03", "from": "skv", "to": "spv", "count": 1},
        ],
    }
    shown = report(Period(date(2027, 1, 1), date(2027, 12, 31)), agencies, {"exchange": exchange})
    rows = {r.code: r.values for r in shown.rows}
    assert (rows["spv"]["assignments_posted"], rows["spv"]["assignments_agreed"]) == (3, 2)
    assert (rows["spv"]["staff_received"], rows["spv"]["staff_lent"]) == (2, 0)
    assert (rows["csn"]["staff_lent"], rows["skv"]["staff_lent"]) == (1, 1)
    assert shown.network.values["staff_lent"] == shown.network.values["staff_received"] == 2
    assert [(m["from"], m["to"]) for m in shown.moves] == [("CSN", "SPV"), ("Skatteverket", "SPV")]
    assert "assignments_agreed" in report_csv(shown, "Nätverket").splitlines()[0]
