"""Wiring: settings, the services' clients and the pages, on the kit's HTTP defaults (health,
metrics, tracing, security headers, docs, serving)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from myndnet_kit.http import http_app, run, settings_or_exit
from myndnet_kit.logging import get_logger
from myndnet_kit.settings import HttpSettings
from myndnet_schemas.docs import asyncapi_document
from pydantic import Field, SecretStr

from myndnet_web import pages
from myndnet_web.adapters.services import Services, Unavailable

STATIC = Path(__file__).resolve().parent / "static"
TITLE = "Myndnet web"
DESCRIPTION = (
    "The network's public site: vacancies, agencies, job alerts, mentorship answers and joint "
    "trainings, read and written through "
    "the other services' APIs. It publishes and consumes no events."
)


class WebSettings(HttpSettings):
    port: int = Field(8000, alias="WEB_PORT", description="the site's HTTP port")
    membership_url: str = Field(
        "http://127.0.0.1:8001",
        alias="MEMBERSHIP_URL",
        description="where the site reads membership",
    )
    vacancies_url: str = Field(
        "http://127.0.0.1:8002", alias="VACANCIES_URL", description="where the site reads vacancies"
    )
    notify_url: str = Field(
        "http://127.0.0.1:8004", alias="NOTIFY_URL", description="where the site reads notify"
    )
    mentoring_url: str = Field(
        "http://127.0.0.1:8003", alias="MENTORING_URL", description="where the site reads mentoring"
    )
    trainings_url: str = Field(
        "http://127.0.0.1:8005", alias="TRAININGS_URL", description="where the site reads trainings"
    )
    outreach_url: str = Field(
        "http://127.0.0.1:8007", alias="OUTREACH_URL", description="where the site reads outreach"
    )
    exchange_url: str = Field(
        "http://127.0.0.1:8008", alias="EXCHANGE_URL", description="where the site reads exchange"
    )
    # An operator token with the right notify:relay: sign-ups through the site are then counted
    # per person's address in notify's limits, not all under the site's own.
    notify_token: SecretStr = Field(
        SecretStr(""),
        alias="WEB_NOTIFY_TOKEN",
        description=(
            "an operator token with `notify:relay` (or `*`), so notify counts a sign-up through "
            "the site under the person's address"
        ),
    )
    membership_token: SecretStr = Field(
        SecretStr(""),
        alias="WEB_MEMBERSHIP_TOKEN",
        description=(
            "an operator token with `membership:sign-in`, `membership:write` and `audit:read` "
            "(or `*`): staff sign in through membership with it, and coordinators change "
            "agencies and read the log"
        ),
    )
    console_token: SecretStr = Field(
        SecretStr(""),
        alias="WEB_CONSOLE_TOKEN",
        description=(
            "an operator token with `notify:operate`, `mentoring:operate`, `trainings:write`, "
            "`outreach:write`, `vacancies:staff`, `dlq:replay` and `audit:read` (or `*`): the "
            "console reads the "
            "services' figures, dead letters, logs and bounced work addresses, replays dead "
            "letters, runs a matching round, lifts a work address's suppression, and plans "
            "open events and campaigns with it; /internt reads the staff-only vacancies"
        ),
    )
    session_signing_key: SecretStr = Field(
        SecretStr(""),
        alias="SESSION_SIGNING_KEY",
        description=(
            "signs the staff's session cookies and their forms' CSRF tokens; without it nobody "
            "can sign in; `make up` generates one in `.run/session-signing-key`"
        ),
    )
    # How long a page waits for a service before it says that service is down.
    upstream_timeout: float = Field(
        2.0,
        gt=0,
        le=30,
        alias="WEB_UPSTREAM_TIMEOUT",
        description="seconds a page waits for a service before it says that service is down",
    )


def build(settings: WebSettings) -> FastAPI:
    services = Services(
        settings.membership_url.rstrip("/"),
        settings.vacancies_url.rstrip("/"),
        settings.notify_url.rstrip("/"),
        settings.upstream_timeout,
        settings.notify_token.get_secret_value(),
        settings.mentoring_url.rstrip("/"),
        settings.trainings_url.rstrip("/"),
        settings.membership_token.get_secret_value(),
        settings.console_token.get_secret_value(),
        settings.outreach_url.rstrip("/"),
        settings.exchange_url.rstrip("/"),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await services.close()

    async def readiness() -> dict[str, Any]:
        """Ready when the services it reads answer: without them no page can be shown."""
        answers = await services.alive()
        ok = all(answers.values())
        return {"ready": ok, "status": "ready" if ok else "waiting", "services": answers}

    document = asyncapi_document(TITLE, DESCRIPTION, [])
    api = http_app(
        "web",
        title=TITLE,
        description=DESCRIPTION,
        readiness=readiness,
        asyncapi=lambda _request: document,
        lifespan=lifespan,
    )
    api.state.services = services
    api.state.base_url = settings.base_url()
    api.state.session_key = settings.session_signing_key.get_secret_value()
    api.state.renderer = pages.Renderer(settings.base_url())
    api.add_exception_handler(Unavailable, pages.unavailable)
    api.add_exception_handler(RequestValidationError, pages.not_found)
    api.mount("/static/site", StaticFiles(directory=STATIC), name="site-assets")
    for language in ("sv", "en"):
        api.include_router(pages.site(language))
    api.include_router(pages.shared)
    return api


def main() -> None:
    settings = settings_or_exit(WebSettings, "web")
    if not settings.notify_token.get_secret_value():
        get_logger(__name__).warning(
            "WEB_NOTIFY_TOKEN is not set: notify counts every sign-up through the site under "
            "the site's own address, so its per-client limit applies to all of them together"
        )
    if not settings.session_signing_key.get_secret_value():
        get_logger(__name__).warning("SESSION_SIGNING_KEY is not set: nobody can sign in")
    run(build(settings), settings, "web")
