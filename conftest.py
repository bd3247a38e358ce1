"""Fixtures for tests that use the real local servers (`make servers` starts them)."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from myndnet_schemas.connection import KafkaConnection
from myndnet_testing import free_port
from myndnet_testing.databases import NoDatabaseServer, fresh_database

KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


@pytest.fixture(scope="session")
async def kafka_bootstrap() -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, request_timeout_ms=5000)
    try:
        await admin.start()
        await admin.list_topics()
    except Exception as exc:
        pytest.fail(f"no Kafka broker at {KAFKA} ({exc!r}); `make servers` starts the local one")
    finally:
        await admin.close()
    return KAFKA


@dataclass(frozen=True)
class SecureKafka:
    """A broker of the secure profile, started by `SECURE=1 dev/kafka.sh` for this test run."""

    data: Path  # its .run/kafka-secure
    bootstrap_servers: str

    def env(self, login: str) -> dict[str, str]:
        """The login's KAFKA_* variables, as dev/kafka.sh wrote them (admin or a service)."""
        lines = (self.data / "credentials" / f"{login}.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def connection(self, login: str = "admin") -> KafkaConnection:
        env = self.env(login)
        return KafkaConnection(
            self.bootstrap_servers,
            env["KAFKA_SASL_USERNAME"],
            env["KAFKA_SASL_PASSWORD"],
            env["KAFKA_SSL_CAFILE"],
        )

    @property
    def cafile(self) -> str:
        return str(self.data / "tls" / "ca.pem")

    @property
    def broker_log(self) -> Path:
        return self.data / "broker.log"


@pytest.fixture(scope="session")
async def secure_kafka(tmp_path_factory) -> AsyncIterator[SecureKafka]:
    """A fresh broker with SASL/SCRAM over TLS and ACLs, on free ports, for the whole run."""
    run_dir = tmp_path_factory.mktemp("secure-run")
    port = free_port()
    env = {
        **os.environ,
        "SECURE": "1",
        "MYNDNET_RUN_DIR": str(run_dir),
        "KAFKA_SECURE_PORT": str(port),
        "KAFKA_SECURE_CONTROLLER_PORT": str(free_port()),
        "KAFKA_HEAP": "384m",
    }
    script = Path(__file__).parent / "dev" / "kafka.sh"

    async def kafka_sh(command: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(script),
            command,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 240)
        return process.returncode or 0, out.decode(errors="replace")

    code, out = await kafka_sh("start")
    if code != 0:
        await kafka_sh("stop")
        pytest.fail(f"the secure broker did not start:\n{out[-3000:]}")
    try:
        yield SecureKafka(run_dir / "kafka-secure", f"127.0.0.1:{port}")
    finally:
        await kafka_sh("stop")


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    try:
        async with fresh_database() as url:
            yield url
    except NoDatabaseServer as exc:
        pytest.fail(str(exc))


@pytest.fixture
def unique() -> str:
    """A short random name part, so tests never share topics or groups."""
    return uuid.uuid4().hex[:10]


IMAP_PORT = int(os.environ.get("IMAP_PORT", "1143"))
RUN_DIR = Path(os.environ.get("MYNDNET_RUN_DIR", Path(__file__).parent / ".run"))


@dataclass(frozen=True)
class ImapMailbox:
    """A folder of its own in the local IMAP server's mailbox (dev/imap.sh), for one test."""

    password: str
    folder: str

    @property
    def url(self) -> str:
        return f"imap://bounces:{self.password}@127.0.0.1:{IMAP_PORT}/{self.folder}"

    async def client(self):
        from aioimaplib import IMAP4

        client = IMAP4("127.0.0.1", IMAP_PORT, timeout=10)
        await client.wait_hello_from_server()
        assert (await client.login("bounces", self.password)).result == "OK"
        return client


@pytest.fixture
async def imap_mailbox(unique) -> AsyncIterator[ImapMailbox]:
    password_file = RUN_DIR / "imap-password"
    try:
        password = password_file.read_text().strip()
        _, writer = await asyncio.open_connection("127.0.0.1", IMAP_PORT)
        writer.close()
    except OSError as exc:
        pytest.fail(
            f"no IMAP server on 127.0.0.1:{IMAP_PORT} ({exc!r}); `make imap` starts it "
            "(make test does)"
        )
    mailbox = ImapMailbox(password, f"Test-{unique}")
    client = await mailbox.client()
    try:
        assert (await client.create(mailbox.folder)).result == "OK"
        yield mailbox
    finally:
        await client.delete(mailbox.folder)
        await client.logout()
