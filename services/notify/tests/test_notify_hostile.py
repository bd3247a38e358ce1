"""Hostile sign-ups against notify on the real Kafka broker, PostgreSQL and an SMTP sink: nothing
anyone sends stops the mail, and no address reaches a log."""

import asyncio
import time
from datetime import UTC, datetime

import asyncpg
import pytest
from myndnet_notify.adapters import deliveries as deliveries_adapter
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers import subscriptions as handlers
from myndnet_notify.main import build
from myndnet_schemas import Event, parse
from myndnet_testing import produce, read_to_end, running, wait_until
from test_notify_service import TOKEN, Setup, _mail_for, client, confirm_link, settle

pytestmark = pytest.mark.integration


async def deliveries(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch("SELECT kind, status, attempts, last_error FROM deliveries")
    finally:
        await conn.close()


async def test_addresses_smtp_cannot_carry_are_refused_and_old_ones_never_stop_the_mail(
    kafka_bootstrap, database_url, unique, sink, caplog, capsys
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        refused = await http.post("/subscriptions", json={"email": "rtü-x@example.org"})
        assert refused.status_code == 422 and "cannot carry" in refused.text
        assert "rtü-x" not in refused.text
        # An internationalised domain is sent in its ASCII form.
        assert (
            await http.post("/subscriptions", json={"email": "x@exämple.org"})
        ).status_code == 202
        await wait_until(lambda: _mail_for(sink, "x@xn--exmple-cua.org", 1), what="IDN mail")

        # 200 such addresses stored before the rule, each with a confirmation due first.
        assert app.pool is not None
        async with app.pool.acquire() as conn:
            for n in range(200):
                await handlers.subscribe(
                    PostgresNotify(conn),
                    f"rtü-{n}@example.org",
                    Preferences(language="sv", frequency="immediate"),
                    f"198.51.100.{n}",
                    datetime.now(UTC),
                )
        started = time.monotonic()
        ok = await http.post("/subscriptions", json={"email": "vanlig@example.org"})
        assert ok.status_code == 202
        await wait_until(lambda: _mail_for(sink, "vanlig@example.org", 1), 20, what="the mail")
        waited = time.monotonic() - started

        async def all_failed() -> bool:
            rows = await deliveries(database_url)
            return sum(r["status"] == "failed" for r in rows) == 200

        await wait_until(all_failed, 30, what="the 200 to fail")
        rows = await deliveries(database_url)
        failed = [r for r in rows if r["status"] == "failed"]
        assert {r["attempts"] for r in failed} == {1}  # tried once, never again
        assert all("non-ASCII" in r["last_error"] for r in failed)
        assert not [r for r in rows if r["status"] == "queued"]
        conn = await asyncpg.connect(database_url)
        try:
            tokens = await conn.fetchval("SELECT count(*) FROM tokens")
        finally:
            await conn.close()
        assert tokens <= 202  # one link per try, not one a second
        # An address stored before the rule can still be erased by an operator.
        erased = await http.delete(
            "/subscribers",
            params={"email": "rtü-0@example.org"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert erased.status_code == 200 and erased.json() == {"erased": 1}
        idn_erased = await http.delete(
            "/subscribers",
            params={"email": "x@exämple.org"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert idn_erased.json() == {"erased": 1}  # stored in its xn-- form
    print(f"normal confirmation arrived {waited:.2f}s after 200 unsendable ones were queued")
    announced = [
        parse(r.headers, r.key, r.value)
        for r in await read_to_end(kafka_bootstrap, "notify.deliveries")
    ]
    assert sum(e.type == "se.myndnet.notification.failed.v1" for e in announced) >= 200
    printed = capsys.readouterr()
    lines = [r.getMessage() for r in caplog.records] + [printed.out, printed.err]
    assert not [line for line in lines if "rtü-" in line and "@example.org" in line]


async def test_thirty_sign_ups_at_once_give_no_5xx_and_at_most_the_limit_in_mails(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        same = await asyncio.gather(
            *(http.post("/subscriptions", json={"email": "samma@example.org"}) for _ in range(30))
        )
        assert [r.status_code for r in same] == [202] * 30  # a duplicate: the same answer
        different = await asyncio.gather(
            *(
                http.post(
                    "/subscriptions",
                    json={
                        "email": f"olika+{n}@example.org",  # +tags share the address's limit
                        "filters": {"keywords": [f"ord{n}"]},
                        "frequency": "daily",
                    },
                )
                for n in range(30)
            )
        )
        codes = sorted(r.status_code for r in different)
        assert codes == [202] * 5 + [429] * 25  # 5 per address and hour
        await settle(database_url)  # every accepted sign-up's confirmation is sent
    assert len(sink.to("samma@example.org")) == 1
    assert sum(len(sink.to(f"olika+{n}@example.org")) for n in range(30)) == 5


async def test_the_site_s_sign_ups_count_per_person_and_no_one_else_can_name_a_client(
    kafka_bootstrap, database_url, unique, sink
):
    """The public site signs people up from one address; with a token holding notify:relay it
    names each person's, and only then is `X-Client-Address` believed."""
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    settings = s.settings()
    settings.operator_tokens += ";site-relay-token=notify:relay;other-token=notify:operate"
    async with running(build(settings)) as app, client(app) as http:

        async def sign_up(n: int, token: str | None) -> int:
            headers = {"X-Client-Address": f"198.51.100.{n}"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            body = {"email": f"via-site-{token}-{n}@example.org"}
            return (await http.post("/subscriptions", json=body, headers=headers)).status_code

        relayed = [await sign_up(n, "site-relay-token") for n in range(35)]
        assert relayed == [202] * 35  # 35 people, each their own limit
        # Without the right (no token, or one without notify:relay) the header is not believed.
        others = [await sign_up(n, None) for n in range(20)]
        others += [await sign_up(n, "other-token") for n in range(20, 31)]
        assert others.count(429) >= 1 and others[-1] == 429


async def test_a_confirmation_link_confirms_the_preferences_it_was_sent_for(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        # The same filters: one saved search, whose frequency the first link sets.
        filters = {"keywords": ["skatt"]}
        first = {"email": "bunden@example.org", "frequency": "weekly", "filters": filters}
        assert (await http.post("/subscriptions", json=first)).status_code == 202
        await wait_until(lambda: _mail_for(sink, "bunden@example.org", 1), what="mail 1")
        later = {"email": "bunden@example.org", "frequency": "daily", "filters": filters}
        assert (await http.post("/subscriptions", json=later)).status_code == 202
        await wait_until(lambda: _mail_for(sink, "bunden@example.org", 2), what="mail 2")
        first_link = confirm_link(sink.to("bunden@example.org")[0])
        assert (await http.get(first_link)).status_code == 303  # confirmed, on to the site
    conn = await asyncpg.connect(database_url)
    try:
        [row] = await conn.fetch("SELECT status, frequency, keywords FROM subscriptions")
    finally:
        await conn.close()
    assert row["status"] == "confirmed" and row["frequency"] == "weekly"
    assert list(row["keywords"]) == ["skatt"]


async def test_the_source_check_holds_on_a_topic_configured_under_another_name(
    kafka_bootstrap, database_url, unique, sink
):
    """The check used to key on the contract's topic names, so a test's (or a staging copy's)
    own topic names turned it off."""
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())):
        genuine = await s.opened("a", "GENUINE")
        impostor = Event.new(genuine.data, source="/agencies/a")
        await produce(kafka_bootstrap, s.vacancies_topic, [impostor])

        async def dead() -> bool:
            return any(
                dict(r.headers).get("x-dlq-reason") == b"source_mismatch"
                and dict(r.headers).get("x-dlq-topic") == s.vacancies_topic.encode()
                for r in await read_to_end(kafka_bootstrap, "dlq.notify")
            )

        await wait_until(dead, 30, what="the forged event in the DLQ")


async def test_a_sign_up_does_not_wait_for_a_sending_round_holding_the_address(
    notify_pool, confirmed_search
):
    """A round holds each address it sends to (`searches_for`) while it waits for a second
    connection for its link tokens. A sign-up of that address, holding the address's sign-up
    lock, must not wait for the round: with the pool full of sign-ups waiting for that lock, the
    round would never get its connection (a wait PostgreSQL cannot see as a deadlock)."""
    async with notify_pool.acquire() as conn:
        search = await confirmed_search(conn, "hallen@example.org", Preferences("sv", "immediate"))
    async with notify_pool.acquire() as round_conn, round_conn.transaction():
        held = await deliveries_adapter.searches_for(round_conn, {search})
        assert set(held) == {search}
        another_search = Preferences("sv", "daily", keywords=("jurist",))
        the_same_search = Preferences("sv", "immediate")
        for wish in (another_search, the_same_search):
            async with notify_pool.acquire() as conn:
                await asyncio.wait_for(
                    handlers.subscribe(
                        PostgresNotify(conn),
                        "hallen@example.org",
                        wish,
                        "client",
                        datetime.now(UTC),
                    ),
                    timeout=10,
                )
