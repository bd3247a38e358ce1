"""The network at a glance for a period: the services' own figures gathered into a row per
agency and one for the network, the CSV of the same rows, and the bars of the charts. Plain
Python; the figures are the services', only put side by side here."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# The report's columns, in order: (name, where it comes from).
MEASURES = (
    ("vacancies_published", "vacancies"),
    ("vacancies_open", "vacancies"),
    ("median_days_open", "vacancies"),
    ("searches_matched", "notify"),
    ("alerts_sent", "notify"),
    ("mentoring_pairs", "mentoring"),
    ("mentoring_share_met", "mentoring"),
    ("mentoring_satisfaction", "mentoring"),
    ("mentors_given", "mentoring"),
    ("mentors_received", "mentoring"),
    ("training_seats_offered", "trainings"),
    ("training_seats_used", "trainings"),
    ("training_attended", "trainings"),
    ("open_events", "outreach"),
    ("event_seats_taken", "outreach"),
    ("campaigns", "outreach"),
    ("assignments_posted", "exchange"),
    ("assignments_agreed", "exchange"),
    ("staff_lent", "exchange"),
    ("staff_received", "exchange"),
)
NETWORK = "network"
LONGEST_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def asked(cls, first: str, last: str, today: date) -> tuple["Period", dict[str, str]]:
        """The period the form asks for (both days included); the last 12 months when nothing
        is asked. With what is wrong, the default period and the errors."""
        default = cls(a_year_before(today) + timedelta(days=1), today)
        errors: dict[str, str] = {}
        try:
            start = date.fromisoformat(first) if first.strip() else default.first
        except ValueError:
            errors["from"] = "report_date_invalid"
        try:
            end = date.fromisoformat(last) if last.strip() else default.last
        except ValueError:
            errors["to"] = "report_date_invalid"
        if errors:
            return default, errors
        if start > end:
            return default, {"to": "report_period_backwards"}
        if (end - start).days > LONGEST_PERIOD_DAYS:
            return default, {"from": "report_period_too_long"}
        return cls(start, end), {}


def a_year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


@dataclass
class Row:
    code: str  # an agency's code, or NETWORK
    name: str
    values: dict[str, float | int | None] = field(default_factory=dict)


@dataclass
class Report:
    period: Period
    rows: list[Row]
    network: Row
    matrix: list[dict[str, Any]]  # mentor_agency, manager_agency, pairs (names resolved)
    moves: list[dict[str, Any]]  # period (month), from, to, count: staff agreed to move
    missing: list[str]  # the services that did not answer: their columns are empty

    def bars(self, measures: tuple[str, ...]) -> list[dict[str, Any]]:
        """The agencies with any of `measures`, each measure's share of the longest bar."""
        shown = [r for r in self.rows if any(r.values.get(m) for m in measures)]
        top = max((r.values.get(m) or 0 for r in shown for m in measures), default=0)
        return [
            {
                "name": r.name,
                "values": [(m, r.values.get(m) or 0) for m in measures],
                "shares": [((r.values.get(m) or 0) / top if top else 0) for m in measures],
            }
            for r in shown
        ]


