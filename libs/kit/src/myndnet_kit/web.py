"""The HTTP side every service shares: the request helpers (`service_of`, `pool_of`), answers
for requests that fail validation or that the database refuses, the middleware around every
response (headers, safe 500s, request metrics), and JSON that is safe inside a <script>."""

import json
import re
import time
import traceback
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from prometheus_client import Histogram
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from myndnet_kit.logging import get_logger

if TYPE_CHECKING:
    from myndnet_kit.app import ServiceApp

log = get_logger(__name__)
HTTP_SECONDS = Histogram(
    "myndnet_http_request_seconds",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
)

# No page runs an inline script: JSON-LD is a data block, which script-src does not govern.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The documentation pages (Swagger UI, the AsyncAPI viewer) start their viewers inline.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
)
REDIRECTS = frozenset((301, 302, 303, 307, 308))
TOKEN_IN_QUERY = re.compile(rb"(?:^|&)token=")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


class ResponseGuard:
    """ASGI middleware for every response of a service:

    - its duration, by method, route template and status (`myndnet_http_request_seconds`);
    - nosniff, a referrer policy and frame protection, and on HTML a content security policy;
    - `Cache-Control: no-store` on the answer to a request that carries a `token` (a person's
      own link: the preference centre, an answer, a confirmation), so no cache keeps it;
    - a redirect to this same host (Starlette's trailing-slash one builds it from the `Host`
      header, which the client chooses) is made relative, so it cannot lead elsewhere;
    - a body nested too deeply to decode (Python's parsers stop at about 1,000 levels) answers
      400 with a message, not 500;
    - an unexpected exception answers a plain 500 and is logged with its type and where it was
      raised, never its message: messages quote what they were given (a database's "Key
      (email)=(...) already exists"), and people's addresses must not reach the logs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        status = 500
        began = time.perf_counter()
        carries_token = bool(TOKEN_IN_QUERY.search(scope.get("query_string", b"")))

        async def send_with_headers(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                if carries_token:
                    headers["Cache-Control"] = "no-store"
                if status in REDIRECTS and "location" in headers:
                    headers["Location"] = _relative_if_here(headers["location"], scope)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            log.error(
                "request failed",
                path=scope.get("path"),
                method=scope.get("method"),
                error=type(exc).__name__,
                at=[f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[-6:]],
            )
            if started:
                raise  # the answer has begun; the server closes the connection
            response = (
                JSONResponse(
                    {"detail": "the request body is nested too deeply to read"}, status_code=400
                )
                if isinstance(exc, RecursionError)
                else JSONResponse({"detail": "internal error"}, status_code=500)
            )
            await response(scope, receive, send_with_headers)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_SECONDS.labels(scope.get("method", ""), route, str(status)).observe(
                time.perf_counter() - began
            )


def _relative_if_here(location: str, scope: Scope) -> str:
    """`location` without its scheme and host when it names the host the request was sent to."""
    target = urlsplit(location)
    if not target.netloc:
        return location
    host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), "")
    if target.netloc.lower() != host.lower():
        return location
    return urlunsplit(("", "", target.path or "/", target.query, target.fragment))


class Refusal(HTTPException):
    """A 4xx that says what is wrong in words (`detail`) and as a stable `code` that clients
    (the site) map to their own words, in their own language, instead of reading the words."""

    def __init__(
        self, status_code: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, detail, headers)
        self.code = code


async def refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return JSONResponse(
        {"detail": exc.detail, "code": exc.code}, status_code=exc.status_code, headers=exc.headers
    )


def service_of(request: Request) -> "ServiceApp":
    return request.app.state.service


def pool_of(request: Request) -> asyncpg.Pool:
    """The database pool, or 503 while the service is still starting."""
    pool = service_of(request).pool
    if pool is None:
        raise HTTPException(503, "the service is starting; try again shortly")
    return pool


async def unstorable_input(request: Request, exc: Exception) -> JSONResponse:
    """A value PostgreSQL cannot take (a NUL character in text, a number out of range) is the
    request's fault, not the service's."""
    # Neither the message nor the value: the message names the query's internals and quotes the
    # value, which may be someone's personal data.
    log.warning("request refused by the database", path=request.url.path, error=type(exc).__name__)
    return JSONResponse(
        {
            "detail": "a value in the request cannot be stored or compared (a NUL character in "
            "text, or a number out of range)"
        },
        status_code=422,
    )


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 for a request that fails validation, saying where and what is wrong without echoing
    the value: it may be personal data, or text that cannot even be encoded (a lone surrogate
    made FastAPI's own answer fail with a 500)."""
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "loc": [part if isinstance(part, int) else _printable(str(part)) for part in e["loc"]],
            "msg": _printable(str(e.get("msg", ""))),
            "type": e.get("type", "value_error"),
        }
        for e in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")[:500]


def script_json(value: Any) -> str:
    """JSON to put inside <script> (JSON-LD, a page's data): '<', '>' and '&' escaped, so no
    string in it can close the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
