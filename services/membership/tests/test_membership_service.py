"""Membership on the real Kafka broker and PostgreSQL."""

import asyncio
import json
from typing import ClassVar

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from myndnet_kit.app import ServiceApp
from myndnet_kit.kafka import compacted, ensure_topics
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.settings import ServiceSettings
from myndnet_membership.main import MembershipSettings, build
from myndnet_schemas import parse
from myndnet_testing import produce_raw, read_topic, running
from pydantic import Field

pytestmark = pytest.mark.integration
TOKEN = "membership-test-token"
READER = "reader-token"


def settings(database_url: str, kafka: str, topic: str) -> MembershipSettings:
    return MembershipSettings(  # type: ignore[call-arg]
        MEMBERSHIP_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        MEMBERSHIP_TOPIC=topic,
        OPERATOR_TOKENS=f"{TOKEN}=membership:write;{READER}=dlq:replay",
    )


def client(app: ServiceApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.api),
        base_url="http://m",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


async def events_on(kafka: str, topic: str, at_least: int) -> list:
    records = await read_topic(kafka, topic, at_least=at_least, timeout=30)
    return [parse(r.headers, r.key, r.value) for r in records]


async def test_seeding_a_fresh_database_emits_nineteen_events_once_also_across_restarts(
    kafka_bootstrap, database_url, unique
):
    topic = f"membership.agencies.{unique}"
    for _restart in range(2):
        async with running(build(settings(database_url, kafka_bootstrap, topic))):
            pass
    events = await events_on(kafka_bootstrap, topic, at_least=19)
    assert len(events) == 19
    assert {e.type for e in events} == {"se.myndnet.agency.registered.v1"}
    assert len({e.data.code for e in events}) == 19
    kommun = next(e.data for e in events if e.data.code == "sundsvalls-kommun")
    assert kommun.role == "associated" and kommun.kind == "municipality"
    csn = next(e.data for e in events if e.data.code == "csn")
    assert csn.email_domains == ["csn.se"] and csn.organisation_number == "202100-1819"
    assert all(e.data.email_domains and e.data.website for e in events)
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM agencies") == 19
        # A network seeded before the seed carried details: they are filled in at the next
        # start, announced once; an operator's own website is kept.
        await conn.execute(
            "UPDATE agencies SET email_domains = '{}', website = NULL, organisation_number = NULL"
            " WHERE code = 'digg'"
        )
        await conn.execute(
            "UPDATE agencies SET email_domains = '{}', website = 'https://example.se',"
            " organisation_number = NULL WHERE code = 'msb'"
        )
    finally:
        await conn.close()
    for _restart in range(2):
        async with running(build(settings(database_url, kafka_bootstrap, topic))):
            pass
    events = await events_on(kafka_bootstrap, topic, at_least=20)
    later = [e for e in events if e.type == "se.myndnet.agency.updated.v1"]
    assert len(events) == 20 and [e.data.code for e in later] == ["digg"]
    assert later[0].data.email_domains == ["digg.se"]

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    for event in events:
        assert f"hr.{event.data.code}.vacancies" in existing
        assert f"hr.{event.data.code}.leadership" in existing


class FollowerSettings(ServiceSettings):
    service: ClassVar[str] = "follower"
    database_url: str = Field(alias="FOLLOWER_DATABASE_URL")
    port: int = 0


