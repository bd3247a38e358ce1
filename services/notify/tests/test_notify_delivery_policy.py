"""What happens to an e-mail after a failed try (plain Python, no servers)."""

from datetime import timedelta

import aiosmtplib
import pytest
from myndnet_notify.domain.delivery import (
    MAX_ATTEMPTS,
    Failed,
    Retry,
    SendFailure,
    after_failure,
)
from myndnet_notify.handlers.sending import classify

ADDRESS = "kandidat@example.org"


def test_a_permanent_failure_fails_at_once_and_a_passing_one_waits_longer_each_time():
    assert after_failure(SendFailure("refused", permanent=True), 1) == Failed(1, "refused")
    pauses = [after_failure(SendFailure("down", False), n) for n in range(1, MAX_ATTEMPTS)]
    assert all(isinstance(p, Retry) for p in pauses)
    seconds = [p.pause.total_seconds() for p in pauses if isinstance(p, Retry)]
    assert seconds == sorted(seconds) and seconds[0] == 2
    assert max(seconds) == timedelta(minutes=5).total_seconds()


def test_no_delivery_is_tried_more_than_max_attempts_times():
    outcome = after_failure(SendFailure("down", permanent=False), MAX_ATTEMPTS)
    assert isinstance(outcome, Failed) and f"after {MAX_ATTEMPTS} tries" in outcome.error


@pytest.mark.parametrize(
    ("exc", "permanent"),
    [
        (aiosmtplib.SMTPRecipientsRefused([]), True),
        (aiosmtplib.SMTPResponseException(550, f"5.1.1 <{ADDRESS}> unknown"), True),
        (aiosmtplib.SMTPResponseException(451, "try later"), False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(111, "refused"), False),
        (UnicodeEncodeError("ascii", f"rtü-{ADDRESS}", 2, 3, "ordinal not in range"), True),
        (KeyError(f"template variable for {ADDRESS}"), False),
    ],
)
def test_every_failure_is_classified_and_none_carries_the_address(exc, permanent):
    failure = classify(exc, f"rtü-{ADDRESS}" if isinstance(exc, UnicodeError) else ADDRESS)
    assert failure.permanent is permanent
    assert ADDRESS not in failure.error
