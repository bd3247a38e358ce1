"""What happens to an e-mail after a failed try (plain Python, no servers)."""

from datetime import timedelta

import aiosmtplib
import pytest
from myndnet_notify.adapters.mail import UnsendableHeader
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
    assert after_failure(SendFailure("refused", permanent=True), 1) == Failed(
        1, "refused", "cannot_send"
    )
    bounced = SendFailure("550 unknown user", permanent=True, hard_bounce=True)
    assert after_failure(bounced, 1) == Failed(1, "550 unknown user", "hard_bounce")
    pauses = [after_failure(SendFailure("down", False), n) for n in range(1, MAX_ATTEMPTS)]
    assert all(isinstance(p, Retry) for p in pauses)
    seconds = [p.pause.total_seconds() for p in pauses if isinstance(p, Retry)]
    assert seconds == sorted(seconds) and seconds[0] == 2
    assert max(seconds) == timedelta(minutes=5).total_seconds()


def test_no_delivery_is_tried_more_than_max_attempts_times():
    outcome = after_failure(SendFailure("down", permanent=False), MAX_ATTEMPTS)
    assert isinstance(outcome, Failed) and f"after {MAX_ATTEMPTS} tries" in outcome.error
    assert outcome.reason == "gave_up"


@pytest.mark.parametrize(
    ("exc", "permanent", "hard_bounce"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, f"5.1.1 <{ADDRESS}> unknown", ADDRESS)]
            ),
            True,
            True,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, "4.2.0 greylisted", ADDRESS)]
            ),
            False,
            False,
        ),
        (aiosmtplib.SMTPResponseException(550, f"5.1.1 <{ADDRESS}> unknown"), True, True),
        (aiosmtplib.SMTPResponseException(451, "try later"), False, False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False, False),
        (ConnectionRefusedError(111, "refused"), False, False),
        (
            UnicodeEncodeError("ascii", f"rtü-{ADDRESS}", 2, 3, "ordinal not in range"),
            True,
            False,
        ),
        (KeyError(f"template variable for {ADDRESS}"), False, False),
        (UnsendableHeader("a line break in the To header"), True, False),
    ],
)
def test_every_failure_is_classified_and_none_carries_the_address(exc, permanent, hard_bounce):
    failure = classify(exc, f"rtü-{ADDRESS}" if isinstance(exc, UnicodeError) else ADDRESS)
    assert failure.permanent is permanent
    assert failure.hard_bounce is hard_bounce
    assert ADDRESS not in failure.error
