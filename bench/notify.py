"""Notify: which saved searches a vacancy satisfies, from the index each replica keeps in
memory against a scan of every search, at 100,000 and 1,000,000 saved searches (answers
checked equal); what `vacancy.opened` costs the consumer's handler in batches of 1, 2 and 100
(each batch saved a statement a table); and the whole sending path against raw pooled SMTP to
the same sink. Both sides of each comparison measured in the same run.

    uv run python bench/notify.py [--searches 100000,1000000 --vacancies 200 --mails 4000]
                                  [--batches 1,2,100 --opened 2000] [--sink aiosmtpd|lean]
"""

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiosmtplib
import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    FIELDS,
    MUNICIPALITIES,
    ROLES,
    SENTENCES,
    machine_cpu,
    process_cpu,
    processes_cpu,
    summary,
)
from common import (
    percentile as p,
)
from myndnet_kit.app import tune_garbage_collector
from myndnet_kit.classify import Incoming
from myndnet_kit.db import KIT_MIGRATIONS, create_pool, migrate
from myndnet_notify.adapters import deliveries, saved_searches
from myndnet_notify.adapters.mail import Mail, SmtpPool, Templates, build_message
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.delivery import VacancyAlert
from myndnet_notify.domain.subscriptions import Preferences, subscription_keys, vacancy_keys
from myndnet_notify.handlers.events import on_vacancy_events
from myndnet_notify.handlers.matching import SavedSearches
from myndnet_notify.handlers.sending import Sender
from myndnet_notify.handlers.subscriptions import save_preferences
from myndnet_notify.main import MIGRATIONS
from myndnet_schemas import Event, VacancyOpened
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import MailSink, free_port, fresh_database, wait_until

AGENCIES = ["csn", "skatteverket", "tullverket", "bolagsverket", "spv", "miun", "digg", "msb"]
TYPES = ["permanent", "fixed_term", "summer_job", "trainee"]
GROUPS = ["students", "graduates", "experienced", "managers"]
WORDS = ["utvecklare", "jurist", "handläggare", "controller", "utredare", "analytiker"]


def pick(rng: random.Random, values: list[str], most: int) -> list[str]:
    return sorted(rng.sample(values, rng.randint(0, most)))


async def fill(conn: asyncpg.Connection, count: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": f"s-{i:06d}",
                "email": f"kandidat{i}@example.org",
                "agencies": pick(rng, AGENCIES, 2) or ["*"],
                "occupation_fields": pick(rng, FIELDS, 2) or ["*"],
                "municipalities": [m.lower() for m in pick(rng, [m for m, _ in MUNICIPALITIES], 1)]
                or ["*"],
                "employment_types": pick(rng, TYPES, 1) or ["*"],
                "target_groups": pick(rng, GROUPS, 1) or ["*"],
                "keywords_given": pick(rng, WORDS, 1),
                "frequency": rng.choice(["immediate", "immediate", "daily", "weekly"]),
            }
        )
    await conn.copy_records_to_table(
        "subscribers",
        records=[("p-" + r["id"][2:], r["email"], "sv") for r in rows],
        columns=["id", "email", "language"],
    )
    await conn.copy_records_to_table(
        "subscriptions",
        records=[
            (
                r["id"],
                "p-" + r["id"][2:],
                "",
                "confirmed",
                "sv",
                r["frequency"],
                r["agencies"],
                r["occupation_fields"],
                r["municipalities"],
                r["employment_types"],
                r["target_groups"],
                ["*"],
                r["keywords_given"],
            )
            for r in rows
        ],
        columns=[
            "id",
            "subscriber_id",
            "filter_key",
            "status",
            "language",
            "frequency",
            "agencies",
            "occupation_fields",
            "municipalities",
            "employment_types",
            "target_groups",
            "keywords",
            "keywords_given",
        ],
    )
    await conn.execute(
        "UPDATE subscriptions SET keywords = coalesce(nullif(tsvector_to_array(to_tsvector("
        "'swedish', array_to_string(keywords_given, ' '))), '{}'), ARRAY['*'])"
    )
    stems = {
        r["id"]: sorted(r["keywords"])
        for r in await conn.fetch("SELECT id, keywords FROM subscriptions")
    }
    keys = []
    for r in rows:
        r["keywords"] = set(stems[r["id"]])
        preferences = Preferences(
            "sv",
            "immediate",
            *(
                tuple(v for v in r[f] if v != "*")
                for f in (
                    "agencies",
                    "occupation_fields",
                    "municipalities",
                    "employment_types",
                    "target_groups",
                )
            ),
        )
        keys += [
            (k, r["id"], r["frequency"], stems[r["id"]]) for k in subscription_keys(preferences)
        ]
    await conn.copy_records_to_table(
        "subscription_keys",
        records=keys,
        columns=["key", "subscription_id", "frequency", "keywords"],
    )
    await conn.execute("ANALYZE subscriptions")
    await conn.execute("ANALYZE subscription_keys")
    return rows


