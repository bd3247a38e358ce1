"""Sending through a relay that wants a login, and what its refusals mean, on real PostgreSQL
and an aiosmtpd relay with an authenticator: only the mailbox's own refusal suppresses; the
relay's refusals wait, and several in a row pause sending until the relay takes mail again."""

import json
import ssl
import subprocess
from pathlib import Path

import pytest
from myndnet_kit.classify import Incoming
from myndnet_notify.adapters import deliveries
from myndnet_notify.adapters.mail import SmtpPool, SmtpRelay, Templates
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.delivery import VacancyAlert
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers import sending
from myndnet_notify.handlers.events import on_training_events
from myndnet_notify.main import build
from myndnet_schemas import parse
from myndnet_testing import MailSink, running, wait_until
from test_notify_sending_rounds import VACANCY
from test_notify_service import Setup, client

pytestmark = pytest.mark.integration
LOGIN = ("notify", "a relay's secret")
EXAMPLES = Path(__file__).parents[3] / "schemas" / "examples"
STRUCTURED = [("content-type", b"application/cloudevents+json")]


@pytest.fixture
def relay():
    """A relay that wants AUTH; `relay.refusals` maps an address to the reply its RCPT gets,
    and `"*"` answers every address."""
    refusals: dict[str, str] = {}
    sink = MailSink(
        refuse=lambda address: refusals.get(address) or refusals.get("*", False),
        login=LOGIN,
    )
    sink.refusals = refusals
    sink.start()
    yield sink
    sink.stop()


async def alert_for(conn, confirmed_search, *addresses: str) -> None:
    """One alert queued for each address's saved search."""
    searches = [
        await confirmed_search(conn, address, Preferences("sv", "immediate"))
        for address in addresses
    ]
    await deliveries.queue_alerts(
        conn, [VacancyAlert("csn/V-1", {"vacancies": [VACANCY]}, searches)]
    )


def sender(pool, relay, login=LOGIN) -> sending.Sender:
    smtp = SmtpPool(SmtpRelay("127.0.0.1", relay.port, *(login or ("", ""))))
    return sending.Sender(pool, smtp, Templates(), "https://n", "https://s")


async def statuses(pool) -> dict[str, tuple[str, int]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT s.email, d.status, d.attempts FROM deliveries d "
            "JOIN subscriptions u ON u.id = d.subscription_id "
            "JOIN subscribers s ON s.id = u.subscriber_id"
        )
    return {r["email"]: (r["status"], r["attempts"]) for r in rows}


