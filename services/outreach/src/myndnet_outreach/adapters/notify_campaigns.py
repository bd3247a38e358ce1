"""Outreach's HTTP client of notify: its session and operator token (the relay of letters
uses them too), and what outreach asks notify about campaigns and waits for: how many people
an audience holds (notify keeps the people and their consent), a campaign's figures, and a
sending run at a given moment. A campaign itself reaches notify on `outreach.activities`."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp


class NotifyUnavailable(Exception):
    """notify did not answer, or not as it should."""


class CampaignCounts(Protocol):
    async def audience_count(self, audience: dict[str, list[str]]) -> int: ...
    async def figures(self, campaign_id: str) -> dict[str, int]: ...
    async def run(self, as_of: datetime) -> dict[str, int]: ...


@dataclass
class NotifyCampaigns:
    base_url: str
    token: str
    timeout: float = 10.0
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=2.0),
                headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, *, missing: Any = None, **kwargs: Any) -> Any:
        """notify's answer; `missing` when it answers 404 and one is given."""
        try:
            async with self.session().request(method, self.base_url + path, **kwargs) as answer:
                if answer.status == 404 and missing is not None:
                    return missing
                if answer.status != 200:
                    raise NotifyUnavailable(f"notify answered {answer.status} to {path}")
                return await answer.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NotifyUnavailable(f"notify did not answer ({type(exc).__name__})") from None

    async def audience_count(self, audience: dict[str, list[str]]) -> int:
        return int((await self._call("POST", "/campaigns/audience", json=audience))["count"])

    async def figures(self, campaign_id: str) -> dict[str, int]:
        # Scheduled but not yet taken from the topic: nothing counted yet.
        found = await self._call("GET", f"/campaigns/{campaign_id}", missing={})
        return {k: int(v) for k, v in found.items() if isinstance(v, int)}

    async def run(self, as_of: datetime) -> dict[str, int]:
        found = await self._call("POST", "/campaigns/run", params={"as_of": as_of.isoformat()})
        return {k: int(v) for k, v in found.items() if isinstance(v, int)}
