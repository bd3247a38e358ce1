"""notify for the fault scenarios: notify as a process of its own (mail goes to the tests' one
SMTP sink, `myndnet_testing.MailSink`), and confirmed saved searches that every vacancy matches."""

from pathlib import Path

from myndnet_kit.db import create_pool
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers.subscriptions import save_preferences
from myndnet_testing import MailSink, ServiceNetwork, ServiceProcess, TestNetwork


def notify_process(
    net: TestNetwork,
    kafka_bootstrap: str,
    database_url: str,
    sink: MailSink,
    unique: str,
    log: Path,
    **env: str,
) -> tuple[ServiceNetwork, ServiceProcess, str]:
    """notify as a process of its own (not started; `services.ready("notify")` waits for it),
    and its vacancies topic."""
    topic = f"vacancies.vacancies.{unique}"
    services = ServiceNetwork(
        unique,
        log.parent,
        {
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "MEMBERSHIP_TOPIC": net.membership_topic,
            "CONSUMER_GROUP_PREFIX": net.group_prefix,
            "SMTP_PORT": str(sink.port),
            "NOTIFY_VACANCIES_TOPIC": topic,
            "NOTIFY_MATCHES_TOPIC": f"mentoring.matches.{unique}",
            "NOTIFY_TRAININGS_TOPIC": f"trainings.registrations.{unique}",
            "NOTIFY_RUN_DIGESTS": "false",
            "PUBLIC_BASE_URL": "https://jobb.example.se",
        },
        prefix="faults",
    )
    process = services.process("notify", env=env, database_url=database_url)
    return services, process, topic


async def confirmed_subscribers(database_url: str, count: int) -> None:
    """Confirmed saved searches for every vacancy, as after the opt-in."""
    pool = await create_pool(database_url, max_size=2)  # the kit's codecs (jsonb)
    try:
        async with pool.acquire() as conn:
            for i in range(count):
                subscriber = await PostgresNotify(conn).add_subscriber(
                    f"kandidat{i}@example.org", "sv"
                )
                subscription = await PostgresNotify(conn).add_search(
                    subscriber, Preferences("sv", "immediate")
                )
                await save_preferences(
                    PostgresNotify(conn), subscription, Preferences("sv", "immediate")
                )
                await conn.execute(
                    "UPDATE subscriptions SET status = 'confirmed' WHERE id = $1", subscription
                )
    finally:
        await pool.close()
