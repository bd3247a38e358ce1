"""What happens to an e-mail after a failed try (plain Python, no servers)."""

from datetime import timedelta

import aiosmtplib
import pytest
from myndnet_notify.adapters.mail import UnsendableHeader, classify
from myndnet_notify.domain.delivery import (
    MAX_ATTEMPTS,
    PAUSE_AFTER,
    Delivery,
    Failed,
    RelayPause,
    Retry,
    SendFailure,
    Sent,
    after_failure,
    enhanced_status,
    is_mailbox_refusal,
    refused,
)

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
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, f"5.7.1 <{ADDRESS}>: Relay denied", ADDRESS)]
            ),
            False,
            False,
        ),
        (aiosmtplib.SMTPResponseException(550, f"<{ADDRESS}> no such user"), False, False),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Authentication failed"), False, False),
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


@pytest.mark.parametrize(
    ("code", "text", "hard_bounce", "relay_refusal"),
    [
        (550, "5.1.1 <x@example.org>: Recipient address rejected", True, None),
        (550, "5.1.2 Bad destination system address", True, None),
        (553, "5.1.3 Bad destination mailbox address syntax", True, None),
        (550, "5.2.1 Mailbox disabled", True, None),
        (552, "5.2.2 Mailbox full", False, "552 5.2.2"),
        (553, "5.1.7 Bad sender's mailbox address syntax", False, "553 5.1.7"),
        (550, "5.1.8 Bad sender's system address", False, "550 5.1.8"),
        (550, "5.7.1 Relaying denied", False, "550 5.7.1"),
        (530, "5.7.0 Authentication required", False, "530 5.7.0"),
        (530, "Authentication required", False, "530"),
        (535, "5.7.8 Authentication credentials invalid", False, "535 5.7.8"),
        (554, "5.3.4 Message too big for system", False, "554 5.3.4"),
        (500, "5.5.2 Syntax error", False, "500 5.5.2"),
        (550, "5.6.0 Content rejected", False, "550 5.6.0"),
        (550, "Requested action not taken: mailbox unavailable", False, "550"),
        (450, "4.2.0 Greylisted, try again later", False, None),
        (421, "4.7.0 Try again later", False, None),
    ],
)
def test_only_the_mailbox_refusing_itself_is_a_hard_bounce(code, text, hard_bounce, relay_refusal):
    failure = refused(code, text, "stored error")
    assert failure.hard_bounce is hard_bounce
    assert failure.permanent is hard_bounce  # the relay's refusals are tried again
    assert failure.relay_refusal == relay_refusal


def test_the_status_is_read_from_the_reply_and_a_dsn_status_the_same_way():
    assert enhanced_status("5.1.1 <a@b.se> unknown") == "5.1.1"
    assert enhanced_status("  4.4.7 Delivery time expired") == "4.4.7"
    assert enhanced_status("Relay access denied (version 5.7.1.2)") is None
    assert enhanced_status("no status here") is None
    assert is_mailbox_refusal("5.1.10") and is_mailbox_refusal("5.2.1")
    assert not is_mailbox_refusal("4.1.1") and not is_mailbox_refusal("5.7.1")


RELAY_DENIED = SendFailure("550 5.7.1 relaying denied", False, relay_refusal="550 5.7.1")
AUTH_REQUIRED = SendFailure("530 5.7.0 auth required", False, relay_refusal="530 5.7.0")
UNKNOWN_USER = SendFailure("550 5.1.1 unknown", True, hard_bounce=True)


def test_sending_pauses_after_different_recipients_are_refused_the_same_way_in_a_row():
    pause = RelayPause()
    for recipient in ("a@x.se", "a@x.se", "b@x.se"):  # the same one twice counts once
        pause.after(recipient, AUTH_REQUIRED)
    assert not pause.paused
    pause.after("c@x.se", AUTH_REQUIRED)
    assert pause.paused and pause.pauses == 1
    assert pause.reason is not None and "530 5.7.0" in pause.reason
    assert "@" not in pause.reason  # no address in what /health/ready shows
    pause.after("d@x.se", UNKNOWN_USER)  # an address refused: still paused
    assert pause.paused
    pause.after("e@x.se", None)  # the relay took a letter: sending resumes
    assert not pause.paused and pause.reason is None and pause.pauses == 1


def test_a_different_refusal_or_a_success_between_them_starts_the_count_again():
    pause = RelayPause()
    pause.after("a@x.se", AUTH_REQUIRED)
    pause.after("b@x.se", AUTH_REQUIRED)
    pause.after("c@x.se", RELAY_DENIED)
    pause.after("d@x.se", RELAY_DENIED)
    assert not pause.paused
    pause.after("e@x.se", None)
    pause.after("f@x.se", RELAY_DENIED)
    assert not pause.paused
    assert PAUSE_AFTER == 3


def test_while_paused_a_refused_try_is_not_counted_and_nothing_gives_up():
    delivery = Delivery("d-1", "vacancy_alert", MAX_ATTEMPTS - 1)
    assert isinstance(delivery.after_try(RELAY_DENIED), Failed)  # not paused: the last try
    waiting = delivery.after_try(RELAY_DENIED, paused=True)
    assert waiting == Retry(MAX_ATTEMPTS - 1, timedelta(0), RELAY_DENIED.error)
    # An address refused while paused is still a hard bounce, and a success still a success.
    assert delivery.after_try(UNKNOWN_USER, paused=True).reason == "hard_bounce"
    assert delivery.after_try(None, paused=True) == Sent(MAX_ATTEMPTS)
