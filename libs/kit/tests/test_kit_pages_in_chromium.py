"""The documentation pages in a real browser (Debian's Chromium, driven by Playwright) with every
request outside the service refused: they work in a closed agency network."""

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from myndnet_testing import ServiceProcess, free_port
from playwright.async_api import async_playwright

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_INSTALLED = Path(CHROMIUM).exists()


async def test_docs_and_asyncapi_render_with_nothing_but_the_service_reachable(
    kafka_bootstrap, database_url, tmp_path, unique
):
    if not CHROMIUM_INSTALLED:
        pytest.fail("no Chromium at /usr/bin/chromium: `make test` installs it (dev/chromium.sh)")
    port = free_port()
    service = ServiceProcess(
        HERE / "sample_service.py",
        {
            "SAMPLE_DATABASE_URL": database_url,
            "SAMPLE_TOPIC": f"sample.{unique}",
            "SAMPLE_PORT": str(port),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        },
        tmp_path / "sample.log",
    )
    service.start()
    base = f"http://127.0.0.1:{port}"
    refused: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(100):
                try:
                    if (await http.get("/health/live")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = await browser.new_page()

            async def only_the_service(route):
                if urlsplit(route.request.url).netloc == f"127.0.0.1:{port}":
                    await route.continue_()
                else:
                    refused.append(route.request.url)
                    await route.abort()

            await page.route("**/*", only_the_service)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))  # a CSP refusal too

            await page.goto(f"{base}/docs")
            await page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "Sample service" in await page.inner_text(".swagger-ui .info .title")

            await page.goto(f"{base}/asyncapi")
            await page.wait_for_selector("#asyncapi .aui-root", timeout=20_000)
            assert "Myndnet sample" in await page.inner_text("#asyncapi")
            await browser.close()
        assert refused == [] and errors == []
    finally:
        service.terminate()
