"""Notify on the real Kafka broker, PostgreSQL and an SMTP sink."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from myndnet_kit.app import ServiceApp
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.subscriptions import STOCKHOLM, latest_digest_slot
from myndnet_notify.handlers import sending
from myndnet_notify.handlers.digests import run_digests
from myndnet_notify.handlers.subscriptions import purge_unconfirmed
from myndnet_notify.main import NotifySettings, build
from myndnet_schemas import Event, MatchProposed, VacancyClosed, VacancyOpened, parse
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import (
    TestNetwork,
    consumed,
    produce,
    read_to_end,
    running,
    wait_until,
)

pytestmark = pytest.mark.integration
TOKEN = "notify-test-token"
BASE = "https://jobb.example.se"
SITE = "https://myndnet.example.se"


class Setup:
    def __init__(self, kafka: str, database_url: str, unique: str, sink) -> None:
        self.net = TestNetwork(kafka, unique)
        self.kafka = kafka
        self.database_url = database_url
        self.sink = sink
        self.vacancies_topic = f"vacancies.vacancies.{unique}"
        self.matches_topic = f"mentoring.matches.{unique}"

    def settings(self) -> NotifySettings:
        return NotifySettings(  # type: ignore[call-arg]
            NOTIFY_DATABASE_URL=self.database_url,
            KAFKA_BOOTSTRAP_SERVERS=self.kafka,
            MEMBERSHIP_TOPIC=self.net.membership_topic,
            SMTP_PORT=self.sink.port,
            OPERATOR_TOKENS=f"{TOKEN}=notify:operate",
            PUBLIC_BASE_URL=BASE,
            WEB_BASE_URL=SITE,
            NOTIFY_RUN_DIGESTS=False,
            NOTIFY_VACANCIES_TOPIC=self.vacancies_topic,
            NOTIFY_MATCHES_TOPIC=self.matches_topic,
            NOTIFY_TRAININGS_TOPIC=f"{self.matches_topic}.trainings",
            CONSUMER_GROUP_PREFIX=self.net.group_prefix,
            CONSUMER_BATCH_TIMEOUT_MS=50,
        )

    async def opened(self, agency: str, vacancy_id: str, **changes) -> Event:
        data = {
            "agency": self.net.code(agency),
            "vacancy_id": vacancy_id,
            "revision": 1,
            "title": f"Utredare {vacancy_id}",
            "description": "Utredningar om skatter.",
            "occupation_field": "investigation",
            "employment_type": "permanent",
            "extent": "full_time",
            "municipality": "Sundsvall",
            "remote": "hybrid",
            "published_on": stockholm_today().isoformat(),
            "application_deadline": (stockholm_today() + timedelta(days=20)).isoformat(),
            "apply_url": f"https://example.se/jobb/{vacancy_id}",
        }
        event = Event.new(VacancyOpened(**{**data, **changes}), source="/services/vacancies")
        await produce(self.kafka, self.vacancies_topic, [event])
        return event

    async def closed(self, agency: str, vacancy_id: str) -> None:
        await produce(
            self.kafka,
            self.vacancies_topic,
            [
                Event.new(
                    VacancyClosed(
                        agency=self.net.code(agency),
                        vacancy_id=vacancy_id,
                        revision=2,
                        title="x",
                        reason="agency_left",
                        closed_at=datetime.now(UTC),
                    ),
                    source="/services/vacancies",
                )
            ],
        )


def client(app: ServiceApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app.api), base_url=BASE)


def link(message, pattern: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    url = re.search(rf"{re.escape(BASE)}{pattern}\S+", text).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def confirm_link(message) -> str:
    """The confirmation link leads to the public site, which confirms through notify's
    `/subscriptions/confirm`: the same token, straight to notify."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    token = re.search(rf"{re.escape(SITE)}/(?:en/)?bevakning/bekrafta\?token=(\S+)", text)
    return f"/subscriptions/confirm?token={token.group(1)}"


def manage_token(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"{re.escape(SITE)}/(?:en/)?bevakning/hantera\?token=(\S+)", text).group(1)


async def settle(database_url: str) -> None:
    """Until nothing is queued and due."""

    async def quiet() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            return not await conn.fetchval(
                "SELECT count(*) FROM deliveries WHERE status = 'queued'"
            )
        finally:
            await conn.close()

    await wait_until(quiet, 30, what="the queue to empty")


