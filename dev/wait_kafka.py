"""Wait until Kafka answers a metadata request: dev/wait_kafka.py BOOTSTRAP SECONDS [BROKERS]
(with BROKERS, until the metadata lists that many brokers: every node of a cluster has joined).
In the secure profile the login comes from $KAFKA_SASL_USERNAME, $KAFKA_SASL_PASSWORD and
$KAFKA_SSL_CAFILE."""

import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient
from myndnet_schemas.connection import KafkaConnection

logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


async def wait(bootstrap: str, seconds: float, brokers: int = 1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(
            **KafkaConnection.from_env(bootstrap).options(), request_timeout_ms=3000
        )
        try:
            await admin.start()
            await admin.list_topics()
            if len((await admin.describe_cluster())["brokers"]) >= brokers:
                return True
            await asyncio.sleep(0.5)
        except Exception:
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
    return False


if __name__ == "__main__":
    brokers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    sys.exit(0 if asyncio.run(wait(sys.argv[1], float(sys.argv[2]), brokers)) else 1)
