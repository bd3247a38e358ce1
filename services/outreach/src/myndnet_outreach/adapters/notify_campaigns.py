"""Outreach's HTTP client of notify (the kit's, whose session and token the relay of letters
uses too), and what outreach asks notify about campaigns and waits for: how many people an
audience holds (notify keeps the people and their consent), a campaign's figures, and a sending
run at a given moment. A campaign itself reaches notify on `outreach.activities`."""

from datetime import datetime
from typing import Protocol

from myndnet_kit.notify_requests import NotifyClient, NotifyUnavailable

__all__ = ["CampaignCounts", "NotifyCampaigns", "NotifyUnavailable"]


class CampaignCounts(Protocol):
    async def audience_count(self, audience: dict[str, list[str]]) -> int: ...
    async def figures(self, campaign_id: str) -> dict[str, int]: ...
    async def run(self, as_of: datetime) -> dict[str, int]: ...


class NotifyCampaigns(NotifyClient):
    async def audience_count(self, audience: dict[str, list[str]]) -> int:
        return int((await self.call("POST", "/campaigns/audience", json=audience))["count"])

    async def figures(self, campaign_id: str) -> dict[str, int]:
        # Scheduled but not yet taken from the topic: nothing counted yet.
        found = await self.call("GET", f"/campaigns/{campaign_id}", missing={})
        return {k: int(v) for k, v in found.items() if isinstance(v, int)}

    async def run(self, as_of: datetime) -> dict[str, int]:
        found = await self.call("POST", "/campaigns/run", params={"as_of": as_of.isoformat()})
        return {k: int(v) for k, v in found.items() if isinstance(v, int)}