async def subscribe(http: httpx.AsyncClient, sink, email: str, **body) -> None:
    before = len(sink.to(email))
    response = await http.post("/subscriptions", json={"email": email, **body})
    assert response.status_code == 202, response.text
    await wait_until(lambda: _mail_for(sink, email, before + 1), what="the confirmation e-mail")
    confirmation = sink.to(email)[-1]
    response = await http.get(confirm_link(confirmation))
    assert (
        response.status_code == 303
        and "/bevakning/bekraftad?token=" in response.headers["location"]
    )


async def _mail_for(sink, email: str, count: int) -> bool:
    return len(sink.to(email)) >= count


async def test_opt_in_alert_unsubscribe_end_to_end(kafka_bootstrap, database_url, unique, sink):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    app = build(s.settings())
    async with running(app), client(app) as http:
        bad = await http.post("/subscriptions", json={"email": "not-an-address"})
        assert bad.status_code == 422 and "email" in bad.text
        response = await http.post(
            "/subscriptions",
            json={
                "email": "kandidat@example.org",
                "language": "sv",
                "frequency": "immediate",
                "filters": {"occupation_fields": ["investigation"], "keywords": ["skatt"]},
            },
        )
        assert response.status_code == 202
        await wait_until(
            lambda: _mail_for(sink, "kandidat@example.org", 1), what="the confirmation"
        )
        await s.opened("a", "BEFORE")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        [confirmation] = sink.to("kandidat@example.org")  # nothing but the confirmation
        assert confirmation["Subject"] == "Bekräfta din jobbevakning"
        assert confirmation["List-Unsubscribe"] is None

        # Confirmed, and sent on to the site's page that says so, in the search's language.
        confirmed = await http.get(confirm_link(confirmation))
        assert confirmed.status_code == 303
        assert confirmed.headers["location"].startswith(f"{SITE}/bevakning/bekraftad?token=")
        again = await http.get(confirm_link(confirmation))  # single use: the site says so
        assert again.headers["location"].startswith(f"{SITE}/bevakning/bekrafta?token=")
        refused = await http.post(
            "/subscriptions/confirm", json={"token": confirm_link(confirmation).split("=", 1)[1]}
        )
        assert refused.status_code == 400

        await s.opened("a", "AFTER")
        await s.opened("a", "OTHER", occupation_field="it")  # does not match the filter
        await wait_until(lambda: _mail_for(sink, "kandidat@example.org", 2), what="an alert")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        alerts = sink.to("kandidat@example.org")[1:]
        assert [m["Subject"] for m in alerts] == ["Nytt jobb: Utredare AFTER"]
        alert = alerts[0]
        assert alert["List-Unsubscribe"].startswith(f"<{BASE}/unsubscribe?token=")
        assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = alert.get_body(preferencelist=("plain",)).get_content()
        assert "Myndigheten A" in body and "https://example.se/jobb/AFTER" in body
        html = alert.get_body(preferencelist=("html",)).get_content()
        assert "Sista ansökningsdag" in html

        unsubscribe = alert["List-Unsubscribe"].strip("<>").removeprefix(BASE)
        page = await http.get(unsubscribe)  # the site's page with the button, in Swedish
        assert page.status_code == 303
        assert page.headers["location"].startswith(f"{SITE}/bevakning/avsluta?token=")
        await s.opened("a", "STILL")  # GET changed nothing
        await wait_until(lambda: _mail_for(sink, "kandidat@example.org", 3), what="alert 2")
        done = await http.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and done.json()["status"] == "unsubscribed"
        await s.opened("a", "NEVER")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)

        today = stockholm_today().isoformat()
        operator = {"Authorization": f"Bearer {TOKEN}"}
        figures = await http.get("/figures", params={"from": today, "to": today}, headers=operator)
        assert figures.json()["agencies"] == [
            {"agency": s.net.code("a"), "alerts_sent": 2, "searches_matched": 1}
        ]
        assert figures.json()["network"] == {"alerts_sent": 2, "searches_matched": 1}
        yesterday = (stockholm_today() - timedelta(days=1)).isoformat()
        before = await http.get(
            "/figures", params={"from": yesterday, "to": yesterday}, headers=operator
        )
        assert before.json()["agencies"] == [] and before.json()["network"]["alerts_sent"] == 0
        assert (await http.get("/figures", params={"from": today, "to": today})).status_code == 401
        ever = {"from": "0001-01-01", "to": "9999-12-31"}
        assert (await http.get("/figures", params=ever, headers=operator)).json()["network"] == {
            "alerts_sent": 2,
            "searches_matched": 1,
        }
    assert [m["Subject"] for m in sink.to("kandidat@example.org")][1:] == [
        "Nytt jobb: Utredare AFTER",
        "Nytt jobb: Utredare STILL",
    ]


