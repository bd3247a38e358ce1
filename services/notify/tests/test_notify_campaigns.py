"""Campaigns in PostgreSQL: who an audience holds, what each person's place becomes, the letters
queued once, the counts. Real PostgreSQL: the audience is SQL over saved searches and
interests that a fake could only imitate."""

from datetime import UTC, date, datetime, timedelta

import pytest
from myndnet_notify.adapters import campaigns as table
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.news import Interest, decide
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.main import MIGRATIONS
from myndnet_schemas.events.outreach import CampaignScheduled
from myndnet_testing import migrated_connection
from test_notify_store import saved

pytestmark = pytest.mark.integration
NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


def scheduled(campaign_id: str = "cmp-1", **audience) -> CampaignScheduled:
    return CampaignScheduled(
        campaign_id=campaign_id,
        audience={"target_groups": ["students"], **audience},
        mail_subject={"sv": "Karriärdag"},
        text={"sv": "Välkommen."},
        link="https://example.org/k",
        window={
            "first_day": date(2027, 3, 1),
            "last_day": date(2027, 3, 5),
            "from_hour": 9,
            "to_hour": 17,
        },
    )


async def person(
    store: PostgresNotify, email: str, *, news: bool, groups=("students",), language="sv"
) -> str:
    subscriber = await store.add_subscriber(email, language)
    search = await store.add_search(
        subscriber, Preferences(language, "daily", target_groups=groups)
    )
    await saved(store, search, Preferences(language, "daily", target_groups=groups))
    await store.mark_confirmed(search, NOW - timedelta(days=3))
    if news:
        await store.set_news(subscriber, NOW - timedelta(days=3))
    return subscriber


async def test_an_audience_is_those_who_said_yes_and_match_by_a_search_or_an_interest():
    async with migrated_connection("notify", MIGRATIONS) as conn:
        store = PostgresNotify(conn)
        ada = await person(store, "ada@example.org", news=True)
        await person(store, "bo@example.org", news=False)  # matches, but no yes to news
        await person(store, "cy@example.org", news=True, groups=("graduates",))
        en = await person(store, "en@example.org", news=True, language="en")
        # A registrant with no saved search, interested in what they registered for.
        di = await store.add_subscriber("di@example.org", "sv")
        await store.set_news(di, NOW)
        await store.add_news_interest(di, "outreach/oe-1", Interest(("students",)))
        suppressed = await person(store, "sup@example.org", news=True)
        await conn.execute("UPDATE subscribers SET suppressed_at = now() WHERE id = $1", suppressed)

        students = {"target_groups": ["students"]}
        assert await table.audience_count(conn, students) == 3  # ada, en, di
        assert await table.audience_count(conn, {**students, "languages": ["en"]}) == 1
        assert await table.audience_count(conn, {}) == 4  # every yes not suppressed
        assert await table.receive(conn, scheduled()) == 3
        assert await table.receive(conn, scheduled()) is None  # delivered again: nothing

        pending = await table.pending(conn, "cmp-1", NOW, 100)
        assert sorted(p.subscriber_id for p in pending) == sorted([ada, en, di])
        decided = decide(pending, cap=2)
        closes = datetime(2027, 3, 1, 16, tzinfo=UTC)
        assert await table.decide(conn, "cmp-1", decided, NOW, closes) == 3
        assert await table.decide(conn, "cmp-1", decided, NOW, closes) == 0  # one letter each
        assert await table.pending(conn, "cmp-1", NOW, 100) == []

        # A second and third campaign: the cap counts what each was given in 30 days.
        await table.receive(conn, scheduled("cmp-2"))
        await table.receive(conn, scheduled("cmp-3"))
        for campaign in ("cmp-2", "cmp-3"):
            pending = await table.pending(conn, campaign, NOW + timedelta(hours=1), 100)
            await table.decide(conn, campaign, decide(pending, cap=2), NOW, closes)
        figures = await table.figures(conn, "cmp-3")
        assert (figures["audience"], figures["skipped_by_cap"], figures["pending"]) == (3, 3, 0)
        # Each was given two; thirty days on, they no longer count.
        await table.receive(conn, scheduled("cmp-4"))
        soon, later = NOW + timedelta(days=29), NOW + timedelta(days=31)
        assert {p.given for p in await table.pending(conn, "cmp-4", soon, 100)} == {2}
        assert {p.given for p in await table.pending(conn, "cmp-4", later, 100)} == {0}

        queued = await conn.fetchval(
            "SELECT count(*) FROM deliveries WHERE kind = 'campaign' AND status = 'queued'"
        )
        assert queued == 6
        await table.cancel(conn, "cmp-2")
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM deliveries WHERE kind = 'campaign' AND status = 'queued'"
            )
            == 3
        )
        await table.withdrawn(conn, "cmp-1")
        assert (await table.figures(conn, "cmp-1"))["news_withdrawn"] == 1
        assert await table.figures(conn, "nobody") is None
        addresses = await table.news_addresses(conn, [ada, suppressed])
        assert addresses[ada].reachable and not addresses[suppressed].reachable
