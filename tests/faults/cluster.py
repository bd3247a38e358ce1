"""A three-node Kafka cluster of the test run's own (`dev/kafka.sh` with KAFKA_NODES=3, on free
ports under a temporary folder): which node leads a partition or the controller quorum, and
killing, stopping and starting nodes."""

import asyncio
import json
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cluster:
    run_dir: Path
    ports: list[int]
    controller_ports: list[int]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.ports)

    @property
    def data(self) -> Path:
        return self.run_dir / "kafka-cluster"

    async def script(self, *args: str, timeout: float = 240) -> str:
        env = {
            **os.environ,
            "KAFKA_NODES": "3",
            "MYNDNET_RUN_DIR": str(self.run_dir),
            "KAFKA_CLUSTER_PORTS": " ".join(map(str, self.ports)),
            "KAFKA_CLUSTER_CONTROLLER_PORTS": " ".join(map(str, self.controller_ports)),
            "KAFKA_HEAP": "384m",
        }
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(ROOT / "dev" / "kafka.sh"),
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
        text = out.decode(errors="replace")
        if process.returncode:
            raise AssertionError(f"dev/kafka.sh {' '.join(args)} failed:\n{text[-3000:]}")
        return text

    async def start(self, *nodes: int) -> float:
        """Start the given nodes (every stopped one by default); seconds until they serve."""
        started = time.monotonic()
        if nodes:
            for node in nodes:
                await self.script("start-node", str(node))
        else:
            await self.script("start")
        return time.monotonic() - started

    async def stop(self, node: int) -> None:
        """A clean stop (SIGTERM: the node hands its leaderships over first)."""
        await self.script("stop-node", str(node))

    def pid(self, node: int) -> int | None:
        try:
            pid = int((self.data / f"node{node}" / "broker.pid").read_text())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ProcessLookupError, ValueError):
            return None

    def kill(self, node: int) -> None:
        pid = self.pid(node)
        assert pid is not None, f"node {node} is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                with open(f"/proc/{pid}/stat") as stat:
                    if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                        return
            except (ProcessLookupError, FileNotFoundError):
                return
            time.sleep(0.05)
        raise AssertionError(f"node {node} (pid {pid}) did not die")

    def running(self) -> list[int]:
        return [n for n in (1, 2, 3) if self.pid(n) is not None]

    def active_controller(self) -> int:
        """The quorum's leader, as the running nodes last recorded it (the newest epoch wins)."""
        newest = (-1, -1)
        for node in self.running():
            state = self.data / f"node{node}" / "logs" / "__cluster_metadata-0" / "quorum-state"
            recorded = json.loads(state.read_text())
            newest = max(newest, (recorded["leaderEpoch"], recorded["leaderId"]))
        assert newest[1] > 0, "no node knows a controller"
        return newest[1]

    async def _describe(self, topics: Sequence[str]) -> list[dict]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        await admin.start()
        try:
            return list(await admin.describe_topics(list(topics)))
        finally:
            await admin.close()

    async def leader_of(self, topic: str, partition: int = 0) -> int:
        [described] = await self._describe([topic])
        return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)

    async def under_replicated(self, topics: Sequence[str]) -> int:
        """Partitions of `topics` with a replica out of sync (or no leader)."""
        return sum(
            1
            for described in await self._describe(topics)
            for p in described["partitions"]
            if p["leader"] < 0 or len(p["isr"]) < len(p["replicas"])
        )
