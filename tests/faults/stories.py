"""Vacancy stories for the fault scenarios: events across agencies, each vacancy's in revision
order, and the comparison of what the vacancies service made of them with a clean fold."""

import asyncio
import random
from datetime import UTC, datetime, timedelta

from myndnet_schemas import Event, VacancyPublished, VacancyUpdated, VacancyWithdrawn, parse, topics
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import (
    committed_offsets,
    end_offsets,
    produce,
    read_to_end,
    vacancy,
    wait_until,
)
from myndnet_vacancies.domain.register import apply

from conftest import scale

TODAY = stockholm_today()


def snapshot(model, vacancy_id: str, revision: int, **changes):
    dates = {
        "published_on": TODAY.isoformat(),
        "application_deadline": (TODAY + timedelta(days=60)).isoformat(),
    }
    return vacancy(vacancy_id, revision, model, **{**dates, **changes})


def story(rng: random.Random, vacancy_id: str) -> list:
    """One vacancy's events in revision order: published, updates, maybe withdrawn and back."""
    events = [snapshot(VacancyPublished, vacancy_id, 1)]
    for _ in range(rng.randint(0, 3)):
        changes = rng.choice(
            [
                {},
                {"title": f"Senior handläggare {vacancy_id}"},
                {"remote": "hybrid"},
                {"extent": "part_time"},
            ]
        )
        events.append(snapshot(VacancyUpdated, vacancy_id, len(events) + 1, **changes))
    if rng.random() < 0.3:
        events.append(
            VacancyWithdrawn(vacancy_id=vacancy_id, revision=len(events) + 1, reason="filled")
        )
        if rng.random() < 0.3:
            events.append(snapshot(VacancyPublished, vacancy_id, len(events) + 1))
    return events


def stream(net, agencies: list[str], wanted: int, seed: int) -> tuple[dict, list]:
    """Vacancy stories across agencies, interleaved but each in revision order."""
    rng = random.Random(seed)
    stories: dict[tuple[str, str], list] = {}
    count = 0
    while count < wanted:
        agency = rng.choice(agencies)
        events = story(rng, f"V{len(stories):05d}")
        stories[(net.code(agency), events[0].vacancy_id)] = events
        count += len(events)
    queues = {key: list(events) for key, events in stories.items()}
    sequence = []
    while queues:
        key = rng.choice(list(queues))
        sequence.append((key, queues[key].pop(0)))
        if not queues[key]:
            del queues[key]
    return stories, sequence


async def settle_and_compare(
    vacancies, kafka: str, sequence: list, stories: dict, applied_events: set | None = None
) -> dict:
    """Wait until everything sent is committed and published, then compare the register and
    the lifecycle topic with a clean fold of the same events (`applied_events`: the event ids
    to expect, when not every event was sent)."""
    net = vacancies.net
    group = f"{net.group_prefix}vacancies.hr-vacancies"
    hr_topics = sorted({topics.hr_vacancies(a) for a, _ in stories})
    await wait_until(
        lambda: all_committed(kafka, group, hr_topics),
        timeout=scale(180, 900),
        interval=0.2,
        what="every offset committed",
    )

    async def outbox_empty() -> bool:
        return not (await vacancies.fetch("SELECT count(*) AS n FROM outbox"))[0]["n"]

    await wait_until(outbox_empty, timeout=60, interval=0.2, what="the outbox published")
    expected = apply(
        {}, {}, [(key[0], payload) for key, payload in sequence], TODAY, datetime.now(UTC)
    )
    rows = {
        (r["agency"], r["vacancy_id"]): r
        for r in await vacancies.fetch("SELECT agency, vacancy_id, revision, status FROM vacancies")
    }
    wrong = [
        key
        for key, state in expected.changed.items()
        if key not in rows
        or (rows[key]["revision"], rows[key]["status"]) != (state.revision, state.status)
    ]
    announced = [
        parse(r.headers, r.key, r.value)
        for r in await read_to_end(kafka, vacancies.lifecycle_topic)
    ]
    ids_by_transition: dict[tuple, set] = {}
    for event in announced:
        transition = (event.subject, event.type.split(".")[2], event.data.revision)
        ids_by_transition.setdefault(transition, set()).add(event.id)
    expected_transitions = {
        (f"{a.agency}/{a.vacancy_id}", a.event_type.split(".")[2], a.revision)
        for a in expected.announcements
    }
    dead = (await vacancies.fetch("SELECT count(*) AS n FROM dlq_entries"))[0]["n"]
    return {
        "register_rows_wrong_or_missing": len(wrong),
        "lifecycle_events_expected": len(expected_transitions),
        "lifecycle_events_missing": len(expected_transitions - set(ids_by_transition)),
        "lifecycle_transitions_doubled": sum(len(i) > 1 for i in ids_by_transition.values()),
        "lifecycle_unexpected": len(set(ids_by_transition) - expected_transitions),
        "same_event_delivered_again": len(announced)
        - sum(len(i) for i in ids_by_transition.values()),
        "sent_to_dlq": dead,
    }


def clean(figures: dict) -> bool:
    return not any(
        figures[k]
        for k in (
            "register_rows_wrong_or_missing",
            "lifecycle_events_missing",
            "lifecycle_transitions_doubled",
            "lifecycle_unexpected",
            "sent_to_dlq",
        )
    )


async def publish_sequence(
    kafka: str, sequence: list, chunk: int = 250, pause: float = 0.05
) -> None:
    for start in range(0, len(sequence), chunk):
        by_topic: dict[str, list] = {}
        for (agency, _), payload in sequence[start : start + chunk]:
            by_topic.setdefault(topics.hr_vacancies(agency), []).append(
                Event.new(payload, source=f"/agencies/{agency}")
            )
        for topic, events in by_topic.items():
            await produce(kafka, topic, events)
        await asyncio.sleep(pause)


async def all_committed(kafka: str, group: str, topic_names: list[str]) -> bool:
    for topic in topic_names:
        ends = await end_offsets(kafka, topic)
        committed = await committed_offsets(kafka, group, topic)
        if any(committed.get(p, 0) < end for p, end in ends.items()):
            return False
    return True
