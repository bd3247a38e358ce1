"""Faults against the vacancies service: SIGKILL mid-stream, and a storm of bad messages."""

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from myndnet_schemas import (
    Event,
    VacancyPublished,
    encode_binary,
    topics,
)
from myndnet_schemas.publisher import AgencyPublisher
from myndnet_testing import (
    ServiceProcess,
    free_port,
    produce,
    produce_raw,
    wait_until,
)
from stories import (
    all_committed,
    clean,
    publish_sequence,
    settle_and_compare,
    snapshot,
    stream,
)

from conftest import report, scale

pytestmark = pytest.mark.integration


async def test_vacancies_killed_with_sigkill_mid_stream_loses_and_doubles_nothing(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    agencies = [f"a{i:02d}" for i in range(18)]
    await net.register(*agencies)
    wanted, kills = scale(1200, 10_000), scale(2, 5)
    stories, sequence = stream(net, agencies, wanted, 2026)
    vacancies.process.start()
    await vacancies.ready()
    started = time.monotonic()
    publisher = asyncio.create_task(publish_sequence(kafka_bootstrap, sequence))
    killed_at = []
    for k in range(kills):
        threshold = (k + 1) * len(sequence) // (kills + 2)

        async def reached(threshold: int = threshold) -> bool:
            return (await vacancies.fetch("SELECT count(*) AS n FROM inbox"))[0]["n"] >= threshold

        await wait_until(reached, timeout=120, interval=0.05, what="progress before a kill")
        vacancies.process.kill()
        killed_at.append((await vacancies.fetch("SELECT count(*) AS n FROM inbox"))[0]["n"])
        vacancies.process.start()
        await vacancies.ready()
    await publisher
    last_kill = time.monotonic()
    figures = await settle_and_compare(vacancies, kafka_bootstrap, sequence, stories)
    report(
        "vacancies SIGKILLed mid-stream",
        events_sent=len(sequence),
        vacancies=len(stories),
        agencies=len(agencies),
        kills=f"{kills} (after {killed_at} applied)",
        **figures,
        seconds_to_recover_after_last_kill=f"{time.monotonic() - last_kill:.1f}",
        total_seconds=f"{time.monotonic() - started:.1f}",
    )
    assert clean(figures), figures


async def test_a_storm_of_malformed_and_hostile_messages_lands_in_the_dlq(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    await net.register("a", "b")
    await net.register("stranger")
    await net.leave("stranger")
    a, b, stranger = net.code("a"), net.code("b"), net.code("stranger")
    valid_count, bad_count = scale(300, 5000), scale(150, 1000)
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
    expected_reason = {"huge": "too_large", "tombstone": "not_cloudevent"}
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


ROOT = Path(__file__).resolve().parents[2]


def own_server(pidfile: str) -> bool:
    """Faults are only injected into servers the dev scripts started on this machine."""
    path = ROOT / ".run" / pidfile
    try:
        os.kill(int(path.read_text().split()[0]), 0)
        return True
    except (OSError, ValueError):
        return False


async def dev_script(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "bash", str(ROOT / "dev" / args[0]), *args[1:], stdout=asyncio.subprocess.DEVNULL
    )
    assert await process.wait() == 0, f"dev/{' '.join(args)} failed"


async def readiness(port: int) -> int:
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            return (await http.get(f"http://127.0.0.1:{port}/health/ready")).status_code
    except httpx.HTTPError:
        return 0


@pytest.mark.exclusive
@pytest.mark.skipif(
    not own_server("postgres/postmaster.pid"),
    reason="needs the PostgreSQL that dev/postgres.sh runs",
)
async def test_postgres_restarted_mid_stream_the_service_recovers_by_itself(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    agencies = [f"p{i}" for i in range(6)]
    await net.register(*agencies)
    stories, sequence = stream(net, agencies, scale(1500, 6000), 11)
    vacancies.process.start()
    await vacancies.ready()
    pid = vacancies.process.process.pid
    publisher = asyncio.create_task(publish_sequence(kafka_bootstrap, sequence))

    async def a_third() -> bool:
        return (await vacancies.fetch("SELECT count(*) AS n FROM inbox"))[0]["n"] >= len(
            sequence
        ) // 3

    await wait_until(a_third, timeout=120, interval=0.05, what="a third applied")
    await dev_script("postgres.sh", "stop")
    stopped = time.monotonic()
    try:
        await wait_until(
            lambda: _is(readiness(vacancies.port), 503), timeout=30, what="readiness to turn false"
        )
        unready_after = time.monotonic() - stopped
        await asyncio.sleep(3)
    finally:
        await dev_script("postgres.sh", "start")
    restarted = time.monotonic()
    await wait_until(
        lambda: _is(readiness(vacancies.port), 200), timeout=60, what="readiness to turn true again"
    )
    ready_again = time.monotonic() - restarted
    await publisher
    figures = await settle_and_compare(vacancies, kafka_bootstrap, sequence, stories)
    report(
        "PostgreSQL restarted mid-stream",
        events_sent=len(sequence),
        **figures,
        readiness_false_after_s=f"{unready_after:.1f}",
        ready_again_after_restart_s=f"{ready_again:.1f}",
        same_process=vacancies.process.process.pid == pid,
    )
    assert clean(figures), figures
    assert vacancies.process.process.pid == pid  # recovered by itself, no restart


async def _is(status: "asyncio.Future[int] | object", wanted: int) -> bool:
    return await status == wanted  # type: ignore[misc]


@pytest.mark.exclusive
@pytest.mark.skipif(
    not own_server("kafka/broker.pid"), reason="needs the Kafka broker that dev/kafka.sh runs"
)
async def test_broker_killed_and_restarted_every_event_reported_sent_is_applied(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    agencies = [f"k{i}" for i in range(6)]
    await net.register(*agencies)
    _stories, sequence = stream(net, agencies, scale(1500, 6000), 13)
    vacancies.process.start()
    await vacancies.ready()
    reported_sent: set[str] = set()
    failed = 0
    publishers = {}
    for agency in {key[0] for key, _ in sequence}:
        publishers[agency] = AgencyPublisher(kafka_bootstrap, agency, request_timeout_ms=60_000)
        await publishers[agency].start()

    async def publish_through_the_kit() -> None:
        nonlocal failed
        for start in range(0, len(sequence), 50):
            for (agency, _), payload in sequence[start : start + 50]:
                publisher = publishers[agency]
                event = publisher.event(payload)
                try:
                    await publisher.publish_many([event])
                    reported_sent.add(event.id)
                except Exception:
                    failed += 1
            await asyncio.sleep(0.02)

    sending = asyncio.create_task(publish_through_the_kit())
    await wait_until(
        lambda: _at_least_sent(reported_sent, len(sequence) // 3), timeout=120, what="a third sent"
    )
    broker_pid = int((ROOT / ".run/kafka/broker.pid").read_text())
    os.kill(broker_pid, signal.SIGKILL)
    killed = time.monotonic()
    await asyncio.sleep(2)
    await dev_script("kafka.sh", "start")
    broker_back = time.monotonic() - killed
    await sending
    for publisher in publishers.values():
        await publisher.stop()

    async def all_reported_applied() -> bool:
        ids = {
            r["event_id"]
            for r in await vacancies.fetch(
                "SELECT event_id FROM inbox WHERE consumer = 'hr-vacancies'"
            )
        }
        return reported_sent <= ids

    await wait_until(
        all_reported_applied,
        timeout=scale(180, 600),
        interval=0.5,
        what="every reported event applied",
    )
    recovered = time.monotonic() - killed
    await wait_until(lambda: _is(readiness(vacancies.port), 200), timeout=60, what="ready")
    applied = {
        r["event_id"]
        for r in await vacancies.fetch("SELECT event_id FROM inbox WHERE consumer = 'hr-vacancies'")
    }
    dead = (await vacancies.fetch("SELECT count(*) AS n FROM dlq_entries"))[0]["n"]
    report(
        "Kafka broker SIGKILLed and restarted",
        events_attempted=len(sequence),
        reported_sent=len(reported_sent),
        reported_failed=failed,
        reported_sent_but_not_applied=len(reported_sent - applied),
        applied_without_being_reported=len(applied - reported_sent),
        sent_to_dlq=dead,
        broker_back_after_s=f"{broker_back:.1f}",
        all_applied_after_kill_s=f"{recovered:.1f}",
    )
    assert reported_sent <= applied and dead == 0


async def _at_least_sent(sent: set, wanted: int) -> bool:
    return len(sent) >= wanted


async def test_a_rebalance_storm_between_two_replicas_loses_and_doubles_nothing(
    vacancies, kafka_bootstrap
):
    net = vacancies.net
    agencies = [f"r{i}" for i in range(8)]
    await net.register(*agencies)
    stories, sequence = stream(net, agencies, scale(1500, 10_000), 17)
    second = ServiceProcess(
        "myndnet_vacancies",
        {**vacancies.process.env, "VACANCIES_PORT": str(free_port())},
        vacancies.process.log_path.with_name("replica.log"),
        module=True,
    )
    vacancies.process.start()
    second.start()
    await vacancies.ready()
    restarts = 0
    started = time.monotonic()
    publisher = asyncio.create_task(
        publish_sequence(kafka_bootstrap, sequence, chunk=50, pause=0.3)
    )
    try:
        while not publisher.done():
            await asyncio.sleep(scale(3, 4))
            second.terminate(timeout=20) if restarts % 2 else second.kill()
            second.start()
            restarts += 1
        await publisher
        figures = await settle_and_compare(vacancies, kafka_bootstrap, sequence, stories)
    finally:
        second.terminate()
    report(
        "two replicas, one restarted every few seconds",
        events_sent=len(sequence),
        restarts_of_the_second_replica=f"{restarts} (SIGKILL and SIGTERM in turn)",
        **figures,
        total_seconds=f"{time.monotonic() - started:.1f}",
    )
    assert restarts >= 2 and clean(figures), figures