async def test_one_email_per_subscription_and_vacancy_across_redelivery_and_restart(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, "en@example.org")
        event = await s.opened("a", "V1")
        await produce(kafka_bootstrap, s.vacancies_topic, [event, event])
        await s.opened("a", "V1")  # announced again under a new event id
        await wait_until(lambda: _mail_for(sink, "en@example.org", 2), what="the alert")
    async with running(build(s.settings())) as app:  # restarted
        await produce(kafka_bootstrap, s.vacancies_topic, [event])
        await s.opened("a", "V1")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
    assert [m["Subject"] for m in sink.to("en@example.org")][1:] == ["Nytt jobb: Utredare V1"]


async def test_killed_between_acceptance_and_marking_resends_once_with_the_same_message_id(
    kafka_bootstrap, database_url, unique, sink, monkeypatch
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, "window@example.org")
        original = sending.SmtpPool.send
        crashes = []

        async def accepted_then_crash(self, write):
            mail = await original(self, write)
            message = message_from_bytes(mail.data, policy=default_policy)
            if not crashes and "Utredare W" in message["Subject"]:
                crashes.append(message["Message-ID"])
                raise asyncio.CancelledError  # as if the process died right here

        monkeypatch.setattr(sending.SmtpPool, "send", accepted_then_crash)
        await s.opened("a", "W")
        await wait_until(
            lambda: _mail_for(sink, "window@example.org", 3), timeout=30, what="the resend"
        )
        await settle(database_url)
    alerts = sink.to("window@example.org")[1:]
    assert len(alerts) == 2
    assert alerts[0]["Message-ID"] == alerts[1]["Message-ID"] == crashes[0]


async def test_daily_digest_content_and_timing_with_a_controlled_clock(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, "daglig@example.org", frequency="daily", language="en")
        for vacancy in ("X1", "X2", "X3"):
            await s.opened("a", vacancy)
        await s.closed("a", "X2")
        conn = await asyncpg.connect(database_url)
        await wait_until(
            lambda: _count(
                conn,
                "SELECT count(*) FROM digest_items WHERE NOT EXISTS "
                "(SELECT 1 FROM open_vacancies WHERE vacancy_key LIKE '%/X2') "
                "AND (SELECT count(*) FROM open_vacancies) = 2",
                2,
            ),
            what="two digest entries, X2 closed",
        )
        # The first 07:00 in Stockholm after the subscription was confirmed (just now).
        slot = latest_digest_slot("daily", datetime.now(STOCKHOLM)) + timedelta(days=1)
        minute = timedelta(minutes=1)
        assert app.pool is not None
        async with app.pool.acquire() as pooled:
            digests = PostgresNotify(pooled)
            assert await run_digests(digests, slot - minute) == 0  # not yet 07:00
            assert await run_digests(digests, slot + minute) == 1
            assert await run_digests(digests, slot + 2 * 60 * minute) == 0  # once a day
            assert await run_digests(digests, slot + timedelta(days=1) + minute) == 0  # no news
        await wait_until(lambda: _mail_for(sink, "daglig@example.org", 2), what="the digest")
        await conn.close()
        await settle(database_url)
    digest = sink.to("daglig@example.org")[-1]
    assert digest["Subject"] == "2 new jobs in Myndighetsnätverket"
    text = digest.get_body(preferencelist=("plain",)).get_content()
    assert "Utredare X1" in text and "Utredare X3" in text and "Utredare X2" not in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(sink.to("daglig@example.org")) == 2  # the confirmation and one digest


async def _count(conn: asyncpg.Connection, sql: str, wanted: int) -> bool:
    return await conn.fetchval(sql) >= wanted


