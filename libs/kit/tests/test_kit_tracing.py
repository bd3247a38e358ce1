"""Tracing and HTTP metrics, shown with the kit's sample service as a process on the real
broker and PostgreSQL, exporting to a local OTLP/HTTP receiver."""

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from myndnet_schemas import Event, VacancyWithdrawn, topics
from myndnet_schemas.envelope import new_traceparent
from myndnet_testing import ServiceProcess, free_port, produce

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


class Receiver(BaseHTTPRequestHandler):
    posts: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.posts.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def test_spans_of_requests_and_batches_reach_the_otlp_endpoint_linked_to_their_events(
    kafka_bootstrap, database_url, tmp_path, unique
):
    receiver = ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    agency = f"t{unique}"
    topic = topics.hr_vacancies(agency)
    port = free_port()
    service = ServiceProcess(
        HERE / "sample_service.py",
        {
            "SAMPLE_DATABASE_URL": database_url,
            "SAMPLE_TOPIC": topic,
            "SAMPLE_PORT": str(port),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_port}",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
        tmp_path / "sample.log",
    )
    service.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if (await http.get("/health/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
            traceparent = new_traceparent()
            event = Event.new(
                VacancyWithdrawn(vacancy_id="T-1", revision=1, reason="filled"),
                source=f"/agencies/{agency}",
                traceparent=traceparent,
            )
            await produce(kafka_bootstrap, topic, [event])
            trace_id = bytes.fromhex(traceparent.split("-")[1])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                exported = b"".join(body for path, body in Receiver.posts if path == "/v1/traces")
                if trace_id in exported and b"/health/ready" in exported:
                    break
                await asyncio.sleep(0.3)
            else:
                pytest.fail(
                    f"not exported: {len(Receiver.posts)} posts\n"
                    + service.log_path.read_text()[-3000:]
                )
            assert b"myndnet-sample" in exported
            assert f"{topic} process".encode() in exported
            metrics = (await http.get("/metrics")).text
        assert (
            'myndnet_http_request_seconds_count{method="GET",route="/health/ready",status="200"}'
            in metrics
        )
    finally:
        service.terminate()
        receiver.shutdown()
