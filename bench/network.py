"""The network's services as processes: end-to-end latency, ingest scaling, and memory.

    uv run python bench/network.py [--runs 3 --rates 10 50 100 200 --seconds 10]
                                   [--events 100000 --partitions 1 2 4 --replicas 1 2]

- **Latency**: vacancies and notify as processes, one confirmed subscriber. `vacancy.published`
  events go to an agency's topic at a steady rate; each one's alert is timed from the send to
  the SMTP sink accepting the mail. The baseline is a raw aiokafka produce→consume round trip
  at the same rate on the same broker, measured just before. Each run is a fresh network; the
  runs' spread is printed, and a plot of latency against rate is drawn (`--plot`). With
  `--against REV` every run is made twice, by this checkout's services and by those of git
  revision REV, one after the other in alternating order, and the two are compared run by run:
  the host's speed drifts too much between separate invocations to compare them.
- **Scaling**: the same pre-filled topic of `--events` events with 1, 2 and 4 partitions,
  drained by 1 and 2 replicas of the vacancies service; each run against a fresh database and
  a raw `getmany` drain of the same topic.
- **Memory**: peak RSS (the kernel's VmHWM) of every service of the network while vacancies
  ingests `--events` events and notify matches every `vacancy.opened` that follows.
"""

import argparse
import asyncio
import contextlib
import functools
import importlib.util
import itertools
import multiprocessing
import os
import queue
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from tempfile import TemporaryDirectory, mkdtemp
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    KAFKA,
    machine_cpu,
    percentile,
    process_cpu,
    processes_cpu,
    random_vacancy,
    raw_drain,
    register_agencies,
)
from myndnet_kit.kafka import TopicSpec, ensure_topics, stop_consumer
from myndnet_schemas import Event, encode_binary, topics
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import (
    MailSink,
    ServiceNetwork,
    ServiceProcess,
    committed_offsets,
    end_offsets,
    free_port,
    produce_raw,
    read_to_end,
    wait_until,
)

TOKEN = "bench-operator-token"
CORES = os.cpu_count() or 1
SERVICES = ("membership", "vacancies", "mentoring", "notify")


class Network(ServiceNetwork):
    """The benchmark's services, with databases, topics and consumer groups of this run's own
    on the shared broker."""

    def __init__(self, run: str, smtp_port: int = 0, code: Path | None = None) -> None:
        super().__init__(
            run,
            Path(mkdtemp(prefix=f"bench-{run}-")),
            prefix="bench",
            checkout=code,
            env={
                "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
                "OPERATOR_TOKENS": f"{TOKEN}=*",
                "MEMBERSHIP_TOPIC": f"membership.agencies.bench{run}",
                "CONSUMER_GROUP_PREFIX": f"bench{run}.",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port),
                "VACANCIES_TOPIC": f"vacancies.vacancies.bench{run}",
                "NOTIFY_VACANCIES_TOPIC": f"vacancies.vacancies.bench{run}",
                # Not the shared broker's mentoring.matches: its history would be mailed first.
                "NOTIFY_MATCHES_TOPIC": f"mentoring.matches.bench{run}",
                "NOTIFY_TRAININGS_TOPIC": f"trainings.registrations.bench{run}",
                "VACANCIES_HR_TOPIC_PATTERN": rf"^hr\.bench{run}\.vacancies$",
                "MENTORING_HR_TOPIC_PATTERN": rf"^hr\.bench{run}\.leadership$",
                "MENTORING_ROUND_SECONDS": "100000",
                "KAFKA_METADATA_MAX_AGE_MS": "5000",
                "LOG_LEVEL": "WARNING",
            },
        )

    @property
    def code(self) -> str:
        return f"bench{self.run}"

    @property
    def hr_topic(self) -> str:
        return topics.hr_vacancies(self.code)

    @property
    def membership_topic(self) -> str:
        return f"membership.agencies.bench{self.run}"

    async def start(  # type: ignore[override]
        self, service: str, name: str | None = None, extra: dict[str, str] | None = None
    ) -> ServiceProcess:
        """Start a service (or a further replica `name`, sharing its database), with `extra`
        settings."""
        name = name or service
        own = {"PUBLIC_BASE_URL": self.url(name), **(extra or {})}
        return await super().start(service, name, own)

    async def stop(self, keep_databases: bool = False) -> None:
        await super().stop(keep_databases)
        await broker_topics(delete=lambda name: f"bench{self.run}" in name)


