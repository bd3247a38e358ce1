"""How vacancy events change the register, and which lifecycle events that announces.

Plain Python: the handler loads the current state of the vacancies a batch names, `apply`
folds the batch's events over it in order, and the handler saves the result.

- `published`/`updated` carry the full state: a higher revision wins; a lower or equal one is
  ignored. `withdrawn` closes the vacancy with its reason.
- A vacancy is open until withdrawn, until its application deadline has passed (the end of
  the deadline day in Stockholm), or until its agency leaves the network.
- `vacancy.opened` when a vacancy becomes open (the first time, or again after it was closed),
  `vacancy.changed` when a visible field of an open vacancy changed (never for a no-op
  update), `vacancy.closed` when an open vacancy closes.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from myndnet_schemas.events import (
    EventData,
    VacancyChanged,
    VacancyClosed,
    VacancyOpened,
    VacancyWithdrawn,
)
from myndnet_schemas.events.inbound import VacancyFields
from myndnet_schemas.vocabulary import ClosedReason

OPEN, CLOSED = "open", "closed"
# Fields whose change is not worth a `vacancy.changed`.
_NOT_VISIBLE = {"vacancy_id", "revision"}


@dataclass(frozen=True)
class Vacancy:
    agency: str
    fields: VacancyFields  # the latest accepted snapshot
    status: str
    closed_reason: ClosedReason | None = None
    closed_at: datetime | None = None
    revision: int = 0  # the highest revision applied, a withdrawal's included

    @property
    def key(self) -> tuple[str, str]:
        return (self.agency, self.fields.vacancy_id)


@dataclass
class Outcome:
    """What a batch changed: the new states, the events to publish and what was ignored."""

    changed: dict[tuple[str, str], Vacancy] = field(default_factory=dict)
    early_withdrawals: dict[tuple[str, str], tuple[int, ClosedReason]] = field(default_factory=dict)
    announcements: list[EventData] = field(default_factory=list)
    stale: int = 0


def deadline_passed(fields: VacancyFields, today: date) -> bool:
    return fields.application_deadline < today


def visible_changes(before: VacancyFields, after: VacancyFields) -> list[str]:
    old, new = before.model_dump(), after.model_dump()
    return sorted(k for k in new if k not in _NOT_VISIBLE and old.get(k) != new[k])


def _state(vacancy: Vacancy) -> dict[str, Any]:
    return {**vacancy.fields.model_dump(), "agency": vacancy.agency}


def _closed(vacancy: Vacancy, now: datetime) -> VacancyClosed:
    assert vacancy.closed_reason is not None
    return VacancyClosed(
        agency=vacancy.agency,
        vacancy_id=vacancy.fields.vacancy_id,
        revision=vacancy.revision,
        title=vacancy.fields.title,
        reason=vacancy.closed_reason,
        closed_at=now,
    )


def apply_snapshot(
    current: Vacancy | None,
    agency: str,
    snapshot: VacancyFields,
    early: tuple[int, ClosedReason] | None,
    today: date,
    now: datetime,
    outcome: Outcome,
) -> Vacancy | None:
    """A published/updated event; returns the new state, or None when nothing changes."""
    known = current.revision if current else (early[0] if early else 0)
    if snapshot.revision <= known:
        outcome.stale += 1
        return None
    fields = snapshot  # validated once, when it was read
    expired = deadline_passed(fields, today)
    if current is None:
        vacancy = Vacancy(
            agency,
            fields,
            CLOSED if expired else OPEN,
            ClosedReason.DEADLINE_PASSED if expired else None,
            now if expired else None,
            snapshot.revision,
        )
        if not expired:
            outcome.announcements.append(VacancyOpened.model_construct(**_state(vacancy)))
        return vacancy
    was_open = current.status == OPEN
    if expired:
        vacancy = replace(
            current,
            fields=fields,
            revision=snapshot.revision,
            status=CLOSED,
            closed_reason=current.closed_reason or ClosedReason.DEADLINE_PASSED,
            closed_at=current.closed_at or now,
        )
        if was_open:
            outcome.announcements.append(_closed(vacancy, now))
        return vacancy
    vacancy = replace(
        current,
        fields=fields,
        revision=snapshot.revision,
        status=OPEN,
        closed_reason=None,
        closed_at=None,
    )
    if not was_open:
        outcome.announcements.append(VacancyOpened.model_construct(**_state(vacancy)))
    elif changes := visible_changes(current.fields, fields):
        outcome.announcements.append(
            VacancyChanged.model_construct(**_state(vacancy), changed_fields=changes)
        )
    return vacancy


def apply_withdrawal(
    current: Vacancy | None,
    agency: str,
    withdrawal: VacancyWithdrawn,
    early: tuple[int, ClosedReason] | None,
    now: datetime,
    outcome: Outcome,
) -> Vacancy | None:
    reason = ClosedReason(withdrawal.reason.value)
    if current is None:
        # Withdrawn before we saw it published: remember, so an older snapshot cannot open it.
        if early is None or withdrawal.revision > early[0]:
            outcome.early_withdrawals[(agency, withdrawal.vacancy_id)] = (
                withdrawal.revision,
                reason,
            )
        else:
            outcome.stale += 1
        return None
    if withdrawal.revision <= current.revision:
        outcome.stale += 1
        return None
    was_open = current.status == OPEN
    vacancy = replace(
        current,
        revision=withdrawal.revision,
        status=CLOSED,
        closed_reason=reason,
        closed_at=now if was_open else current.closed_at or now,
    )
    if was_open:
        outcome.announcements.append(_closed(vacancy, now))
    return vacancy


def apply(
    current: dict[tuple[str, str], Vacancy],
    early: dict[tuple[str, str], tuple[int, ClosedReason]],
    events: list[tuple[str, EventData]],
    today: date,
    now: datetime,
) -> Outcome:
    """Fold a batch of (agency, payload) over the current states, in order."""
    outcome = Outcome()
    state = dict(current)
    early = dict(early)
    for agency, payload in events:
        key = (agency, payload.subject())  # the vacancy id
        if isinstance(payload, VacancyWithdrawn):
            result = apply_withdrawal(state.get(key), agency, payload, early.get(key), now, outcome)
            if key in outcome.early_withdrawals:
                early[key] = outcome.early_withdrawals[key]
        elif isinstance(payload, VacancyFields):
            result = apply_snapshot(
                state.get(key), agency, payload, early.get(key), today, now, outcome
            )
        else:
            continue
        if result is not None:
            state[key] = result
            outcome.changed[key] = result
    return outcome


def close_all(
    vacancies: list[Vacancy], reason: ClosedReason, now: datetime
) -> tuple[list[Vacancy], list[EventData]]:
    """Close open vacancies (deadline passed, agency left): the new states and their events."""
    closed = [
        replace(v, status=CLOSED, closed_reason=reason, closed_at=now)
        for v in vacancies
        if v.status == OPEN
    ]
    return closed, [_closed(v, now) for v in closed]
