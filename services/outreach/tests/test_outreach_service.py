"""Outreach on the real Kafka broker and PostgreSQL: open events planned, listed, changed and
cancelled, each announced once on the topic, in order."""

from datetime import timedelta

import httpx
import pytest
from myndnet_kit.app import ServiceApp
from myndnet_outreach.main import OutreachSettings, build
from myndnet_schemas import parse, topics
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import TestNetwork, read_to_end, running, wait_until

pytestmark = pytest.mark.integration
TOKEN = "outreach-test-token"


def settings(net: TestNetwork, database_url: str) -> OutreachSettings:
    return OutreachSettings(  # type: ignore[call-arg]
        OUTREACH_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=net.kafka,
        MEMBERSHIP_TOPIC=net.membership_topic,
        OPERATOR_TOKENS=f"{TOKEN}=outreach:write",
        CONSUMER_GROUP_PREFIX=net.group_prefix,
        OUTREACH_TOPIC=f"{topics.OUTREACH_ACTIVITIES}.{net.unique}",
    )


def client(app: ServiceApp, token: str | None = TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}", "X-Acting-For": "kim@csn.se"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.api), base_url="http://t", headers=headers
    )


def career_day(net: TestNetwork, **changes) -> dict:
    day = stockholm_today() + timedelta(days=30)
    return {
        "title": {"sv": "Karriärdag i Sundsvall", "en": "Career day in Sundsvall"},
        "text": {"sv": "Träffa myndigheterna.\n\nVi bjuder på fika."},
        "kind": "career_fair",
        "starts_at": f"{day.isoformat()}T10:00:00+01:00",
        "ends_at": f"{day.isoformat()}T15:00:00+01:00",
        "place": "Mittuniversitetet, Sundsvall",
        "hosts": [net.code("csn"), net.code("skv")],
        "target_groups": ["students"],
        "seats": 2,
        "registration_deadline": (day - timedelta(days=2)).isoformat(),
        **changes,
    }


async def test_open_events_are_planned_listed_changed_and_cancelled_each_announced_once(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv", create_topics=False)
    app = build(settings(net, database_url))
    async with running(app), client(app) as http, client(app, None) as public:
        refused = await public.post("/open-events", json=career_day(net))
        assert refused.status_code == 401
        stranger = await http.post("/open-events", json=career_day(net, hosts=[net.code("nobody")]))
        assert stranger.status_code == 422 and "not current members" in stranger.text
        backwards = await http.post(
            "/open-events", json=career_day(net, ends_at=career_day(net)["starts_at"])
        )
        assert backwards.status_code == 422 and backwards.json()["code"] == "invalid"

        created = await http.post("/open-events", json=career_day(net))
        assert created.status_code == 201, created.text
        event_id = created.json()["id"]
        webinar = await http.post(
            "/open-events",
            json=career_day(
                net,
                kind="webinar",
                place=None,
                online_url="https://example.se/live",
                target_groups=[],
            ),
        )
        assert webinar.status_code == 201
        listed = (await public.get("/open-events")).json()
        assert {e["id"] for e in listed} == {event_id, webinar.json()["id"]}
        for_experienced = (
            await public.get("/open-events", params={"target_group": "experienced"})
        ).json()
        assert [e["id"] for e in for_experienced] == [webinar.json()["id"]]  # for everyone

        changed = await http.patch(f"/open-events/{event_id}", json={"seats": 3})
        assert changed.status_code == 200 and changed.json()["revision"] == 2
        cleared = await http.patch(f"/open-events/{event_id}", json={"title": None})
        assert cleared.status_code == 422
        cancelled = await http.post(f"/open-events/{event_id}/cancel", json={"reason": "Sjukdom"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        again = await http.post(f"/open-events/{event_id}/cancel")
        assert again.status_code == 409
        assert event_id not in {e["id"] for e in (await public.get("/open-events")).json()}
        page = await public.get(f"/open-events/{event_id}")
        assert page.json()["status"] == "cancelled" and page.json()["cancel_reason"] == "Sjukdom"
        assert (await public.get("/open-events/nobody")).status_code == 404

        found: list = []

        async def published() -> bool:
            records = await read_to_end(net.kafka, f"{topics.OUTREACH_ACTIVITIES}.{net.unique}")
            found[:] = [parse(r.headers, r.key, r.value) for r in records]
            return len(found) >= 4

        await wait_until(published, what="the open events' events")
        mine = [e for e in found if e.subject == event_id]
        assert [e.type.split(".")[4] for e in mine] == ["scheduled", "changed", "cancelled"]
        assert [e.data.revision for e in mine] == [1, 2, 3]
        assert all(e.source == "/services/outreach" for e in found)
        log = await http.get("/audit-log")
        assert log.status_code == 403  # the token holds outreach:write only
