"""What the benchmarks share: a scratch database, a scratch network on the broker, Swedish data."""

import contextlib
import os
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from myndnet_kit.kafka import TopicSpec, compacted, ensure_topics, stop_consumer, topic_partitions
from myndnet_schemas import AgencyRegistered, Event, VacancyPublished, topics
from myndnet_testing import produce

KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")

ROLES = [
    "Systemutvecklare",
    "Handläggare",
    "Jurist",
    "Controller",
    "Utredare",
    "Kommunikatör",
    "HR-specialist",
    "IT-arkitekt",
    "Säkerhetsskyddschef",
    "Enhetschef",
    "Processledare",
    "Testledare",
    "Registrator",
    "Analytiker",
    "Domstolssekreterare",
    "Tulltjänsteman",
    "Kriminalvårdare",
    "Ekonom",
    "Upphandlare",
    "Verksamhetsutvecklare",
]
PLACES = [
    "inom studiestöd",
    "till folkbokföringen",
    "på enheten för digitalisering",
    "vid förvaltningsrätten",
    "inom brottsbekämpning",
    "till kundservice",
    "inom pensionsadministration",
    "för krisberedskap",
    "vid tingsrätten",
    "inom informationssäkerhet",
]
SENTENCES = [
    "Vill du arbeta med samhällsviktiga frågor i Sundsvall?",
    "Du blir en del av ett engagerat team med god sammanhållning.",
    "Vi erbjuder flexibla arbetstider och friskvårdstimme.",
    "Erfarenhet av agilt arbetssätt är meriterande.",
    "Tjänsten kan kräva resor inom regionen.",
    "Du har god förmåga att uttrycka dig i tal och skrift på svenska.",
    "Vi arbetar aktivt med kompetensutveckling och mentorskap.",
    "Hos oss får du utvecklas tillsammans med kunniga kollegor.",
]
FIELDS = [
    "it",
    "law",
    "finance",
    "administration",
    "hr",
    "communication",
    "investigation",
    "customer_service",
    "management",
    "security",
]
MUNICIPALITIES = [
    ("Sundsvall", "2281"),
    ("Härnösand", "2280"),
    ("Timrå", "2262"),
    ("Kramfors", "2282"),
    ("Östersund", "2380"),
]


def process_cpu(pid: int) -> float:
    """Seconds of CPU a process has used (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes_cpu(command_part: str) -> float:
    """Seconds of CPU used by every running process whose command line holds `command_part`
    (the broker's JVM, PostgreSQL's backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            if command_part.encode() in (entry / "cmdline").read_bytes():
                total += process_cpu(int(entry.name))
    return total


def machine_cpu() -> float:
    """Seconds of CPU the whole machine has been busy, all cores together."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):.2f} ms, p99 {percentile(values, 99):.2f} ms, "
        f"mean {statistics.fmean(values):.2f} ms (n={len(values)})"
    )


def random_vacancy(rng: random.Random, vacancy_id: str, today: date) -> VacancyPublished:
    municipality, code = rng.choice(MUNICIPALITIES)
    published = today - timedelta(days=rng.randint(0, 30))
    return VacancyPublished(
        vacancy_id=vacancy_id,
        revision=1,
        title=f"{rng.choice(ROLES)} {rng.choice(PLACES)}",
        description=" ".join(rng.sample(SENTENCES, 4)),
        occupation_field=rng.choice(FIELDS),
        employment_type=rng.choice(["permanent"] * 6 + ["fixed_term", "summer_job", "trainee"]),
        extent=rng.choice(["full_time"] * 4 + ["part_time"]),
        municipality=municipality,
        municipality_code=code,
        remote=rng.choice(["on_site", "hybrid", "remote"]),
        target_groups=rng.sample(
            ["students", "graduates", "experienced", "managers"], rng.randint(0, 2)
        ),
        published_on=published,
        application_deadline=published + timedelta(days=60),
        apply_url=f"https://example.se/jobb/{vacancy_id}",
    )


async def register_agencies(membership_topic: str, codes: list[str]) -> None:
    await ensure_topics(KAFKA, [compacted(membership_topic)])
    await produce(
        KAFKA,
        membership_topic,
        [
            Event.new(
                AgencyRegistered(
                    code=c,
                    name=f"Myndigheten {c}",
                    kind="agency",
                    role="member",
                    status="active",
                    joined_on="2023-11-28",
                ),
                source="/services/membership",
            )
            for c in codes
        ],
    )


async def fill_topic(topic: str, events: list[Event], partitions: int) -> float:
    """Create the topic and publish the events; returns the seconds it took."""
    await ensure_topics(KAFKA, [TopicSpec(topic, partitions)])
    started = time.perf_counter()
    for start in range(0, len(events), 5000):
        await produce(KAFKA, topic, events[start : start + 5000])
    return time.perf_counter() - started


async def raw_drain(topic: str, max_records: int = 500) -> tuple[int, float]:
    """A raw aiokafka `getmany` drain of the whole topic: (records, seconds)."""
    partitions = [TopicPartition(topic, p) for p in await topic_partitions(KAFKA, topic)]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=KAFKA,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 << 20,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends.values())
        count = 0
        started = time.perf_counter()
        while count < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=max_records)
            count += sum(len(records) for records in batch.values())
        return count, time.perf_counter() - started
    finally:
        await stop_consumer(consumer)


def agency_topic(code: str) -> str:
    return topics.hr_vacancies(code)
