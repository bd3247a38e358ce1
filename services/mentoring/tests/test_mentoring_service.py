"""Mentoring on the real Kafka broker and PostgreSQL."""

from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from myndnet_kit.app import ServiceApp
from myndnet_mentoring.handlers.programme import end_programmes, expire_proposals, now
from myndnet_mentoring.main import MentoringSettings, build
from myndnet_schemas import ManagerAppointed, MentorVolunteered, MentorWithdrawn, parse, topics
from myndnet_schemas.events.mentoring import MatchFields
from myndnet_testing import TestNetwork, produce, read_to_end, running, wait_until

pytestmark = pytest.mark.integration
TOKEN = "mentoring-test-token"


def matches_topic(net: TestNetwork) -> str:
    """The test's own: on the local broker `mentoring.matches` is what a running `make up`
    network mails people from."""
    return f"mentoring.matches.{net.unique}"


def settings(net: TestNetwork, database_url: str) -> MentoringSettings:
    return MentoringSettings(  # type: ignore[call-arg]
        MENTORING_DATABASE_URL=database_url,
        MENTORING_MATCHES_TOPIC=matches_topic(net),
        KAFKA_BOOTSTRAP_SERVERS=net.kafka,
        MEMBERSHIP_TOPIC=net.membership_topic,
        MENTORING_HR_TOPIC_PATTERN=net.hr_pattern("leadership"),
        OPERATOR_TOKENS=f"{TOKEN}=mentoring:operate,dlq:replay",
        KAFKA_METADATA_MAX_AGE_MS=1000,
        CONSUMER_GROUP_PREFIX=net.group_prefix,
        CONSUMER_BATCH_TIMEOUT_MS=50,
        MENTORING_ROUND_SECONDS=100000,  # rounds only when the test asks
    )


def manager(person_id: str, **changes) -> ManagerAppointed:
    data = {
        "person_id": person_id,
        "name": f"Chef {person_id}",
        "email": f"{person_id}@example.se",
        "title": "Enhetschef",
        "start_date": "2026-02-01",
        "competence_areas": ["digitalisering", "arbetsmiljö"],
        "languages": ["sv"],
        "municipality": "Sundsvall",
    }
    return ManagerAppointed(**{**data, **changes})


def mentor(person_id: str, **changes) -> MentorVolunteered:
    data = {
        "person_id": person_id,
        "name": f"Mentor {person_id}",
        "email": f"{person_id}@example.se",
        "title": "Avdelningschef",
        "competence_areas": [],
        "languages": ["sv"],
        "municipality": "Härnösand",
        "years_as_manager": 5,
        "capacity": 1,
    }
    return MentorVolunteered(**{**data, **changes})


