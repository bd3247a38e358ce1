"""Campaigns at 100,000 people who said yes to news: how long notify takes to count an audience
(the goal: under a second) and to take it when the campaign arrives; and a campaign's whole
sending path (the run that decides each person under the cap and queues the letters, then the
pooled sender) against the same letters, rendered beforehand, sent raw through an SMTP pool of
the same size to the same sink (the goal: at least 0.7 of raw). Both sides in the same run.

    uv run python bench/campaigns.py [--people 100000 --mails 4000 --trials 5]
"""

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from myndnet_kit.app import tune_garbage_collector
from myndnet_kit.db import KIT_MIGRATIONS, create_pool, migrate
from myndnet_notify.adapters import campaigns as table
from myndnet_notify.adapters.mail import Mail, SmtpPool, Templates, build_message
from myndnet_notify.handlers import campaigns
from myndnet_notify.handlers.sending import Sender
from myndnet_notify.main import MIGRATIONS
from myndnet_schemas.events.outreach import CampaignScheduled
from myndnet_testing import fresh_database, wait_until
from notify import measured, smtp_sink  # the same sink and measures as notify's alerts

CONNECTIONS = 4  # notify's default SMTP_CONNECTIONS
NOW = datetime.now(UTC)


async def people_who_said_yes(conn: asyncpg.Connection, count: int, english: int) -> None:
    """`count` addresses with a yes to news and a confirmed saved search, students in three
    of four; the last `english` write in English."""
    await conn.execute(
        """
        INSERT INTO subscribers (id, email, language, news_since)
        SELECT 'p-' || n, 'person' || n || '@example.org',
               CASE WHEN n > $1 - $2 THEN 'en' ELSE 'sv' END, now()
        FROM generate_series(1, $1) AS n
        """,
        count,
        english,
    )
    await conn.execute(
        """
        INSERT INTO subscriptions (id, status, language, frequency, agencies, occupation_fields,
            municipalities, employment_types, target_groups, keywords, keywords_given,
            subscriber_id, filter_key, confirmed_at)
        SELECT 's-' || n, 'confirmed', 'sv', 'immediate', '{*}',
               CASE WHEN n % 3 = 0 THEN '{it}' ELSE '{investigation,law}' END::text[],
               '{sundsvall}', '{*}',
               CASE WHEN n % 4 = 0 THEN '{graduates}' ELSE '{students}' END::text[],
               '{}', '{}', 'p-' || n, 'k' || n, now()
        FROM generate_series(1, $1) AS n
        """,
        count,
    )
    await conn.execute("ANALYZE subscribers; ANALYZE subscriptions")


def campaign(campaign_id: str, **audience: list[str]) -> CampaignScheduled:
    today = NOW.date()
    return CampaignScheduled(
        campaign_id=campaign_id,
        audience=audience,
        mail_subject={"sv": "Karriärdag för studenter", "en": "Career day for students"},
        text={"sv": "Träffa myndigheterna.", "en": "Meet the agencies."},
        link="https://example.org/karriardag",
        window={
            "first_day": today - timedelta(days=1),
            "last_day": today + timedelta(days=1),
            "from_hour": 0,
            "to_hour": 24,
            "weekdays_only": False,
        },
    )


def campaign_letter(templates: Templates, i: int) -> Mail:
    """A campaign mail as notify writes it, for the raw side: the same bytes on the wire."""
    context = {
        "campaign_subject": "Career day for students",
        "campaign_text": "Meet the agencies.",
        "visit_url": "http://127.0.0.1:8000/en/kampanj/cmp-bench",
        "unsubscribe_url": "http://127.0.0.1:8004/unsubscribe/news?token=" + "x" * 43,
        "manage_url": "http://127.0.0.1:8000/en/bevakning/hantera?token=" + "y" * 43,
    }
    subject, text, html = templates.render("campaign", "en", context)
    return build_message(
        to=f"person{i}@example.org",
        subject=subject,
        text=text,
        html=html,
        message_id=f"<bench-{i}@myndnet.se>",
        unsubscribe_url=context["unsubscribe_url"],
    )