async def suppressed(pool) -> set[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT email FROM subscribers WHERE suppressed_at IS NOT NULL")
    return {r["email"] for r in rows}


async def test_mail_goes_through_a_relay_with_the_login_and_waits_without_it(
    notify_pool, relay, confirmed_search
):
    async with notify_pool.acquire() as conn:
        await alert_for(conn, confirmed_search, "anna@example.org")
    without_login = sender(notify_pool, relay, login=None)
    assert await without_login.send_round() == 1
    # The relay wants a login (530 5.7.0): the letter waits, and nobody is suppressed.
    assert await statuses(notify_pool) == {"anna@example.org": ("queued", 1)}
    assert await suppressed(notify_pool) == set()
    assert relay.messages == []
    await without_login.smtp.close()

    async with notify_pool.acquire() as conn:
        await conn.execute("UPDATE deliveries SET next_attempt_at = now()")
    with_login = sender(notify_pool, relay)
    assert await with_login.send_round() == 1
    await with_login.smtp.close()
    assert await statuses(notify_pool) == {"anna@example.org": ("sent", 2)}
    assert relay.logins >= 1 and len(relay.to("anna@example.org")) == 1


async def test_a_policy_refusal_suppresses_nobody_and_an_unknown_mailbox_is_suppressed(
    notify_pool, relay, confirmed_search
):
    relay.refusals["policy@example.org"] = "550 5.7.1 <policy@example.org>: Relaying denied"
    relay.refusals["gone@example.org"] = "550 5.1.1 <gone@example.org>: User unknown"
    async with notify_pool.acquire() as conn:
        await alert_for(
            conn, confirmed_search, "policy@example.org", "gone@example.org", "bo@example.org"
        )
    s = sender(notify_pool, relay)
    assert await s.send_round() == 3
    await s.smtp.close()
    assert await statuses(notify_pool) == {
        "policy@example.org": ("queued", 1),  # tried again later
        "gone@example.org": ("failed", 1),
        "bo@example.org": ("sent", 1),
    }
    assert await suppressed(notify_pool) == {"gone@example.org"}
    assert not s.relay_pause.paused  # two different refusals: no pause
    assert [m["X-Sink-Rcpt-To"] for m in relay.messages] == ["bo@example.org"]


async def test_three_recipients_refused_alike_pause_sending_until_the_relay_takes_mail_again(
    kafka_bootstrap, database_url, unique, relay, confirmed_search
):
    s = Setup(kafka_bootstrap, database_url, unique, relay)
    await s.net.register("a")
    settings = s.settings().model_copy(
        update={
            "smtp_username": LOGIN[0],
            "smtp_password": type(s.settings().smtp_password)(LOGIN[1]),
            "pause_probe_seconds": 0.5,
        }
    )
    relay.refusals["*"] = "530 5.7.0 Authentication required"
    addresses = [f"p{i}@example.org" for i in range(8)]
    app = build(settings)
    async with running(app), client(app) as http:
        assert app.pool is not None
        async with app.pool.acquire() as conn:
            await alert_for(conn, confirmed_search, *addresses)

        async def paused() -> bool:
            answer = await http.get("/health/ready")
            return answer.status_code == 503 and answer.json().get("sending") is False

        await wait_until(paused, what="readiness to say sending is paused")
        ready = (await http.get("/health/ready")).json()
        assert "530 5.7.0" in ready["sending_reason"] and "@" not in ready["sending_reason"]
        metrics = (await http.get("/metrics")).text
        assert "myndnet_notify_sending_pauses_total 1.0" in metrics
        assert await suppressed(app.pool) == set()

        async def first_round_recorded() -> bool:
            # The three refusals before the pause count a try each; the rest of the round not.
            return sum(tries for _, tries in (await statuses(app.pool)).values()) == 3

        await wait_until(first_round_recorded, what="the first round's outcomes")
        refused_before, probes_before = await statuses(app.pool), relay.refused

        async def probed_twice() -> bool:
            return relay.refused >= probes_before + 2

        await wait_until(probed_twice, what="two probes while paused")
        assert await statuses(app.pool) == refused_before  # no probe counted a try

        relay.refusals.clear()  # the relay takes mail again

        async def all_sent() -> bool:
            return len(relay.messages) == len(addresses)

        await wait_until(all_sent, what="every letter sent")
        assert (await http.get("/health/ready")).status_code == 200
        for address in addresses:
            assert len(relay.to(address)) == 1
        assert {v[0] for v in (await statuses(app.pool)).values()} == {"sent"}
        assert await suppressed(app.pool) == set()


def training_event(event_type: str, at: str):
    """An example registration event of trainings, to the example's work address."""
    document = json.loads((EXAMPLES / f"{event_type}.json").read_text())
    document["data"]["at"] = at
    document["id"] = f"{document['id']}-{at}"
    return Incoming(
        parse(STRUCTURED, None, json.dumps(document).encode()),
        None,  # type: ignore[arg-type]  # the handler does not read the record
    )


async def test_a_work_address_that_bounced_is_suppressed_until_lifted(notify_pool, relay):
    work = "anna.andersson@csn.se"  # the trainings examples' participant
    relay.refusals[work] = f"550 5.1.1 <{work}>: Recipient address rejected: User unknown"
    confirmed = "se.myndnet.training.registration.confirmed.v1"
    reminded = "se.myndnet.training.registration.reminded.v1"
    s = sender(notify_pool, relay)
    async with notify_pool.acquire() as conn:
        await on_training_events(
            PostgresNotify(conn), [training_event(confirmed, "2027-01-12T10:15:00Z")], str
        )
    assert await s.send_round() == 1
    async with notify_pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM deliveries") == "failed"
        listed = [(s.email, s.kind) for s in await deliveries.suppressed(conn, 10)]
        assert listed == [(work, "work")]
        # The next mail to the address is not tried: the relay sees nothing more.
        await on_training_events(
            PostgresNotify(conn), [training_event(reminded, "2027-02-08T07:00:00Z")], str
        )
    relay.refusals.clear()
    assert await s.send_round() == 1
    async with notify_pool.acquire() as conn:
        last = await conn.fetchrow(
            "SELECT status, last_error FROM deliveries WHERE kind = 'training_reminder'"
        )
        assert tuple(last) == ("cancelled", "the address is suppressed after a hard bounce")
        assert await deliveries.lift_work_suppression(conn, work.upper())
        assert not await deliveries.lift_work_suppression(conn, work)
        await on_training_events(
            PostgresNotify(conn), [training_event(reminded, "2027-02-09T07:00:00Z")], str
        )
    assert await s.send_round() == 1
    await s.smtp.close()
    assert len(relay.to(work)) == 1  # lifted: mail goes to it again


@pytest.fixture
def tls_relay(tmp_path):
    """A relay that offers STARTTLS with a certificate of a CA of the test's own, and wants
    TLS before the login, as real submission relays (port 587) do."""
    ca = tmp_path / "ca.pem"
    commands = [
        f"openssl req -x509 -newkey rsa:2048 -nodes -keyout {tmp_path}/ca.key -out {ca} "
        "-days 2 -subj /CN=myndnet-test-ca",
        f"openssl req -newkey rsa:2048 -nodes -keyout {tmp_path}/relay.key "
        f"-out {tmp_path}/relay.csr -subj /CN=127.0.0.1",
        f"openssl x509 -req -in {tmp_path}/relay.csr -CA {ca} -CAkey {tmp_path}/ca.key "
        f"-CAcreateserial -out {tmp_path}/relay.pem -days 2 -extfile {tmp_path}/san.cnf",
    ]
    (tmp_path / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for command in commands:
        subprocess.run(command.split(), check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "relay.pem", tmp_path / "relay.key")
    sink = MailSink(login=LOGIN, starttls=context)
    sink.start()
    yield sink, str(ca)
    sink.stop()


async def test_the_login_goes_over_starttls_and_a_relay_that_wants_tls_suppresses_nobody(
    notify_pool, tls_relay, confirmed_search
):
    relay, ca_file = tls_relay
    async with notify_pool.acquire() as conn:
        await alert_for(conn, confirmed_search, "tls@example.org")
    in_the_clear = sending.Sender(
        notify_pool,
        SmtpPool(SmtpRelay("127.0.0.1", relay.port, *LOGIN, security="none")),
        Templates(),
        "https://n",
        "https://s",
    )
    assert await in_the_clear.send_round() == 1
    await in_the_clear.smtp.close()
    assert await statuses(notify_pool) == {"tls@example.org": ("queued", 1)}  # waits
    assert await suppressed(notify_pool) == set() and relay.logins == 0

    async with notify_pool.acquire() as conn:
        await conn.execute("UPDATE deliveries SET next_attempt_at = now()")
    secure = sending.Sender(
        notify_pool,
        SmtpPool(SmtpRelay("127.0.0.1", relay.port, *LOGIN, "starttls", ca_file)),
        Templates(),
        "https://n",
        "https://s",
    )
    assert await secure.send_round() == 1
    await secure.smtp.close()
    assert await statuses(notify_pool) == {"tls@example.org": ("sent", 2)}
    assert relay.logins == 1 and len(relay.to("tls@example.org")) == 1
