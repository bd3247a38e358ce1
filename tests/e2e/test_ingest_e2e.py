"""The agencies' HTTP door end to end: membership issues a key, the agency's HR system posts
CloudEvents to ingest in each mode, and the vacancies land in the register; on the secure
profile ingest logs in to Kafka as itself."""

import json
from datetime import date

import httpx
import pytest
from myndnet_testing import vacancy_data, wait_until
from test_network_e2e import register, searchable

pytestmark = pytest.mark.integration


def structured(source: str, event_id: str, vacancy_id: str, **data) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": "se.myndnet.vacancy.published.v1",
        "data": vacancy_data(vacancy_id, today=date.today(), **data),
    }


async def test_events_posted_in_each_mode_land_in_the_register_once(network):
    code, other = await register(network, "http"), await register(network, "other")
    async with network.http("membership") as membership:
        issued = await membership.post(f"/agencies/{code}/http-keys")
        assert issued.status_code == 201, issued.text
    key, source = issued.json()["key"], f"/agencies/{code}"
    async with httpx.AsyncClient(
        base_url=network.url("ingest"), headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as ingest:

        async def key_known() -> bool:  # ingest learns the key from membership's event
            probe = await ingest.post("/events", headers={"Content-Type": "text/plain"})
            return probe.status_code == 415

        await wait_until(key_known, what="ingest to know the new key")
        binary = await ingest.post(
            "/events",
            content=json.dumps(
                vacancy_data("H-1", today=date.today(), title="Handläggare via binärt läge")
            ),
            headers={
                "Content-Type": "application/json",
                "ce-specversion": "1.0",
                "ce-id": "e-H-1",
                "ce-source": source,
                "ce-type": "se.myndnet.vacancy.published.v1",
            },
        )
        assert binary.status_code == 200 and binary.json()["accepted"] == 1, binary.text
        single = structured(source, "e-H-2", "H-2", title="Utredare via strukturerat läge")
        for _ in range(2):  # posted twice: applied once
            again = await ingest.post(
                "/events",
                content=json.dumps(single),
                headers={"Content-Type": "application/cloudevents+json"},
            )
            assert again.json()["accepted"] == 1
        batch = [
            structured(source, "e-H-3", "H-3", title="Jurist via batch"),
            structured(source, "e-H-4", "H-4", employment_type="forever"),
            structured(f"/agencies/{other}", "e-O-1", "O-1", title="Smuggled"),
        ]
        batched = await ingest.post(
            "/events",
            content=json.dumps(batch),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        statuses = [(e["id"], e["status"], e.get("reason")) for e in batched.json()["events"]]
        assert statuses == [
            ("e-H-3", "accepted", None),
            ("e-H-4", "rejected", "schema_violation"),
            ("e-O-1", "rejected", "forged_source"),
        ]

    found = await searchable(network, {"agency": code}, 3)
    assert sorted(v["vacancy_id"] for v in found) == ["H-1", "H-2", "H-3"]
    async with network.http("vacancies") as vacancies:
        assert (await vacancies.get("/vacancies", params={"agency": other})).json()["items"] == []

    # Leaving revokes the key.
    async with network.http("membership") as membership:
        assert (await membership.post(f"/agencies/{code}/leave")).status_code == 200
    async with httpx.AsyncClient(
        base_url=network.url("ingest"), headers={"Authorization": f"Bearer {key}"}
    ) as ingest:

        async def refused() -> bool:
            probe = await ingest.post("/events", headers={"Content-Type": "text/plain"})
            return probe.status_code == 401

        await wait_until(refused, what="the departed agency's key to be refused")
