"""The one builder of an isolated network for end-to-end tests, fault scenarios and benchmarks:
services as processes, each with a database of its own on the local PostgreSQL, a port of its
own, the settings every service of the run shares, and their logs in one folder."""

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from myndnet_testing.databases import ADMIN_DATABASE_URL
from myndnet_testing.processes import ServiceProcess, free_port
from myndnet_testing.waits import wait_until

WITHOUT_DATABASE = frozenset({"web"})  # the public site keeps nothing of its own


@dataclass
class ServiceNetwork:
    """`run` names this network's databases (`<prefix>_<run>_<service>`); `env` is what every
    service gets; `checkout` is another checkout whose sources run instead of this one's (a
    benchmark against an earlier revision)."""

    run: str
    logs: Path
    env: dict[str, str] = field(default_factory=dict)
    prefix: str = "net"
    checkout: Path | None = None
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)  # service → database URL

    def port(self, name: str) -> int:
        """The port of service (or replica) `name`, chosen the first time it is asked for, so
        that one service's settings can name another's address before either runs."""
        return self.ports.setdefault(name, free_port())

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    async def database(self, service: str) -> str:
        """The URL of `service`'s database, created the first time."""
        if service not in self.databases:
            name = f"{self.prefix}_{self.run}_{service}"
            admin = await asyncpg.connect(ADMIN_DATABASE_URL)
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            finally:
                await admin.close()
            self.databases[service] = f"{ADMIN_DATABASE_URL.rsplit('/', 1)[0]}/{name}"
        return self.databases[service]

    def process(
        self,
        service: str,
        name: str | None = None,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
    ) -> ServiceProcess:
        """Service `service` as process `name`, not yet started: the shared settings, its
        database (`database_url`, or the one `database()` made; a further replica shares it)
        and its port, then `env`."""
        name = name or service
        upper = service.upper()
        own = {f"{upper}_PORT": str(self.port(name))}
        if service not in WITHOUT_DATABASE:
            database_url = database_url or self.databases.get(service)
            assert database_url, f"no database for {service}: `await network.database(...)`"
            own[f"{upper}_DATABASE_URL"] = database_url
        process = ServiceProcess(
            f"myndnet_{service}",
            {**self.env, **own, **self._code_env(), **(env or {})},
            self.log(name),
            module=True,
        )
        self.processes[name] = process
        return process

    async def start(
        self,
        service: str,
        name: str | None = None,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
    ) -> ServiceProcess:
        """The process started, its database created first if it has none yet."""
        if service not in WITHOUT_DATABASE and database_url is None:
            await self.database(service)
        process = self.process(service, name, env, database_url)
        process.start()
        return process

    async def ready(self, *names: str, timeout: float = 90) -> None:
        """Until each process (`names`, or all) answers /health/ready with 200; a process that
        exited fails at once, with the end of its log."""
        async with httpx.AsyncClient() as http:
            for name in names or tuple(self.processes):
                process = self.processes[name]

                async def is_ready(name: str = name, process: ServiceProcess = process) -> bool:
                    if not process.alive:
                        raise AssertionError(
                            f"{name} exited: {self.log(name).read_text(errors='replace')[-3000:]}"
                        )
                    with contextlib.suppress(httpx.HTTPError):
                        response = await http.get(f"{self.url(name)}/health/ready")
                        return response.status_code == 200
                    return False

                await wait_until(is_ready, timeout=timeout, interval=0.2, what=f"{name} ready")

    def pid(self, name: str) -> int:
        process = self.processes[name].process
        assert process is not None
        return process.pid

    def peak_rss_mib(self, name: str) -> float:
        status = Path(f"/proc/{self.pid(name)}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]

    async def stop(self, keep_databases: bool = False) -> None:
        """Every process stopped, then the databases dropped (`keep_databases`, or the
        environment's KEEP_NETWORK_DATABASES, keeps them to look at)."""
        for process in self.processes.values():
            process.terminate()
        if keep_databases or os.environ.get("KEEP_NETWORK_DATABASES") or not self.databases:
            return
        admin = await asyncpg.connect(ADMIN_DATABASE_URL)
        try:
            for url in self.databases.values():
                name = url.rsplit("/", 1)[1]
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    def _code_env(self) -> dict[str, str]:
        """Another checkout's packages ahead of this one's editable installs."""
        if self.checkout is None:
            return {}
        sources = [*sorted(self.checkout.glob("*/*/src")), self.checkout / "schemas" / "src"]
        return {"PYTHONPATH": os.pathsep.join(str(path) for path in sources)}
