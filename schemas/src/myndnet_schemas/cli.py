"""Command-line tools for agencies.

myndnet-publish --agency csn [--dry-run] vacancies.jsonl
myndnet-sync-export --agency csn --state csn-state.json [--dry-run] export.csv
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from myndnet_schemas import topics
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.connection import KafkaConnection
from myndnet_schemas.envelope import Event
from myndnet_schemas.events import EventData
from myndnet_schemas.events.inbound import VacancyFields
from myndnet_schemas.export_sync import SyncState, plan
from myndnet_schemas.files import Line, read_lines
from myndnet_schemas.publisher import AgencyPublisher, TopicMissing

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2
BATCH = 200


class Progress:
    """A one-line progress bar on stderr, redrawn in place on a terminal."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, label: str = "sent") -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.label = label
        self.tty = stream.isatty()
        self.last_percent = -1

    def update(self, done: int, rejected: int) -> None:
        percent = done * 100 // self.total
        if percent == self.last_percent and done != self.total:
            return
        self.last_percent = percent
        bar = "#" * (percent // 4) + "." * (25 - percent // 4)
        text = f"[{bar}] {percent:3d}%  {self.label} {done - rejected}, rejected {rejected}"
        if self.tty:
            self.stream.write("\r" + text)
        elif percent % 25 == 0 or done == self.total:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _bootstrap(value: str | None) -> KafkaConnection:
    """The broker, with the agency's login from $KAFKA_SASL_USERNAME, $KAFKA_SASL_PASSWORD and
    $KAFKA_SSL_CAFILE when the network runs its secure profile."""
    return KafkaConnection.from_env(value)


def _report(sent: int, rejected: Sequence[Line], dry_run: bool, out: TextIO) -> None:
    verb = "valid" if dry_run else "sent"
    out.write(f"{verb}: {sent}, rejected: {len(rejected)}\n")
    for line in rejected:
        out.write(f"  line {line.number}: {line.error}\n")


async def _publish(
    agency: str,
    bootstrap: KafkaConnection,
    events: list[Event[EventData]],
    progress: Progress,
    rejected_before: int,
) -> None:
    async with AgencyPublisher(bootstrap, agency) as publisher:
        for start in range(0, len(events), BATCH):
            await publisher.publish_many(events[start : start + BATCH])
            progress.update(
                rejected_before + start + len(events[start : start + BATCH]), rejected_before
            )


def publish_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="myndnet-publish",
        description="Validate a JSON Lines or CSV file of events and publish them for an agency.",
    )
    parser.add_argument("--agency", required=True, help="your agency code, e.g. csn")
    parser.add_argument("--dry-run", action="store_true", help="only validate; send nothing")
    parser.add_argument(
        "--type",
        default="vacancy.published",
        help="event type of lines without a 'type' (default: vacancy.published)",
    )
    parser.add_argument(
        "--bootstrap-servers",
        help="Kafka (default: $KAFKA_BOOTSTRAP_SERVERS; the secure profile's login comes from "
        "$KAFKA_SASL_USERNAME, $KAFKA_SASL_PASSWORD and $KAFKA_SSL_CAFILE)",
    )
    parser.add_argument("file", type=Path, help="a .jsonl or .csv file")
    args = parser.parse_args(argv)
    out = sys.stdout
    try:
        agency = topics.validate_agency_code(args.agency)
        lines = list(read_lines(args.file, args.type))
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"myndnet-publish: {exc}\n")
        return EXIT_FAILED
    rejected = [line for line in lines if line.payload is None]
    valid = [line.payload for line in lines if line.payload is not None]
    if not args.dry_run and valid:
        events = [Event.new(p, source=topics.agency_source(agency)) for p in valid]
        progress = Progress(len(lines))
        progress.update(len(rejected), len(rejected))
        try:
            asyncio.run(
                _publish(
                    agency, _bootstrap(args.bootstrap_servers), events, progress, len(rejected)
                )
            )
        except TopicMissing as exc:
            sys.stderr.write(f"myndnet-publish: {exc}\n")
            return EXIT_FAILED
        except Exception as exc:
            progress.close()
            sys.stderr.write(f"myndnet-publish: could not publish: {exc!r}\n")
            return EXIT_FAILED
        progress.close()
    _report(len(valid), rejected, args.dry_run, out)
    return EXIT_REJECTED if rejected else EXIT_OK


def sync_export_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="myndnet-sync-export",
        description="Publish what changed since the previous export of an agency's vacancies.",
    )
    parser.add_argument("--agency", required=True)
    parser.add_argument(
        "--state",
        type=Path,
        required=True,
        help="where what was published is remembered between runs (JSON)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show the events; send nothing")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="the date deadlines are judged by (default: today in Stockholm, as by the network)",
    )
    parser.add_argument("--bootstrap-servers")
    parser.add_argument("export", type=Path, help="the full current export (.jsonl or .csv)")
    args = parser.parse_args(argv)
    try:
        agency = topics.validate_agency_code(args.agency)
        state = SyncState.load(args.state, agency)
        # Revisions are the sync's to assign; an export has none (or stale ones).
        lines = list(read_lines(args.export, "vacancy.published", {"revision": 1}))
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"myndnet-sync-export: {exc}\n")
        return EXIT_FAILED
    rejected = [line for line in lines if line.payload is None]
    vacancies = [line.payload for line in lines if isinstance(line.payload, VacancyFields)]
    unreadable = _ids_of_rejected(args.export, rejected)
    result = plan(
        state,
        vacancies,
        today=args.today or stockholm_today(),
        unreadable_ids=unreadable,
    )
    if args.dry_run:
        for event in result.events:
            sys.stdout.write(
                f"{event.type} {event.subject} revision {getattr(event.data, 'revision', '')}\n"
            )
    elif result.events:
        progress = Progress(len(result.events))
        try:
            asyncio.run(
                _publish(agency, _bootstrap(args.bootstrap_servers), result.events, progress, 0)
            )
        except Exception as exc:
            sys.stderr.write(
                f"myndnet-sync-export: could not publish ({exc!r}); the state is "
                "unchanged, so the next run sends the same events again\n"
            )
            return EXIT_FAILED
        progress.close()
    if not args.dry_run:
        result.state.save(args.state)
    counts: dict[str, int] = {}
    for event in result.events:
        counts[event.type] = counts.get(event.type, 0) + 1
    summary = ", ".join(f"{t.split('.')[-2]}: {n}" for t, n in sorted(counts.items())) or "none"
    sys.stdout.write(
        f"events: {summary}; unchanged: {result.unchanged}; rejected rows: {len(rejected)}\n"
    )
    for line in rejected:
        sys.stdout.write(f"  line {line.number}: {line.error}\n")
    return EXIT_REJECTED if rejected else EXIT_OK


def _ids_of_rejected(path: Path, rejected: Sequence[Line]) -> set[str]:
    """Vacancy ids still readable on rejected rows, so they are not taken for removed."""
    if not rejected:
        return set()
    numbers = {line.number for line in rejected}
    ids = set()
    if path.suffix.lower() == ".csv":
        import csv

        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                if reader.line_num in numbers and row.get("vacancy_id"):
                    ids.add(row["vacancy_id"])
    else:
        for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            if number in numbers:
                try:
                    ids.add(str(json.loads(raw).get("vacancy_id")))
                except (ValueError, AttributeError):
                    pass
    return ids


def main() -> None:
    sys.exit(publish_main())


def sync_main() -> None:
    sys.exit(sync_export_main())
