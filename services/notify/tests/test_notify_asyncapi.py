"""notify's /asyncapi.json: the contract's payloads, what it consumes and publishes (no servers)."""

import httpx
from myndnet_notify.main import NotifySettings
from myndnet_notify.main import build as notify


async def test_a_service_s_asyncapi_json_shows_the_contract_s_payloads_and_what_it_publishes():
    app = notify(NotifySettings(OPERATOR_TOKENS="")).api
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notify") as client:
        document = (await client.get("/asyncapi.json")).json()
    actions = {
        op["channel"]["$ref"].split("/")[-1]: op["action"] for op in document["operations"].values()
    }
    assert actions == {
        "vacancies_vacancies": "receive",
        "mentoring_matches": "receive",
        "trainings_registrations": "receive",
        "membership_agencies": "receive",
        "membership_sign_ins": "receive",
        "outreach_activities": "receive",
        "notify_deliveries": "send",
    }
    payloads = [m["payload"] for m in document["components"]["messages"].values()]
    assert payloads and all(p["$ref"].startswith("#/components/schemas/") for p in payloads)
    opened = document["components"]["schemas"]["vacancy_opened_v1"]
    assert {"agency", "vacancy_id", "title"} <= set(opened["properties"])
