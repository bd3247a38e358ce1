"""The site's benchmark still runs (tiny), so it does not rot between `make bench` runs: it
starts membership, vacancies and web as processes, as `make up` does."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


def test_the_site_benchmark_runs_and_prints_its_ratios():
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "web.py"), "--vacancies", "300", "--requests", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    assert "register: 300 open vacancies" in finished.stdout
    assert "worst page / API ratio at p50" in finished.stdout
