"""Faults against campaigns: notify killed (SIGKILL) in the middle of a campaign to thousands
of people who said yes to news; afterwards every one of them has exactly one mail."""

from collections import Counter
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from mail import notify_process
from myndnet_kit.db import create_pool
from myndnet_schemas import Event
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.events.outreach import CampaignScheduled
from myndnet_testing import MailSink, TestNetwork, produce, wait_until

from conftest import report, scale

pytestmark = pytest.mark.integration


async def students_who_said_yes(database_url: str, count: int) -> None:
    """Confirmed saved searches for students, each address with a yes to news, in bulk."""
    pool = await create_pool(database_url, max_size=2)
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                """
                INSERT INTO subscribers (id, email, language, news_since)
                SELECT 'p-c' || n, 'student' || n || '@example.org', 'sv', now()
                FROM generate_series(1, $1) AS n;
                """,
                count,
            )
            await conn.execute(
                """
                INSERT INTO subscriptions (id, status, language, frequency, agencies,
                    occupation_fields, municipalities, employment_types, target_groups, keywords,
                    keywords_given, subscriber_id, filter_key, confirmed_at)
                SELECT 's-c' || n, 'confirmed', 'sv',
                       'immediate', '{*}', '{*}', '{*}', '{*}', '{students}', '{}', '{}',
                       'p-c' || n, 'c' || n, now()
                FROM generate_series(1, $1) AS n
                """,
                count,
            )
    finally:
        await pool.close()


async def test_notify_killed_in_the_middle_of_a_campaign_mails_everyone_exactly_once(
    kafka_bootstrap, database_url, unique, tmp_path
):
    net = TestNetwork(kafka_bootstrap, unique)
    sink = MailSink(delay=0.005)
    sink.start()
    topic = f"outreach.activities.{unique}"
    services, process, _ = notify_process(
        net,
        kafka_bootstrap,
        database_url,
        sink,
        unique,
        Path(tmp_path) / "notify.log",
        NOTIFY_OUTREACH_TOPIC=topic,
        NOTIFY_CAMPAIGN_SECONDS="0.5",
    )
    people = scale(400, 2000)
    today = stockholm_today()
    campaign = CampaignScheduled(
        campaign_id=f"cmp-{unique}",
        audience={"target_groups": ["students"]},
        mail_subject={"sv": "Karriärdag"},
        text={"sv": "Välkommen till karriärdagen."},
        link="https://example.org/karriardag",
        window={
            "first_day": today - timedelta(days=1),
            "last_day": today + timedelta(days=1),
            "from_hour": 0,
            "to_hour": 24,
            "weekdays_only": False,
        },
    )
    try:
        process.start()
        await services.ready("notify")
        await students_who_said_yes(database_url, people)
        await produce(kafka_bootstrap, topic, [Event.new(campaign, source="/services/outreach")])

        async def received(wanted: int) -> bool:
            return len(sink.received) >= wanted

        await wait_until(
            lambda: received(people // 3), timeout=120, interval=0.01, what="a third mailed"
        )
        process.kill()
        at_kill = len(sink.received)
        process.start()
        await services.ready("notify")

        async def all_sent() -> bool:
            conn = await asyncpg.connect(database_url)
            try:
                sent = "SELECT count(*) FROM deliveries WHERE kind = 'campaign' AND status = 'sent'"
                return await conn.fetchval(sent) == people
            finally:
                await conn.close()

        await wait_until(all_sent, timeout=scale(120, 600), interval=0.2, what="everyone mailed")
        conn = await asyncpg.connect(database_url)
        try:
            decided = dict(
                await conn.fetch("SELECT status, count(*) FROM campaign_recipients GROUP BY status")
            )
        finally:
            await conn.close()
    finally:
        process.terminate()
        sink.stop()
    letters_per_person = Counter(
        to for to, _ in {(to, message_id) for to, message_id, _ in sink.received}
    )
    report(
        "notify killed in the middle of a campaign",
        audience=people,
        received_when_killed=at_kill,
        delivered=len(sink.received),
        people_mailed=len(letters_per_person),
        people_with_two_letters=sum(1 for n in letters_per_person.values() if n > 1),
        sent_again_same_message_id=len(sink.received) - sum(letters_per_person.values()),
    )
    assert decided == {"sent": people}
    assert len(letters_per_person) == people  # nobody missing
    assert set(letters_per_person.values()) == {1}  # one letter each (a resend keeps its id)
