"""The agencies' HTTP door end to end: membership issues a key, the agency's HR system posts
CloudEvents to ingest in each mode, and the vacancies land in the register; on the secure
profile ingest logs in to Kafka as itself."""

import json
from datetime import timedelta

import httpx
import pytest
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import example, vacancy_data, wait_until
from test_network_e2e import register, searchable

pytestmark = pytest.mark.integration


def structured(source: str, event_id: str, vacancy_id: str, **data) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": "se.myndnet.vacancy.published.v1",
        "data": vacancy_data(vacancy_id, today=stockholm_today(), **data),
    }


async def test_events_posted_in_each_mode_land_in_the_register_once(network):
    today = stockholm_today()
    dates = {
        "first_day": (today + timedelta(days=40)).isoformat(),
        "last_day": (today + timedelta(days=100)).isoformat(),
        "answer_by": (today + timedelta(days=20)).isoformat(),
    }
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
                vacancy_data("H-1", today=stockholm_today(), title="Handläggare via binärt läge")
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

        # Assignments go through the same door to the agency's exchange topic.
        assignment = example("se.myndnet.assignment.posted.v1")
        posted = [
            {**assignment, "id": f"e-A-{n}", "source": source, "subject": f"A-{n}"}
            | {"data": {**assignment["data"], "assignment_id": f"A-{n}", **dates}}
            for n in (1, 2)
        ]
        withdrawn = {
            **example("se.myndnet.assignment.withdrawn.v1"),
            "id": "e-A-2-w",
            "source": source,
            "subject": "A-2",
            "data": {"assignment_id": "A-2", "revision": 2},
        }
        sent = await ingest.post(
            "/events",
            content=json.dumps([*posted, withdrawn]),
            headers={"Content-Type": "application/cloudevents-batch+json"},
        )
        assert [e["status"] for e in sent.json()["events"]] == ["accepted"] * 3, sent.text
        assert {e["topic"] for e in sent.json()["events"]} == {f"hr.{code}.exchange"}

    found = await searchable(network, {"agency": code}, 3)
    assert sorted(v["vacancy_id"] for v in found) == ["H-1", "H-2", "H-3"]

    async def only_the_first_open() -> bool:
        async with network.http("exchange") as exchange:
            listed = (await exchange.get("/assignments", params={"agency": code})).json()
            second = (await exchange.get(f"/assignments/{code}/A-2")).json()
        return [a["id"] for a in listed] == ["A-1"] and second.get("state") == "withdrawn"

    await wait_until(only_the_first_open, what="ingest's assignments in exchange")
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


async def test_an_agency_in_platsbanken_joins_through_the_jobstream_connector(network):
    """An agency registered with its organisation number: its ads in JobStream become its
    vacancies in the register, their changes and removals follow, other employers' stay out."""
    from myndnet_testing.jobstream import ad, now_ms, removal

    organisation_number = "202100-5489"
    code = network.code("platsbanken")
    async with network.http("membership") as membership:
        created = await membership.post(
            "/agencies",
            json={
                "code": code,
                "name": "Myndigheten i Platsbanken",
                "kind": "agency",
                "organisation_number": organisation_number,
            },
        )
        assert created.status_code == 201, created.text
    stamp = now_ms()
    network.jobstream.add(
        ad("7001", organisation_number, "Handläggare av studiemedel", stamp=stamp),
        ad("7002", organisation_number, "IT-säkerhetsspecialist", stamp=stamp + 1, ssyk="2519"),
        ad("7003", "556969-9480", "Konsult hos ett bolag", stamp=stamp + 2),
    )
    found = await searchable(network, {"agency": code}, 2)
    assert sorted(v["vacancy_id"] for v in found) == ["af-7001", "af-7002"]

    network.jobstream.add(
        ad("7001", organisation_number, "Handläggare av studiemedel, Sundsvall", stamp=now_ms()),
        removal("7002"),
    )

    async def followed() -> bool:
        async with network.http("vacancies") as vacancies:
            items = (
                await vacancies.get("/vacancies", params={"agency": code, "status": "all"})
            ).json()["items"]
        state = {v["vacancy_id"]: (v["status"], v["title"]) for v in items}
        return state == {
            "af-7001": ("open", "Handläggare av studiemedel, Sundsvall"),
            "af-7002": ("closed", "IT-säkerhetsspecialist"),
        }

    await wait_until(followed, timeout=30, what="the change and the removal in the register")
    async with network.http("vacancies") as vacancies:
        everything = (
            await vacancies.get("/vacancies", params={"status": "all", "limit": 100})
        ).json()
    assert not [v for v in everything["items"] if v["vacancy_id"] == "af-7003"]
