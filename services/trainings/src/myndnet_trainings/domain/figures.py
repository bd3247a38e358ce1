"""The coordinator's figures as CSV."""

import csv
import io
import re
from typing import Any

FIGURE_COLUMNS = ("agency", "kind", "seats_offered", "seats_used", "attended", "waitlisted")


def figures_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, FIGURE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # A spreadsheet would run a cell that begins with = + - @ as a formula.
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and re.match(r"[=+\-@]", value) else value
