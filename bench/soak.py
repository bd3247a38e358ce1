"""The soak: the network's services as processes under steady traffic for half an hour, with
PostgreSQL's size and every service's memory sampled each minute.

    uv run python bench/soak.py [--minutes 30 --rate 50 --warmup 10 --vacancies 2000]

An agency's HR system publishes `--rate` events a second: its `--vacancies` vacancies first, then
updates of them in turn, each a new revision (what a register in steady use sees), with a
confirmed saved search in notify. Retention runs as in production but compressed in time:
inbox rows are kept 6 minutes instead of 7 days and the job runs every 30 s, so the tables reach
their bound inside the run. After `--warmup` minutes the curves should be flat: the script
fails when the databases or a service's resident memory grow more than `--tolerance` (10 %)
from the end of the warm-up to the end of the run.
"""

import argparse
import asyncio
import random
import re
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from common import KAFKA, random_vacancy
from myndnet_kit.db import create_pool
from myndnet_kit.kafka import TopicSpec, ensure_topics
from myndnet_schemas import VacancyUpdated, topics
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.publisher import AgencyPublisher
from myndnet_testing import ADMIN_DATABASE_URL, MailSink
from network import SERVICES, Network, network

RETENTION = {"INBOX_RETENTION_HOURS": "0.1", "RETENTION_INTERVAL_SECONDS": "30"}


def rss_mib(net: Network, name: str) -> float:
    process = net.processes[name].process
    assert process is not None
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


async def database_mib(net: Network) -> float:
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    try:
        sizes = [
            await admin.fetchval("SELECT pg_database_size($1)", url.rsplit("/", 1)[1])
            for url in net.databases.values()
        ]
    finally:
        await admin.close()
    return sum(sizes) / 2**20


async def confirmed_search(net: Network) -> None:
    """A saved search that every vacancy matches, confirmed as after the opt-in."""
    from myndnet_notify.adapters.postgres import PostgresNotify
    from myndnet_notify.domain.subscriptions import Preferences
    from myndnet_notify.handlers.subscriptions import save_preferences

    pool = await create_pool(net.databases["notify"], max_size=1)  # the kit's codecs
    try:
        async with pool.acquire() as conn:
            subscriber = await PostgresNotify(conn).add_subscriber("soak@example.org", "sv")
            wish = Preferences("sv", "immediate")
            search = await PostgresNotify(conn).add_search(subscriber, wish)
            await save_preferences(PostgresNotify(conn), search, wish)
            await conn.execute(
                "UPDATE subscriptions SET status = 'confirmed' WHERE id = $1", search
            )
    finally:
        await pool.close()


async def traffic(net: Network, rate: int, vacancies: int, stop: asyncio.Event) -> int:
    """Events at `rate` a second until `stop`: every vacancy published, then updated in turn."""
    rng, today = random.Random(2026), stockholm_today()
    ads = [random_vacancy(rng, f"S{i:05d}", today) for i in range(vacancies)]
    sent = 0
    async with AgencyPublisher(KAFKA, net.code) as publisher:
        while not stop.is_set():
            began = time.monotonic()
            batch = []
            for _ in range(rate):
                ad = ads[sent % vacancies]
                if sent >= vacancies:
                    data = ad.model_dump(exclude={"revision"})
                    ad = VacancyUpdated(**data, revision=sent // vacancies + 1)
                batch.append(ad)
                sent += 1
            await publisher.publish_many([publisher.event(p) for p in batch])
            await asyncio.sleep(max(0.0, 1 - (time.monotonic() - began)))
    return sent


async def soak(args: argparse.Namespace) -> bool:
    received = 0

    def count(message: bytes, at: float) -> None:
        nonlocal received
        received += 1

    sink = MailSink(note=count)
    sink.start()
    async with network(sink.port) as net:
        for service in SERVICES:
            await net.start(service, extra=RETENTION)
        await net.ready()
        await ensure_topics(KAFKA, [TopicSpec(topics.hr_vacancies(net.code))])
        await confirmed_search(net)
        stop = asyncio.Event()
        sending = asyncio.create_task(traffic(net, args.rate, args.vacancies, stop))
        samples: list[tuple[int, float, dict[str, float]]] = []
        print(f"soak: {args.minutes} min at {args.rate} events/s; a sample each minute")
        print(f"{'min':>4} {'PostgreSQL MiB':>15} " + " ".join(f"{s:>11}" for s in SERVICES))
        try:
            for minute in range(args.minutes + 1):
                if minute:
                    await asyncio.sleep(60)
                assert not sending.done(), sending.exception()
                rss = {name: rss_mib(net, name) for name in SERVICES}
                samples.append((minute, await database_mib(net), rss))
                print(
                    f"{minute:>4} {samples[-1][1]:>15.1f} "
                    + " ".join(f"{rss[s]:>8.1f} MiB" for s in SERVICES),
                    flush=True,
                )
        finally:
            stop.set()
            sent = await sending
            sink.stop()
    _, db_warm, rss_warm = samples[args.warmup]
    _, db_end, rss_end = samples[-1]
    growth = {"PostgreSQL": db_end / db_warm - 1}
    growth.update({s: rss_end[s] / rss_warm[s] - 1 for s in SERVICES})
    print(f"\nevents sent: {sent:,}; alerts received: {received:,}")
    print(f"growth from minute {args.warmup} to minute {args.minutes}:")
    for what, g in growth.items():
        print(f"  {what:>12}: {g:+.1%}")
    flat = all(g <= args.tolerance for g in growth.values())
    print("flat after warm-up" if flat else f"NOT flat: more than {args.tolerance:.0%} growth")
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--vacancies", type=int, default=2000)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    if not 0 <= args.warmup < args.minutes:
        parser.error("--warmup must be shorter than --minutes")
    if args.rate < 1 or args.vacancies < 1:
        parser.error("--rate and --vacancies must be at least 1")
    sys.exit(0 if asyncio.run(soak(args)) else 1)


if __name__ == "__main__":
    main()
