"""Membership's command line, for operators and the dev scripts.

    python -m myndnet_membership.commands service-logins CREDENTIALS_DIR

service-logins: as the broker's admin (KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_USERNAME ...), give
every service that has a `<service>.env` in CREDENTIALS_DIR its login (the password in the
file) and the ACLs of `domain.access.service_acls`. Running it again changes nothing.
`dev/kafka.sh start` runs it with SECURE=1.
"""

import argparse
import asyncio
import sys
from pathlib import Path

from myndnet_schemas.connection import KafkaConnection

from myndnet_membership.adapters.kafka_access import KafkaAccess
from myndnet_membership.domain.access import SERVICES, service_acls


def _password(env_file: Path) -> str:
    for line in env_file.read_text().splitlines():
        if line.startswith("KAFKA_SASL_PASSWORD="):
            return line.split("=", 1)[1]
    raise SystemExit(f"{env_file} has no KAFKA_SASL_PASSWORD")


async def service_logins(credentials: Path) -> None:
    env_files = [credentials / f"{service}.env" for service in SERVICES]
    if not any(f.exists() for f in env_files):
        raise SystemExit(f"no <service>.env in {credentials}: nothing to create")
    async with KafkaAccess(KafkaConnection.from_env()) as access:
        for service in SERVICES:
            env_file = credentials / f"{service}.env"
            if env_file.exists():
                await access.set_password(service, _password(env_file))
                await access.grant(service_acls(service))
                print(f"{service}: login and {len(service_acls(service))} ACLs", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    logins = commands.add_parser("service-logins", help="the services' Kafka logins and ACLs")
    logins.add_argument("credentials", type=Path, help="the folder of <service>.env files")
    args = parser.parse_args(argv)
    asyncio.run(service_logins(args.credentials))


if __name__ == "__main__":
    main()
