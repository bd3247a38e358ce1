"""The whole network as separate processes, with databases, topics and groups of its own."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from myndnet_schemas.connection import KafkaConnection
from myndnet_schemas.topics import SERVICES  # started in this order
from myndnet_testing import MailSink, ServiceNetwork, consumed_by, wait_until
from myndnet_testing.jobstream import JobStreamFixture
from playwright.async_api import async_playwright

TOKEN = "e2e-operator-token"
CHROMIUM = "/usr/bin/chromium"
LINK_KEY = "e2e-link-signing-key"
SESSION_KEY = "e2e-session-signing-key"
COORDINATOR = "samordnare@myndnet.test"  # the network's coordinator in these tests


@dataclass
class Network:
    run: str
    kafka: KafkaConnection  # the tests' own access: the admin's login in the secure profile
    services: ServiceNetwork
    mailbox: MailSink
    jobstream: JobStreamFixture
    profile: str = "open"
    # Agencies' Kafka logins as membership handed them out, and the services' own (secure).
    logins: dict[str, KafkaConnection] = field(default_factory=dict)
    service_passwords: list[str] = field(default_factory=list)
    token: str = TOKEN
    link_key: str = LINK_KEY  # signs people's links (notify; mentoring and trainings check)

    def code(self, name: str) -> str:
        return f"e2e{self.run}-{name}"

    def login(self, code: str) -> KafkaConnection:
        """How agency `code` reaches Kafka: its own login in the secure profile."""
        return self.logins.get(code, self.kafka)

    def log_text(self) -> str:
        return self.services.log_text()

    def database_url(self, service: str) -> str:
        return self.services.databases[service]

    @property
    def trainings_topic(self) -> str:
        return (
            "trainings.registrations"
            if self.profile == "secure"
            else f"trainings.registrations.e2e{self.run}"
        )

    @property
    def matches_topic(self) -> str:
        """mentoring.matches, or this run's own on the shared open broker (whose history of
        other runs' matches notify would otherwise mail)."""
        return (
            "mentoring.matches" if self.profile == "secure" else f"mentoring.matches.e2e{self.run}"
        )

    @property
    def vacancies_topic(self) -> str:
        """vacancies.vacancies, or this run's own on the shared open broker."""
        return (
            "vacancies.vacancies"
            if self.profile == "secure"
            else f"vacancies.vacancies.e2e{self.run}"
        )

    @property
    def exchange_topic(self) -> str:
        """exchange.assignments, or this run's own on the shared open broker."""
        return (
            "exchange.assignments"
            if self.profile == "secure"
            else f"exchange.assignments.e2e{self.run}"
        )

    def url(self, service: str) -> str:
        return self.services.url(service)

    def group(self, service: str, consumer: str) -> str:
        prefix = "" if self.profile == "secure" else f"e2e{self.run}."
        return f"{prefix}{service}.{consumer}"

    async def consumed(self, service: str, consumer: str, topic: str) -> None:
        """Until `service`'s consumer has committed past what `topic` holds now: what it
        decided about those events is then in its database."""
        await consumed_by(self.kafka, self.group(service, consumer), topic, timeout=60)

    async def mail_settled(self) -> None:
        """Until notify has consumed every vacancy announced so far and its queue holds
        nothing that is due: a mail that has not come by then is not coming."""
        await self.consumed("notify", "vacancies", self.vacancies_topic)
        async with self.http("notify") as http:

            async def nothing_due() -> bool:
                answer = await http.get("/deliveries", params={"status": "queued"})
                return answer.status_code == 200 and answer.json() == []

            await wait_until(nothing_due, 60, what="notify's queue to empty")

    def http(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url(service), timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        )


