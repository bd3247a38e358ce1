"""How a client reaches the network's Kafka: a bootstrap address and, in the secure profile, a
SASL/SCRAM-SHA-512 login over TLS (the broker's certificate signed by the network's CA).

    kafka = KafkaConnection("broker:9094", username="agency-csn", password=..., cafile="ca.pem")
    AIOKafkaProducer(**kafka.options())
"""

import os
from dataclasses import dataclass, field
from typing import Any

from aiokafka.helpers import create_ssl_context

SCRAM_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaConnection:
    bootstrap_servers: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None

    @classmethod
    def from_env(cls, bootstrap_servers: str | None = None) -> "KafkaConnection":
        """`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`,
        `KAFKA_SSL_CAFILE`: what the publisher's command line and a service's settings read."""
        return cls(
            bootstrap_servers or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            os.environ.get("KAFKA_SASL_USERNAME") or None,
            os.environ.get("KAFKA_SASL_PASSWORD") or None,
            os.environ.get("KAFKA_SSL_CAFILE") or None,
        )

    @property
    def secure(self) -> bool:
        return self.username is not None

    def options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client."""
        if not self.secure:
            return {"bootstrap_servers": self.bootstrap_servers}
        if not self.password:
            raise ValueError(f"a password is needed to log in to Kafka as {self.username!r}")
        if self.cafile is not None and not os.path.isfile(self.cafile):
            raise ValueError(f"the CA certificate {self.cafile!r} (KAFKA_SSL_CAFILE) is not a file")
        return {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": "SASL_SSL",
            "ssl_context": create_ssl_context(cafile=self.cafile),
            "sasl_mechanism": SCRAM_MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }


def connection(kafka: str | KafkaConnection) -> KafkaConnection:
    """A bare bootstrap address is a connection without a login (the local, open profile)."""
    return kafka if isinstance(kafka, KafkaConnection) else KafkaConnection(kafka)