def brute_force(rows: list[dict], vacancy: dict, lexemes: set[str]) -> list[str]:
    """Every subscription checked in Python: what the index is there to avoid."""
    groups = set(vacancy["target_groups"]) or set(GROUPS)

    def allows(values, value) -> bool:
        return values == ["*"] or value in values

    return [
        r["id"]
        for r in rows
        if allows(r["agencies"], vacancy["agency"])
        and allows(r["occupation_fields"], vacancy["field"])
        and allows(r["municipalities"], vacancy["municipality"].lower())
        and allows(r["employment_types"], vacancy["type"])
        and (r["target_groups"] == ["*"] or groups & set(r["target_groups"]))
        and (r["keywords"] == {"*"} or r["keywords"] & lexemes)
    ]


@contextlib.asynccontextmanager
async def longest_stall(tick: float = 0.01) -> AsyncIterator[list[float]]:
    """The gaps between ticks of the event loop while the body runs, in seconds, beyond the
    tick itself: how long the loop stood still (a consumer's Kafka heartbeats, a service's
    HTTP answers wait as long)."""
    gaps: list[float] = [0.0]

    async def ticking() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(tick)
            now = time.perf_counter()
            gaps.append(max(0.0, now - last - tick))
            last = now

    ticker = asyncio.create_task(ticking())
    try:
        yield gaps
    finally:
        ticker.cancel()