@pytest.fixture(scope="module", params=["open", "secure"])
async def network(
    request, kafka_bootstrap, secure_kafka, tmp_path_factory
) -> AsyncIterator[Network]:
    """The six services as processes, on the open profile (the shared local broker, with
    topics and groups of their own) and on the secure one (a broker with SCRAM logins and
    ACLs, each service its own login, the network's real topic names)."""
    profile = request.param
    run = uuid.uuid4().hex[:8]
    # A mail server that refuses some addresses, echoing them as real ones do.
    mailbox = MailSink(refuse=lambda address: address.startswith("refused."))
    mailbox.start()
    # A JobTech JobStream-compatible server that ingest's connector follows.
    jobstream = JobStreamFixture()
    await jobstream.start()
    common = {
        "OPERATOR_TOKENS": f"{TOKEN}=*",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox.port),
        "KAFKA_METADATA_MAX_AGE_MS": "1000",
        "MENTORING_ROUND_SECONDS": "100000",
        "TRAININGS_SCHEDULE_SECONDS": "100000",
        "OUTREACH_SCHEDULE_SECONDS": "100000",
        "NOTIFY_CAMPAIGN_SECONDS": "100000",
        "EXCHANGE_SCHEDULE_SECONDS": "100000",
        "JOBSTREAM_URL": jobstream.url,
        "JOBSTREAM_POLL_SECONDS": "0.5",
        "LINK_SIGNING_KEY": LINK_KEY,
        "NETWORK_COORDINATORS": COORDINATOR,
        "LOG_LEVEL": "INFO",
    }
    logins: dict[str, dict[str, str]] = {s: {} for s in SERVICES}
    if profile == "secure":
        kafka = secure_kafka.connection("admin")
        logins = {s: secure_kafka.env(s) for s in SERVICES}
    else:
        kafka = KafkaConnection(kafka_bootstrap)
        common |= {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "MEMBERSHIP_TOPIC": f"membership.agencies.e2e{run}",
            "CONSUMER_GROUP_PREFIX": f"e2e{run}.",
            "VACANCIES_TOPIC": f"vacancies.vacancies.e2e{run}",
            "NOTIFY_VACANCIES_TOPIC": f"vacancies.vacancies.e2e{run}",
            "TRAININGS_TOPIC": f"trainings.registrations.e2e{run}",
            "NOTIFY_TRAININGS_TOPIC": f"trainings.registrations.e2e{run}",
            "MENTORING_MATCHES_TOPIC": f"mentoring.matches.e2e{run}",
            "NOTIFY_MATCHES_TOPIC": f"mentoring.matches.e2e{run}",
            "MEMBERSHIP_SIGN_IN_TOPIC": f"membership.sign_ins.e2e{run}",
            "NOTIFY_SIGN_IN_TOPIC": f"membership.sign_ins.e2e{run}",
            "OUTREACH_TOPIC": f"outreach.activities.e2e{run}",
            "NOTIFY_OUTREACH_TOPIC": f"outreach.activities.e2e{run}",
            "VACANCIES_HR_TOPIC_PATTERN": rf"^hr\.e2e{run}-[a-z0-9-]+\.vacancies$",
            "MENTORING_HR_TOPIC_PATTERN": rf"^hr\.e2e{run}-[a-z0-9-]+\.leadership$",
            "EXCHANGE_TOPIC": f"exchange.assignments.e2e{run}",
            "EXCHANGE_HR_TOPIC_PATTERN": rf"^hr\.e2e{run}-[a-z0-9-]+\.exchange$",
        }
    services = ServiceNetwork(
        run, Path(tmp_path_factory.mktemp(f"e2e-logs-{profile}")), common, prefix="e2e"
    )
    net = Network(run, kafka, services, mailbox, jobstream, profile=profile)
    net.service_passwords = [env["KAFKA_SASL_PASSWORD"] for env in logins.values() if env]
    try:
        for service in SERVICES:
            own = dict(logins[service])
            if service == "notify":
                own |= {"PUBLIC_BASE_URL": net.url("notify"), "WEB_BASE_URL": net.url("web")}
            if service == "outreach":
                own |= {"NOTIFY_URL": net.url("notify"), "OUTREACH_NOTIFY_TOKEN": TOKEN}
            if service == "exchange":
                own |= {"NOTIFY_URL": net.url("notify"), "EXCHANGE_NOTIFY_TOKEN": TOKEN}
            await services.start(service, env=own)
        # The public site, reading the services above.
        await services.start(
            "web",
            env={
                "PUBLIC_BASE_URL": net.url("web"),
                "MEMBERSHIP_URL": net.url("membership"),
                "VACANCIES_URL": net.url("vacancies"),
                "NOTIFY_URL": net.url("notify"),
                "MENTORING_URL": net.url("mentoring"),
                "TRAININGS_URL": net.url("trainings"),
                "OUTREACH_URL": net.url("outreach"),
                "EXCHANGE_URL": net.url("exchange"),
                "WEB_NOTIFY_TOKEN": TOKEN,
                "WEB_MEMBERSHIP_TOKEN": TOKEN,
                "WEB_CONSOLE_TOKEN": TOKEN,
                "SESSION_SIGNING_KEY": SESSION_KEY,
                # The tests load both cores; a service that answers in 3 s here is slow, not
                # down (the 2 s default answered one hostile-input search with a 503 on a busy
                # host).
                "WEB_UPSTREAM_TIMEOUT": "10",
            },
        )
        await services.ready()
        yield net
    finally:
        await services.stop()
        mailbox.stop()
        await jobstream.stop()


CHROMIUM_INSTALLED = Path(CHROMIUM).exists()


@pytest.fixture
async def browser():
    """Debian's Chromium, driven by Playwright by its path (no browser download here)."""
    if not CHROMIUM_INSTALLED:
        pytest.fail("no Chromium at /usr/bin/chromium: `make test` installs it (dev/chromium.sh)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        await launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test on the network reports what its services complained of, so that a failure
    seen only in CI says which service stalled and why."""
    report = yield
    network = item.funcargs.get("network") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(network, Network):
        report.sections.append(("the services' warnings and errors", _complaints(network)))
    return report


def _complaints(network: Network, last: int = 60) -> str:
    lines = []
    for log in sorted(network.services.logs.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if '"level": "warning"' in line or '"level": "error"' in line or "Traceback" in line:
                lines.append(f"{log.stem}: {line[:600]}")
    return "\n".join(lines[-last:]) or "(none)"
