"""Write docs/configuration.md from the services' settings classes (their aliases, defaults and
descriptions), or with --check say whether it is current (`make lint`).

    uv run python dev/configuration_doc.py [--check]
"""

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from myndnet_kit.settings import HttpSettings, ServiceSettings
from pydantic import SecretStr
from pydantic_settings import BaseSettings

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
SERVICES = {
    "membership": "MembershipSettings",
    "vacancies": "VacanciesSettings",
    "mentoring": "MentoringSettings",
    "notify": "NotifySettings",
    "trainings": "TrainingsSettings",
    "ingest": "IngestSettings",
    "outreach": "OutreachSettings",
    "exchange": "ExchangeSettings",
    "web": "WebSettings",
}

HEAD = """# Configuration

Every service reads its settings from its environment. This page is written from the settings
classes (`myndnet_kit.settings` and each service's `main.py`) by `dev/configuration_doc.py`;
`make lint` fails when it is not current. `make up` gives every service the local defaults,
and generates the operator token and the link-signing key in `.run/`.
"""

TAIL = """
## Read by the libraries, not the settings

| variable | default | meaning |
|---|---|---|
| `OTEL_EXPORTER_OTLP_ENDPOINT` | (none: no export) | where spans go by OTLP/HTTP, e.g. \
`http://collector:4318`; the other `OTEL_*` variables of OpenTelemetry apply |

Operator rights: `membership:write` (also reading an agency's history, which names former
coordinators), `membership:sign-in` (the site: staff's sign-in links and sessions),
`mentoring:operate`, `notify:operate`, `notify:relay`, `trainings:write`, `outreach:write`,
`exchange:staff` (the site: assignments, interest and profiles for signed-in staff),
`exchange:write` (searching profiles, the schedule, erasure, figures),
`audit:read` (every service's `/audit-log`),
`dlq:replay`.

**Sign-ups.** notify refuses an address whose part before `@` is not ASCII (SMTP without
SMTPUTF8 cannot carry it) with a 422, and sends to an internationalised domain in its `xn--`
form. Sign-ups for one address are serialised, so its limit (5 an hour, `+tag` variants counted
with the address) holds under any concurrency; the same wish again while its confirmation is on
the way answers the same 202 and sends nothing. A confirmation link confirms the preferences it
was sent for. Every e-mail try is counted: a refusal or an address SMTP cannot carry fails at
once (`notification.failed`), anything else is tried again after a growing pause (2 s … 5 min),
at most 12 times.
"""


def shown(default: Any) -> str:
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if default in ("", None):
        return "(none)"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def rows(settings: type[BaseSettings], skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    lines = []
    for name, field in settings.model_fields.items():
        if name in skip or field.alias is None:
            continue
        if not field.description:
            raise SystemExit(f"{settings.__name__}.{name} ({field.alias}) has no description")
        lines.append(f"| `{field.alias}` | {shown(field.default)} | {field.description} |")
    return lines


def table(lines: list[str]) -> str:
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *lines])


def page() -> str:
    parts = [HEAD]
    parts.append("## Every service\n\nThe public site (web) reads the first four only.\n")
    parts.append(table(rows(ServiceSettings)) + "\n")
    shared = set(ServiceSettings.model_fields) | set(HttpSettings.model_fields)
    for service, class_name in SERVICES.items():
        settings = getattr(importlib.import_module(f"myndnet_{service}.main"), class_name)
        own = rows(settings, skip=shared - {"database_url", "port"})
        parts.append(f"## {service}\n\n{table(own)}\n")
    return "\n".join(parts) + TAIL


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    written = page()
    if args.check:
        if PAGE.read_text() != written:
            print(
                f"{PAGE} is not current: run `uv run python dev/{Path(__file__).name}`",
                file=sys.stderr,
            )
            return 1
        return 0
    PAGE.write_text(written)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
