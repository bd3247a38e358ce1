"""Schemathesis against each service's OpenAPI document: generated and mutated requests, with an
operator token and the hostile-input review's strings (hostile_strings.py), find no 5xx. On the
secure profile, whose broker is this run's alone (the fuzzer registers agencies with made-up
codes, and membership creates their topics)."""

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("network", ["secure"], indirect=True),
]
EXAMPLES = os.environ.get("MYNDNET_FUZZ_EXAMPLES", "50")
SEED = os.environ.get("MYNDNET_FUZZ_SEED", "20261127")


@pytest.mark.parametrize(
    "service", ["membership", "vacancies", "mentoring", "notify", "trainings", "ingest"]
)
async def test_no_request_makes_a_service_answer_5xx(network, service):
    st = Path(sys.executable).parent / "st"
    process = await asyncio.create_subprocess_exec(
        str(st),
        "run",
        f"{network.url(service)}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--header",
        f"Authorization: Bearer {network.token}",
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(Path(__file__).parent / "hostile_strings.py")},
    )
    out, _ = await asyncio.wait_for(process.communicate(), 240)
    report = out.decode(errors="replace")
    summary = "\n".join(line for line in report.splitlines() if "generated" in line)
    print(f"{service}: {summary.strip()}")
    assert process.returncode == 0, report[-6000:]
    assert " passed" in summary and "failure" not in summary
