"""The documentation pages load everything from the service itself (closed agency networks)."""

import re

import httpx
from sample_service import SampleSettings, build


def sample_app():
    settings = SampleSettings(  # type: ignore[call-arg]
        SAMPLE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", SAMPLE_TOPIC="sample.docs"
    )
    return build(settings).api


async def fetch(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=sample_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.get(path)


def referenced(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


async def test_the_docs_pages_reference_only_their_own_assets_and_those_are_served():
    for page in ("/docs", "/asyncapi"):
        response = await fetch(page)
        assert response.status_code == 200
        urls = referenced(response.text)
        assert urls, page
        outside = [u for u in urls if not u.startswith("/")]
        assert not outside, f"{page} loads from elsewhere: {outside}"
        for url in urls:
            if url.startswith("/static/"):
                asset = await fetch(url)
                assert asset.status_code == 200, url
                assert asset.content, url


async def test_the_asyncapi_page_embeds_the_document_so_that_no_string_can_close_the_script():
    response = await fetch("/asyncapi")
    script = response.text.split("AsyncApiStandalone.render(", 1)[1]
    assert "</script" not in script.split("</script>", 1)[0]
    assert '"asyncapi":"3.0.0"' in script


async def test_an_unexpected_failure_answers_a_plain_500_with_the_headers_and_logs_no_message(
    capsys,
):
    from fastapi import FastAPI
    from myndnet_kit.web import ResponseGuard

    api = FastAPI()
    api.add_middleware(ResponseGuard)

    @api.get("/boom")
    async def boom() -> None:
        raise ValueError("Key (email)=(anna@example.org) already exists")

    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        response = await client.get("/boom")
    assert response.status_code == 500 and response.json() == {"detail": "internal error"}
    assert response.headers["x-content-type-options"] == "nosniff"
    printed = capsys.readouterr()
    assert "ValueError" in printed.out + printed.err
    assert "anna@example.org" not in printed.out + printed.err