async def count(database_url: str, sql: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def operator(app: ServiceApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.api),
        base_url="http://m",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


async def match_events(net: TestNetwork, manager_key: str) -> list:
    records = await read_to_end(net.kafka, matches_topic(net))
    events = [parse(r.headers, r.key, r.value) for r in records]
    mine = [
        e
        for e in events
        if isinstance(e.data, MatchFields)  # the topic also carries check-ins and erasures
        and f"{e.data.manager.agency}/{e.data.manager.person_id}" == manager_key
    ]
    return sorted(mine, key=lambda e: e.data.at)  # keyed by match: partitions differ


async def on_store(app, job, *args):
    """A handler run as the service's jobs run it: on a store over one pooled connection."""
    async with app.pool.acquire() as conn:
        return await job(app.api.state.store(conn), *args)


async def test_decline_expiry_and_withdrawal_each_lead_to_a_correct_rematch(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("a", "b", "c")
    a, b, c = net.code("a"), net.code("b"), net.code("c")
    app = build(settings(net, database_url))
    async with running(app), operator(app) as http:
        await net.publish("a", "leadership", manager("M"))
        await net.publish(
            "b",
            "leadership",
            mentor("T1", competence_areas=["digitalisering"], municipality="Sundsvall"),
        )
        await net.publish("c", "leadership", mentor("T2"))
        await net.publish("a", "leadership", mentor("SAME", competence_areas=["digitalisering"]))
        await wait_until(
            lambda: _at_least(database_url, "SELECT count(*) FROM inbox", 4), what="the people"
        )

        async def proposed_mentor() -> str:
            matches = (await http.get("/matches", params={"status": "proposed"})).json()
            assert len(matches) == 1
            return matches[0]["mentor"]["person_id"], matches[0]["match_id"]

        first = (await http.post("/matching/run")).json()
        assert first["waiting_before"] == 1 and len(first["proposed"]) == 1
        assert any("digitalisering" in r for r in first["proposed"][0]["reasons"])
        who, match_id = await proposed_mentor()
        assert who == "T1"  # shares a competence area and the municipality; SAME is same agency

        declined = await http.post(f"/matches/{match_id}/decline", json={"by": "mentor"})
        assert declined.json()["status"] == "declined"
        assert (await http.post(f"/matches/{match_id}/accept")).status_code == 409
        await http.post("/matching/run")
        who, match_id = await proposed_mentor()
        assert who == "T2"

        assert await on_store(app, expire_proposals, now().date() + timedelta(days=14)) == 0
        assert await on_store(app, expire_proposals, now().date() + timedelta(days=15)) == 1
        stuck = (await http.post("/matching/run")).json()
        assert stuck["proposed"] == []
        reason = stuck["still_waiting"][f"{a}/M"]
        assert reason == (
            "no eligible mentor with a free place (declined before: 2, same agency: 1)"
        )
        waiting = (await http.get("/managers", params={"status": "waiting"})).json()
        assert waiting[0]["why_waiting"] == reason

        await net.publish("b", "leadership", mentor("T3"))
        await wait_until(
            lambda: _at_least(database_url, "SELECT count(*) FROM mentors", 4), what="T3"
        )
        await http.post("/matching/run")
        who, match_id = await proposed_mentor()
        assert who == "T3"
        half = await http.post(f"/matches/{match_id}/accept", json={"by": "manager"})
        assert half.json()["status"] == "proposed" and half.json()["manager"]["accepted"]
        full = await http.post(f"/matches/{match_id}/accept", json={"by": "mentor"})
        assert full.json()["status"] == "accepted" and full.json()["ends_on"]
        assert (await http.get("/managers", params={"status": "matched"})).json()[0][
            "person_id"
        ] == "M"

        await net.publish("b", "leadership", MentorWithdrawn(person_id="T3"))
        await wait_until(
            lambda: _at_least(
                database_url,
                "SELECT count(*) FROM matches WHERE close_reason = 'mentor_withdrawn'",
                1,
            ),
            what="the withdrawal",
        )
        await net.publish("c", "leadership", mentor("T4", languages=["sv", "en"]))
        await wait_until(
            lambda: _at_least(database_url, "SELECT count(*) FROM mentors", 5), what="T4"
        )
        await http.post("/matching/run")
        who, match_id = await proposed_mentor()
        assert who == "T4"
        accepted = (await http.post(f"/matches/{match_id}/accept")).json()  # an operator: both
        ends_on = date.fromisoformat(accepted["ends_on"])
        assert (ends_on - now().date()).days in range(365, 367)  # twelve months
        assert await on_store(app, end_programmes, ends_on - timedelta(days=1)) == 0
        assert await on_store(app, end_programmes, ends_on) == 1
        assert (await http.get("/managers", params={"status": "completed"})).json()[0][
            "person_id"
        ] == "M"

        figures = {f["agency"]: f for f in (await http.get("/agencies/figures")).json()}
        # Declined and expired proposals do not count: T3 and T4 (both ended) do.
        assert figures[a]["mentors_received"] == 2
        assert figures[b]["mentors_given"] == 1 and figures[c]["mentors_given"] == 1
        cohorts = (await http.get("/cohorts")).json()
        assert cohorts == [
            {
                "cohort": "2026-H1",
                "managers": 1,
                "waiting": 0,
                "proposed": 0,
                "matched": 0,
                "completed": 1,
                "status": "completed",
            }
        ]
        assert (await http.get("/matches", headers={"Authorization": ""})).status_code == 401

        async def whole_story() -> bool:
            # Read while the service runs: its relay publishes the last steps after the answers.
            return len(await match_events(net, f"{a}/M")) >= 10

        await wait_until(whole_story, timeout=30, interval=0.5, what="every step published")

    events = await match_events(net, f"{a}/M")
    story = [(e.type.split(".")[4], e.data.mentor.person_id) for e in events]
    assert story == [
        ("proposed", "T1"),
        ("declined", "T1"),
        ("proposed", "T2"),
        ("declined", "T2"),
        ("proposed", "T3"),
        ("accepted", "T3"),
        ("ended", "T3"),
        ("proposed", "T4"),
        ("accepted", "T4"),
        ("ended", "T4"),
    ]
    assert [e.data.declined_by for e in events if e.type.endswith("declined.v1")] == [
        "mentor",
        "expiry",
    ]
    assert events[6].data.reason == "mentor_withdrawn" and events[-1].data.reason == "completed"
    assert all(e.data.manager.email == "M@example.se" and e.data.mentor.email for e in events)
    assert all(e.data.mentor.agency in (b, c) for e in events)


async def _at_least(database_url: str, sql: str, wanted: int) -> bool:
    return await count(database_url, sql) >= wanted


async def test_redelivered_events_change_nothing_and_strangers_go_to_the_dlq(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("a", "b")
    await net.register("stranger", create_topics=True)
    await net.leave("stranger")
    app = build(settings(net, database_url))
    async with running(app):
        [appointed] = await net.publish("a", "leadership", manager("R"))
        [volunteered] = await net.publish("b", "leadership", mentor("V", capacity=2))
        await produce(kafka_bootstrap, topics.hr_leadership(net.code("a")), [appointed] * 3)
        await produce(kafka_bootstrap, topics.hr_leadership(net.code("b")), [volunteered] * 2)
        await net.publish("stranger", "leadership", manager("X"))
        await net.publish("a", "leadership", mentor("F"), source=f"/agencies/{net.code('b')}")
        await wait_until(
            lambda: _at_least(database_url, "SELECT count(*) FROM dlq_entries", 2),
            what="the DLQ entries",
        )
        await wait_until(
            lambda: _at_least(database_url, "SELECT count(*) FROM inbox", 2), what="the people"
        )
        async with operator(app) as http:
            round_one = (await http.post("/matching/run")).json()
            again = (await http.post("/matching/run")).json()
    assert await count(database_url, "SELECT count(*) FROM managers") == 1
    assert await count(database_url, "SELECT count(*) FROM mentors") == 1
    assert await count(database_url, "SELECT count(*) FROM inbox") == 2
    assert len(round_one["proposed"]) == 1 and again["proposed"] == []
    reasons = sorted(
        r["reason"] for r in await _rows(database_url, "SELECT reason FROM dlq_entries")
    )
    assert reasons == ["agency_left", "source_mismatch"]


async def _rows(database_url: str, sql: str) -> list:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()
