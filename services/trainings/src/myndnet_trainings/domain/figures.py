"""The coordinator's figures, and how they are written as CSV."""

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EVER = (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC))
FIGURE_COLUMNS = ("agency", "kind", "seats_offered", "seats_used", "attended", "waitlisted")


@dataclass(frozen=True)
class AgencyFigures:
    """One agency's seats on the sessions of one kind of course (sessions not cancelled)."""

    agency: str
    kind: str
    seats_offered: int
    seats_used: int
    attended: int
    waitlisted: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def figures_csv(rows: list[AgencyFigures]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, FIGURE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # A spreadsheet would run a cell that begins with = + - @ as a formula.
        writer.writerow({k: _cell(v) for k, v in row.as_dict().items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and re.match(r"[=+\-@]", value) else value
