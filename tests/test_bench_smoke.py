"""The site's and notify's benchmarks still run (tiny), so they do not rot between `make bench`
runs: the site's starts membership, vacancies and web as processes, as `make up` does."""

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


def test_the_notify_benchmark_runs_and_checks_its_answers():
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "notify.py"),
            *("--searches", "2000,4000", "--vacancies", "5", "--mails", "60", "--trials", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    assert "every answer checked equal to the scan's" in finished.stdout
    assert "from 2000 to 4000 saved searches" in finished.stdout
    assert "every alert accepted once, marked sent and announced" in finished.stdout
