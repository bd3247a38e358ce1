"""The documentation pages, `/docs` (OpenAPI) and `/asyncapi`, served with their scripts and
styles from the service itself: agency networks are often closed to the internet, so the pages
load nothing from a CDN. Swagger UI comes from the `swagger-ui-bundle-v2` package; the AsyncAPI
viewer is `@asyncapi/react-component` 3.1.5's standalone build (npm), kept in `static/`."""

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from myndnet_kit.web import DOCS_CONTENT_SECURITY_POLICY, script_json

ASYNCAPI_VIEWER = Path(__file__).parent / "static" / "asyncapi-react-3.1.5"
SWAGGER_ASSETS = "/static/docs/swagger"
ASYNCAPI_ASSETS = "/static/docs/asyncapi"


def add_docs(api: FastAPI, asyncapi_of: Callable[[Request], dict[str, Any]]) -> None:
    """Mount the assets and the two pages on an app created with `docs_url=None`."""
    api.mount(SWAGGER_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-assets")
    api.mount(ASYNCAPI_ASSETS, StaticFiles(directory=ASYNCAPI_VIEWER), name="asyncapi-assets")
    router = APIRouter(tags=["docs"])

    @router.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title}: API",
            swagger_js_url=f"{root}{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{SWAGGER_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{SWAGGER_ASSETS}/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return page

    @router.get("/asyncapi.json")
    async def asyncapi_json(request: Request) -> Response:
        return Response(json.dumps(asyncapi_of(request)), media_type="application/json")

    @router.get("/asyncapi", response_class=HTMLResponse)
    async def asyncapi_html(request: Request) -> HTMLResponse:
        document = json.dumps(asyncapi_of(request))
        page = asyncapi_page(api.title, document, request.scope.get("root_path", ""))
        # The viewer validates the document with AJV, which compiles schemas to functions.
        policy = DOCS_CONTENT_SECURITY_POLICY.replace(
            "script-src 'self'", "script-src 'self' 'unsafe-eval'"
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

    api.include_router(router)


def asyncapi_page(title: str, document: str, root: str = "") -> str:
    config = {
        "schema": json.loads(document),
        "config": {"show": {"sidebar": True}, "sidebar": {"showOperations": "byDefault"}},
    }
    data = script_json(config)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)}: AsyncAPI</title>
  <link rel="stylesheet" href="{root}{ASYNCAPI_ASSETS}/default.min.css">
</head>
<body>
  <main id="asyncapi"><noscript>This page needs JavaScript; the document itself is at
    <a href="{root}/asyncapi.json">/asyncapi.json</a>.</noscript></main>
  <script src="{root}{ASYNCAPI_ASSETS}/index.js"></script>
  <script>
    window.AsyncApiStandalone.render({data}, document.getElementById("asyncapi"));
  </script>
</body>
</html>"""
