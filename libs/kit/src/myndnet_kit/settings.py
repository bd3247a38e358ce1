"""Settings shared by every service, named as in the contract.

A service subclasses `ServiceSettings` and names its own `<SERVICE>_DATABASE_URL` and
`<SERVICE>_PORT`:

    class VacanciesSettings(ServiceSettings):
        service: ClassVar[str] = "vacancies"
        database_url: str = Field(
            local_database_url("vacancies"),
            alias="VACANCIES_DATABASE_URL",
            description="vacancies' database",
        )
        port: int = Field(8002, alias="VACANCIES_PORT", description="vacancies' HTTP port")

Each setting's `description` is what docs/configuration.md says of it
(`dev/configuration_doc.py` writes that page; `make lint` checks it is current).
"""

from typing import Any, ClassVar

from myndnet_schemas import topics
from myndnet_schemas.connection import KafkaConnection
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def link_signing_key() -> Any:
    """The setting of the services whose people follow signed links: notify signs them,
    mentoring, trainings, outreach, exchange and membership (staff's sign-in) check them."""
    return Field(
        SecretStr(""),
        alias="LINK_SIGNING_KEY",
        description=(
            "signs people's links (notify) and checks them (mentoring's answers and check-ins, "
            "trainings' and outreach's confirm and cancel, membership's sign-in links): the "
            "same value for all five; `make up` generates one in `.run/link-signing-key`"
        ),
    )


def local_database_url(service: str) -> str:
    return f"postgresql://myndnet:myndnet@127.0.0.1:5432/myndnet_{service}"


class HttpSettings(BaseSettings):
    """What every process that answers HTTP needs: where it listens, how people reach it,
    which proxies it believes, how much it logs. The site (web, no database) uses these alone."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    port: int
    public_base_url: str = Field(
        "",
        alias="PUBLIC_BASE_URL",
        description=(
            "where people reach the service: links in e-mail, URLs in JSON, JSON-LD and Atom "
            "(empty: `http://127.0.0.1:<port>`)"
        ),
    )
    host: str = Field("127.0.0.1", alias="HOST", description="the address the service listens on")
    # Proxies whose X-Forwarded-For / -Proto are believed (comma-separated addresses, or *);
    # none by default, so a client cannot choose the address its limits are counted under.
    forwarded_allow_ips: str = Field(
        "",
        alias="FORWARDED_ALLOW_IPS",
        description=(
            "proxies whose `X-Forwarded-For` and `-Proto` are believed (comma-separated, or `*`); "
            "without one, the client's own address counts for sign-up limits"
        ),
    )
    log_level: str = Field(
        "INFO",
        alias="LOG_LEVEL",
        description="the least level logged (`DEBUG`, `INFO`, `WARNING`, `ERROR`)",
    )

    def base_url(self) -> str:
        """Where people reach this service: PUBLIC_BASE_URL, else the local address."""
        return (self.public_base_url or f"http://127.0.0.1:{self.port}").rstrip("/")


class ServiceSettings(HttpSettings):
    service: ClassVar[str]

    database_url: str
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", alias="KAFKA_BOOTSTRAP_SERVERS", description="the Kafka brokers"
    )
    # The secure profile: SASL/SCRAM-SHA-512 over TLS as this service's own principal.
    kafka_sasl_username: str = Field(
        "",
        alias="KAFKA_SASL_USERNAME",
        description="the secure profile: the service's own SCRAM-SHA-512 login (over TLS)",
    )
    kafka_sasl_password: SecretStr = Field(
        SecretStr(""),
        alias="KAFKA_SASL_PASSWORD",
        description="the secure profile: that login's password (never logged)",
    )
    kafka_ssl_cafile: str = Field(
        "",
        alias="KAFKA_SSL_CAFILE",
        description="the secure profile: the CA the brokers' certificates are checked against",
    )
    smtp_host: str = Field(
        "127.0.0.1", alias="SMTP_HOST", description="where e-mail is sent (notify)"
    )
    smtp_port: int = Field(1025, alias="SMTP_PORT", description="the SMTP server's port (notify)")
    operator_tokens: str = Field(
        "",
        alias="OPERATOR_TOKENS",
        description=(
            "`TOKEN=right,right;TOKEN2=*`: each entry lists its rights (`*` for all; an entry "
            "without rights stops the start), rights follow the last `=`, a token may be given as "
            "`sha256:<hex>`, and a published default is refused (exit 2, one line saying why); "
            "`make up` generates one with every right in `.run/operator-token`"
        ),
    )
    database_pool_size: int = Field(
        10,
        alias="DATABASE_POOL_SIZE",
        description="the most PostgreSQL connections the service holds",
    )
    topic_partitions: int = Field(
        3, alias="TOPIC_PARTITIONS", description="partitions of the topics the service creates"
    )
    topic_replication_factor: int = Field(
        1,
        alias="TOPIC_REPLICATION_FACTOR",
        description="replicas of the topics the service creates",
    )

    def kafka(self) -> KafkaConnection:
        return KafkaConnection(
            self.kafka_bootstrap_servers,
            self.kafka_sasl_username or None,
            self.kafka_sasl_password.get_secret_value() or None,
            self.kafka_ssl_cafile or None,
        )

    membership_topic: str = Field(
        topics.MEMBERSHIP_AGENCIES,
        alias="MEMBERSHIP_TOPIC",
        description="the agencies' register (tests give each run its own)",
    )
    # Consumer groups are `<prefix><service>.<consumer>`; a prefix keeps a second network on the
    # same broker (an end-to-end test, a staging copy) out of this one's groups.
    consumer_group_prefix: str = Field(
        "",
        alias="CONSUMER_GROUP_PREFIX",
        description=(
            "consumer groups are `<prefix><service>.<consumer>`: keeps a second network on the "
            "same broker (a test, a staging copy) out of this one's groups"
        ),
    )
    # Consumers: one batch is one PostgreSQL transaction.
    consumer_max_records: int = Field(
        500,
        alias="CONSUMER_MAX_RECORDS",
        description="records in one batch at most; one batch is one PostgreSQL transaction",
    )
    consumer_batch_timeout_ms: int = Field(
        100,
        alias="CONSUMER_BATCH_TIMEOUT_MS",
        description=(
            "how long a poll waits for records; one that found none is followed by the next at once"
        ),
    )
    # How often pattern subscriptions look for new topics (a new agency's `hr.<code>.*`).
    kafka_metadata_max_age_ms: int = Field(
        5000,
        alias="KAFKA_METADATA_MAX_AGE_MS",
        description=(
            "how soon a service subscribed by pattern (vacancies, mentoring: `hr.<code>.*`) finds "
            "a new agency's topics; every refresh reads every topic of the cluster"
        ),
    )
    # Retention (retention.py). An inbox row guards against a second delivery only while the
    # broker still holds the event: keep it at least as long as the topics' retention (Kafka's
    # default, 7 days).
    inbox_retention_hours: float = Field(
        168,
        gt=0,
        alias="INBOX_RETENTION_HOURS",
        description=(
            "how long an applied event's inbox row is kept: at least the topics' retention "
            "(Kafka's default is 7 days), since the row is what makes a redelivery harmless"
        ),
    )
    dlq_retention_days: float = Field(
        30,
        gt=0,
        alias="DLQ_RETENTION_DAYS",
        description=(
            "DLQ entries never replayed, and parked outbox messages, are deleted after this; "
            "replayed entries a day after their replay"
        ),
    )
    retention_interval_seconds: float = Field(
        600,
        gt=0,
        alias="RETENTION_INTERVAL_SECONDS",
        description="how often the retention job runs (one replica at a time per database)",
    )
