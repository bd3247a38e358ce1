"""Trainings on the real Kafka broker and PostgreSQL: quotas, the waitlist, racing
cancellations, work addresses, the deadline, reminders, an agency leaving, attendance and the
figures."""

import asyncio
from datetime import date, datetime, timedelta

import httpx
import pytest
from myndnet_kit.app import ServiceApp
from myndnet_kit.links import TRAINING_CANCEL, TRAINING_CONFIRM, sign_link
from myndnet_schemas import parse, topics
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_testing import TestNetwork, read_to_end, running, wait_until
from myndnet_trainings.main import TrainingsSettings, build

pytestmark = pytest.mark.integration
TOKEN = "trainings-test-token"
KEY = "trainings-test-link-key"


def settings(net: TestNetwork, database_url: str) -> TrainingsSettings:
    return TrainingsSettings(  # type: ignore[call-arg]
        TRAININGS_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=net.kafka,
        MEMBERSHIP_TOPIC=net.membership_topic,
        OPERATOR_TOKENS=f"{TOKEN}=trainings:write",
        LINK_SIGNING_KEY=KEY,
        CONSUMER_GROUP_PREFIX=net.group_prefix,
        TRAININGS_SCHEDULE_SECONDS=100000,  # the schedule runs when the test asks
        TRAININGS_TOPIC=topic_of(net),
    )


def topic_of(net: TestNetwork) -> str:
    return f"{topics.TRAININGS_REGISTRATIONS}.{net.unique}"


def client(app: ServiceApp, token: str | None = TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.api), base_url="http://t", headers=headers
    )


def link(purpose: str, registration_id: str) -> str:
    return sign_link(KEY, purpose, (registration_id,), stockholm_today() + timedelta(days=60))


async def session_events(net: TestNetwork, session_id: str, at_least: int) -> list:
    """The session's events on the topic, once the outbox has published `at_least` of them."""
    found: list = []

    async def published() -> bool:
        records = await read_to_end(net.kafka, topic_of(net))
        found[:] = [
            parse(r.headers, r.key, r.value) for r in records if r.key == session_id.encode()
        ]
        return len(found) >= at_least

    await wait_until(published, what=f"{at_least} events of {session_id}")
    return found


def steps(events: list, step: str) -> list[str]:
    return [
        e.data.registration_id
        for e in events
        if e.type == f"se.myndnet.training.registration.{step}.v1"
    ]


async def new_session(http: httpx.AsyncClient, net: TestNetwork, **changes) -> dict:
    course = await http.post(
        "/courses",
        json={
            "code": "ledarskap",
            "title": "Ledarskap i staten",
            "kind": "leadership",
            "host_agency": net.code("csn"),
        },
    )
    assert course.status_code in (201, 409), course.text
    start = datetime.now(STOCKHOLM).replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=10)
    body = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=7)).isoformat(),
        "place": "Mittuniversitetet, Sundsvall",
        "total_seats": 3,
        "seats_per_agency": {net.code("csn"): 2, net.code("skv"): 1},
        "registration_deadline": (start.date() - timedelta(days=5)).isoformat(),
        **changes,
    }
    created = await http.post("/courses/ledarskap/sessions", json=body)
    assert created.status_code == 201, created.text
    return created.json()


async def register(http: httpx.AsyncClient, net: TestNetwork, sid: str, who: str, agency: str):
    return await http.post(
        f"/sessions/{sid}/registrations",
        json={
            "name": who.title(),
            "email": f"{who}@{net.email_domain(agency)}",
            "agency": net.code(agency),
        },
    )


async def registered(http, net, sid, who, agency) -> str:
    asked = await register(http, net, sid, who, agency)
    assert asked.status_code == 202, asked.text
    registration_id = asked.json()["registration_id"]
    confirmed = await http.post(
        "/registrations/confirm", params={"token": link(TRAINING_CONFIRM, registration_id)}
    )
    assert confirmed.status_code == 200, confirmed.text
    return registration_id


