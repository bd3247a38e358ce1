"""What the programme does as time passes and people answer: reminders before the answer date,
check-ins 1, 3, 6 and 12 months after acceptance, pairs that have not met by month 3, erasure
24 months after a programme ends, and the figures the coordinator follows. Plain Python."""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any

from myndnet_kit.links import MENTORING_ANSWER, MENTORING_CHECKIN

from myndnet_mentoring.domain.match import add_months

REMINDER_DAYS_BEFORE = 3
CHECKIN_MONTHS = (1, 3, 6, 12)
CHECKIN_ANSWER_DAYS = 28
NOT_MET_BY_MONTH = 3
ERASED_AFTER_MONTHS = 24
ANSWER_LINK = MENTORING_ANSWER
CHECKIN_LINK = MENTORING_CHECKIN


class CheckinInvalid(ValueError):
    pass


def mail_language(languages: Sequence[str]) -> str:
    """Swedish, unless the person gave English and not Swedish."""
    return "en" if "en" in languages and "sv" not in languages else "sv"


def reminder_due(respond_by: date, reminded_on: date | None, today: date) -> bool:
    return (
        reminded_on is None and respond_by - timedelta(REMINDER_DAYS_BEFORE) <= today <= respond_by
    )


def checkins_due(accepted_on: date, announced: Iterable[int], today: date) -> list[int]:
    """The check-in months reached by `today` that were not announced yet, in order."""
    done = set(announced)
    return [m for m in CHECKIN_MONTHS if m not in done and add_months(accepted_on, m) <= today]


def checkin_answer_by(accepted_on: date, month: int) -> date:
    return add_months(accepted_on, month) + timedelta(CHECKIN_ANSWER_DAYS)


def erasure_due(closed_on: date, today: date) -> bool:
    return add_months(closed_on, ERASED_AFTER_MONTHS) <= today


@dataclass(frozen=True)
class Checkin:
    met: bool
    meetings: int
    satisfaction: int
    comment: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.satisfaction <= 5:
            raise CheckinInvalid("satisfaction is from 1 (poor) to 5 (very good)")
        if not 0 <= self.meetings <= 500:
            raise CheckinInvalid("meetings so far: a number from 0")
        if not self.met and self.meetings:
            raise CheckinInvalid("meetings were counted, but you answered that you have not met")
        if self.comment is not None and len(self.comment) > 2000:
            raise CheckinInvalid("the comment is longer than 2,000 characters")


@dataclass(frozen=True)
class Pair:
    """An accepted match as the figures see it."""

    match_id: str
    manager_agency: str
    mentor_agency: str
    accepted_on: date
    status: str  # accepted, ended
    close_reason: str | None


@dataclass(frozen=True)
class Answer:
    match_id: str
    month: int
    met: bool
    satisfaction: int


def not_met(pairs: Sequence[Pair], answers: Sequence[Answer], today: date) -> list[str]:
    """Live pairs past month 3 of which no answer says they have met."""
    met = {a.match_id for a in answers if a.met}
    return [
        p.match_id
        for p in pairs
        if p.status == "accepted"
        and add_months(p.accepted_on, NOT_MET_BY_MONTH) <= today
        and p.match_id not in met
    ]


@dataclass(frozen=True)
class Waiting:
    """A manager waiting for a mentor, since when, and why the last round left them so."""

    agency: str
    person_id: str
    why: str | None
    since: date


MISSED_AFTER_DAYS = CHECKIN_ANSWER_DAYS


def missed_checkins(
    pairs: Sequence[Pair], answers: Sequence[Answer], today: date
) -> list[dict[str, Any]]:
    """Live pairs with a check-in whose answer time has passed and from whom no answer came
    for that month."""
    answered = {(a.match_id, a.month) for a in answers}
    missed = []
    for p in pairs:
        if p.status != "accepted":
            continue
        for month in CHECKIN_MONTHS:
            if (
                checkin_answer_by(p.accepted_on, month) < today
                and (
                    p.match_id,
                    month,
                )
                not in answered
            ):
                missed.append(
                    {
                        "match_id": p.match_id,
                        "manager_agency": p.manager_agency,
                        "mentor_agency": p.mentor_agency,
                        "month": month,
                        "answer_by": checkin_answer_by(p.accepted_on, month).isoformat(),
                    }
                )
    return missed


