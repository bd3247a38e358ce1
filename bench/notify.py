"""Notify: matching one vacancy against 100,000 subscriptions (indexed query against a
brute-force scan), and e-mails per second to a local sink (pooled connections against one
connection per mail). Both sides measured in the same run.

    uv run python bench/notify.py [--subscriptions 100000 --vacancies 200 --mails 500]
"""

import argparse
import asyncio
import contextlib
import random
import sys
import time
from pathlib import Path

import aiosmtplib
import asyncpg
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).parent))
from common import FIELDS, MUNICIPALITIES, ROLES, SENTENCES, scratch_database, summary
from myndnet_kit.db import KIT_MIGRATIONS, SERVER_SETTINGS, create_pool, migrate
from myndnet_notify.adapters import deliveries, store
from myndnet_notify.adapters.mail import Mail, SmtpPool, Templates, build_message
from myndnet_notify.domain.subscriptions import Preferences, subscription_keys, vacancy_keys
from myndnet_notify.handlers.sending import Sender
from myndnet_notify.main import MIGRATIONS
from myndnet_testing import free_port, wait_until

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
                "immediate",
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
        keys += [(k, r["id"], "immediate", stems[r["id"]]) for k in subscription_keys(preferences)]
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


async def matching(subscriptions: int, vacancies: int) -> None:
    rng = random.Random(7)
    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        await migrate(conn, "kit", KIT_MIGRATIONS)
        await migrate(conn, "notify", MIGRATIONS)
        began = time.perf_counter()
        rows = await fill(conn, subscriptions, rng)
        await conn.execute(f"SET plan_cache_mode = {SERVER_SETTINGS['plan_cache_mode']}")
        print(
            f"{subscriptions} confirmed subscriptions loaded in {time.perf_counter() - began:.1f} s"
        )
        indexed, scanned = [], []
        for _ in range(vacancies):
            vacancy = {
                "agency": rng.choice(AGENCIES),
                "field": rng.choice(FIELDS),
                "municipality": rng.choice(MUNICIPALITIES)[0],
                "type": rng.choice(TYPES),
                "target_groups": pick(rng, GROUPS, 1),
                "text": f"{rng.choice(ROLES)} {rng.choice(WORDS)} " + rng.choice(SENTENCES),
            }
            began = time.perf_counter()
            keys = vacancy_keys(
                vacancy["agency"],
                vacancy["field"],
                vacancy["municipality"],
                vacancy["type"],
                vacancy["target_groups"],
            )
            found = await store.matching_subscriptions(conn, keys, vacancy["text"])
            indexed.append((time.perf_counter() - began) * 1000)
            lexemes = set(
                await conn.fetchval(
                    "SELECT tsvector_to_array(to_tsvector('swedish', $1))", vacancy["text"]
                )
            )
            began = time.perf_counter()
            expected = brute_force(rows, vacancy, lexemes)
            scanned.append((time.perf_counter() - began) * 1000)
            assert sorted(r["id"] for r in found) == sorted(expected), "the two disagree"
        await conn.close()
    print(f"match one vacancy, indexed query : {summary(indexed)}")
    print(f"match one vacancy, Python scan   : {summary(scanned)}")
    print(
        f"ratio scan / indexed (p50)       : "
        f"{sorted(scanned)[len(scanned) // 2] / sorted(indexed)[len(indexed) // 2]:.1f}x "
        "(the results were checked equal for every vacancy)"
    )


class Counting:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        return "250 OK"


def message(i: int) -> Mail:
    return build_message(
        to=f"kandidat{i}@example.org",
        subject=f"Nytt jobb {i}",
        text="Ett nytt jobb som matchar din bevakning.",
        html="<p>Ett nytt jobb som matchar din bevakning.</p>",
        message_id=f"<bench-{i}@myndnet.se>",
        unsubscribe_url=None,
    )


async def sending(mails: int, concurrency: int) -> None:
    handler = Counting()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        pool = SmtpPool("127.0.0.1", port, size=concurrency)
        began = time.perf_counter()
        await asyncio.gather(*(pool.send(message(i)) for i in range(mails)))
        pooled = mails / (time.perf_counter() - began)
        await pool.close()

        slots = asyncio.Semaphore(concurrency)

        async def one_connection_each(i: int) -> None:
            async with slots:
                mail = message(i)
                await aiosmtplib.send(
                    mail.data,
                    sender=mail.sender,
                    recipients=[mail.recipient],
                    hostname="127.0.0.1",
                    port=port,
                )

        began = time.perf_counter()
        await asyncio.gather(*(one_connection_each(i) for i in range(mails)))
        single = mails / (time.perf_counter() - began)
        assert handler.count == 2 * mails
    finally:
        controller.stop()
    print(f"e-mails/s, {concurrency} pooled connections : {pooled:8.0f}")
    print(f"e-mails/s, one connection per mail  : {single:8.0f}")
    print(f"ratio pooled / per mail             : {pooled / single:.2f}")


async def alerts(count: int) -> None:
    """notify's whole sending path (token, row lock, templates, SMTP, marking, the
    notification.sent event) for `count` queued alerts, against the SMTP pool alone."""
    handler = Counting()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with scratch_database() as url:
            pool = await create_pool(url, max_size=10)
            async with pool.acquire() as conn:
                await migrate(conn, "kit", KIT_MIGRATIONS)
                await migrate(conn, "notify", MIGRATIONS)
                subscriber = await store.add_subscriber(conn, "kandidat@example.org", "sv")
                subscription = await store.add_subscription(
                    conn, subscriber, Preferences("sv", "immediate")
                )
                await conn.execute(
                    "UPDATE subscriptions SET status = 'confirmed' WHERE id = $1", subscription
                )
                for i in range(count):
                    await deliveries.queue_alerts(
                        conn, [subscription], f"csn/V-{i}", {"vacancies": [alert_context(i)]}
                    )
            smtp = SmtpPool("127.0.0.1", port, size=4)
            sender = Sender(pool, smtp, Templates(), "http://127.0.0.1:8004")
            cpu, began = time.process_time(), time.perf_counter()
            sending = asyncio.create_task(sender.run(poll_interval=0.05))

            async def all_accepted() -> bool:
                return handler.count >= count or sending.done()

            await wait_until(all_accepted, timeout=600, interval=0.01, what="every alert")
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
            await smtp.close()
            await pool.close()
        assert handler.count == count, f"{handler.count} mails for {count} alerts"
    finally:
        controller.stop()
    print(
        f"alerts sent by notify's sender       : {count / seconds:8.0f}/s, "
        f"{cpu / count * 1000:.2f} ms of this process's CPU each"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--vacancies", type=int, default=200)
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    if args.subscriptions:
        asyncio.run(matching(args.subscriptions, args.vacancies))
    asyncio.run(sending(args.mails, args.concurrency))
    asyncio.run(alerts(args.mails))


if __name__ == "__main__":
    main()
