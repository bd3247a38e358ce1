"""Reading agencies' files: JSON Lines, CSV or JSON, one payload per line, numbers kept.

A `.json` file may also hold one payload or an array of them (numbered from 1), or whole
CloudEvents such as those in schemas/examples/.

CSV cells are text; they are turned into what each field expects: numbers, booleans
(true/false, ja/nej, yes/no, 1/0) and lists (values separated by ';'). An empty cell is an
absent field. A `type` column (or key) names the event; without it `default_type` applies.
"""

import csv
import io
import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from myndnet_schemas.errors import explain
from myndnet_schemas.events import EventData
from myndnet_schemas.events.inbound import LEADERSHIP_EVENTS, VACANCY_EVENTS

AGENCY_EVENTS: dict[str, type[EventData]] = {
    model.event_type: model for model in (*VACANCY_EVENTS, *LEADERSHIP_EVENTS)
}
SHORT_TYPES = {t.removeprefix("se.myndnet.").removesuffix(".v1"): t for t in AGENCY_EVENTS}
_TRUE = {"true", "ja", "yes", "1", "sant"}
_FALSE = {"false", "nej", "no", "0", "falskt"}


@dataclass(frozen=True)
class Line:
    number: int
    payload: EventData | None
    error: str | None = None


def resolve_type(name: str) -> type[EventData]:
    full = SHORT_TYPES.get(name, name)
    try:
        return AGENCY_EVENTS[full]
    except KeyError:
        known = ", ".join(sorted(SHORT_TYPES))
        raise ValueError(f"unknown event type {name!r}; use one of {known}") from None


def _base_type(annotation: Any) -> Any:
    """`int` for `Annotated[int, ...] | None`, `list` for `list[...]`."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(options[0]) if len(options) == 1 else str
    return origin or annotation


def _from_cell(model: type[EventData], name: str, cell: str) -> Any:
    field = model.model_fields.get(name)
    if field is None:
        return cell
    kind = _base_type(field.annotation)
    if kind is list:
        return [part.strip() for part in cell.replace("|", ";").split(";") if part.strip()]
    if kind is bool:
        lowered = cell.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"{name}: {cell!r} is not true or false")
    if kind is int:
        try:
            return int(cell.strip())
        except ValueError:
            raise ValueError(f"{name}: {cell!r} is not a whole number") from None
    if kind is date:
        return cell.strip()
    return cell


def parse_payload(
    document: dict[str, Any],
    default_type: str,
    from_csv: bool = False,
    defaults: dict[str, Any] | None = None,
) -> EventData:
    document = {**(defaults or {}), **document}
    model = resolve_type(str(document.pop("type", None) or default_type))
    if from_csv:
        document = {
            k: _from_cell(model, k, v) if isinstance(v, str) else v
            for k, v in document.items()
            if k and v is not None and (not isinstance(v, str) or v.strip() != "")
        }
    return model.model_validate_json(json.dumps(document))


def read_lines(
    path: Path, default_type: str = "vacancy.published", defaults: dict[str, Any] | None = None
) -> Iterator[Line]:
    """Every line of the file as a payload or as an error; a bad line never stops the rest.

    `defaults` fill fields a line leaves out (an export has no revisions, for example).
    """
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _read_csv(text, default_type, defaults or {})
    elif suffix == ".json":
        yield from _read_json(text, default_type, defaults or {})
    else:
        yield from _read_jsonl(text, default_type, defaults or {})


def _read_json(text: str, default_type: str, defaults: dict[str, Any]) -> Iterator[Line]:
    """A .json file: one object, or an array of objects numbered from 1."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Line(exc.lineno, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
        return
    items = document if isinstance(document, list) else [document]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield Line(number, None, "each item must be a JSON object")
            continue
        if {"specversion", "data"} <= item.keys():  # a whole CloudEvent, as in the examples
            item = {**item["data"], "type": item.get("type", default_type)}
        yield _validated(number, item, default_type, False, defaults)


def _read_jsonl(text: str, default_type: str, defaults: dict[str, Any]) -> Iterator[Line]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield Line(number, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(document, dict):
            yield Line(number, None, "each line must be one JSON object")
            continue
        yield _validated(number, document, default_type, False, defaults)


def _read_csv(text: str, default_type: str, defaults: dict[str, Any]) -> Iterator[Line]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    for row in reader:
        number = reader.line_num
        if None in row:
            yield Line(number, None, "the row has more cells than the header has columns")
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        yield _validated(number, row, default_type, True, defaults)


def _validated(
    number: int,
    document: dict[str, Any],
    default_type: str,
    from_csv: bool,
    defaults: dict[str, Any],
) -> Line:
    try:
        return Line(number, parse_payload(document, default_type, from_csv, defaults))
    except ValidationError as exc:
        return Line(number, None, "; ".join(explain(exc)))
    except ValueError as exc:
        return Line(number, None, str(exc))