def _share_met(pairs: Sequence[Pair], answers: Sequence[Answer]) -> float | None:
    ids = {p.match_id for p in pairs}
    answered = {a.match_id for a in answers if a.match_id in ids}
    met = {a.match_id for a in answers if a.match_id in ids and a.met}
    return round(len(met) / len(answered), 3) if answered else None


def _mean_satisfaction(pairs: Sequence[Pair], answers: Sequence[Answer]) -> float | None:
    ids = {p.match_id for p in pairs}
    given = [a.satisfaction for a in answers if a.match_id in ids]
    return round(fmean(given), 2) if given else None


def figures(
    pairs: Sequence[Pair],
    answers: Sequence[Answer],
    waiting: Sequence[Waiting],
    today: date,
    period: tuple[date, date] | None = None,
) -> dict[str, Any]:
    """The programme's figures; with `period` (first and last day), of the pairs accepted in
    it. Per agency: pairs of its managers, the share of those that have met and their mean
    satisfaction, mentors given and received; the matrix of whose mentors serve whose
    managers. What needs attention (waiting managers, missed check-ins, pairs not met by month
    3) is of every live pair, whatever the period."""
    everything = pairs
    if period is not None:
        pairs = [p for p in pairs if period[0] <= p.accepted_on <= period[1]]
    ids = {p.match_id for p in pairs}
    answers_in = [a for a in answers if a.match_id in ids]
    per_agency: dict[str, list[Pair]] = {}
    for p in pairs:
        per_agency.setdefault(p.mentor_agency, [])
        per_agency.setdefault(p.manager_agency, []).append(p)
    matrix: dict[tuple[str, str], int] = {}
    for p in pairs:
        matrix[(p.mentor_agency, p.manager_agency)] = (
            matrix.get((p.mentor_agency, p.manager_agency), 0) + 1
        )
    agencies = [
        {
            "agency": agency,
            "pairs": len(own),
            "share_met": _share_met(own, answers_in),
            "mean_satisfaction": _mean_satisfaction(own, answers_in),
            "mentors_given": sum(p.mentor_agency == agency for p in pairs),
            "mentors_received": len(own),
        }
        for agency, own in sorted(per_agency.items())
    ]
    return {
        "as_of": today.isoformat(),
        "from": period[0].isoformat() if period else None,
        "to": period[1].isoformat() if period else None,
        "pairs": len(pairs),
        "live": sum(p.status == "accepted" for p in pairs),
        "completed": sum(p.close_reason == "completed" for p in pairs),
        "ended_early": sum(p.status == "ended" and p.close_reason != "completed" for p in pairs),
        "pairs_answering_checkins": len({a.match_id for a in answers_in}),
        "share_met": _share_met(pairs, answers_in),
        "mean_satisfaction": _mean_satisfaction(pairs, answers_in),
        "checkin_answers": len(answers_in),
        "not_met_by_month_3": not_met(everything, answers, today),
        "agencies": agencies,
        "matrix": [
            {"mentor_agency": mentor, "manager_agency": manager, "pairs": n}
            for (mentor, manager), n in sorted(matrix.items())
        ],
        "waiting": [
            {
                "agency": w.agency,
                "person_id": w.person_id,
                "why": w.why,
                "since": w.since.isoformat(),
            }
            for w in waiting
        ],
        "missed_checkins": missed_checkins(everything, answers, today),
    }


def figures_csv(summary: dict[str, Any]) -> str:
    """The figures as one CSV: the programme's totals, then a row per agency."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "agency", "value"])
    for name in (
        "pairs",
        "live",
        "completed",
        "ended_early",
        "pairs_answering_checkins",
        "share_met",
        "mean_satisfaction",
        "checkin_answers",
    ):
        writer.writerow([name, "", "" if summary[name] is None else summary[name]])
    writer.writerow(["not_met_by_month_3", "", len(summary["not_met_by_month_3"])])
    writer.writerow(["managers_waiting", "", len(summary["waiting"])])
    for row in summary["agencies"]:
        writer.writerow(["pairs", row["agency"], row["pairs"]])
        writer.writerow(["mentors_given", row["agency"], row["mentors_given"]])
        writer.writerow(["mentors_received", row["agency"], row["mentors_received"]])
    return out.getvalue()
