"""The JobStream connector: at first start the snapshot, then the stream of changes since the
last position. Each pass publishes what it decided (waiting for the broker) before it saves the
new position, so a crash in between reads the same window again: the same versions give the
same events (same ids and revisions), which the network applies once."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

import asyncpg
from myndnet_kit.logging import get_logger
from myndnet_kit.schedule import every
from myndnet_schemas import Event
from myndnet_schemas.clock import STOCKHOLM
from myndnet_schemas.publisher import deterministic_id
from myndnet_schemas.topics import agency_source
from prometheus_client import Counter

from myndnet_ingest.adapters import jobstream as store
from myndnet_ingest.adapters.hr_topics import HrTopics
from myndnet_ingest.adapters.jobstream import JobStreamClient
from myndnet_ingest.domain.jobstream import Decision, Known, Skipped, decide, revision

log = get_logger(__name__)
# The stream is read up to a little before now, so a change being written as we ask is read
# on the next pass rather than missed.
LAG = timedelta(seconds=2)
ADS = Counter("myndnet_ingest_jobstream_ads_total", "JobStream ads read", ["outcome"])


async def catch_up(
    pool: asyncpg.Pool,
    client: JobStreamClient,
    hr_topics: HrTopics,
    members: Mapping[str, str],
    now: datetime,
) -> dict[str, int]:
    """One pass; `members` maps organisation numbers to participating agencies' codes."""
    async with pool.acquire() as conn:
        snapshot_done, after = await store.position(conn)
    before = now - LAG
    if snapshot_done and after is not None:
        ads = await client.stream(after, before)
    else:
        ads = await client.snapshot()
    ads.sort(key=revision)
    async with pool.acquire() as conn:
        known: dict[str, Known] = await store.known(conn, [str(a.get("id")) for a in ads])
    today = now.astimezone(STOCKHOLM).date()
    decisions: list[Decision] = []
    done = {"read": len(ads), "published": 0, "skipped": 0}
    for ad in ads:
        decided = decide(ad, members, known.get(str(ad.get("id"))), today)
        if isinstance(decided, Skipped):
            log.info("a member's ad is skipped", ad=decided.ad_id, reason=decided.reason)
            done["skipped"] += 1
        elif decided is not None and decided.agency in members.values():
            decisions.append(decided)
            known[decided.ad_id] = decided.known
    for agency, decided_for in groupby(
        sorted(decisions, key=lambda d: d.agency), key=lambda d: d.agency
    ):
        await hr_topics.publish(agency, [_event(agency, d) for d in decided_for])
    async with pool.acquire() as conn:
        await store.save(conn, decisions, before)
    done["published"] = len(decisions)
    ADS.labels("published").inc(len(decisions))
    ADS.labels("skipped").inc(done["skipped"])
    return done


def _event(agency: str, decision: Decision) -> Event[Any]:
    data = decision.event
    kind = data.event_type.split(".")[3]
    return Event.new(
        data,
        source=agency_source(agency),
        id=deterministic_id("jobstream", decision.ad_id, str(decision.known.revision), kind),
    )


async def follow(
    pool: asyncpg.Pool,
    client: JobStreamClient,
    hr_topics: HrTopics,
    members: Callable[[], Mapping[str, str]],
    seconds: float,
) -> None:
    async def one_pass() -> None:
        done = await catch_up(pool, client, hr_topics, members(), datetime.now(UTC))
        if done["read"]:
            log.info("jobstream read", **done)

    await every(seconds, one_pass, "reading JobStream")
