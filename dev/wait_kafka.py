"""Wait until a Kafka broker answers a metadata request: dev/wait_kafka.py BOOTSTRAP SECONDS.
In the secure profile the login comes from $KAFKA_SASL_USERNAME, $KAFKA_SASL_PASSWORD and
$KAFKA_SSL_CAFILE."""

import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient
from myndnet_schemas.connection import KafkaConnection

logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


async def wait(bootstrap: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(
            **KafkaConnection.from_env(bootstrap).options(), request_timeout_ms=3000
        )
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
    return False


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(wait(sys.argv[1], float(sys.argv[2]))) else 1)