async def test_a_register_whose_topic_was_lost_announces_every_agency_again_once(
    kafka_bootstrap, database_url, unique
):
    """The broker's data lost, the database kept: at start every agency's current state is on
    the (new, empty) topic again, a departed one as left; a further restart adds nothing."""
    first = f"membership.agencies.{unique}"
    app = build(settings(database_url, kafka_bootstrap, first))
    async with running(app), client(app) as http:
        code = f"borta-{unique}"
        created = await http.post(
            "/agencies", json={"code": code, "name": "Borta", "kind": "agency"}
        )
        assert created.status_code == 201
        assert (await http.post(f"/agencies/{code}/leave")).status_code == 200
    await events_on(kafka_bootstrap, first, at_least=21)

    lost = f"membership.agencies.lost.{unique}"
    for _restart in range(2):
        async with running(build(settings(database_url, kafka_bootstrap, lost))):
            pass
    events = await events_on(kafka_bootstrap, lost, at_least=20)
    assert len(events) == 20  # the nineteen seed agencies and the one that left, once each
    by_code = {e.data.code: e for e in events}
    assert by_code[code].type == "se.myndnet.agency.left.v1"
    assert by_code["csn"].type == "se.myndnet.agency.updated.v1"
    assert by_code["csn"].data.email_domains == ["csn.se"]

    # A topic that kept one agency's current state: the others are announced, that one not.
    partial = f"membership.agencies.partial.{unique}"
    [kept] = [r for r in await read_topic(kafka_bootstrap, lost, at_least=20) if r.key == b"csn"]
    await ensure_topics(kafka_bootstrap, [compacted(partial)])
    await produce_raw(kafka_bootstrap, partial, [(kept.key, kept.value, list(kept.headers))])
    async with running(build(settings(database_url, kafka_bootstrap, partial))):
        pass
    again = await events_on(kafka_bootstrap, partial, at_least=20)
    assert len(again) == 20 and [e.data.code for e in again].count("csn") == 1

    # The topic that never lost anything gets nothing more.
    async with running(build(settings(database_url, kafka_bootstrap, first))):
        pass
    assert len(await events_on(kafka_bootstrap, first, at_least=21)) == 21


