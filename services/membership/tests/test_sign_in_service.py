"""Staff's sign-in through membership's API, on the real Kafka broker and PostgreSQL: the link
announced for notify, used once, the session it opens, its end, and the limits."""

from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from myndnet_kit.links import STAFF_SIGN_IN, sign_link
from myndnet_membership.main import MembershipSettings, build
from myndnet_schemas import parse
from myndnet_testing import read_topic, running

pytestmark = pytest.mark.integration
TOKEN = "site-token"
KEY = "a-link-key-for-these-tests"
COORDINATOR = "samordnare@myndnet.test"


def settings(database_url: str, kafka: str, unique: str) -> MembershipSettings:
    return MembershipSettings(  # type: ignore[call-arg]
        MEMBERSHIP_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        MEMBERSHIP_TOPIC=f"membership.agencies.{unique}",
        MEMBERSHIP_SIGN_IN_TOPIC=f"membership.sign_ins.{unique}",
        OPERATOR_TOKENS=f"{TOKEN}=membership:sign-in,membership:write",
        NETWORK_COORDINATORS=f"{COORDINATOR}, other@myndnet.test",
        LINK_SIGNING_KEY=KEY,
    )


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.api),
        base_url="http://m",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def link_for(link_id: str) -> str:
    """The link as notify signs it."""
    return sign_link(KEY, STAFF_SIGN_IN, (link_id,), date.today() + timedelta(days=1))


async def ask(http: httpx.AsyncClient, email: str, client_address: str = "192.0.2.1") -> int:
    answer = await http.post(
        "/sign-in/links", json={"email": email, "client": client_address, "language": "en"}
    )
    return answer.status_code


async def test_a_known_address_gets_a_link_that_opens_one_session_once(
    kafka_bootstrap, database_url, unique
):
    config = settings(database_url, kafka_bootstrap, unique)
    async with running(build(config)) as app, client(app) as http:
        answer = await http.patch("/agencies/csn", json={"coordinators": ["Kim.K@csn.se"]})
        assert answer.status_code == 200 and answer.json()["coordinators"] == ["kim.k@csn.se"]
        # Staff, an agency's coordinator, the network's coordinator, and two nobodies: the
        # answer is the same for all five.
        for email in ("anna.andersson@csn.se", "kim.k@csn.se", COORDINATOR, "x@gmail.com"):
            assert await ask(http, email) == 202
        assert await ask(http, "not an address") == 202
        records = await read_topic(kafka_bootstrap, config.sign_in_topic, at_least=3, timeout=30)
        mails = [parse(r.headers, r.key, r.value) for r in records]
        assert [m.type for m in mails] == ["se.myndnet.staff.sign_in.requested.v1"] * 3
        assert {m.data.email for m in mails} == {
            "anna.andersson@csn.se",
            "kim.k@csn.se",
            COORDINATOR,
        }
        assert {m.data.language for m in mails} == {"en"}
        link = {m.data.email: m.data.link_id for m in mails}

        opened = await http.post(
            "/sign-in/sessions", json={"token": link_for(link["kim.k@csn.se"])}
        )
        assert opened.status_code == 201, opened.text
        session = opened.json()
        assert session["email"] == "kim.k@csn.se" and session["staff_of"] == "csn"
        assert session["coordinates"] == ["csn"] and not session["network_coordinator"]
        again = await http.post("/sign-in/sessions", json={"token": link_for(link["kim.k@csn.se"])})
        assert again.status_code == 410 and again.json()["detail"]["code"] == "used"

        who = await http.get("/sign-in/session", headers={"X-Staff-Session": session["session"]})
        assert who.status_code == 200 and who.json()["coordinates"] == ["csn"]
        # Roles are membership's now, not the sign-in's: a coordinator removed is one no more.
        await http.patch("/agencies/csn", json={"coordinators": []})
        who = await http.get("/sign-in/session", headers={"X-Staff-Session": session["session"]})
        assert who.json()["coordinates"] == [] and who.json()["staff_of"] == "csn"

        network = await http.post("/sign-in/sessions", json={"token": link_for(link[COORDINATOR])})
        assert network.json()["network_coordinator"] is True

        ended = await http.delete(
            "/sign-in/session", headers={"X-Staff-Session": session["session"]}
        )
        assert ended.status_code == 204
        who = await http.get("/sign-in/session", headers={"X-Staff-Session": session["session"]})
        assert who.status_code == 404

        forged = await http.post(
            "/sign-in/sessions",
            json={
                "token": sign_link(
                    "another key", STAFF_SIGN_IN, (link["anna.andersson@csn.se"],), date.today()
                )
            },
        )
        assert forged.status_code == 400 and forged.json()["detail"]["code"] == "forged"

    conn = await asyncpg.connect(database_url)
    try:
        kept = await conn.fetch("SELECT email FROM sign_in_links")
        # The nobodies' addresses are not kept; a used link's address is gone with its use.
        assert sorted(r["email"] or "" for r in kept) == ["", "", "", "", "anna.andersson@csn.se"]
        assert await conn.fetchval("SELECT count(*) FROM staff_sessions") == 2
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM staff_sessions WHERE token_sha256 = sha256($1::text::bytea)",
                session["session"],
            )
            == 1
        )
    finally:
        await conn.close()


