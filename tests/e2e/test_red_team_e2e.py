"""What a black-box look at the network's surfaces found (2026-12-06), tried again from outside,
over HTTP only, against the services as processes: each of these failed before its fix."""

import json
import re

import httpx
import pytest
from myndnet_testing import wait_until
from test_network_e2e import register

# The open profile is enough: these are the HTTP surfaces, the same on both.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("network", ["open"], indirect=True),
]
DEPTH = 1000  # Python's parsers give up at about this depth
NESTED = "[" * DEPTH + "]" * DEPTH


def refused_with_a_message(answer: httpx.Response) -> bool:
    """A 4xx that says why: a `detail`, or (ingest) each event's own reason."""
    if not 400 <= answer.status_code < 500:
        return False
    body = answer.json()
    return bool(body.get("detail")) or all(e.get("message") for e in body.get("events", [{}]))


async def test_a_body_nested_a_thousand_levels_deep_gets_a_4xx_with_a_message(network):
    code = await register(network, "deep")
    async with network.http("membership") as membership:
        issued = await membership.post(f"/agencies/{code}/http-keys")
        key = issued.json()["key"]
    async with httpx.AsyncClient(
        base_url=network.url("ingest"), headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as ingest:

        async def key_known() -> bool:
            probe = await ingest.post("/events", headers={"Content-Type": "text/plain"})
            return probe.status_code == 415

        await wait_until(key_known, what="ingest to know the new key")
        event = {
            "specversion": "1.0",
            "id": "e-deep",
            "source": f"/agencies/{code}",
            "type": "se.myndnet.vacancy.published.v1",
        }
        inside_data = json.dumps(event)[:-1] + f', "data": {NESTED}}}'
        bodies = {
            "single": (NESTED, "application/cloudevents+json", {}),
            "batch": (NESTED, "application/cloudevents-batch+json", {}),
            "inside data": (inside_data, "application/cloudevents+json", {}),
            "binary": (
                NESTED,
                "application/json",
                {f"ce-{k}": v for k, v in event.items()},
            ),
        }
        for what, (body, content_type, headers) in bodies.items():
            answer = await ingest.post(
                "/events", content=body, headers={"Content-Type": content_type, **headers}
            )
            assert refused_with_a_message(answer), (what, answer.status_code, answer.text)
    deep_json = {
        "membership": "/agencies",
        "notify": "/subscriptions",
        "trainings": "/courses",
        "mentoring": "/forbidden-pairs",
    }
    for service, path in deep_json.items():
        async with network.http(service) as http:
            answer = await http.post(
                path, content=NESTED, headers={"Content-Type": "application/json"}
            )
            assert refused_with_a_message(answer), (service, answer.status_code, answer.text)


async def test_the_site_counts_sign_ups_under_the_client_whatever_x_forwarded_for_says(network):
    async with httpx.AsyncClient(base_url=network.url("web"), timeout=30) as site:
        answers = [
            await site.post(
                "/bevakning",
                data={"email": f"site-xff{n}.{network.run}@example.org", "frequency": "daily"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            for n in range(32)
        ]
    codes = [a.status_code for a in answers]
    assert 500 not in codes
    assert codes.count(303) <= 30  # notify's limit for one client an hour
    assert codes[-1] == 400 and "Försök igen om en timme" in answers[-1].text


@pytest.mark.parametrize(
    ("service", "path"),
    [("web", "/jobb/?q=x"), ("notify", "/docs/"), ("trainings", "/docs/"), ("web", "/en/jobb/")],
)
async def test_a_trailing_slash_redirect_never_leads_to_the_host_the_client_named(
    network, service, path
):
    async with httpx.AsyncClient(base_url=network.url(service), timeout=30) as http:
        answer = await http.get(path, headers={"Host": "evil.example"})
    assert answer.status_code in (301, 302, 307, 308), answer.status_code
    location = answer.headers["location"]
    assert "evil.example" not in location
    assert location.startswith("/") or location.startswith(network.url(service)), location


@pytest.mark.parametrize(
    "path",
    [
        "/bevakning/hantera",
        "/mentorskap/svar",
        "/mentorskap/uppfoljning",
        "/utbildningar/bekrafta",
        "/utbildningar/avboka",
        "/en/bevakning/hantera",
    ],
)
async def test_a_page_that_carries_a_token_is_never_stored_by_a_cache(network, path):
    async with httpx.AsyncClient(base_url=network.url("web"), timeout=30) as site:
        answer = await site.get(path, params={"token": "a" * 43})
    assert answer.headers.get("cache-control") == "no-store", (path, answer.headers)


async def test_the_site_allows_no_inline_script_and_its_job_posting_data_still_loads(network):
    async with httpx.AsyncClient(base_url=network.url("web"), timeout=30) as site:
        for path in ("/", "/jobb", "/en", "/utbildningar"):
            answer = await site.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            policy = answer.headers["content-security-policy"]
            script_src = re.search(r"script-src ([^;]*)", policy).group(1)
            assert "'unsafe-inline'" not in script_src, (path, policy)
            assert "<script>" not in answer.text  # no inline script to need it
