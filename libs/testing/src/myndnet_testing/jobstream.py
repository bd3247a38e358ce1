"""A local JobTech JobStream-compatible server for tests: `GET /v2/snapshot` (the ads open
now) and `GET /v2/stream?updated-after=&updated-before=` (every version changed in the window,
removals as `{"id", "removed": true, "removed_date"}`), with ads shaped as JobStream's are."""

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from myndnet_testing import free_port


def now_ms() -> int:
    return int(time.time() * 1000)


def ad(
    ad_id: str,
    organisation_number: str,
    headline: str,
    *,
    stamp: int | None = None,
    deadline: date | None = None,
    municipality: str = "Sundsvall",
    municipality_code: str = "2281",
    ssyk: str = "2512",
    employment: str = "Vanlig anställning",
    duration: str = "Tills vidare",
    hours: str = "Heltid",
    url: str | None = "https://jobb.example.se/ansok",
) -> dict[str, Any]:
    """An ad as JobStream sends it (the fields the connector reads, and some it does not)."""
    stamp = stamp or now_ms()
    published = datetime.fromtimestamp(stamp / 1000, UTC) - timedelta(days=2)
    return {
        "id": ad_id,
        "external_id": f"ext-{ad_id}",
        "timestamp": stamp,
        "headline": headline,
        "description": {"text": f"{headline}. Vi söker dig som vill arbeta i Sundsvall."},
        "publication_date": published.strftime("%Y-%m-%dT%H:%M:%S"),
        "last_publication_date": (published + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S"),
        "application_deadline": (deadline or (published + timedelta(days=21)).date()).isoformat()
        + "T23:59:59",
        "employment_type": {"concept_id": "PFZr_Syz_cUq", "label": employment},
        "duration": {"concept_id": "a7uU_j21_mkL", "label": duration},
        "working_hours_type": {"concept_id": "6YE1_gAC_R2G", "label": hours},
        "scope_of_work": {"min": 100, "max": 100},
        "employer": {
            "organization_number": organisation_number.replace("-", ""),
            "name": f"Arbetsgivare {organisation_number}",
            "workplace": "Sundsvall",
        },
        "workplace_address": {
            "municipality": municipality,
            "municipality_code": municipality_code,
            "region": "Västernorrlands län",
            "country": "Sverige",
        },
        "occupation_group": {
            "concept_id": "x",
            "label": "Mjukvaru- och systemutvecklare m.fl.",
            "legacy_ams_taxonomy_id": ssyk,
        },
        "application_details": {"url": url, "email": None, "via_af": False},
        "removed": False,
        "removed_date": None,
        "webpage_url": f"https://arbetsformedlingen.se/platsbanken/annonser/{ad_id}",
    }


def removal(ad_id: str, stamp: int | None = None) -> dict[str, Any]:
    stamp = stamp or now_ms()
    removed = datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {"id": ad_id, "timestamp": stamp, "removed": True, "removed_date": removed}


class JobStreamFixture:
    """Versions of ads in the order they happened; the snapshot is the latest of each that is
    not removed."""

    def __init__(self) -> None:
        self.versions: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, *versions: dict[str, Any]) -> None:
        self.versions.extend(versions)

    def latest(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for version in sorted(self.versions, key=lambda v: v["timestamp"]):
            found[version["id"]] = version
        return found

    async def _snapshot(self, request: web.Request) -> web.Response:
        self.requests.append(str(request.rel_url))
        return web.json_response([v for v in self.latest().values() if not v.get("removed")])

    async def _stream(self, request: web.Request) -> web.Response:
        self.requests.append(str(request.rel_url))
        after = _ms(request.query.get("updated-after"))
        before = _ms(request.query.get("updated-before")) or now_ms() + 1
        if after is None:
            return web.json_response({"error": "updated-after is required"}, status=400)
        window = [v for v in self.versions if after < v["timestamp"] <= before]
        return web.json_response(sorted(window, key=lambda v: v["timestamp"]))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v2/snapshot", self._snapshot)
        app.router.add_get("/v2/stream", self._stream)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _ms(text: str | None) -> int | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
