"""Helpers for tests that drive services through the real Kafka broker and PostgreSQL, one
module a concern: `events` (test data), `waits`, `kafka` (topics and committed offsets),
`databases` (a fresh database, a migrated connection for store contract tests),
`mail` (the SMTP sink, bounce reports), `processes` (services in process or as one process,
topic names of a run), `network` (the one builder of an isolated network of service
processes, for e2e tests, fault scenarios and benchmarks)."""

from myndnet_testing.databases import (
    ADMIN_DATABASE_URL,
    database_url_for,
    fresh_database,
    migrated_connection,
)
from myndnet_testing.events import EXAMPLES, example, vacancy, vacancy_data
from myndnet_testing.kafka import (
    committed_offsets,
    consumed,
    consumed_by,
    end_offsets,
    produce,
    produce_raw,
    read_to_end,
    read_topic,
)
from myndnet_testing.mail import MailSink
from myndnet_testing.network import ServiceNetwork
from myndnet_testing.processes import ServiceProcess, TestNetwork, free_port, running
from myndnet_testing.waits import wait_until

__all__ = [
    "ADMIN_DATABASE_URL",
    "EXAMPLES",
    "MailSink",
    "ServiceNetwork",
    "ServiceProcess",
    "TestNetwork",
    "committed_offsets",
    "consumed",
    "consumed_by",
    "database_url_for",
    "end_offsets",
    "example",
    "free_port",
    "fresh_database",
    "migrated_connection",
    "produce",
    "produce_raw",
    "read_to_end",
    "read_topic",
    "running",
    "vacancy",
    "vacancy_data",
    "wait_until",
]
