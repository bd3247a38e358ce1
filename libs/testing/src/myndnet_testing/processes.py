"""Services under test: in this process (`running`) or as processes of their own
(`ServiceProcess`), and `TestNetwork`, the isolated membership topic, agencies and consumer
groups one test's services share."""

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from myndnet_kit.app import ServiceApp
from myndnet_schemas import Event

from myndnet_testing.kafka import produce
from myndnet_testing.waits import wait_until


@contextlib.asynccontextmanager
async def running(app: ServiceApp, timeout: float = 60.0) -> AsyncIterator[ServiceApp]:
    """Run a service in this process (its lifespan) until it is ready."""
    async with app.api.router.lifespan_context(app.api):
        await wait_until(lambda: _started(app), timeout, what=f"{app.service} to start")
        yield app


async def _started(app: ServiceApp) -> bool:
    if app.failure:
        raise AssertionError(f"{app.service} failed to start: {app.failure}")
    return app.started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """A service as a separate process, to kill with SIGKILL and start again."""

    def __init__(
        self, script: Path | str, env: dict[str, str], log_path: Path, module: bool = False
    ) -> None:
        self.script = str(script)
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.module = module
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [sys.executable, "-m", self.script] if self.module else [sys.executable, self.script]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def terminate(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class TestNetwork:
    """A test's own corner of the broker: its membership topic, its agencies and their topics.

    Agency codes are `v<unique>-<name>`, so a service whose HR pattern is `hr_pattern(kind)`
    reads only this test's topics.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, kafka: str, unique: str, replication_factor: int = 1) -> None:
        self.kafka = kafka
        self.unique = unique
        self.replication_factor = replication_factor  # of the topics it makes (3 on a cluster)
        self.membership_topic = f"membership.agencies.{unique}"

    def code(self, name: str) -> str:
        return f"v{self.unique}-{name}"

    @property
    def group_prefix(self) -> str:
        """For CONSUMER_GROUP_PREFIX: a test's services never join another network's groups."""
        return f"t{self.unique}."

    def hr_pattern(self, kind: str) -> str:
        return rf"^hr\.v{self.unique}-[a-z0-9-]+\.{kind}$"

    def state(self, name: str, status: str = "active") -> Any:
        from myndnet_schemas import AgencyLeft, AgencyRegistered

        model = AgencyRegistered if status == "active" else AgencyLeft
        return model(
            code=self.code(name),
            name=f"Myndigheten {name.upper()}",
            kind="agency",
            role="member",
            status=status,
            joined_on="2023-11-28",
            left_on="2026-11-26" if status == "left" else None,
            website="https://example.se",
            email_domains=[self.email_domain(name)],
        )

    def email_domain(self, name: str) -> str:
        """The domain of the agency's work e-mail (in its agency events)."""
        return f"{name}.v{self.unique}.example.se"

    async def register(self, *names: str, create_topics: bool = True) -> None:
        from myndnet_kit.kafka import TopicSpec, compacted, ensure_topics
        from myndnet_schemas import topics

        rf = self.replication_factor
        await ensure_topics(self.kafka, [compacted(self.membership_topic, replication_factor=rf)])
        if create_topics:
            await ensure_topics(
                self.kafka,
                [
                    TopicSpec(name, 2, rf)
                    for n in names
                    for name in (
                        topics.hr_vacancies(self.code(n)),
                        topics.hr_leadership(self.code(n)),
                        topics.hr_exchange(self.code(n)),
                    )
                ],
            )
        await produce(
            self.kafka,
            self.membership_topic,
            [Event.new(self.state(n), source="/services/membership") for n in names],
        )

    async def leave(self, name: str) -> None:
        await produce(
            self.kafka,
            self.membership_topic,
            [Event.new(self.state(name, "left"), source="/services/membership")],
        )

    async def publish(
        self, name: str, kind: str, *payloads: Any, source: str | None = None
    ) -> list[Event[Any]]:
        events = [Event.new(p, source=source or f"/agencies/{self.code(name)}") for p in payloads]
        await produce(self.kafka, f"hr.{self.code(name)}.{kind}", events)
        return events