async def test_register_update_leave_flow_to_an_independent_consumer_and_a_late_follower(
    kafka_bootstrap, database_url, unique, tmp_path
):
    topic = f"membership.agencies.{unique}"
    code = f"myndighet-{unique}"
    app = build(settings(database_url, kafka_bootstrap, topic))
    async with running(app), client(app) as http:
        created = await http.post(
            "/agencies",
            json={
                "code": code,
                "name": "Nya myndigheten",
                "kind": "agency",
                "organisation_number": "2021005489",
                "website": "https://www.example.se",
                "coordinator": {"name": "Karin Lund", "email": "karin.lund@example.se"},
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["organisation_number"] == "202100-5489"
        profile = {
            "sv": {
                "tagline": "Vi gör skillnad",
                "about": "Om oss.\nMer om oss.",
                "benefits": ["Flextid", "Friskvård"],
                "contact": "rekrytering@example.se",
            }
        }
        changed = await http.patch(
            f"/agencies/{code}",
            json={
                "role": "associated",
                "email_domains": ["Example.se", "it.example.se"],
                "profile": profile,
            },
        )
        assert changed.status_code == 200 and changed.json()["role"] == "associated"
        assert changed.json()["email_domains"] == ["example.se", "it.example.se"]
        assert changed.json()["profile"] == {**profile, "en": None}
        assert (await http.get(f"/agencies/{code}")).json()["profile"]["sv"]["benefits"] == [
            "Flextid",
            "Friskvård",
        ]
        too_long = {"sv": {"tagline": "x" * 201}}
        refused = await http.patch(f"/agencies/{code}", json={"profile": too_long})
        assert refused.status_code == 422
        left = await http.post(f"/agencies/{code}/leave")
        assert left.status_code == 200 and left.json()["status"] == "left"
        assert (await http.get(f"/agencies/{code}")).json()["status"] == "left"

        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
        finally:
            await admin.close()
        assert {f"hr.{code}.vacancies", f"hr.{code}.leadership"} <= existing

    events = [
        e for e in await events_on(kafka_bootstrap, topic, at_least=22) if e.data.code == code
    ]
    assert [e.type.split(".")[3] for e in events] == ["registered", "updated", "left"]
    assert [e.data.role for e in events] == ["member", "associated", "associated"]
    assert [e.data.email_domains for e in events] == [[], *[["example.se", "it.example.se"]] * 2]
    assert events[0].data.profile is None
    assert events[1].data.profile.sv.tagline == "Vi gör skillnad"
    assert events[-1].data.left_on is not None
    assert all(e.source == "/services/membership" and e.subject == code for e in events)

    # A follower that starts after all this knows the whole current state before it is ready.
    follower_db = database_url.rsplit("/", 1)[0] + "/postgres"  # a database of its own below
    conn = await asyncpg.connect(follower_db)
    own = f"follower_{unique}"
    await conn.execute(f'CREATE DATABASE "{own}"')
    await conn.close()
    try:
        follower_settings = FollowerSettings(  # type: ignore[call-arg]
            FOLLOWER_DATABASE_URL=database_url.rsplit("/", 1)[0] + f"/{own}",
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
            MEMBERSHIP_TOPIC=topic,
        )
        follower = MembershipFollower(kafka=kafka_bootstrap, topic=topic)
        late = ServiceApp(follower_settings, title="late follower", membership=follower)
        seen_at_ready: dict[str, str] = {}

        async def remember(app: ServiceApp) -> None:
            seen_at_ready.update({c: s.status.value for c, s in follower.agencies.items()})

        late.on_start = [remember]
        async with running(late):
            assert (await late.readiness())["membership"] is True
            assert seen_at_ready[code] == "left"
            assert sum(1 for s in seen_at_ready.values() if s == "active") == 19
            assert follower.participates("csn") and not follower.participates(code)
            table = await asyncpg.connect(follower_settings.database_url)
            try:
                rows = await table.fetch("SELECT code, participates FROM network_agencies")
            finally:
                await table.close()
            assert (
                len(rows) == 20
                and dict((r["code"], r["participates"]) for r in rows)[code] is False
            )
    finally:
        conn = await asyncpg.connect(follower_db)
        await conn.execute(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
        await conn.close()


async def test_refusals_are_clear(kafka_bootstrap, database_url, unique):
    app = build(settings(database_url, kafka_bootstrap, f"membership.agencies.{unique}"))
    async with running(app), client(app) as http:

        async def post(body: dict, **kw) -> httpx.Response:
            return await http.post("/agencies", json=body, **kw)

        good = {"code": f"ny-{unique}", "name": "Ny", "kind": "court"}
        assert (await post(good, headers={"Authorization": ""})).status_code == 401
        assert (await post(good, headers={"Authorization": f"Bearer {READER}"})).status_code == 403

        bad_code = await post({**good, "code": "Ny Myndighet!"})
        assert bad_code.status_code == 422
        assert "agency code 'Ny Myndighet!' is not valid" in bad_code.text
        assert bad_code.json()["detail"][0]["loc"] == ["body", "code"]

        bad_number = await post({**good, "organisation_number": "202100-5488"})
        assert bad_number.status_code == 422
        assert "wrong check digit" in bad_number.text
        assert bad_number.json()["detail"][0]["loc"] == ["body", "organisation_number"]

        for domains, why in (
            (["gmail.com"], "public mail service"),
            (["not a domain"], "is not an e-mail domain"),
            (["a@b.se"], "is not an e-mail domain"),
        ):
            refused = await post({**good, "email_domains": domains})
            assert refused.status_code == 422 and why in refused.text, refused.text
            assert refused.json()["detail"][0]["loc"][:2] == ["body", "email_domains"]

        bad_kind = await post({**good, "kind": "ministry"})
        assert bad_kind.status_code == 422 and "kind" in json.dumps(bad_kind.json())

        assert (await post(good)).status_code == 201
        duplicate = await post(good)
        assert duplicate.status_code == 409 and "already registered" in duplicate.text
        assert (await post({**good, "code": "csn"})).status_code == 409

        assert (await http.get("/agencies/nobody-here")).status_code == 404
        assert (await http.patch("/agencies/nobody-here", json={"name": "x"})).status_code == 404
        assert (
            await http.patch(f"/agencies/{good['code']}", json={"colour": "blue"})
        ).status_code == 422
        assert (
            await http.patch(f"/agencies/{good['code']}", json={"name": None})
        ).status_code == 422
        assert (await http.post(f"/agencies/{good['code']}/leave")).status_code == 200
        again = await http.post(f"/agencies/{good['code']}/leave")
        assert again.status_code == 409 and "already left" in again.text

        rejoined = await post({**good, "name": "Ny igen"})
        assert rejoined.status_code == 201 and rejoined.json()["status"] == "active"
        history_url = f"/agencies/{good['code']}/history"
        assert (await http.get(history_url, headers={"Authorization": ""})).status_code == 401
        history = (await http.get(history_url)).json()
        assert [h["change"] for h in history] == ["registered", "left", "registered"]
        listed = (await http.get("/agencies", params={"status": "active"})).json()
        assert len(listed) == 20
        await asyncio.sleep(0)


async def test_hostile_codes_names_and_bodies_are_refused_with_422_never_500(
    kafka_bootstrap, database_url, unique
):
    topic = f"membership.agencies.{unique}"
    good = {"code": f"h{unique}", "name": "Myndigheten H", "kind": "agency"}
    async with running(build(settings(database_url, kafka_bootstrap, topic))) as app:
        async with client(app) as http:
            cases = {
                "trailing newline": {**good, "code": f"h{unique}\n"},
                "only hyphens": {**good, "code": "--"},
                "leading hyphen": {**good, "code": f"-h{unique}"},
                "vertical tab in the name": {**good, "name": "Myndigheten\x0bH"},
                "C1 control in the name": {**good, "name": "Myndigheten\x85H"},
                "lone surrogate": {**good, "name": "Myndigheten \ud800"},
                "user part in the website": {**good, "website": "https://www.csn.se@evil.example"},
            }
            for case, body in cases.items():
                response = await http.post(  # escaped JSON: httpx cannot encode a surrogate
                    "/agencies",
                    content=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                )
                assert response.status_code == 422, (case, response.text)
                assert "query argument" not in response.text
            # A lone surrogate in a field that only takes a fixed vocabulary: no echo, no 500.
            raw = '{"code": "hx", "name": "H", "kind": "\\ud800"}'
            response = await http.post(
                "/agencies", content=raw, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 422
            assert (await http.post("/agencies", json=good)).status_code == 201
            page = await http.get("/docs")
            assert page.headers["content-security-policy"].startswith("default-src 'self'")
            assert page.headers["x-frame-options"] == "DENY"


async def test_http_keys_are_shown_once_announced_as_hashes_and_revoked_on_leaving(
    kafka_bootstrap, database_url, unique
):
    from myndnet_membership.domain.agencies import http_key_digest

    topic = f"membership.agencies.{unique}"
    app = build(settings(database_url, kafka_bootstrap, topic))
    code = f"nyckel-{unique}"
    async with running(app), client(app) as http:
        assert (
            await http.post("/agencies", json={"code": code, "name": "N", "kind": "agency"})
        ).status_code == 201
        first = await http.post(f"/agencies/{code}/http-keys")
        second = await http.post(f"/agencies/{code}/http-keys")
        assert first.status_code == second.status_code == 201
        key, key_id = first.json()["key"], first.json()["key_id"]
        assert key.startswith(f"mnk_{key_id}_") and len(key) > 50
        assert "http_keys" not in (await http.get(f"/agencies/{code}")).json()
        assert all("http_keys" not in a for a in (await http.get("/agencies")).json())
        listed = (await http.get(f"/agencies/{code}/http-keys")).json()
        assert [k["key_id"] for k in listed] == [key_id, second.json()["key_id"]]
        assert all("key" not in k and "sha256" not in json.dumps(k) for k in listed)
        assert (await http.delete(f"/agencies/{code}/http-keys/{key_id}")).status_code == 204
        assert (await http.delete(f"/agencies/{code}/http-keys/{key_id}")).status_code == 404
        for _ in range(4):
            assert (await http.post(f"/agencies/{code}/http-keys")).status_code == 201
        sixth = await http.post(f"/agencies/{code}/http-keys")
        assert sixth.status_code == 409 and "revoke one first" in sixth.text
        assert (await http.post(f"/agencies/{code}/leave")).status_code == 200
        after = await http.post(f"/agencies/{code}/http-keys")
        assert after.status_code == 409 and "left the network" in after.text
        assert (
            await http.post(f"/agencies/{code}/http-keys", headers={"Authorization": ""})
        ).status_code == 401
        # Read while membership runs: its outbox relay publishes the last of them.
        events = [
            e for e in await events_on(kafka_bootstrap, topic, at_least=28) if e.data.code == code
        ]
    keys = [[k.key_id for k in e.data.http_keys] for e in events]
    assert keys[0] == [] and keys[1] == [key_id] and len(keys[2]) == 2
    assert keys[3] == [second.json()["key_id"]]  # revoked
    assert len(keys[-2]) == 5 and keys[-1] == [], keys  # leaving revokes all
    assert events[1].data.http_keys[0].sha256 == http_key_digest(key)
    assert key not in json.dumps([e.data.model_dump(mode="json") for e in events])
