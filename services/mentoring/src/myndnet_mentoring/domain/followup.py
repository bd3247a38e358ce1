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


def figures(
    pairs: Sequence[Pair],
    answers: Sequence[Answer],
    waiting: Sequence[tuple[str, str, str | None]],
    today: date,
) -> dict[str, Any]:
    """`waiting`: (agency, person_id, why) of managers waiting for a mentor."""
    met = {a.match_id for a in answers if a.met}
    answered = {a.match_id for a in answers}
    per_agency: dict[str, dict[str, int]] = {}
    for p in pairs:
        per_agency.setdefault(p.mentor_agency, {"mentors_given": 0, "mentors_received": 0})
        per_agency.setdefault(p.manager_agency, {"mentors_given": 0, "mentors_received": 0})
        per_agency[p.mentor_agency]["mentors_given"] += 1
        per_agency[p.manager_agency]["mentors_received"] += 1
    return {
        "as_of": today.isoformat(),
        "pairs": len(pairs),
        "live": sum(p.status == "accepted" for p in pairs),
        "completed": sum(p.close_reason == "completed" for p in pairs),
        "ended_early": sum(p.status == "ended" and p.close_reason != "completed" for p in pairs),
        "pairs_answering_checkins": len(answered),
        "share_met": round(len(met) / len(answered), 3) if answered else None,
        "mean_satisfaction": round(fmean(a.satisfaction for a in answers), 2) if answers else None,
        "checkin_answers": len(answers),
        "not_met_by_month_3": not_met(pairs, answers, today),
        "agencies": [{"agency": a, **n} for a, n in sorted(per_agency.items())],
        "waiting": [{"agency": a, "person_id": p, "why": w} for a, p, w in waiting],
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
        writer.writerow(["mentors_given", row["agency"], row["mentors_given"]])
        writer.writerow(["mentors_received", row["agency"], row["mentors_received"]])
    return out.getvalue()
