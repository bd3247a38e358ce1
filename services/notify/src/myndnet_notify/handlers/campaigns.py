"""Campaigns: taken from `outreach.activities` with their audience, sent in their window, at
most `CAMPAIGN_CAP` campaign mails a person in 30 days across the network (a person over it is
counted and never mailed later), and counted for outreach. One run at a time (across replicas),
so that the cap is counted over every campaign's letters in turn."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from myndnet_kit.classify import Incoming
from myndnet_kit.db import keeps_session_state
from myndnet_kit.logging import get_logger
from myndnet_schemas.events.outreach import CampaignCancelled, CampaignScheduled

from myndnet_notify.adapters import campaigns as table
from myndnet_notify.domain.news import SKIPPED_CAP, decide

log = get_logger(__name__)
BATCH = 2000
RUN_LOCK = "hashtext('notify: campaign run')"


async def on_outreach_events(conn: asyncpg.Connection, events: Sequence[Incoming]) -> None:
    """A campaign scheduled: kept, with its audience as it is now. Cancelled: nothing more of
    it goes out. Open events are the site's to show, not notify's."""
    for incoming in events:
        data = incoming.event.data
        if isinstance(data, CampaignScheduled):
            audience = await table.receive(conn, data)
            if audience is not None:
                log.info("campaign received", campaign=data.campaign_id, audience=audience)
        elif isinstance(data, CampaignCancelled):
            await table.cancel(conn, data.campaign_id)


async def run(pool: asyncpg.Pool, moment: datetime, cap: int) -> dict[str, Any]:
    """What is due at `moment`: each open campaign's people decided and their letters queued,
    a batch a transaction (sending begins as the first commits); a campaign whose window is
    over finished. Nothing when another run
    is going on (`running`: false)."""
    queued = skipped = finished = 0
    async with pool.acquire() as conn:
        keeps_session_state(conn)  # the run's lock is the session's
        if not await conn.fetchval(f"SELECT pg_try_advisory_lock({RUN_LOCK})"):
            return {"running": False, "queued": 0, "skipped_by_cap": 0, "finished": 0}
        try:
            for campaign in await table.sending(conn):
                window = campaign.window
                if window.over_at(moment):
                    await table.finish(conn, campaign.campaign_id)
                    finished += 1
                    continue
                if not window.open_at(moment):
                    continue
                while True:
                    async with conn.transaction():  # a batch's letters go out as it commits
                        pending = await table.pending(conn, campaign.campaign_id, moment, BATCH)
                        if not pending:
                            break
                        decided = decide(pending, cap)
                        queued += await table.decide(
                            conn, campaign.campaign_id, decided, moment, window.closes_at(moment)
                        )
                    skipped += sum(status == SKIPPED_CAP for status in decided.values())
        finally:
            await conn.execute(f"SELECT pg_advisory_unlock({RUN_LOCK})")
    if queued or skipped or finished:
        log.info("campaigns run", queued=queued, skipped_by_cap=skipped, finished=finished)
    return {"running": True, "queued": queued, "skipped_by_cap": skipped, "finished": finished}
