"""The services' HTTP APIs, as the site reads and writes them: membership (agencies), vacancies
(search, one vacancy, the feed) and notify (job alerts). Short timeouts: a page says a service
is down rather than hang. Nothing is stored here; agencies are kept a minute in memory, since
every page names them and they change a few times a year."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from myndnet_kit.logging import get_logger

log = get_logger(__name__)
AGENCIES_KEPT_SECONDS = 60.0


class Unavailable(Exception):
    """A service did not answer in time, or answered 5xx."""

    def __init__(self, service: str, why: str) -> None:
        super().__init__(f"{service}: {why}")
        self.service = service


class Refused(Exception):
    """A service refused what was asked (4xx), with its message."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


@dataclass
class Upstream:
    name: str
    client: httpx.AsyncClient

    async def call(
        self, method: str, path: str, *, allow: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("a service did not answer", service=self.name, error=type(exc).__name__)
            raise Unavailable(self.name, type(exc).__name__) from None
        if response.status_code >= 500:
            log.warning("a service failed", service=self.name, status=response.status_code)
            raise Unavailable(self.name, f"HTTP {response.status_code}")
        if response.status_code >= 400 and response.status_code not in allow:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            raise Refused(response.status_code, detail)
        return response


class Services:
    def __init__(self, membership: str, vacancies: str, notify: str, timeout: float = 2.0) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)

        def client(url: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=url, timeout=httpx.Timeout(timeout, connect=1.0), limits=limits
            )

        self.membership = Upstream("membership", client(membership))
        self.vacancies = Upstream("vacancies", client(vacancies))
        self.notify = Upstream("notify", client(notify))
        self._agencies: tuple[float, list[dict[str, Any]]] | None = None

    async def close(self) -> None:
        for upstream in (self.membership, self.vacancies, self.notify):
            await upstream.client.aclose()

    async def alive(self) -> dict[str, bool]:
        answers = {}
        for upstream in (self.membership, self.vacancies, self.notify):
            try:
                await upstream.call("GET", "/health/live")
                answers[upstream.name] = True
            except (Unavailable, Refused):
                answers[upstream.name] = False
        return answers

    # membership

    async def agencies(self, including: Iterable[str] = ()) -> list[dict[str, Any]]:
        """The network's current members and associated parties, by name; asked again when
        the kept list is a minute old or lacks an agency of `including` (one just joined)."""
        if self._agencies and time.monotonic() - self._agencies[0] < AGENCIES_KEPT_SECONDS:
            known = {a["code"] for a in self._agencies[1]}
            if known.issuperset(including):
                return self._agencies[1]
        found = (await self.membership.call("GET", "/agencies")).json()
        current = sorted(
            (a for a in found if a.get("status", "active") != "left"),
            key=lambda a: a["name"].casefold(),
        )
        self._agencies = (time.monotonic(), current)
        return current

    async def agency(self, code: str) -> dict[str, Any] | None:
        response = await self.membership.call("GET", f"/agencies/{code}", allow=(404, 422))
        return None if response.status_code != 200 else response.json()

    # vacancies

    async def search(self, params: dict[str, Any]) -> dict[str, Any]:
        response = await self.vacancies.call("GET", "/vacancies", params=params, allow=(422,))
        if response.status_code == 422:  # a stale cursor: start the search over
            params = {k: v for k, v in params.items() if k != "cursor"}
            response = await self.vacancies.call("GET", "/vacancies", params=params)
        return response.json()

    async def vacancy(self, code: str, vacancy_id: str) -> dict[str, Any] | None:
        response = await self.vacancies.call(
            "GET", f"/vacancies/{code}/{vacancy_id}", allow=(404, 422)
        )
        return None if response.status_code != 200 else response.json()

    async def open_count(self) -> int:
        return int((await self.vacancies.call("GET", "/stats")).json()["open"])

    async def feed(self) -> bytes:
        return (await self.vacancies.call("GET", "/vacancies/feed.atom")).content

    # notify

    async def subscribe(self, body: dict[str, Any]) -> None:
        await self.notify.call("POST", "/subscriptions", json=body)

    async def confirm(self, token: str) -> dict[str, Any] | None:
        """None when the link is not (or no longer) valid."""
        response = await self.notify.call(
            "POST", "/subscriptions/confirm", json={"token": token}, allow=(400, 422)
        )
        return None if response.status_code != 200 else response.json()

    async def preferences(self, token: str) -> dict[str, Any] | None:
        """None when the token is not (or no longer) valid."""
        response = await self.notify.call(
            "GET", "/preferences", headers=_manage(token), allow=(401, 422)
        )
        return None if response.status_code != 200 else response.json()

    async def add_search(self, token: str, body: dict[str, Any]) -> None:
        await self.notify.call("POST", "/preferences/searches", headers=_manage(token), json=body)

    async def change_search(self, token: str, search_id: str, body: dict[str, Any]) -> None:
        await self.notify.call(
            "PUT", f"/preferences/searches/{search_id}", headers=_manage(token), json=body
        )

    async def remove_search(self, token: str, search_id: str) -> None:
        await self.notify.call(
            "DELETE", f"/preferences/searches/{search_id}", headers=_manage(token)
        )

    async def stop_all(self, token: str) -> None:
        await self.notify.call("POST", "/preferences/unsubscribe", headers=_manage(token))

    async def erase(self, token: str) -> None:
        await self.notify.call("DELETE", "/preferences", headers=_manage(token))


def _manage(token: str) -> dict[str, str]:
    return {"X-Manage-Token": token}
