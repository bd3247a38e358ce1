"""Faults against the vacancies service: SIGKILL mid-stream, and a storm of bad messages."""

import asyncio
import json
import random
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from myndnet_kit.testing import (
    committed_offsets,
    end_offsets,
    produce,
    produce_raw,
    read_to_end,
    wait_until,
)
from myndnet_schemas import (
    Event,
    VacancyPublished,
    VacancyUpdated,
    VacancyWithdrawn,
    encode_binary,
    parse,
    topics,
)
from myndnet_vacancies.domain.register import apply

from conftest import report, scale

pytestmark = pytest.mark.integration
TODAY = date.today()


def snapshot(model, vacancy_id: str, revision: int, **changes):
    data = {
        "vacancy_id": vacancy_id,
        "revision": revision,
        "title": f"Handläggare {vacancy_id}",
        "description": "Arbete med ärenden.",
        "occupation_field": "administration",
        "employment_type": "permanent",
        "extent": "full_time",
        "municipality": "Sundsvall",
        "remote": "on_site",
        "published_on": TODAY.isoformat(),
        "application_deadline": (TODAY + timedelta(days=60)).isoformat(),
        "apply_url": f"https://example.se/jobb/{vacancy_id}",
    }
    return model(**{**data, **changes})


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


async def all_committed(kafka: str, group: str, topic_names: list[str]) -> bool:
    for topic in topic_names:
        ends = await end_offsets(kafka, topic)
        committed = await committed_offsets(kafka, group, topic)
        if any(committed.get(p, 0) < end for p, end in ends.items()):
            return False
    return True