async def broker_topics(delete: Callable[[str], bool] = lambda name: False) -> list[str]:
    """The broker's topics, after deleting those `delete` picks. A run's own topics go with it:
    every client's metadata refresh reads every topic of the cluster, so topics left behind by
    earlier runs would slow the next ones."""
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        names = await admin.list_topics()
        doomed = [name for name in names if delete(name)]
        if doomed:
            await admin.delete_topics(doomed)
        return [name for name in names if name not in doomed]
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def network(smtp_port: int = 0, code: Path | None = None) -> AsyncIterator[Network]:
    net = Network(uuid.uuid4().hex[:8], smtp_port, code)
    await register_agencies(net.membership_topic, [net.code])
    try:
        yield net
    finally:
        await net.stop()


# -- latency ---------------------------------------------------------------------------------


class Sink:
    """What an SMTP sink noted: when each alert arrived (by the marker in its subject) and the
    confirmation mails' text. The server runs in a process of its own (`run_sink`): in this one
    it would share the interpreter lock with the producer, and each of the four replies an
    alert needs could wait for the lock (up to 5 ms), which measured the lock, not notify."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.confirmations: list[str] = []
        self.port = free_port()
        self._notes: multiprocessing.Queue = multiprocessing.Queue()
        self._ready = multiprocessing.Event()
        self._stop = multiprocessing.Event()
        self._process = multiprocessing.Process(
            target=run_sink, args=(self.port, self._notes, self._ready, self._stop), daemon=True
        )

    def start(self) -> None:
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def stop(self) -> None:
        self._stop.set()
        self._process.join(10)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def collect(self) -> None:
        """Take in what the sink noted since the last look."""
        while True:
            try:
                noted = self._notes.get_nowait()
            except queue.Empty:
                return
            for kind, value, at in noted:
                if kind == "alert":
                    self.arrived.setdefault(value, at)
                else:
                    self.confirmations.append(value)


def run_sink(port: int, notes: multiprocessing.Queue, ready: Any, stop: Any) -> None:
    """The sink's process: a lean `MailSink` on `port`. Each alert's marker and arrival, and each
    confirmation's text, go to `notes` in lists, every 20 ms at most, not a put a mail."""
    pending: list[tuple[str, str, float]] = []

    def note(message: bytes, at: float) -> None:
        headers = BytesHeaderParser().parsebytes(message)
        subject = str(make_header(decode_header(headers["Subject"] or "")))
        marker = re.search(r"[LW]\d{6}", subject)
        if marker:
            pending.append(("alert", marker.group(0), at))
            return
        body = message_from_bytes(message, policy=default_policy).get_body(("plain",))
        text = body.get_content() if body is not None else ""
        if "/bevakning/bekrafta" in text:
            pending.append(("confirmation", text, at))

    sink = MailSink(port=port, note=note, lean=True)
    sink.start()
    ready.set()
    while not stop.wait(0.02):
        if pending:
            taken = len(pending)  # the sink's thread only appends
            notes.put(pending[:taken])
            del pending[:taken]
    sink.stop()


def arrival_times(count: int, rate: float, at_random: bool) -> list[float]:
    """Seconds from the start at which each of `count` sends is due: evenly spaced, or at
    random moments at the same mean rate (a Poisson process, seeded), as people and agencies'
    systems publish; evenly spaced sends can fall in step with a consumer's polling."""
    if not at_random:
        return [i / rate for i in range(count)]
    rng = random.Random(count)
    times, now = [], 0.0
    for _ in range(count):
        times.append(now)
        now += rng.expovariate(rate)
    return times


