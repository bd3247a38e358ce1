"""Test data: the contract's own examples (schemas/examples/), changed where a test needs to."""

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# -- test data: the contract's own examples (schemas/examples/), changed where a test needs to --

EXAMPLES = Path(__file__).resolve().parents[4] / "schemas" / "examples"


def example(event_type: str) -> dict[str, Any]:
    """The contract's example CloudEvent of a type, as a JSON document."""
    return json.loads((EXAMPLES / f"{event_type}.json").read_text())


def vacancy_data(
    vacancy_id: str = "CSN-2026-0142",
    revision: int = 1,
    *,
    today: date | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A vacancy.published payload as JSON data; with `today`, published three days before
    it and open for twenty days after it."""
    data = dict(example("se.myndnet.vacancy.published.v1")["data"])
    data.update(vacancy_id=vacancy_id, revision=revision)
    if today is not None:
        data["published_on"] = (today - timedelta(days=3)).isoformat()
        data["application_deadline"] = (today + timedelta(days=20)).isoformat()
    data.update(changes)
    return data


def vacancy(
    vacancy_id: str = "CSN-2026-0142",
    revision: int = 1,
    model: Any = None,
    *,
    today: date | None = None,
    **changes: Any,
) -> Any:
    """A vacancy snapshot (VacancyPublished, or `model`: VacancyUpdated), from the example."""
    from myndnet_schemas import VacancyPublished

    return (model or VacancyPublished)(**vacancy_data(vacancy_id, revision, today=today, **changes))
