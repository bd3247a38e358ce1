"""Wiring: settings, the services' clients, the pages, health and metrics."""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from myndnet_kit.docs import add_docs
from myndnet_kit.logging import configure_logging, get_logger
from myndnet_kit.settings import HttpSettings
from myndnet_kit.web import ResponseGuard
from myndnet_schemas.docs import asyncapi_document
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field, SecretStr, ValidationError

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
    port: int = Field(8000, alias="WEB_PORT")
    membership_url: str = Field("http://127.0.0.1:8001", alias="MEMBERSHIP_URL")
    vacancies_url: str = Field("http://127.0.0.1:8002", alias="VACANCIES_URL")
    notify_url: str = Field("http://127.0.0.1:8004", alias="NOTIFY_URL")
    mentoring_url: str = Field("http://127.0.0.1:8003", alias="MENTORING_URL")
    trainings_url: str = Field("http://127.0.0.1:8005", alias="TRAININGS_URL")
    # An operator token with the right notify:relay: sign-ups through the site are then counted
    # per person's address in notify's limits, not all under the site's own.
    notify_token: SecretStr = Field(SecretStr(""), alias="WEB_NOTIFY_TOKEN")
    # How long a page waits for a service before it says that service is down.
    upstream_timeout: float = Field(2.0, gt=0, le=30, alias="WEB_UPSTREAM_TIMEOUT")


def build(settings: WebSettings) -> FastAPI:
    services = Services(
        settings.membership_url.rstrip("/"),
        settings.vacancies_url.rstrip("/"),
        settings.notify_url.rstrip("/"),
        settings.upstream_timeout,
        settings.notify_token.get_secret_value(),
        settings.mentoring_url.rstrip("/"),
        settings.trainings_url.rstrip("/"),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await services.close()

    api = FastAPI(
        title=TITLE, description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    api.state.services = services
    api.state.base_url = settings.base_url()
    api.state.renderer = pages.Renderer(settings.base_url())
    api.add_middleware(ResponseGuard)
    document = asyncapi_document(TITLE, DESCRIPTION, [])
    add_docs(api, lambda _request: document)
    api.add_exception_handler(Unavailable, pages.unavailable)
    api.add_exception_handler(RequestValidationError, pages.not_found)

    @api.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @api.get("/health/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        """Ready when the services it reads answer: without them no page can be shown."""
        answers = await services.alive()
        ok = all(answers.values())
        return JSONResponse(
            {"status": "ready" if ok else "waiting", "services": answers},
            status_code=200 if ok else 503,
        )

    @api.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    api.mount("/static/site", StaticFiles(directory=STATIC), name="site-assets")
    for language in ("sv", "en"):
        api.include_router(pages.site(language))
    api.include_router(pages.shared)
    return api


def main() -> None:
    import uvicorn

    try:
        settings = WebSettings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"myndnet-web: the configuration cannot be used: {problems}", file=sys.stderr)
        sys.exit(2)
    configure_logging("web", settings.log_level)
    if not settings.notify_token.get_secret_value():
        get_logger(__name__).warning(
            "WEB_NOTIFY_TOKEN is not set: notify counts every sign-up through the site under "
            "the site's own address, so its per-client limit applies to all of them together"
        )
    uvicorn.run(
        build(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        # Explicitly off without FORWARDED_ALLOW_IPS: uvicorn's own default believes
        # X-Forwarded-For from 127.0.0.1, so anyone on the same host as the site could choose
        # the address its sign-ups are counted under.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )
