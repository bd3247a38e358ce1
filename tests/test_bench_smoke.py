"""The site's, ingest's and notify's benchmarks still run (tiny), so they do not rot between
`make bench` runs: the site's starts membership, vacancies and web as processes, as `make up`
does."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


def run_bench(script: str, *arguments: str) -> str:
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    return finished.stdout


def test_the_site_benchmark_runs_and_prints_its_ratios():
    printed = run_bench("web.py", "--vacancies", "300", "--requests", "3")
    assert "register: 300 open vacancies" in printed
    assert "worst page / API ratio at p50" in printed


def test_the_ingest_benchmark_runs_and_prints_its_ratio():
    printed = run_bench("ingest.py", "--events", "600", "--batch", "200", "--trials", "1")
    assert "ingest / publisher kit = " in printed


def test_the_notify_benchmark_runs_and_checks_its_answers():
    printed = run_bench(
        "notify.py",
        "--searches",
        "2000,4000",
        "--vacancies",
        "5",
        "--batches",
        "1,5",
        "--opened",
        "10",
        "--mails",
        "60",
        "--trials",
        "1",
    )
    assert "every answer checked equal to the scan's" in printed
    assert "from 2000 to 4000 saved searches" in printed
    assert "the event loop stood still at most" in printed
    assert "vacancy.opened in batches of    5" in printed  # its 100 alerts counted
    assert "every alert accepted once, marked sent and announced" in printed
    assert "CPU a letter, notify:" in printed
