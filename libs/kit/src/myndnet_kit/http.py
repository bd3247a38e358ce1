"""What every process that answers HTTP gets from the kit, with or without a database or Kafka:
the FastAPI app with the documentation pages, the response guard (security headers, safe 500s,
request metrics), tracing, `/health/live`, `/health/ready`, `/metrics`, and serving with uvicorn.

An HTTP-only service (the site) is this alone; an event service (`app.ServiceApp`) adds its
runtime on top. A service's readiness is a function returning a dict with `ready` and whatever
explains it.
"""

import sys
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, NoReturn, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from myndnet_kit.docs import add_docs
from myndnet_kit.logging import configure_logging
from myndnet_kit.settings import HttpSettings
from myndnet_kit.tracing import configure_tracing
from myndnet_kit.web import ResponseGuard, invalid_request

Readiness = Callable[[], Awaitable[dict[str, Any]]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
SettingsT = TypeVar("SettingsT", bound=HttpSettings)


def http_app(
    service: str,
    *,
    title: str,
    description: str,
    readiness: Readiness,
    asyncapi: Callable[[Request], dict[str, Any]],
    lifespan: Lifespan | None = None,
    routers: Sequence[APIRouter] = (),
    version: str = "1.0.0",
) -> FastAPI:
    api = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    add_docs(api, asyncapi)
    api.add_exception_handler(RequestValidationError, invalid_request)
    api.add_middleware(ResponseGuard)
    configure_tracing(service, api)
    api.include_router(health_router(readiness))
    for router in routers:
        api.include_router(router)
    return api


def health_router(readiness: Readiness) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        checks = await readiness()
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def run(
    api: FastAPI,
    settings: HttpSettings,
    service: str,
    *,
    failure: Callable[[], str | None] = lambda: None,
    on_server: Callable[[Any], None] = lambda _server: None,
) -> None:
    """Serve `api` with uvicorn on the settings' host and port (logging is configured by the
    caller). `on_server` is given the server, so that a start-up that fails for good can stop
    it; that failure (`failure()`) then ends the process with exit code 1 and one line."""
    import uvicorn

    config = uvicorn.Config(
        api,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        # Explicitly off without FORWARDED_ALLOW_IPS: uvicorn's own default believes
        # X-Forwarded-For from 127.0.0.1, so anyone on the same host could choose the address
        # their requests are counted under.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )
    server = uvicorn.Server(config)
    on_server(server)
    server.run()
    if reason := failure():
        print(f"myndnet-{service}: start-up failed: {reason}", file=sys.stderr)
        sys.exit(1)
    if not server.started:
        sys.exit(1)  # uvicorn could not bind the port; it has said why


def settings_or_exit(settings_type: type[SettingsT], service: str) -> SettingsT:
    """Read a service's settings and configure logging; configuration that cannot be used ends
    the process with exit code 2 and one line naming what is wrong (never a value: it may be a
    secret)."""
    try:
        settings = settings_type()
    except ValidationError as exc:
        refuse(service, "; ".join(problem(e) for e in exc.errors()))
    configure_logging(service, settings.log_level)
    return settings


def refuse(service: str, problem: str) -> NoReturn:
    print(f"myndnet-{service}: the configuration cannot be used: {problem}", file=sys.stderr)
    sys.exit(2)


def problem(error: Any) -> str:
    """One setting's problem: the field it is about (none for a rule across fields), and what."""
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {message}" if where else message


__all__ = [
    "health_router",
    "http_app",
    "problem",
    "refuse",
    "run",
    "settings_or_exit",
]
