"""The secure profile's service logins and ACLs: dev/kafka_access.py CREDENTIALS_DIR.

Run by `dev/kafka.sh start` with SECURE=1, as the broker's admin ($KAFKA_SASL_USERNAME ...).
Every `<service>.env` in CREDENTIALS_DIR gets its login (the password in the file) and the ACLs
`myndnet_membership.domain.access` gives that service. Running it again changes nothing.
"""

import asyncio
import logging
import sys
from pathlib import Path

from myndnet_membership.adapters.kafka_access import KafkaAccess
from myndnet_membership.domain.access import SERVICES, service_acls
from myndnet_schemas.connection import KafkaConnection

logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


def password(env_file: Path) -> str:
    for line in env_file.read_text().splitlines():
        if line.startswith("KAFKA_SASL_PASSWORD="):
            return line.split("=", 1)[1]
    raise SystemExit(f"{env_file} has no KAFKA_SASL_PASSWORD")


async def main(credentials: Path) -> None:
    async with KafkaAccess(KafkaConnection.from_env()) as access:
        for service in SERVICES:
            env_file = credentials / f"{service}.env"
            if env_file.exists():
                await access.set_password(service, password(env_file))
                await access.grant(service_acls(service))
                print(f"{service}: login and {len(service_acls(service))} ACLs", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
