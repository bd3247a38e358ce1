"""The fault suite: the real services as processes on the real Kafka and PostgreSQL, with
faults injected on this machine. `FAULTS=long` (make faults) runs each scenario bigger."""

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from myndnet_testing import ServiceNetwork, ServiceProcess, TestNetwork

LONG = os.environ.get("FAULTS", "short") == "long"


def scale(short: int, long: int) -> int:
    return long if LONG else short


@dataclass
class Vacancies:
    """The vacancies service as a process of its own, with its own database and topics."""

    net: TestNetwork
    services: ServiceNetwork
    database_url: str
    lifecycle_topic: str
    process: ServiceProcess
    port: int

    async def ready(self, timeout: float = 90) -> None:
        await self.services.ready("vacancies", timeout=timeout)

    async def fetch(self, sql: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()


def vacancies_service(
    kafka: str, database_url: str, unique: str, log_dir: Path, replication_factor: int = 1
) -> Vacancies:
    """The vacancies service (not started) on its own topics of `kafka`."""
    net = TestNetwork(kafka, unique, replication_factor)
    lifecycle = f"vacancies.vacancies.{unique}"
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "TOPIC_REPLICATION_FACTOR": str(replication_factor),
        "MEMBERSHIP_TOPIC": net.membership_topic,
        "CONSUMER_GROUP_PREFIX": net.group_prefix,
        "VACANCIES_TOPIC": lifecycle,
        "VACANCIES_HR_TOPIC_PATTERN": net.hr_pattern("vacancies"),
        "KAFKA_METADATA_MAX_AGE_MS": "1000",
        "OPERATOR_TOKENS": "faults=dlq:replay",
        "LOG_LEVEL": "INFO",
    }
    services = ServiceNetwork(unique, log_dir, env, prefix="faults")
    process = services.process("vacancies", database_url=database_url)
    return Vacancies(net, services, database_url, lifecycle, process, services.port("vacancies"))


@pytest.fixture
async def vacancies(kafka_bootstrap, database_url, unique, tmp_path) -> AsyncIterator[Vacancies]:
    service = vacancies_service(kafka_bootstrap, database_url, unique, Path(tmp_path))
    try:
        yield service
    finally:
        service.process.terminate()


def report(title: str, **figures: object) -> None:
    width = max(len(k) for k in figures)
    lines = [f"  {k.replace('_', ' '):{width}s} : {v}" for k, v in figures.items()]
    print(f"\n[fault scenario] {title}\n" + "\n".join(lines), flush=True)


@pytest.fixture
def unique_run() -> str:
    return uuid.uuid4().hex[:8]