async def paced(due: list[float], send: Callable[[int], Awaitable[None]]) -> None:
    """Call `send(i)` at `due[i]` seconds from now, for every i, without drifting."""
    began = time.perf_counter()
    pending = []
    for i, at in enumerate(due):
        delay = began + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(send(i)))
    await asyncio.gather(*pending)


async def raw_round_trip(due: list[float]) -> list[float]:
    """Milliseconds from send to a plain consumer's receipt, for messages sent at `due`."""
    count = len(due)
    topic = f"bench.rtt.{uuid.uuid4().hex[:8]}"
    await ensure_topics(KAFKA, [TopicSpec(topic, 3)])
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", enable_idempotence=True)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=KAFKA, group_id=None, auto_offset_reset="latest"
    )
    await producer.start()
    await consumer.start()
    await asyncio.sleep(1)  # the consumer has its position before the first send
    sent: dict[bytes, float] = {}
    received: dict[bytes, float] = {}

    async def consume() -> None:
        while len(received) < count:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                now = time.perf_counter()
                for record in records:
                    received[record.key] = now

    async def send(i: int) -> None:
        key = f"m{i}".encode()
        sent[key] = time.perf_counter()
        await producer.send_and_wait(topic, b"x" * 400, key=key)

    reader = asyncio.create_task(consume())
    await paced(due, send)
    await asyncio.wait_for(reader, 60)
    await producer.stop()
    await stop_consumer(consumer)
    await broker_topics(delete=lambda name: name == topic)
    return [(received[k] - sent[k]) * 1000 for k in sent]


@dataclass
class LatencyRun:
    version: str  # "this" checkout, or the revision compared against
    run: int
    rate: float
    raw: list[float]  # ms, produce → plain consumer
    from_send: list[float]  # ms, vacancy.published sent → alert accepted by the sink
    to_opened: list[float]  # ms, acknowledged → vacancy.opened on the broker
    to_mail: list[float]  # ms, vacancy.opened → alert accepted
    cpu: dict[str, float]  # ms of CPU a vacancy cost each part of the machine
    busy: float  # how busy the machine's cores were during the step, 0-1


def cpu_now(net: Network, sink: "Sink") -> dict[str, float]:
    """Seconds of CPU each part of the machine, and the whole machine, has used so far."""
    used = {name: process_cpu(net.pid(name)) for name in ("vacancies", "notify")} | {
        "broker": processes_cpu("kafka.Kafka"),
        "PostgreSQL": processes_cpu("postgres"),
        "sink": process_cpu(sink.pid),
        "benchmark": time.process_time(),
    }
    used["machine"] = machine_cpu()
    return used