async def counting(people: int) -> tuple[float, float, int]:
    """The audience of a campaign to students counted (median of five, ms), and taken when the
    campaign arrives (ms), at `people` addresses."""
    async with fresh_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, "kit", KIT_MIGRATIONS)
            await migrate(conn, "notify", MIGRATIONS)
            await people_who_said_yes(conn, people, 0)
            students = {"target_groups": ["students"], "occupation_fields": ["law"]}
            times = []
            for _ in range(5):
                began = time.perf_counter()
                count = await table.audience_count(conn, students)
                times.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            taken = await table.receive(conn, campaign("cmp-count", **students))
            receive_ms = (time.perf_counter() - began) * 1000
            assert taken == count, (taken, count)
        finally:
            await conn.close()
    return statistics.median(times), receive_ms, count


async def sending(people: int, mails: int) -> tuple[float, float]:
    """Letters a second: raw pooled SMTP, and a campaign's whole path (decide, queue, send)."""
    templates = Templates()
    with smtp_sink(lean=False) as (port, accepted, sink_pid):
        letters = [campaign_letter(templates, i) for i in range(mails)]
        tune_garbage_collector()
        smtp = SmtpPool("127.0.0.1", port, size=CONNECTIONS)
        async with measured(sink_pid, mails) as raw:
            await asyncio.gather(*(smtp.send(lambda m=m: m) for m in letters))
        await smtp.close()
        assert accepted.value == mails

        async with fresh_database() as url:
            pool = await create_pool(url, max_size=10)
            async with pool.acquire() as conn:
                await migrate(conn, "kit", KIT_MIGRATIONS)
                await migrate(conn, "notify", MIGRATIONS)
                await people_who_said_yes(conn, people, mails)
                # Those who write in English, students or not: `mails` people.
                await table.receive(conn, campaign("cmp-bench", languages=["en"]))
            smtp = SmtpPool("127.0.0.1", port, size=CONNECTIONS)
            sender = Sender(pool, smtp, templates, "http://127.0.0.1:8004", "http://127.0.0.1:8000")

            async def all_accepted() -> bool:
                return accepted.value >= 2 * mails or running.done()

            async with measured(sink_pid, mails) as whole:
                running = asyncio.create_task(sender.run(poll_interval=0.05))
                ran = await campaigns.run(pool, NOW, cap=2)
                await wait_until(all_accepted, timeout=600, interval=0.005, what="every letter")
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            async with pool.acquire() as conn:
                sent = await conn.fetchval(
                    "SELECT count(*) FROM deliveries WHERE kind = 'campaign' AND status = 'sent'"
                )
            await pool.close()
        assert ran["queued"] == mails, ran
        assert accepted.value == 2 * mails and sent == mails, (accepted.value, sent)
    return raw[0].rate, whole[0].rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--mails", type=int, default=4000)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    count_ms, receive_ms, audience = asyncio.run(counting(args.people))
    print(
        f"audience of {audience} among {args.people} people who said yes: counted in "
        f"{count_ms:.0f} ms (median of 5; goal under 1000 ms), taken on arrival in "
        f"{receive_ms:.0f} ms"
    )
    ratios = []
    for trial in range(1, args.trials + 1):
        raw, whole = asyncio.run(sending(args.people, args.mails))
        ratios.append(whole / raw)
        print(
            f"trial {trial}: raw {CONNECTIONS} pooled connections {raw:6.0f} letters/s; a "
            f"campaign's whole path {whole:6.0f} letters/s: {whole / raw:.2f}x"
        )
    print(
        f"campaign sending / raw pooled SMTP: median {statistics.median(ratios):.2f}x, "
        f"{min(ratios):.2f}-{max(ratios):.2f}x over {args.trials} trials (goal at least 0.70x; "
        f"{args.mails} letters of a campaign among {args.people} people, each accepted once)"
    )


if __name__ == "__main__":
    main()
