"""Log lines are JSON off a terminal, carry the message context, and stdlib logs join in."""

import io
import json
import logging
import sys

import structlog
from myndnet_kit.logging import configure_logging, get_logger


def test_json_lines_carry_bound_context_and_stdlib_records(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("vacancies", "INFO", json=True)
    try:
        with structlog.contextvars.bound_contextvars(
            event_id="e-1",
            event_type="se.myndnet.vacancy.published.v1",
            source="/agencies/csn",
            topic="hr.csn.vacancies",
            partition=2,
            offset=41,
            correlation_id="c-9",
        ):
            get_logger("test").info("vacancy applied", vacancy_id="V-1")
            logging.getLogger("aiokafka").warning("broker connection lost")
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    for line in (first, second):
        assert line["service"] == "vacancies"
        assert line["event_id"] == "e-1" and line["correlation_id"] == "c-9"
        assert line["topic"] == "hr.csn.vacancies" and line["offset"] == 41
        assert "timestamp" in line and "level" in line
    assert first["event"] == "vacancy applied" and first["vacancy_id"] == "V-1"
    assert second["event"] == "broker connection lost" and second["logger"] == "aiokafka"
