"""What people do to an agency is logged where membership changes it: who (the coordinator the
site acts for, or the operator), what and on what, whether through the console or the API."""

import httpx
import pytest
from myndnet_membership.main import MembershipSettings, build
from myndnet_testing import running

pytestmark = pytest.mark.integration
TOKEN = "audit-test-token"
READER = "reader-token"


async def test_changes_and_keys_are_logged_with_who_made_them(
    kafka_bootstrap, database_url, unique
):
    settings = MembershipSettings(  # type: ignore[call-arg]
        MEMBERSHIP_DATABASE_URL=database_url,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        MEMBERSHIP_TOPIC=f"membership.agencies.{unique}",
        MEMBERSHIP_SIGN_IN_TOPIC=f"membership.sign_ins.{unique}",
        OPERATOR_TOKENS=f"{TOKEN}=membership:write;{READER}=audit:read",
    )
    async with running(build(settings)) as app:
        transport = httpx.ASGITransport(app=app.api)
        operator = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as http:
            console = {**operator, "X-Acting-For": "Kim.K@CSN.se"}
            answer = await http.patch(
                "/agencies/csn", json={"website": "https://www.csn.se/jobb"}, headers=console
            )
            assert answer.status_code == 200
            same = await http.patch(  # nothing changes: nothing is logged
                "/agencies/csn", json={"website": "https://www.csn.se/jobb"}, headers=console
            )
            assert same.status_code == 200
            key = (await http.post("/agencies/csn/http-keys", headers=operator)).json()
            await http.patch("/agencies/spv", json={"coordinators": ["a@spv.se"]}, headers=operator)

            refused = await http.get("/audit-log", headers=operator)  # lacks audit:read
            assert refused.status_code == 403
            reader = {"Authorization": f"Bearer {READER}"}
            log = (await http.get("/audit-log", params={"subject": "csn"}, headers=reader)).json()
            actions = [(a["actor"], a["action"], a["subject"]) for a in log["actions"]]
            assert actions == [
                ("operator", "http_key.issued", "csn"),
                ("kim.k@csn.se", "agency.changed", "csn"),
            ]
            assert log["actions"][0]["details"] == {"key_id": key["key_id"]}
            assert key["key"] not in str(log)  # a key is shown once, and logged never
            assert log["actions"][1]["details"]["website"][1] == "https://www.csn.se/jobb"
            everything = (await http.get("/audit-log", headers=reader)).json()["actions"]
            assert everything[0]["subject"] == "spv"
            assert everything[0]["details"] == {"coordinators": [[], ["a@spv.se"]]}