async def test_an_expired_link_opens_nothing(kafka_bootstrap, database_url, unique):
    config = settings(database_url, kafka_bootstrap, unique)
    async with running(build(config)) as app, client(app) as http:
        assert await ask(http, "anna.andersson@csn.se") == 202
        conn = await asyncpg.connect(database_url)
        try:
            link_id = await conn.fetchval(
                "UPDATE sign_in_links SET expires_at = now() - interval '1 second' "
                "RETURNING link_id"
            )
        finally:
            await conn.close()
        answer = await http.post("/sign-in/sessions", json={"token": link_for(link_id)})
        assert answer.status_code == 410


async def test_five_links_an_address_and_thirty_a_client_then_429_and_no_mail(
    kafka_bootstrap, database_url, unique
):
    config = settings(database_url, kafka_bootstrap, unique)
    async with running(build(config)) as app, client(app) as http:
        answers = [await ask(http, "anna.andersson@csn.se", "192.0.2.7") for _ in range(6)]
        assert answers == [202] * 5 + [429]
        # Another address from the same client still gets its links, up to the client's 30.
        answers = [await ask(http, f"p{n}@csn.se", "192.0.2.7") for n in range(26)]
        assert answers == [202] * 25 + [429]
        # Unknown addresses count against the client as well.
        assert await ask(http, "nobody@example.org", "192.0.2.7") == 429
        assert await ask(http, "nobody@example.org", "192.0.2.8") == 202
        records = await read_topic(kafka_bootstrap, config.sign_in_topic, at_least=30, timeout=30)
        assert len(records) == 30


async def test_staff_whose_agency_leaves_are_signed_out_and_their_link_opens_nothing(
    kafka_bootstrap, database_url, unique
):
    config = settings(database_url, kafka_bootstrap, unique)
    async with running(build(config)) as app, client(app) as http:
        for _ in range(2):
            assert await ask(http, "anna.andersson@digg.se") == 202
        records = await read_topic(kafka_bootstrap, config.sign_in_topic, at_least=2, timeout=30)
        first, second = (parse(r.headers, r.key, r.value).data.link_id for r in records)
        opened = (await http.post("/sign-in/sessions", json={"token": link_for(first)})).json()
        session = {"X-Staff-Session": opened["session"]}
        assert (await http.get("/sign-in/session", headers=session)).status_code == 200
        assert (await http.post("/agencies/digg/leave")).status_code == 200
        assert (await http.get("/sign-in/session", headers=session)).status_code == 404
        refused = await http.post("/sign-in/sessions", json={"token": link_for(second)})
        assert refused.status_code == 400 and refused.json()["detail"]["code"] == "unknown"