async def test_vacancies_killed_with_sigkill_mid_stream_loses_and_doubles_nothing(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    agencies = [f"a{i:02d}" for i in range(18)]
    await net.register(*agencies)
    wanted, kills = scale(2000, 10_000), scale(3, 5)
    rng = random.Random(2026)
    stories: dict[tuple[str, str], list] = {}
    count = 0
    while count < wanted:
        agency = rng.choice(agencies)
        events = story(rng, f"V{len(stories):05d}")
        stories[(net.code(agency), events[0].vacancy_id)] = events
        count += len(events)
    # Interleave the vacancies, keeping each one's events in order (they share a partition).
    queues = {key: list(events) for key, events in stories.items()}
    sequence = []
    while queues:
        key = rng.choice(list(queues))
        sequence.append((key, queues[key].pop(0)))
        if not queues[key]:
            del queues[key]

    vacancies.process.start()
    await vacancies.ready()
    started = time.monotonic()

    async def publish_all() -> None:
        for start in range(0, len(sequence), 250):
            by_topic: dict[str, list] = {}
            for (agency, _), payload in sequence[start : start + 250]:
                by_topic.setdefault(topics.hr_vacancies(agency), []).append(
                    Event.new(payload, source=f"/agencies/{agency}")
                )
            for topic, events in by_topic.items():
                await produce(kafka_bootstrap, topic, events)
            await asyncio.sleep(0.05)

    publisher = asyncio.create_task(publish_all())
    killed_at = []
    for k in range(kills):
        threshold = (k + 1) * len(sequence) // (kills + 2)
        while True:
            applied = (await vacancies.fetch("SELECT count(*) AS n FROM inbox"))[0]["n"]
            if applied >= threshold:
                break
            await asyncio.sleep(0.05)
        vacancies.process.kill()
        killed_at.append(applied)
        vacancies.process.start()
        await vacancies.ready()
    await publisher
    last_kill = time.monotonic()
    group = f"{net.group_prefix}vacancies.hr-vacancies"
    hr_topics = sorted({topics.hr_vacancies(a) for a, _ in stories})
    await wait_until(
        lambda: all_committed(kafka_bootstrap, group, hr_topics),
        timeout=scale(120, 600),
        interval=0.2,
        what="every offset committed",
    )

    async def outbox_empty() -> bool:
        return not (await vacancies.fetch("SELECT count(*) AS n FROM outbox"))[0]["n"]

    await wait_until(outbox_empty, timeout=60, interval=0.2, what="the outbox published")
    recovered = time.monotonic() - last_kill

    # What a clean run would do: the same events folded through the same rules.
    expected = apply(
        {}, {}, [(key[0], payload) for key, payload in sequence], TODAY, datetime.now(UTC)
    )
    rows = {
        (r["agency"], r["vacancy_id"]): r
        for r in await vacancies.fetch(
            "SELECT agency, vacancy_id, revision, status, closed_reason FROM vacancies"
        )
    }
    wrong = [
        key
        for key, state in expected.changed.items()
        if key not in rows
        or (rows[key]["revision"], rows[key]["status"]) != (state.revision, state.status)
    ]
    announced = [
        parse(r.headers, r.key, r.value)
        for r in await read_to_end(kafka_bootstrap, vacancies.lifecycle_topic)
    ]
    ids_by_transition: dict[tuple, set] = {}
    for event in announced:
        transition = (event.subject, event.type.split(".")[2], event.data.revision)
        ids_by_transition.setdefault(transition, set()).add(event.id)
    expected_transitions = {
        (f"{a.agency}/{a.vacancy_id}", a.event_type.split(".")[2], a.revision)
        for a in expected.announcements
    }
    missing = expected_transitions - set(ids_by_transition)
    unexpected = set(ids_by_transition) - expected_transitions
    doubled = [t for t, ids in ids_by_transition.items() if len(ids) > 1]
    redelivered = len(announced) - sum(len(ids) for ids in ids_by_transition.values())
    dead = (await vacancies.fetch("SELECT count(*) AS n FROM dlq_entries"))[0]["n"]
    report(
        "vacancies SIGKILLed mid-stream",
        events_sent=len(sequence),
        vacancies=len(stories),
        agencies=len(agencies),
        kills=f"{kills} (at {killed_at} applied)",
        register_rows_wrong_or_missing=len(wrong),
        lifecycle_events_expected=len(expected_transitions),
        lifecycle_events_missing=len(missing),
        lifecycle_transitions_doubled=len(doubled),
        lifecycle_unexpected=len(unexpected),
        same_event_delivered_again=f"{redelivered} (same id: absorbed by consumers' inboxes)",
        sent_to_dlq=dead,
        seconds_to_recover_after_last_kill=f"{recovered:.1f}",
        total_seconds=f"{time.monotonic() - started:.1f}",
    )
    assert not wrong and not missing and not doubled and not unexpected and dead == 0


async def test_a_storm_of_malformed_and_hostile_messages_lands_in_the_dlq(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    await net.register("a", "b")
    await net.register("stranger")
    await net.leave("stranger")
    a, b, stranger = net.code("a"), net.code("b"), net.code("stranger")
    valid_count, bad_count = scale(500, 5000), scale(200, 1000)
    rng = random.Random(7)
    good = [
        (rng.choice([a, b]), snapshot(VacancyPublished, f"G{i:05d}", 1)) for i in range(valid_count)
    ]
    headers, value = encode_binary(
        Event.new(snapshot(VacancyPublished, "X", 1), source=f"/agencies/{a}")
    )
    huge = json.loads(value)
    huge["description"] = "å" * 300_000
    kinds = {
        "invalid_json": lambda i: (a, b"\x00\xff not json", headers),
        "schema_violation": lambda i: (
            a,
            json.dumps({**json.loads(value), "revision": "two"}).encode(),
            headers,
        ),
        "huge": lambda i: (a, json.dumps(huge, ensure_ascii=False).encode(), headers),
        "not_cloudevent": lambda i: (a, value, []),
        "unknown_type": lambda i: (
            a,
            value,
            [
                (n, b"se.myndnet.vacancy.stolen.v1") if n == "ce_type" else (n, v)
                for n, v in headers
            ],
        ),
        "source_mismatch": lambda i: (
            a,
            value,
            [(n, f"/agencies/{b}".encode()) if n == "ce_source" else (n, v) for n, v in headers],
        ),
        "agency_left": lambda i: (
            stranger,
            value,
            [
                (n, f"/agencies/{stranger}".encode()) if n == "ce_source" else (n, v)
                for n, v in headers
            ],
        ),
        "tombstone": lambda i: (a, None, headers),
    }
    expected_reason = {"huge": "schema_violation", "tombstone": "not_cloudevent"}
    names = list(kinds)
    bad = [(names[i % len(names)], *kinds[names[i % len(names)]](i)) for i in range(bad_count)]
    traffic: list = [("good", agency, payload) for agency, payload in good] + bad
    rng.shuffle(traffic)

    vacancies.process.start()
    await vacancies.ready()
    pid = vacancies.process.process.pid
    started = time.monotonic()
    for start in range(0, len(traffic), 100):
        for item in traffic[start : start + 100]:
            if item[0] == "good":
                _, agency, payload = item
                await produce(
                    kafka_bootstrap,
                    topics.hr_vacancies(agency),
                    [Event.new(payload, source=f"/agencies/{agency}")],
                )
            else:
                kind, agency, raw, raw_headers = item
                await produce_raw(
                    kafka_bootstrap,
                    topics.hr_vacancies(agency),
                    [(f"{kind}-{start}".encode(), raw, raw_headers)],
                )
    group = f"{net.group_prefix}vacancies.hr-vacancies"
    names_of_topics = [topics.hr_vacancies(x) for x in (a, b, stranger)]
    await wait_until(
        lambda: all_committed(kafka_bootstrap, group, names_of_topics),
        timeout=scale(120, 600),
        interval=0.2,
        what="every offset committed",
    )
    seconds = time.monotonic() - started
    applied = (await vacancies.fetch("SELECT count(*) AS n FROM vacancies"))[0]["n"]
    reasons = Counter(r["reason"] for r in await vacancies.fetch("SELECT reason FROM dlq_entries"))
    wanted = Counter(expected_reason.get(kind, kind) for kind, *_ in bad)
    log = vacancies.process.log_path.read_text()
    restarts = log.count("could not be processed")
    report(
        "storm of malformed and hostile messages",
        valid_sent=valid_count,
        valid_applied=applied,
        bad_sent=bad_count,
        in_dlq=sum(reasons.values()),
        by_reason=dict(sorted(reasons.items())),
        consumer_faults=restarts,
        same_process=vacancies.process.process.pid == pid,
        seconds=f"{seconds:.1f}",
    )
    assert applied == valid_count
    assert reasons == wanted
    assert restarts == 0 and vacancies.process.alive and vacancies.process.process.pid == pid