def cpu_spent(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    """Milliseconds of CPU an event cost each part between two `cpu_now`s; `other` is what the
    rest of the machine used meanwhile."""
    spent = {name: (after[name] - before[name]) * 1000 / events for name in before}
    machine = spent.pop("machine")
    spent["other"] = max(0.0, machine - sum(spent.values()))
    return spent


async def latency(
    seconds: float,
    rates: list[float],
    runs: int,
    plot: Path | None,
    at_random: bool,
    warm_up: float,
    against: tuple[str, Path] | None = None,
) -> None:
    """Each run brings up a fresh network; at each rate, the raw round trip and then the whole
    path, for `seconds` each (at least 200 events), side by side on the same broker; the path
    after `warm_up` seconds at the rate, timed apart. With
    `against` (a revision and its checkout), each run is made by both, alternating which goes
    first."""
    print(
        f"== end-to-end latency: {runs} runs, {seconds:.0f} s at each of {rates} vacancies/s,"
        f" {'random' if at_random else 'even'} arrivals;"
        f" the broker holds {len(await broker_topics())} topics"
        + (f"; each run also by {against[0]}" if against else "")
    )
    versions: list[tuple[str, Path | None]] = [("this", None)]
    if against:
        versions.append(against)
    measured: list[LatencyRun] = []
    for run in range(1, runs + 1):
        for version, code in versions if run % 2 else versions[::-1]:
            measured += await latency_run(run, seconds, rates, at_random, warm_up, version, code)
    print()
    row = (
        "{:>5.0f}/s  run {} {:>8}: raw p50 {:5.1f} p99 {:6.1f} ms"
        " | network p50 {:6.1f} p99 {:7.1f} ms"
    )
    for m in measured:
        print(
            row.format(
                m.rate,
                m.run,
                m.version,
                percentile(m.raw, 50),
                percentile(m.raw, 99),
                percentile(m.from_send, 50),
                percentile(m.from_send, 99),
            )
            + f" | {percentile(m.from_send, 50) / percentile(m.raw, 50):5.1f}x p50, "
            f"{percentile(m.from_send, 99) / percentile(m.raw, 99):5.1f}x p99"
            f" | vacancies p50 {percentile(m.to_opened, 50):5.1f}, notify p50 "
            f"{percentile(m.to_mail, 50):6.1f} ms"
        )
    print("spread over the runs (max/min of each run's figure):")
    for (version, _), rate in itertools.product(versions, rates):
        mine = [m for m in measured if m.rate == rate and m.version == version]
        for name, pick in (("raw", "raw"), ("network", "from_send")):
            p50s = [percentile(getattr(m, pick), 50) for m in mine]
            p99s = [percentile(getattr(m, pick), 99) for m in mine]
            print(
                f"  {rate:5.0f}/s {version:>8} {name:8s}: p50 {min(p50s):6.1f}-{max(p50s):6.1f} ms "
                f"({max(p50s) / min(p50s):.1f}x), p99 {min(p99s):6.1f}-{max(p99s):7.1f} ms "
                f"({max(p99s) / min(p99s):.1f}x)"
            )
    if against:
        compare(measured, rates, against[0])
    measured = [m for m in measured if m.version == "this"]
    if plot:
        draw(measured, rates, plot)
        print(f"plot: {plot}")


def compare(measured: list[LatencyRun], rates: list[float], other: str) -> None:
    """This checkout against `other`, run by run (each pair measured minutes apart at most)."""
    print(f"this checkout against {other}, run by run (this / {other}):")
    for rate in rates:
        pairs = [
            (mine, theirs)
            for mine in measured
            for theirs in measured
            if mine.rate == theirs.rate == rate
            and mine.run == theirs.run
            and (mine.version, theirs.version) == ("this", other)
        ]
        for mine, theirs in pairs:
            cpu = sum(mine.cpu.values()) / sum(theirs.cpu.values())
            parts = ", ".join(
                f"{name} {mine.cpu[name]:.2f}/{theirs.cpu[name]:.2f}"
                for name in mine.cpu
                if name != "other"
            )
            print(
                f"  {rate:5.0f}/s run {mine.run}: CPU a vacancy {cpu:.2f}x ({parts} ms),"
                f" cores busy {mine.busy:.0%}/{theirs.busy:.0%},"
                f" p50 {percentile(mine.from_send, 50):.1f}/{percentile(theirs.from_send, 50):.1f}"
                f" ms, p99 {percentile(mine.from_send, 99):.1f}/"
                f"{percentile(theirs.from_send, 99):.1f} ms"
            )


def draw(measured: list[LatencyRun], rates: list[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, pick, colour in (("network", "from_send", "#1d70b8"), ("raw", "raw", "#505a5f")):
        for quantile, style in ((50, "-"), (99, "--")):
            for run in sorted({m.run for m in measured}):
                values = [
                    percentile(getattr(m, pick), quantile)
                    for rate in rates
                    for m in measured
                    if m.rate == rate and m.run == run
                ]
                axis.plot(
                    rates,
                    values,
                    style,
                    color=colour,
                    marker="o",
                    alpha=0.8,
                    label=f"{name} p{quantile}" if run == 1 else None,
                )
    axis.set_xlabel("vacancies published per second")
    axis.set_ylabel("milliseconds (log scale)")
    axis.set_yscale("log")
    axis.set_xticks(rates)
    axis.set_title("vacancy.published → alert at the SMTP sink, against raw Kafka (each run)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)


async def latency_run(
    run: int,
    seconds: float,
    rates: list[float],
    at_random: bool,
    warm_up: float,
    version: str = "this",
    code: Path | None = None,
) -> list[LatencyRun]:
    sink = Sink()
    sink.start()
    results = []
    try:
        async with network(sink.port, code) as net:
            await ensure_topics(KAFKA, [TopicSpec(net.hr_topic, 3)])
            await net.start("vacancies")
            await net.start("notify")
            await net.ready()
            async with httpx.AsyncClient(base_url=net.url("notify")) as http:
                response = await http.post(
                    "/subscriptions",
                    json={"email": "kandidat@example.org", "filters": {"agencies": [net.code]}},
                )
                assert response.status_code == 202, response.text
                await wait_until(
                    functools.partial(_has, sink, sink.confirmations), what="the confirmation"
                )
                link = re.search(r"/bevakning/bekrafta\?token=(\S+)", sink.confirmations[0])
                confirmed = (
                    await http.get("/subscriptions/confirm", params={"token": link.group(1)})
                    if link
                    else None
                )
                # 303 to the site's page since 2026-12-07; a page of its own (200) before.
                assert confirmed is not None and confirmed.status_code in (200, 303), (
                    sink.confirmations[0]
                )

            producer = AIOKafkaProducer(
                bootstrap_servers=KAFKA, acks="all", enable_idempotence=True
            )
            await producer.start()
            rng = random.Random(11)
            today = stockholm_today()
            sent: dict[str, float] = {}
            acked: dict[str, float] = {}
            events: dict[str, tuple[bytes, list[tuple[str, bytes]], bytes | None]] = {}

            def written(marker: str) -> tuple[bytes, list[tuple[str, bytes]], bytes | None]:
                vacancy = random_vacancy(rng, f"LAT-{marker}", today)
                vacancy = vacancy.model_copy(update={"title": f"{vacancy.title} {marker}"})
                event = Event.new(vacancy, source=f"/agencies/{net.code}")
                headers, value = encode_binary(event)
                return event.key.encode(), headers, value

            async def publish(marker: str) -> None:
                key, headers, value = events.pop(marker)
                sent[marker] = time.time()
                await producer.send_and_wait(net.hr_topic, value, key=key, headers=headers)
                acked[marker] = time.time()

            async def send_all(markers: list[str], due: list[float]) -> None:
                # Written beforehand: the benchmark's own CPU is taken from the two cores
                # the network runs on, and the time is measured from the send.
                events.update((marker, written(marker)) for marker in markers)
                await paced(due, lambda index: publish(markers[index]))
                await wait_until(
                    functools.partial(_has_all_of, sink, sink.arrived, markers),
                    timeout=120,
                    what="every alert",
                )

            for step, rate in enumerate(rates):
                count = max(200, int(rate * seconds))
                due = arrival_times(count, rate, at_random)
                raw = await raw_round_trip(due)

                if warm_up > 0:
                    # The network's first events at a rate meet cold connections (PostgreSQL
                    # backends reading their catalogues, statements prepared, SMTP connections
                    # opened): measured apart, so that a step's figure does not depend on
                    # whether it came first in its run.
                    warming = [f"W{step * 100_000 + i:06d}" for i in range(int(rate * warm_up))]
                    await send_all(warming, arrival_times(len(warming), rate, at_random))
                    cold = [(sink.arrived[m] - sent[m]) * 1000 for m in warming]
                    print(
                        f"run {run} ({version}), {rate:.0f}/s: the first {warm_up:g} s, not"
                        f" counted: p50 {percentile(cold, 50):.1f} ms, slowest"
                        f" {max(cold):.1f} ms ({len(cold)} alerts)"
                    )
                markers = [f"L{step * 100_000 + i:06d}" for i in range(count)]
                cpu, began = cpu_now(net, sink), time.perf_counter()
                await send_all(markers, due)
                spent = cpu_spent(cpu, cpu_now(net, sink), count)
                busy = sum(spent.values()) * count / 1000 / (time.perf_counter() - began)
                # Where the time goes: vacancy.opened's broker timestamp splits the path.
                opened = {
                    found.group(1): r.timestamp / 1000
                    for r in await read_to_end(KAFKA, f"vacancies.vacancies.bench{net.run}")
                    if (found := re.search(r"LAT-([LW]\d{6})", r.key.decode()))
                }
                result = LatencyRun(
                    version,
                    run,
                    rate,
                    raw,
                    [(sink.arrived[m] - sent[m]) * 1000 for m in markers],
                    [(opened[m] - acked[m]) * 1000 for m in markers if m in opened],
                    [(sink.arrived[m] - opened[m]) * 1000 for m in markers if m in opened],
                    spent,
                    busy / CORES,
                )
                results.append(result)
                print(
                    f"run {run} ({version}), {rate:.0f}/s: raw p50 {percentile(raw, 50):.1f} ms, "
                    f"network p50 {percentile(result.from_send, 50):.1f} ms, "
                    f"p99 {percentile(result.from_send, 99):.1f} ms ({count} alerts)"
                )
                began_at = sent[markers[0]]
                slowest = sorted(markers, key=lambda m: sink.arrived[m] - sent[m])[-3:]
                print(
                    "  slowest: "
                    + "; ".join(
                        f"{(sink.arrived[m] - sent[m]) * 1000:.1f} ms at {sent[m] - began_at:.2f} s"
                        + (
                            f" (vacancies {(opened[m] - acked[m]) * 1000:.1f},"
                            f" notify {(sink.arrived[m] - opened[m]) * 1000:.1f})"
                            if m in opened
                            else ""
                        )
                        for m in reversed(slowest)
                    )
                )
                print(
                    "  CPU a vacancy: "
                    + ", ".join(f"{name} {ms:.2f}" for name, ms in spent.items())
                    + f" ms; the machine's {CORES} cores {result.busy:.0%} busy"
                )
            await producer.stop()
    finally:
        sink.stop()
    return results


def _spread(values: list[float]) -> tuple[float, float, float]:
    return percentile(values, 50), percentile(values, 99), max(values)


async def _has(sink: Sink, items: list) -> bool:
    sink.collect()
    return bool(items)


async def _has_all_of(sink: Sink, items: dict, wanted: list) -> bool:
    sink.collect()
    return all(key in items for key in wanted)


# -- scaling and memory ----------------------------------------------------------------------


async def ingest(events: int, partitions: int, replicas: int, everything: bool) -> dict:
    """`replicas` vacancies processes, idle and ready, find a new agency topic (their pattern
    subscription) as it fills with `events` events; timed from creating the topic until every
    offset is committed. Returns the figures, with a raw drain of the same topic afterwards."""
    async with network() as net:
        rng = random.Random(partitions * 10 + replicas)
        today = stockholm_today()
        messages = []
        for i in range(events):
            event = Event.new(
                random_vacancy(rng, f"S-{i:06d}", today), source=f"/agencies/{net.code}"
            )
            headers, value = encode_binary(event)
            messages.append((event.key.encode(), value, headers))
        if everything:
            for service in ("membership", "mentoring", "notify"):
                await net.start(service)
        await net.start("vacancies", "vacancies")
        for n in range(2, replicas + 1):
            await net.start("vacancies", f"vacancies-{n}")
        await net.ready()

        started = time.perf_counter()
        await ensure_topics(KAFKA, [TopicSpec(net.hr_topic, partitions)])
        for start in range(0, events, 10_000):
            await produce_raw(KAFKA, net.hr_topic, messages[start : start + 10_000])
        produced = time.perf_counter() - started
        ends = await end_offsets(KAFKA, net.hr_topic)
        group = f"bench{net.run}.vacancies.hr-vacancies"

        async def drained() -> bool:
            committed = await committed_offsets(KAFKA, group, net.hr_topic)
            return all(committed.get(p, 0) >= end for p, end in ends.items())

        await wait_until(drained, timeout=900, interval=0.1, what="the ingest")
        seconds = time.perf_counter() - started
        if everything:
            opened = f"bench{net.run}.notify.vacancies"
            vacancies_topic = f"vacancies.vacancies.bench{net.run}"

            async def notified() -> bool:
                done = await committed_offsets(KAFKA, opened, vacancies_topic)
                wanted = await end_offsets(KAFKA, vacancies_topic)
                return sum(done.values()) >= sum(wanted.values()) >= events

            await wait_until(notified, timeout=900, interval=0.2, what="notify's matching")
        peaks = {name: net.peak_rss_mib(name) for name in net.processes}
    count, raw_seconds = await raw_drain(net.hr_topic)  # once the services have stopped
    return {
        "raw": count / raw_seconds,
        "service": events / seconds,
        "produced": events / produced,
        "peaks": peaks,
    }


async def scaling(events: int, partitions: list[int], replicas: list[int]) -> None:
    print(f"== ingest scaling: {events} vacancy.published events")
    print(
        f"{'partitions':>10s} {'replicas':>8s} {'service /s':>11s} {'raw /s':>10s} "
        f"{'ratio':>6s} {'filled /s':>10s}"
    )
    for p in partitions:
        for r in replicas:
            figures = await ingest(events, p, r, everything=False)
            print(
                f"{p:10d} {r:8d} {figures['service']:11.0f} {figures['raw']:10.0f} "
                f"{figures['service'] / figures['raw']:6.3f} {figures['produced']:10.0f}"
                f"   peak RSS {', '.join(f'{m:.0f}' for m in figures['peaks'].values())} MiB"
            )


async def memory(events: int) -> None:
    print(f"== memory: the whole network while vacancies ingests {events} events (3 partitions)")
    figures = await ingest(events, 3, 1, everything=True)
    print(f"ingest {figures['service']:.0f}/s; notify matched every vacancy.opened")
    for name, mib in figures["peaks"].items():
        print(f"  peak RSS {name:12s}: {mib:6.0f} MiB")


ROOT = Path(__file__).resolve().parent.parent


def commit_of(revision: str) -> str | None:
    """The commit a git revision names in this checkout's repository, or None."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() if found.returncode == 0 else None


@contextlib.contextmanager
def checkout(commit: str) -> Iterator[Path]:
    """The sources at `commit`, unpacked in a folder of their own for as long as they are used."""
    with TemporaryDirectory(prefix="bench-against-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


async def main(args: argparse.Namespace) -> None:
    if "latency" in args.only:
        with contextlib.ExitStack() as unpacked:
            against = None
            if args.against:
                against = (args.against, unpacked.enter_context(checkout(args.against_commit)))
            await latency(
                args.seconds,
                args.rates,
                args.runs,
                args.plot,
                args.arrivals == "random",
                args.warm_up,
                against,
            )
    if "scaling" in args.only:
        await scaling(args.events, args.partitions, args.replicas)
    if "memory" in args.only:
        await memory(args.events)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="at each rate")
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 50, 100, 200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--warm-up",
        type=float,
        default=1.0,
        help="latency: seconds at each rate before it is measured, timed apart (0 for none)",
    )
    parser.add_argument(
        "--plot",
        type=lambda text: Path(text) if text else None,
        default=Path(__file__).parent / "latency.png",
        help="where the latency plot goes ('' for none; drawing needs `--group bench`)",
    )
    parser.add_argument(
        "--arrivals",
        choices=["even", "random"],
        default="even",
        help="latency: sends evenly spaced, or at random moments at the same mean rate",
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="latency: make each run also with the services of this git revision (its code, on"
        " this checkout's installed packages), to compare",
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--only",
        nargs="+",
        default=["latency", "scaling", "memory"],
        choices=["latency", "scaling", "memory"],
    )
    args = parser.parse_args()
    if args.against:
        args.against_commit = commit_of(args.against)
        if args.against_commit is None:
            parser.error(f"--against: {args.against!r} names no commit in {ROOT}")
    if "latency" in args.only and args.plot and importlib.util.find_spec("matplotlib") is None:
        # Found out before minutes of measuring, not after them.
        parser.error(
            "the latency plot needs matplotlib: `uv run --group bench python bench/network.py`"
            " (or `make bench`), or --plot '' for none"
        )
    asyncio.run(main(args))