async def test_quota_waitlist_and_racing_cancellations_promote_exactly_once(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv", create_topics=False)
    app = build(settings(net, database_url))
    async with running(app), client(app) as http, client(app, None) as public:
        session = await new_session(http, net)
        sid = session["session_id"]
        assert session["seats_left"] == 3

        a, b = [await registered(public, net, sid, who, "csn") for who in ("anna", "bo")]
        c = await registered(public, net, sid, "cecilia", "csn")
        d = await registered(public, net, sid, "david", "csn")
        shown = await public.get(
            "/registrations/cancel", params={"token": link(TRAINING_CANCEL, d)}
        )
        assert (shown.json()["status"], shown.json()["place"]) == ("waitlisted", 2)

        listed = {s["session_id"]: s for s in (await public.get("/sessions")).json()}[sid]
        csn = {x["agency"]: x for x in listed["agencies"]}[net.code("csn")]
        assert (csn["registered"], csn["waitlisted"], csn["seats_left"]) == (2, 2, 0)
        assert listed["seats_left"] == 1  # skv's seat

        # Two people cancel at the same moment, each clicking four times: one promotion each.
        cancel_a = {"token": link(TRAINING_CANCEL, a)}
        cancel_b = {"token": link(TRAINING_CANCEL, b)}
        answers = await asyncio.gather(
            *[public.post("/registrations/cancel", params=p) for p in [cancel_a, cancel_b] * 4]
        )
        assert {r.status_code for r in answers} == {200}

        events = await session_events(net, sid, at_least=13)
        assert len(events) == 13  # scheduled, 4 requested, 2 confirmed, 2 waitlisted, 2 + 2
        assert steps(events, "confirmed") == [a, b]
        assert steps(events, "waitlisted") == [c, d]
        assert sorted(steps(events, "cancelled")) == sorted([a, b])
        assert steps(events, "promoted") == [c, d]  # registration order, each once
        waited = [e.data.place for e in events if e.type.endswith("waitlisted.v1")]
        assert waited == [1, 2]

        # Bad addresses and agencies, explained.
        private = await public.post(
            f"/sessions/{sid}/registrations",
            json={"name": "Eva", "email": "eva@gmail.com", "agency": net.code("csn")},
        )
        assert private.status_code == 422 and net.email_domain("csn") in private.text
        assert private.json()["code"] == "not_work_address"  # what the site maps to its words
        other = await public.post(
            f"/sessions/{sid}/registrations",
            json={
                "name": "Fia",
                "email": f"fia@{net.email_domain('skv')}",
                "agency": net.code("csn"),
            },
        )
        assert other.status_code == 422
        stranger = await public.post(
            f"/sessions/{sid}/registrations",
            json={"name": "G", "email": "g@x.se", "agency": net.code("nobody")},
        )
        assert stranger.status_code == 422 and "not an agency of the network" in stranger.text
        assert stranger.json()["code"] == "unknown_agency"
        twice = await register(public, net, sid, "cecilia", "csn")
        assert twice.status_code == 409 and "already registered" in twice.text
        assert twice.json()["code"] == "already_registered"
        forged = await public.post("/registrations/cancel", params={"token": "x" * 30})
        assert forged.status_code == 400 and forged.json()["detail"]["code"] == "forged"
        assert (await public.post("/courses", json={})).status_code == 401


async def test_deadline_reminders_agency_leaving_attendance_and_figures(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv", "lst", create_topics=False)
    app = build(settings(net, database_url))
    async with running(app), client(app) as http:
        session = await new_session(http, net, total_seats=4)
        sid, deadline = session["session_id"], date.fromisoformat(session["registration_deadline"])
        c1, c2 = [await registered(http, net, sid, w, "csn") for w in ("c1", "c2")]
        l1 = await registered(http, net, sid, "l1", "lst")  # lst has no seats of its own
        c3 = await registered(http, net, sid, "c3", "csn")
        s1 = await registered(http, net, sid, "s1", "skv")
        assert (await http.get(f"/sessions/{sid}")).json()["seats_left"] == 1

        ran = await http.post("/schedule/run", params={"as_of": deadline.isoformat()})
        assert ran.json()["deadlines"] == 0  # the deadline day itself is still open
        ran = await http.post(
            "/schedule/run", params={"as_of": (deadline + timedelta(days=1)).isoformat()}
        )
        assert ran.json() == {
            "as_of": (deadline + timedelta(days=1)).isoformat(),
            "deadlines": 1,
            "promoted": 1,
            "reminded": 0,
            "erased": 0,
        }
        start = datetime.fromisoformat(session["starts_at"]).date()
        for _ in range(2):
            ran = await http.post(
                "/schedule/run", params={"as_of": (start - timedelta(days=2)).isoformat()}
            )
        assert ran.json()["reminded"] == 0  # the first run reminded the four; the second none

        # skv leaves (its event arrives twice): s1's registration ends, once; after the deadline
        # the seat goes to the first waiting of any agency, c3.
        await net.leave("skv")
        await net.leave("skv")
        listing = f"/sessions/{sid}/registrations"

        async def s1_cancelled() -> bool:
            rows = (await http.get(listing)).json()
            return {r["registration_id"]: r for r in rows}[s1]["status"] == "cancelled"

        for _ in range(100):
            if await s1_cancelled():
                break
            await asyncio.sleep(0.1)
        assert await s1_cancelled()

        recorded = await http.post(
            f"/sessions/{sid}/attendance", json={"attended": [c1, l1], "absent": [c2]}
        )
        assert recorded.json()["recorded"] == 3
        again = await http.post(f"/sessions/{sid}/attendance", json={"attended": [c1]})
        assert again.json()["recorded"] == 0
        refused = await http.post(f"/sessions/{sid}/attendance", json={"attended": [s1]})
        assert refused.status_code == 422

        figures = (await http.get("/figures")).json()
        by_agency = {f["agency"]: f for f in figures}
        assert by_agency[net.code("csn")] == {
            "agency": net.code("csn"),
            "kind": "leadership",
            "seats_offered": 2,
            "seats_used": 3,
            "attended": 1,
            "waitlisted": 0,
        }
        assert by_agency[net.code("lst")]["seats_used"] == 1
        ever = {"from": "0001-01-01", "to": "9999-12-31"}
        assert (await http.get("/figures", params=ever)).json() == figures
        never = {"from": "2000-01-01", "to": "2000-01-31"}
        assert (await http.get("/figures", params=never)).json() == []
        csv = await http.get("/figures", headers={"Accept": "text/csv"})
        assert csv.text.startswith("agency,kind,seats_offered,seats_used,attended,waitlisted")

        told = await http.post(f"/sessions/{sid}/cancel", json={"reason": "Lärarens sjukdom"})
        assert told.json()["told"] == 4  # c1, c2, l1, c3
        # Read while the service runs: its outbox relay publishes the last of them.
        events = await session_events(net, sid, at_least=26)

    assert len(events) == 26  # nothing twice: s1 is cancelled once although skv left twice
    promoted = {
        e.data.registration_id: e.data.because.value
        for e in events
        if e.type.endswith("promoted.v1")
    }
    assert promoted == {l1: "deadline", c3: "seat_freed"}
    assert sorted(steps(events, "reminded")) == sorted([c1, c2, l1, s1])
    cancelled = {
        e.data.registration_id: e.data.because.value
        for e in events
        if e.type.endswith("registration.cancelled.v1")
    }
    assert cancelled == {
        s1: "agency_left",
        c1: "session_cancelled",
        c2: "session_cancelled",
        c3: "session_cancelled",
        l1: "session_cancelled",
    }
    attendance = {
        e.data.registration_id: e.data.attended
        for e in events
        if e.type.endswith("attendance.recorded.v1")
    }
    assert attendance == {c1: True, l1: True, c2: False}


async def test_asking_again_resends_the_confirmation_at_most_every_ten_minutes(
    kafka_bootstrap, database_url, unique
):
    from myndnet_trainings.adapters.postgres import PostgresTrainings
    from myndnet_trainings.handlers.registrations import Request, request_registration

    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv", create_topics=False)
    app = build(settings(net, database_url))
    async with running(app), client(app) as http:
        sid = (await new_session(http, net))["session_id"]
        first = await register(http, net, sid, "ebba", "csn")
        again = await register(http, net, sid, "ebba", "csn")
        assert first.status_code == again.status_code == 202
        registration_id = first.json()["registration_id"]
        assert again.json()["registration_id"] == registration_id
        assert app.pool is not None and app.membership is not None
        later = datetime.now(STOCKHOLM) + timedelta(minutes=11)
        async with app.pool.acquire() as conn:
            asked = Request(sid, "Ebba", f"ebba@{net.email_domain('csn')}", net.code("csn"), "sv")
            agency = app.membership.agencies[net.code("csn")]
            resent = await request_registration(
                PostgresTrainings(conn), asked, agency, later, topic_of(net)
            )
        assert resent == registration_id
        events = await session_events(net, sid, at_least=3)
    assert len(steps(events, "requested")) == 2  # the first, and the one ten minutes on