async def matching(subscriptions: int, vacancies: int, rng: random.Random) -> dict[str, list]:
    """One size: the saved searches in a scratch database, notify's index built from the table
    as a replica builds it, then each vacancy matched by the index and by the scan."""
    async with fresh_database() as url:
        conn = await asyncpg.connect(url)
        await migrate(conn, "kit", KIT_MIGRATIONS)
        await migrate(conn, "notify", MIGRATIONS)
        began = time.perf_counter()
        rows = await fill(conn, subscriptions, rng)
        loaded = time.perf_counter() - began
        searches = SavedSearches()
        began = time.perf_counter()
        async with longest_stall() as stalls:
            await searches.bring_up_to_date(conn)
        built = time.perf_counter() - began
        print(
            f"{subscriptions:>9} saved searches: stored in {loaded:.0f} s, "
            f"indexed from the table in {built:.1f} s; the event loop stood still at most "
            f"{max(stalls) * 1000:.0f} ms meanwhile"
        )
        times: dict[str, list] = {"bitmap": [], "named": [], "scan": [], "found": []}
        for _ in range(vacancies):
            vacancy = {
                "agency": rng.choice(AGENCIES),
                "field": rng.choice(FIELDS),
                "municipality": rng.choice(MUNICIPALITIES)[0],
                "type": rng.choice(TYPES),
                "target_groups": pick(rng, GROUPS, 1),
                "text": f"{rng.choice(ROLES)} {rng.choice(WORDS)} " + rng.choice(SENTENCES),
            }
            [stems] = await saved_searches.stems_of(conn, [vacancy["text"]])
            began = time.perf_counter()
            keys = vacancy_keys(
                vacancy["agency"],
                vacancy["field"],
                vacancy["municipality"],
                vacancy["type"],
                vacancy["target_groups"],
            )
            numbers = searches.index.matching(keys, stems)
            times["bitmap"].append((time.perf_counter() - began) * 1000)
            found = searches.index.named(numbers)
            times["named"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            expected = brute_force(rows, vacancy, set(stems))
            times["scan"].append((time.perf_counter() - began) * 1000)
            assert sorted(found.immediate + found.later) == sorted(expected), "the two disagree"
            times["found"].append(len(expected))
        await conn.close()
    print(f"  index, the searches' numbers (a bitmap)  : {summary(times['bitmap'])}")
    print(f"  index, the searches named                : {summary(times['named'])}")
    print(f"  Python scan of every search              : {summary(times['scan'])}")
    print(
        f"  scan / index named: p50 {p(times['scan'], 50) / p(times['named'], 50):.0f}x, "
        f"p99 {p(times['scan'], 99) / p(times['named'], 99):.0f}x; "
        f"{statistics.fmean(times['found']):.0f} searches found per vacancy on average; "
        "every answer checked equal to the scan's"
    )
    return times


def compare_matching(sizes: list[int], vacancies: int) -> None:
    results = {size: asyncio.run(matching(size, vacancies, random.Random(7))) for size in sizes}
    for small, large in itertools.pairwise(sizes):
        a, b = results[small], results[large]
        print(
            f"from {small} to {large} saved searches, p99 per vacancy grows "
            f"{p(b['bitmap'], 99) / p(a['bitmap'], 99):.1f}x for the numbers, "
            f"{p(b['named'], 99) / p(a['named'], 99):.1f}x named, "
            f"{p(b['scan'], 99) / p(a['scan'], 99):.1f}x for the scan "
            f"(searches found: {statistics.fmean(b['found']) / statistics.fmean(a['found']):.1f}x)"
        )


async def handle_in_batches(size: int, count: int) -> tuple[float, float, float]:
    """`count` vacancy.opened events through notify's vacancy handler, `size` to a batch (a
    transaction each, as the consumer applies them), against 20 confirmed saved searches
    (half immediate, half daily; half with a keyword, so texts are stemmed): vacancies a
    second, and the handler's and PostgreSQL's CPU a vacancy in ms."""
    today = stockholm_today()
    events = [
        Incoming(
            Event.new(
                VacancyOpened(
                    agency="csn",
                    vacancy_id=f"V-{i}",
                    revision=1,
                    title=f"Handläggare {i}",
                    description="Studiestöd, och en jurist till enheten.",
                    occupation_field="law",
                    employment_type="permanent",
                    extent="full_time",
                    municipality="Sundsvall",
                    remote="hybrid",
                    published_on=today,
                    application_deadline=today + timedelta(days=20),
                    apply_url=f"https://example.se/jobb/V-{i}",
                ),
                source="/services/vacancies",
            ),
            None,  # type: ignore[arg-type]  # the handler does not read the record
        )
        for i in range(count)
    ]
    async with fresh_database() as url:
        pool = await create_pool(url)
        async with pool.acquire() as conn:
            await migrate(conn, "kit", KIT_MIGRATIONS)
            await migrate(conn, "notify", MIGRATIONS)
            for n in range(20):
                wish = Preferences(
                    "sv",
                    "immediate" if n % 2 else "daily",
                    agencies=("csn",),
                    keywords=("jurist",) if n % 4 < 2 else (),
                )
                subscriber = await PostgresNotify(conn).add_subscriber(f"p{n}@example.org", "sv")
                search = await PostgresNotify(conn).add_search(subscriber, wish)
                await conn.execute(
                    "UPDATE subscriptions SET status = 'confirmed' WHERE id = $1", search
                )
                await save_preferences(PostgresNotify(conn), search, wish)
            searches = SavedSearches()
            database, own, began = (
                processes_cpu("postgres"),
                time.process_time(),
                time.perf_counter(),
            )
            for first in range(0, count, size):
                async with conn.transaction():
                    await on_vacancy_events(conn, events[first : first + size], searches, str.upper)
            seconds = time.perf_counter() - began
            own, database = time.process_time() - own, processes_cpu("postgres") - database
            alerts = await conn.fetchval("SELECT count(*) FROM deliveries")
        await pool.close()
    assert alerts == count * 10, f"{alerts} alerts for {count} vacancies"
    return count / seconds, own * 1000 / count, database * 1000 / count


def compare_batches(sizes: list[int], count: int) -> None:
    """The handler's cost a vacancy by batch size, against batches of one, in the same run."""
    measured = {size: asyncio.run(handle_in_batches(size, count)) for size in sizes}
    rate_1, own_1, database_1 = measured[sizes[0]]
    for size, (rate, own, database) in measured.items():
        print(
            f"vacancy.opened in batches of {size:4}: {rate:6.0f} vacancies/s "
            f"({rate / rate_1:.1f}x batches of {sizes[0]}); CPU a vacancy: handler {own:.3f} ms "
            f"({own / own_1:.2f}x), PostgreSQL {database:.3f} ms ({database / database_1:.2f}x)"
        )


def run_sink(port: int, count, ready, stop, lean: bool) -> None:
    def note(message: bytes, at: float) -> None:
        with count.get_lock():
            count.value += 1

    sink = MailSink(port=port, note=note, lean=lean)
    sink.start()
    ready.set()
    stop.wait()
    sink.stop()


@contextlib.contextmanager
def smtp_sink(lean: bool):
    """An SMTP server that accepts and counts, in a process of its own: in this one it would
    share the interpreter lock with what is measured, and the more work the measured side does
    the longer the sink waits for the lock, which measures the lock rather than the sender.
    aiosmtpd's, or the lean one (`--sink lean`), which costs a third of its CPU a letter, so
    that the two senders' own costs decide the ratio more."""
    count, ready, stop = (
        multiprocessing.Value("i", 0),
        multiprocessing.Event(),
        multiprocessing.Event(),
    )
    port = free_port()
    process = multiprocessing.Process(
        target=run_sink, args=(port, count, ready, stop, lean), daemon=True
    )
    process.start()
    ready.wait(10)
    try:
        yield port, count, process.pid
    finally:
        stop.set()
        process.join(10)


def letter(templates: Templates, i: int) -> Mail:
    """An alert as notify writes it, for the raw side: the same bytes on the wire."""
    context = {
        "vacancies": [alert_context(i)],
        "unsubscribe_url": "http://127.0.0.1:8004/unsubscribe?token=" + "x" * 43,
        "manage_url": "http://127.0.0.1:8000/bevakning/hantera?token=" + "y" * 43,
    }
    subject, text, html = templates.render("vacancy_alert", "sv", context)
    return build_message(
        to=f"kandidat{i}@example.org",
        subject=subject,
        text=text,
        html=html,
        message_id=f"<bench-{i}@myndnet.se>",
        unsubscribe_url=context["unsubscribe_url"],
    )


@dataclass
class Side:
    """One side of the comparison: letters a second, and the CPU each letter cost the sender
    (this process), the sink and the rest of the machine (PostgreSQL, for notify's side)."""

    rate: float
    sender_ms: float
    sink_ms: float
    rest_ms: float
    longest_stall_ms: float  # the sender's event loop: every connection's replies waited

    @property
    def cpu_ms(self) -> float:
        return self.sender_ms + self.sink_ms + self.rest_ms


@contextlib.asynccontextmanager
async def measured(sink_pid: int, letters: int) -> AsyncIterator[list[Side]]:
    """Time and CPU of what runs inside, as a `Side` appended to the yielded list."""
    sides: list[Side] = []
    own, sink, machine = time.process_time(), process_cpu(sink_pid), machine_cpu()
    began = time.perf_counter()
    async with longest_stall(tick=0.001) as stalls:
        yield sides
    seconds = time.perf_counter() - began
    own = time.process_time() - own
    sink = process_cpu(sink_pid) - sink
    rest = machine_cpu() - machine - own - sink
    per = 1000 / letters
    sides.append(
        Side(letters / seconds, own * per, sink * per, max(rest, 0) * per, max(stalls) * 1000)
    )


async def sending(mails: int, connections: int, lean: bool) -> tuple[Side, float, Side]:
    """notify's whole sending path (claim, link tokens, templates, SMTP, marking, the
    notification.sent events) for `mails` queued alerts, against the same letters, built
    beforehand, sent through an SMTP pool of the same size to the same sink."""
    templates = Templates()
    with smtp_sink(lean) as (port, accepted, sink_pid):
        letters = [letter(templates, i) for i in range(mails)]
        # As in the services: what start-up made is frozen out of the cyclic collector, which
        # runs seldom. With the defaults, one full collection over the benchmark's own objects
        # stopped the event loop for 80-130 ms in the middle of notify's side.
        tune_garbage_collector()
        smtp = SmtpPool("127.0.0.1", port, size=connections)
        async with measured(sink_pid, mails) as raw:
            await asyncio.gather(*(smtp.send(lambda m=m: m) for m in letters))
        await smtp.close()
        assert accepted.value == mails, f"{accepted.value} of {mails} accepted"

        slots = asyncio.Semaphore(connections)

        async def one_connection_each(mail: Mail) -> None:
            async with slots:
                await aiosmtplib.send(
                    mail.data,
                    sender=mail.sender,
                    recipients=[mail.recipient],
                    hostname="127.0.0.1",
                    port=port,
                )

        began = time.perf_counter()
        await asyncio.gather(*(one_connection_each(m) for m in letters))
        single = mails / (time.perf_counter() - began)
        assert accepted.value == 2 * mails

        async with fresh_database() as url:
            pool = await create_pool(url, max_size=10)
            async with pool.acquire() as conn:
                await migrate(conn, "kit", KIT_MIGRATIONS)
                await migrate(conn, "notify", MIGRATIONS)
                subscriber = await PostgresNotify(conn).add_subscriber("kandidat@example.org", "sv")
                subscription = await PostgresNotify(conn).add_search(
                    subscriber, Preferences("sv", "immediate")
                )
                await conn.execute(
                    "UPDATE subscriptions SET status = 'confirmed' WHERE id = $1", subscription
                )
                await deliveries.queue_alerts(
                    conn,
                    [
                        VacancyAlert(
                            f"csn/V-{i}", {"vacancies": [alert_context(i)]}, [subscription]
                        )
                        for i in range(mails)
                    ],
                )
            smtp = SmtpPool("127.0.0.1", port, size=connections)
            sender = Sender(pool, smtp, templates, "http://127.0.0.1:8004", "http://127.0.0.1:8000")

            async def all_accepted() -> bool:
                return accepted.value >= 3 * mails or running.done()

            async with measured(sink_pid, mails) as whole:
                running = asyncio.create_task(sender.run(poll_interval=0.05))
                await wait_until(all_accepted, timeout=600, interval=0.005, what="every alert")
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            async with pool.acquire() as conn:
                marked = await conn.fetchval(
                    "SELECT count(*) FROM deliveries WHERE status = 'sent'"
                )
                announced = await conn.fetchval("SELECT count(*) FROM outbox")
            await pool.close()
        assert accepted.value == 3 * mails, f"{accepted.value - 2 * mails} mails for {mails} alerts"
        assert marked == announced == mails, f"{marked} marked sent, {announced} announced"
    return raw[0], single, whole[0]


def compare_sending(mails: int, connections: int, trials: int, lean: bool) -> None:
    """Raw and notify's path side by side, `trials` times: the machine is shared, and one
    pair can be 30 % off the next. Each side's CPU a letter is printed by process: on a
    machine of two cores the sink and PostgreSQL share the CPU with the sender, so what notify
    spends on each letter is taken from the sink too."""
    ratios = []
    for trial in range(1, trials + 1):
        raw, single, whole = asyncio.run(sending(mails, connections, lean))
        ratios.append(whole.rate / raw.rate)
        print(
            f"trial {trial}: raw {connections} pooled connections {raw.rate:6.0f} letters/s, "
            f"one connection per letter {single:5.0f}/s; notify's whole path {whole.rate:6.0f} "
            f"alerts/s: {whole.rate / raw.rate:.2f}x"
        )
        for name, side in (("raw", raw), ("notify", whole)):
            print(
                f"  CPU a letter, {name:6}: {side.cpu_ms:.2f} ms = sender {side.sender_ms:.2f}"
                f" + sink {side.sink_ms:.2f} + rest of the machine {side.rest_ms:.2f}; the"
                f" sender's event loop stood still at most {side.longest_stall_ms:.0f} ms"
            )
    print(
        f"notify's whole sending path / raw pooled SMTP: median {statistics.median(ratios):.2f}x, "
        f"{min(ratios):.2f}-{max(ratios):.2f}x over {trials} trials "
        "(every alert accepted once, marked sent and announced)"
    )


def alert_context(i: int) -> dict:
    return {
        "key": f"csn/V-{i}",
        "title": f"Handläggare {i} inom studiestöd",
        "agency_name": "Centrala studiestödsnämnden",
        "municipality": "Sundsvall",
        "application_deadline": "2027-01-31",
        "apply_url": f"https://example.se/jobb/V-{i}",
    }


def at_least_one(text: str) -> int:
    """A whole number of 1 or more, for argparse."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number of 1 or more")
    return number


def whole_numbers(text: str) -> list[int]:
    """Comma-separated whole numbers of 1 or more, for argparse; empty is none."""
    return [at_least_one(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--searches",
        default="100000,1000000",
        help="sizes, comma-separated; 0 skips matching",
    )
    parser.add_argument("--vacancies", type=int, default=200)
    parser.add_argument(
        "--batches",
        type=whole_numbers,
        default="1,2,100",
        help="batch sizes for vacancy.opened, comma-separated; empty skips",
    )
    parser.add_argument(
        "--opened", type=at_least_one, default=2000, help="vacancy.opened events a size"
    )
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument(
        "--sink",
        choices=["aiosmtpd", "lean"],
        default="aiosmtpd",
        help="the SMTP server both sides send to (aiosmtpd: as in the figures recorded so far)",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.searches.split(",") if int(size)]
    if sizes:
        compare_matching(sizes, args.vacancies)
    if args.batches:
        compare_batches(args.batches, args.opened)
    if args.mails:
        compare_sending(args.mails, args.connections, args.trials, args.sink == "lean")


if __name__ == "__main__":
    main()
