"""Several saved searches per address, the preference centre's API and hard bounces, on the
real broker, PostgreSQL and an SMTP sink."""

import asyncpg
import pytest
from myndnet_notify.main import build
from myndnet_schemas import parse
from myndnet_testing import consumed, read_to_end, running, wait_until
from test_notify_service import (
    TOKEN,
    Setup,
    _mail_for,
    client,
    confirm_link,
    manage_token,
    settle,
    subscribe,
)

pytestmark = pytest.mark.integration
OPERATOR = {"Authorization": f"Bearer {TOKEN}"}


def subjects(sink, address: str) -> list[str]:
    return [m["Subject"] for m in sink.to(address)]


async def test_two_saved_searches_keep_their_own_frequency_and_the_centre_changes_one(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    address = "tva@example.org"
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, address, filters={"occupation_fields": ["investigation"]})
        await subscribe(
            http, sink, address, frequency="weekly", filters={"occupation_fields": ["it"]}
        )
        await s.opened("a", "U1")  # investigation: the immediate search
        await s.opened("a", "IT1", occupation_field="it")  # the weekly one: no alert
        await wait_until(lambda: _mail_for(sink, address, 3), what="the alert")
        await settle(database_url)
        assert subjects(sink, address)[2:] == ["Nytt jobb: Utredare U1"]
        token = manage_token(sink.to(address)[2])
        own = {"X-Manage-Token": token}

        shown = (await http.get("/preferences", headers=own)).json()
        assert shown["suppressed"] is False
        by_field = {tuple(x["filters"]["occupation_fields"]): x for x in shown["searches"]}
        assert {k: v["frequency"] for k, v in by_field.items()} == {
            ("investigation",): "immediate",
            ("it",): "weekly",
        }
        assert all(x["status"] == "confirmed" for x in shown["searches"])

        immediate = by_field[("investigation",)]["id"]
        changed = await http.put(
            f"/preferences/searches/{immediate}",
            headers=own,
            json={"frequency": "weekly", "filters": {"occupation_fields": ["investigation"]}},
        )
        assert changed.status_code == 200, changed.text
        await s.opened("a", "U2")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        assert subjects(sink, address)[2:] == ["Nytt jobb: Utredare U1"]  # no more immediate

        conn = await asyncpg.connect(database_url)
        try:
            waiting = {
                r["occupation_fields"][0]: r["n"]
                for r in await conn.fetch(
                    "SELECT s.occupation_fields, count(d.*) AS n FROM subscriptions s "
                    "LEFT JOIN digest_items d ON d.subscription_id = s.id GROUP BY s.id"
                )
            }
        finally:
            await conn.close()
        assert waiting == {"investigation": 1, "it": 1}  # U2 and IT1 wait for their digests

        added = await http.post(
            "/preferences/searches",
            headers=own,
            json={"frequency": "daily", "filters": {"agencies": [s.net.code("a")]}},
        )
        assert added.status_code == 201
        paused = await http.put(
            f"/preferences/searches/{added.json()['id']}",
            headers=own,
            json={"frequency": "daily", "filters": {"agencies": [s.net.code("a")]}, "paused": True},
        )
        statuses = sorted(x["status"] for x in paused.json()["searches"])
        assert statuses == ["confirmed", "confirmed", "paused"]
        removed = await http.delete(f"/preferences/searches/{added.json()['id']}", headers=own)
        assert removed.status_code == 204
        stopped = await http.post("/preferences/unsubscribe", headers=own)
        assert stopped.json() == {"stopped": 2}
        await s.opened("a", "U3")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        assert len(sink.to(address)) == 3


