"""Validation errors in words an HR-system integrator understands."""

from pydantic import ValidationError

# What a pattern means, by field name, instead of a regular expression.
_PATTERN_RULES = {
    "vacancy_id": "1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-'",
    "person_id": "1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-'",
    "ssyk": "a 4-digit SSYK occupation code, such as 2512",
    "municipality_code": "a 4-digit municipality code, such as 2281 for Sundsvall",
    "code": "an agency code of 2–40 characters of a–z, 0–9 and '-'",
    "agency": "an agency code of 2–40 characters of a–z, 0–9 and '-'",
    "organisation_number": "a Swedish organisation number written NNNNNN-NNNN",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(payload)"


def explain(error: ValidationError) -> list[str]:
    """One line per problem: `field: what is wrong`."""
    lines = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        kind = item["type"]
        if kind == "string_pattern_mismatch" and name in _PATTERN_RULES:
            message = f"must be {_PATTERN_RULES[name]}"
        elif kind == "missing":
            message = "is required"
        elif kind == "value_error":
            message = str(item["msg"]).removeprefix("Value error, ")
        else:
            message = item["msg"]
        lines.append(f"{field_path(loc)}: {message}")
    return lines