def report(
    period: Period,
    agencies: list[dict[str, Any]],
    figures: dict[str, Any],
) -> Report:
    """`agencies`: the current members (code, name); `figures`: each service's answer, None
    when it did not give one."""
    names = {a["code"]: a["name"] for a in agencies}
    rows = {code: Row(code, name) for code, name in names.items()}
    network = Row(NETWORK, "")

    def put(code: str, values: dict[str, Any]) -> None:
        if code in rows:
            rows[code].values.update(values)

    vacancies = figures.get("vacancies")
    if vacancies is not None:
        for a in vacancies["agencies"]:
            put(a["agency"], _vacancy_values(a))
        network.values.update(_vacancy_values(vacancies["network"]))
    notify = figures.get("notify")
    if notify is not None:
        for a in notify["agencies"]:
            put(a["agency"], _alert_values(a))
        network.values.update(_alert_values(notify["network"]))
    mentoring = figures.get("mentoring")
    if mentoring is not None:
        for a in mentoring["agencies"]:
            put(a["agency"], _mentoring_values(a))
        network.values.update(
            {
                "mentoring_pairs": mentoring["pairs"],
                "mentoring_share_met": mentoring["share_met"],
                "mentoring_satisfaction": mentoring["mean_satisfaction"],
                "mentors_given": mentoring["pairs"],
                "mentors_received": mentoring["pairs"],
            }
        )
    trainings = figures.get("trainings")
    if trainings is not None:
        for a in trainings:
            for code in (a["agency"], NETWORK):
                row = network if code == NETWORK else rows.get(code)
                if row is None:
                    continue
                for name, given in (
                    ("training_seats_offered", "seats_offered"),
                    ("training_seats_used", "seats_used"),
                    ("training_attended", "attended"),
                ):
                    row.values[name] = int(row.values.get(name) or 0) + a[given]
    outreach = figures.get("outreach")
    if outreach is not None:
        for a in outreach["agencies"]:
            put(a["agency"], {m: a[m] for m in ("open_events", "event_seats_taken", "campaigns")})
        network.values.update(outreach["network"])
    exchange = figures.get("exchange")
    moves: list[dict[str, Any]] = []
    if exchange is not None:
        for a in exchange["agencies"]:
            put(a["agency"], {"assignments_posted": a["posted"], "assignments_agreed": a["agreed"]})
        network.values.update(
            {
                "assignments_posted": exchange["network"]["posted"],
                "assignments_agreed": exchange["network"]["agreed"],
            }
        )
        for move in exchange["moves"]:
            for code, measure in ((move["from"], "staff_lent"), (move["to"], "staff_received")):
                for row in (rows.get(code), network):
                    if row is not None:
                        row.values[measure] = int(row.values.get(measure) or 0) + move["count"]
            moves.append(
                {
                    "period": move["period"],
                    "from": names.get(move["from"], move["from"]),
                    "to": names.get(move["to"], move["to"]),
                    "count": move["count"],
                }
            )
        # Each move counts once for the network, not once lent and once received.
        network.values["staff_lent"] = network.values["staff_received"] = sum(
            m["count"] for m in exchange["moves"]
        )
    missing = sorted(service for service, answer in figures.items() if answer is None)
    for row in [*rows.values(), network]:
        for name, service in MEASURES:
            if service not in missing:
                row.values.setdefault(name, None if _may_be_unknown(name) else 0)
            else:
                row.values[name] = None
    matrix = [
        {
            "mentor": names.get(m["mentor_agency"], m["mentor_agency"]),
            "manager": names.get(m["manager_agency"], m["manager_agency"]),
            "pairs": m["pairs"],
        }
        for m in (mentoring or {}).get("matrix", [])
    ]
    ordered = sorted(rows.values(), key=lambda r: r.name.casefold())
    return Report(period, ordered, network, matrix, moves, missing)


def _may_be_unknown(name: str) -> bool:
    """A median or a share of nothing is not a number."""
    return name in {"median_days_open", "mentoring_share_met", "mentoring_satisfaction"}


def _vacancy_values(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "vacancies_published": a["published"],
        "vacancies_open": a["open_now"],
        "median_days_open": a["median_days_open"],
    }


def _alert_values(a: dict[str, Any]) -> dict[str, Any]:
    return {"searches_matched": a["searches_matched"], "alerts_sent": a["alerts_sent"]}


def _mentoring_values(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "mentoring_pairs": a["pairs"],
        "mentoring_share_met": a["share_met"],
        "mentoring_satisfaction": a["mean_satisfaction"],
        "mentors_given": a["mentors_given"],
        "mentors_received": a["mentors_received"],
    }


def report_csv(report: Report, network_name: str) -> str:
    """A row per agency and one for the network; an empty cell where a figure is unknown (a
    median of nothing, or a service that did not answer)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["agency", "name", "from", "to", *(m for m, _ in MEASURES)])
    period = [report.period.first.isoformat(), report.period.last.isoformat()]
    for row in [*report.rows, Row(NETWORK, network_name, report.network.values)]:
        cells = [_cell(row.values.get(m)) for m, _ in MEASURES]
        writer.writerow([row.code, _safe(row.name), *period, *cells])
    return out.getvalue()


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _safe(text: str) -> str:
    """A spreadsheet would run a cell that begins with = + - @ as a formula."""
    return f"'{text}" if text[:1] in {"=", "+", "-", "@"} else text
