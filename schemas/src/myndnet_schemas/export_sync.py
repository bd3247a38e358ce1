"""Turn nightly exports of an agency's vacancies into a correct event stream.

Most HR systems can export every current vacancy but cannot publish events. `plan` compares
the current export with what was published before (the state) and returns the events to send:
`vacancy.published` for a new vacancy, `vacancy.updated` for a changed one, `vacancy.withdrawn`
for one no longer exported (`expired` when its deadline has passed, else `cancelled`), each with
the next revision, and nothing for an unchanged vacancy. Event ids are derived from the content,
so a run repeated after a crash sends the very same events, which consumers recognise.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from myndnet_schemas import topics
from myndnet_schemas.envelope import Event
from myndnet_schemas.events import EventData, VacancyPublished, VacancyUpdated, VacancyWithdrawn
from myndnet_schemas.events.inbound import VacancyFields
from myndnet_schemas.publisher import deterministic_id
from myndnet_schemas.vocabulary import WithdrawalReason


def fingerprint(vacancy: VacancyFields) -> str:
    content = vacancy.model_dump(mode="json", exclude={"revision"})
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass
class Published:
    revision: int
    fingerprint: str
    application_deadline: str
    withdrawn: bool = False


@dataclass
class SyncState:
    agency: str
    vacancies: dict[str, Published] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, agency: str) -> "SyncState":
        if not path.exists():
            return cls(agency)
        document = json.loads(path.read_text())
        if document.get("agency") != agency:
            raise ValueError(
                f"{path} holds the state of agency {document.get('agency')!r}, not {agency!r}"
            )
        return cls(agency, {k: Published(**v) for k, v in document["vacancies"].items()})

    def save(self, path: Path) -> None:
        document = {
            "agency": self.agency,
            "vacancies": {k: vars(v) for k, v in sorted(self.vacancies.items())},
        }
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(document, indent=1, ensure_ascii=False))
        temporary.replace(path)  # all or nothing


@dataclass
class Plan:
    events: list[Event[EventData]]
    state: SyncState
    unchanged: int


def plan(
    state: SyncState,
    export: Iterable[VacancyFields],
    *,
    today: date,
    unreadable_ids: Iterable[str] = (),
) -> Plan:
    """The events that bring the network from `state` to `export`, and the state after them.

    `unreadable_ids` are vacancies whose export row was invalid: they are left as they were,
    never withdrawn because of a typo.
    """
    source = topics.agency_source(state.agency)
    after = SyncState(state.agency, dict(state.vacancies))
    events: list[Event[EventData]] = []
    unchanged = 0
    seen = set(unreadable_ids)

    def emit(payload: EventData) -> None:
        vacancy_id = payload.subject()
        revision = str(getattr(payload, "revision", ""))
        events.append(
            Event.new(
                payload,
                source=source,
                id=deterministic_id(state.agency, vacancy_id, revision, payload.event_type),
            )
        )

    for vacancy in export:
        seen.add(vacancy.vacancy_id)
        before = after.vacancies.get(vacancy.vacancy_id)
        print_ = fingerprint(vacancy)
        if before is not None and not before.withdrawn and before.fingerprint == print_:
            unchanged += 1
            continue
        revision = before.revision + 1 if before else 1
        fields: dict[str, Any] = {**vacancy.model_dump(), "revision": revision}
        model = VacancyUpdated if before is not None and not before.withdrawn else VacancyPublished
        emit(model(**fields))
        after.vacancies[vacancy.vacancy_id] = Published(
            revision, print_, vacancy.application_deadline.isoformat()
        )

    for vacancy_id, before in sorted(state.vacancies.items()):
        if vacancy_id in seen or before.withdrawn:
            continue
        revision = before.revision + 1
        expired = date.fromisoformat(before.application_deadline) < today
        reason = WithdrawalReason.EXPIRED if expired else WithdrawalReason.CANCELLED
        emit(VacancyWithdrawn(vacancy_id=vacancy_id, revision=revision, reason=reason))
        after.vacancies[vacancy_id] = Published(
            revision, before.fingerprint, before.application_deadline, withdrawn=True
        )
    return Plan(events, after, unchanged)
