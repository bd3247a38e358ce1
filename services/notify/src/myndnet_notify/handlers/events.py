"""What vacancies' and mentoring's events mean for e-mail: alerts and digest entries when a
vacancy opens, nothing more once it closes, and a message to both people of a match."""

from datetime import UTC, datetime
from typing import Any

import asyncpg
from myndnet_kit.classify import Incoming
from myndnet_schemas.events import (
    MatchAccepted,
    MatchParty,
    MatchProposed,
    VacancyChanged,
    VacancyClosed,
    VacancyOpened,
)

from myndnet_notify.adapters import deliveries, store
from myndnet_notify.domain.subscriptions import person_ref, vacancy_keys


async def on_vacancy_events(conn: asyncpg.Connection, events: list[Incoming]) -> None:
    for incoming in events:
        data = incoming.event.data
        if isinstance(data, VacancyOpened | VacancyChanged):
            key = f"{data.agency}/{data.vacancy_id}"
            opened_at = incoming.event.time or datetime.now(UTC)
            await store.remember_open_vacancy(
                conn,
                key,
                data.agency,
                data.title,
                data.municipality,
                data.application_deadline,
                data.apply_url,
                opened_at,
            )
            if isinstance(data, VacancyOpened):
                await _alert(conn, data, key, incoming.event.traceparent)
        elif isinstance(data, VacancyClosed):
            await store.forget_vacancy(conn, f"{data.agency}/{data.vacancy_id}")


async def _alert(
    conn: asyncpg.Connection, vacancy: VacancyOpened, key: str, traceparent: str | None
) -> None:
    keys = vacancy_keys(
        vacancy.agency,
        vacancy.occupation_field.value,
        vacancy.municipality,
        vacancy.employment_type.value,
        [g.value for g in vacancy.target_groups],
    )
    subscriptions = await store.matching_subscriptions(
        conn, keys, f"{vacancy.title} {vacancy.description}"
    )
    immediate = [s["id"] for s in subscriptions if s["frequency"] == "immediate"]
    later = [s["id"] for s in subscriptions if s["frequency"] != "immediate"]
    context: dict[str, Any] = {
        "vacancies": [
            {
                "key": key,
                "title": vacancy.title,
                "agency_name": await store.agency_name(conn, vacancy.agency),
                "municipality": vacancy.municipality,
                "application_deadline": vacancy.application_deadline.isoformat(),
                "apply_url": vacancy.apply_url,
            }
        ]
    }
    if traceparent:  # the alert, and what notify says of it, continue the vacancy's trace
        context["traceparent"] = traceparent
    await deliveries.queue_alerts(conn, immediate, key, context)
    await store.add_digest_items(conn, later, key)


def _person(party: MatchParty) -> dict[str, str | None]:
    return {"name": party.name, "email": party.email, "title": party.title}


async def on_match_events(conn: asyncpg.Connection, events: list[Incoming]) -> None:
    for incoming in events:
        data = incoming.event.data
        if not isinstance(data, MatchProposed | MatchAccepted):
            continue
        step = "proposed" if isinstance(data, MatchProposed) else "accepted"
        for role, recipient, other in (
            ("manager", data.manager, data.mentor),
            ("mentor", data.mentor, data.manager),
        ):
            reference = person_ref(recipient.agency, recipient.person_id)
            context = {
                "role": role,
                "recipient": _person(recipient),
                "other": _person(other),
                "other_agency": await store.agency_name(conn, other.agency),
                "reasons": list(getattr(data, "reasons", [])),
                "respond_by": data.respond_by.isoformat()
                if isinstance(data, MatchProposed)
                else None,
                "ends_on": data.ends_on.isoformat() if isinstance(data, MatchAccepted) else None,
            }
            await deliveries.queue(
                conn,
                dedupe_key=f"match:{reference}:{data.match_id}:{step}",
                kind=f"match_{step}",
                recipient_ref=reference,
                work_email=recipient.email,
                match_id=data.match_id,
                context=context,
            )