async def test_both_people_of_a_match_are_told_once_in_swedish(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a", "b")

    def party(agency, pid, name):
        return {
            "agency": s.net.code(agency),
            "person_id": pid,
            "name": name,
            "email": f"{pid}@myndighet.se",
            "title": "Enhetschef",
        }

    proposed = Event.new(
        MatchProposed(
            match_id="m-1",
            manager=party("a", "chef", "Erik Sjöberg"),
            mentor=party("b", "mentor", "Maria Holm"),
            at=datetime.now(UTC),
            score=3.2,
            reasons=["delar kompetensområde: digitalisering"],
            respond_by="2026-12-10",
        ),
        source="/services/mentoring",
    )
    async with running(build(s.settings())) as app:
        await produce(kafka_bootstrap, s.matches_topic, [proposed, proposed])
        await wait_until(lambda: _mail_for(sink, "mentor@myndighet.se", 1), what="mentor mail")
        await wait_until(lambda: _mail_for(sink, "chef@myndighet.se", 1), what="manager mail")
        await consumed(app, s.matches_topic)
        await settle(database_url)
    [to_manager], [to_mentor] = sink.to("chef@myndighet.se"), sink.to("mentor@myndighet.se")
    manager_text = to_manager.get_body(preferencelist=("plain",)).get_content()
    assert "Hej Erik Sjöberg!" in manager_text and "Maria Holm" in manager_text
    assert "Myndigheten B" in manager_text and "Så går det till härnäst" in manager_text
    assert "10 december 2026" in manager_text  # as Swedish writes the day
    assert "mentor för Erik Sjöberg" in to_mentor.get_body(preferencelist=("plain",)).get_content()


async def test_after_erasure_the_address_is_nowhere(
    kafka_bootstrap, database_url, unique, sink, caplog, capsys
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    address = f"glom-{unique}@example.org"
    async with running(build(s.settings())) as app, client(app) as http:
        await subscribe(http, sink, address)
        await s.opened("a", "E1")
        await wait_until(lambda: _mail_for(sink, address, 2), what="the alert")
        await settle(database_url)
        erased = await http.delete(
            "/subscribers", params={"email": address}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert erased.json() == {"erased": 1}
        assert (await http.delete("/subscribers", params={"email": address})).status_code == 401
        await s.opened("a", "E2")
        await consumed(app, s.vacancies_topic)
        await settle(database_url)
        deliveries = (
            await http.get("/deliveries", headers={"Authorization": f"Bearer {TOKEN}"})
        ).json()
        assert {d["status"] for d in deliveries} <= {"sent", "cancelled"}
        assert all("@" not in d["recipient_ref"] for d in deliveries)
    assert len(sink.to(address)) == 2  # nothing after erasure

    conn = await asyncpg.connect(database_url)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for table in tables:
            dump = await conn.fetchval(
                f"SELECT coalesce(string_agg(t::text, ''), '') FROM {table} t"
            )
            assert address not in dump, f"the address is still in {table}"
    finally:
        await conn.close()
    for topic in ("notify.deliveries", "dlq.notify", s.vacancies_topic):
        for record in await read_to_end(kafka_bootstrap, topic):
            assert address.encode() not in (record.value or b"")
            assert all(address.encode() not in (v or b"") for _, v in record.headers)
    # The service's own log lines; the test's SMTP sink (a stand-in for the receiving server,
    # logger "mail.log") and its HTTP client log what they receive, as such servers do.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith(("mail.log", "httpx"))]
    printed = capsys.readouterr()  # structlog lines when not routed through logging
    ours += (printed.out + printed.err).splitlines()
    assert any("a subscriber was erased" in line for line in ours), "no log lines were captured"
    assert not [line for line in ours if address in line]
    sent = [
        parse(r.headers, r.key, r.value)
        for r in await read_to_end(kafka_bootstrap, "notify.deliveries")
    ]
    assert any(e.type == "se.myndnet.notification.sent.v1" for e in sent)


async def test_sign_ups_are_rate_limited_and_unconfirmed_ones_are_removed_after_a_week(
    kafka_bootstrap, database_url, unique, sink
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    async with running(build(s.settings())) as app, client(app) as http:
        codes = [
            (
                await http.post(
                    "/subscriptions",
                    json={"email": "ivrig@example.org", "filters": {"keywords": [f"ord{i}"]}},
                )
            ).status_code
            for i in range(6)
        ]
        assert codes == [202] * 5 + [429]
        limited = await http.post(
            "/subscriptions", json={"email": "ivrig@example.org", "filters": {"keywords": ["x1"]}}
        )
        assert "try again in an hour" in limited.text and limited.headers["Retry-After"]
        assert limited.json()["code"] == "rate_limited"  # what the site maps to its words
        await http.post("/subscriptions", json={"email": "bekraftad@example.org"})
        await wait_until(lambda: _mail_for(sink, "bekraftad@example.org", 1), what="mail")
        confirmation = sink.to("bekraftad@example.org")[0]
        assert (await http.get(confirm_link(confirmation))).status_code == 303
        assert app.pool is not None
        async with app.pool.acquire() as conn:
            store, now = PostgresNotify(conn), datetime.now(UTC)
            kept = await purge_unconfirmed(store, now + timedelta(days=6))
            removed = await purge_unconfirmed(store, now + timedelta(days=8))
        assert kept == 0
        # Five saved searches of ivrig@ were never confirmed.
        assert removed == 5
        conn = await asyncpg.connect(database_url)
        try:
            left = [r["status"] for r in await conn.fetch("SELECT status FROM subscriptions")]
        finally:
            await conn.close()
        assert left == ["confirmed"]