async def test_a_token_shows_and_changes_only_its_own_address(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        tokens, searches = {}, {}
        for address in ("anna@example.org", "bo@example.org"):
            await http.post(
                "/subscriptions", json={"email": address, "filters": {"keywords": ["skatt"]}}
            )
            await wait_until(lambda a=address: _mail_for(sink, a, 1), what="the confirmation")
            confirmation = confirm_link(sink.to(address)[0]).split("token=")[1]
            confirmed = await http.post("/subscriptions/confirm", json={"token": confirmation})
            assert confirmed.status_code == 200
            tokens[address] = {"X-Manage-Token": confirmed.json()["manage_token"]}
            shown = (await http.get("/preferences", headers=tokens[address])).json()
            [search] = shown["searches"]
            searches[address] = search["id"]
            assert "anna" not in str(shown) and "bo@" not in str(shown)  # no address in it

        anna, bo = tokens["anna@example.org"], searches["bo@example.org"]
        body = {"frequency": "daily", "filters": {}}
        assert (
            await http.put(f"/preferences/searches/{bo}", headers=anna, json=body)
        ).status_code == 404
        assert (await http.delete(f"/preferences/searches/{bo}", headers=anna)).status_code == 404
        assert (await http.get("/preferences")).status_code == 401
        wrong = {"X-Manage-Token": "x" * 43}
        assert (await http.get("/preferences", headers=wrong)).status_code == 401
        # A confirmation token is not a preference-centre token.
        confirmation = confirm_link(sink.to("bo@example.org")[0]).split("token=")[1]
        assert (
            await http.get("/preferences", headers={"X-Manage-Token": confirmation})
        ).status_code == 401

        assert (await http.delete("/preferences", headers=anna)).json() == {"erased": 1}
        assert (await http.get("/preferences", headers=anna)).status_code == 401
        bo_now = (await http.get("/preferences", headers=tokens["bo@example.org"])).json()
        assert [x["id"] for x in bo_now["searches"]] == [bo]
    conn = await asyncpg.connect(database_url)
    try:
        assert not await conn.fetchval(
            "SELECT count(*) FROM subscribers WHERE email = 'anna@example.org'"
        )
    finally:
        await conn.close()


async def test_a_hard_bounce_suppresses_the_address_until_it_confirms_again(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    address = "studsar@example.org"
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, address, filters={"keywords": ["skatter"]})
        await subscribe(http, sink, address, filters={"occupation_fields": ["investigation"]})
        sink.refuse = lambda rcpt: rcpt == address  # the mailbox is gone: 550 from now on
        await s.opened("a", "B1")
        listed: list = []

        async def suppressed() -> bool:
            listed[:] = (await http.get("/suppressions", headers=OPERATOR)).json()
            return bool(listed)

        await wait_until(suppressed, 30, what="the address to be suppressed")
        await settle(database_url)
        assert [(x["email"], x["reason"]) for x in listed] == [(address, "hard_bounce")]
        records = await read_to_end(kafka_bootstrap, "notify.deliveries")
        failed = [parse(r.headers, r.key, r.value) for r in records]
        bounced = [e.data for e in failed if e.type == "se.myndnet.notification.failed.v1"]
        assert "hard_bounce" in {b.reason for b in bounced if b.kind == "vacancy_alert"}
        assert all(address.encode() not in (r.value or b"") for r in records)

        sink.refuse = lambda rcpt: False  # even if it would work again, nothing is tried
        tried = len(sink.messages)
        await s.opened("a", "B2")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        assert len(sink.messages) == tried
        conn = await asyncpg.connect(database_url)
        try:
            attempts = await conn.fetch(
                "SELECT status, last_error FROM deliveries "
                "WHERE kind = 'vacancy_alert' AND vacancy_keys[1] LIKE '%/B2'"
            )
        finally:
            await conn.close()
        assert attempts and {r["status"] for r in attempts} == {"cancelled"}

        # Subscribing and confirming again lifts the suppression.
        await subscribe(http, sink, address, filters={"keywords": ["tull"]})
        assert (await http.get("/suppressions", headers=OPERATOR)).json() == []
        await s.opened("a", "B3")
        await wait_until(
            lambda: _mail_for(sink, address, 4), what="an alert after confirming again"
        )
        assert sink.to(address)[-1]["Subject"] == "Nytt jobb: Utredare B3"


async def test_a_delivery_status_notification_of_a_permanent_failure_suppresses_too(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    address = "dsn@example.org"
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, address)
        await s.opened("a", "D1")
        await wait_until(lambda: _mail_for(sink, address, 2), what="the alert")
        message_id = sink.to(address)[1]["Message-ID"]

        delayed = {"original_message_id": message_id, "status": "4.4.7"}
        answer = await http.post("/bounces", json=delayed, headers=OPERATOR)
        assert answer.json()["hard_bounce"] is False
        assert (await http.get("/suppressions", headers=OPERATOR)).json() == []

        policy = {"original_message_id": message_id, "status": "5.7.1"}
        answer = await http.post("/bounces", json=policy, headers=OPERATOR)
        assert answer.json()["hard_bounce"] is False  # refused as spam, say: not the address
        assert (await http.get("/suppressions", headers=OPERATOR)).json() == []

        assert (await http.post("/bounces", json=delayed)).status_code == 401
        unknown = {"original_message_id": "<d-0000@x.se>", "status": "5.1.1"}
        assert (await http.post("/bounces", json=unknown, headers=OPERATOR)).status_code == 404
        bad = {"original_message_id": message_id, "status": "bounced"}
        assert (await http.post("/bounces", json=bad, headers=OPERATOR)).status_code == 422

        permanent = {"original_message_id": message_id, "status": "5.1.1"}
        answer = await http.post("/bounces", json=permanent, headers=OPERATOR)
        assert answer.status_code == 200 and answer.json()["hard_bounce"] is True
        listed = (await http.get("/suppressions", headers=OPERATOR)).json()
        assert [(x["email"], x["reason"]) for x in listed] == [(address, "hard_bounce")]
        delivery_id = message_id.strip("<>").split("@")[0]
        records = await read_to_end(kafka_bootstrap, "notify.deliveries")
        events = [parse(r.headers, r.key, r.value) for r in records]
        assert any(
            e.type == "se.myndnet.notification.failed.v1"
            and e.data.delivery_id == delivery_id
            and e.data.reason == "hard_bounce"
            for e in events
        )
        await s.opened("a", "D2")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        assert len(sink.to(address)) == 2
