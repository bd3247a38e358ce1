"""An e-mail notify has recorded, and what happens to it after a try: sent, tried again later,
or failed for good. Plain Python: the sender classifies what went wrong (`SendFailure`), the
`Delivery` decides.

Every try is counted, so a delivery can never loop: a failure that will not change by waiting
(the server refused the address, an address SMTP cannot carry) fails at once; anything else is
tried again after a growing pause, and fails once it has been tried `MAX_ATTEMPTS` times.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

MAX_ATTEMPTS = 12
LONGEST_PAUSE = timedelta(minutes=5)


@dataclass(frozen=True)
class SendFailure:
    error: str  # what went wrong, without the recipient's address
    permanent: bool  # waiting will not change it
    hard_bounce: bool = False  # the mail server refused the address itself, for good


@dataclass(frozen=True)
class Sent:
    attempts: int


@dataclass(frozen=True)
class Retry:
    attempts: int
    pause: timedelta
    error: str


@dataclass(frozen=True)
class Failed:
    attempts: int
    error: str
    reason: str = "gave_up"  # as `notification.failed` says it: hard_bounce, cannot_send, gave_up


@dataclass(frozen=True)
class Delivery:
    """A queued e-mail as one try sees it."""

    id: str
    kind: str
    attempts: int  # tries before this one

    def after_try(self, failure: SendFailure | None) -> Sent | Retry | Failed:
        """What this try did: `failure` is None when the server took the message."""
        attempts = self.attempts + 1
        if failure is None:
            return Sent(attempts)
        return after_failure(failure, attempts)


def after_failure(failure: SendFailure, attempts: int) -> Retry | Failed:
    """`attempts` counts the try that just failed."""
    if failure.hard_bounce:
        return Failed(attempts, failure.error, "hard_bounce")
    if failure.permanent:
        return Failed(attempts, failure.error, "cannot_send")
    if attempts >= MAX_ATTEMPTS:
        return Failed(attempts, f"gave up after {attempts} tries: {failure.error}")
    return Retry(attempts, min(LONGEST_PAUSE, timedelta(seconds=2**attempts)), failure.error)


@dataclass(frozen=True)
class Addressee:
    email: str
    language: str


def addressee(
    kind: str,
    work_email: str | None,
    context: Mapping[str, Any],
    search: Mapping[str, Any] | None,
) -> Addressee | str:
    """Who a queued e-mail goes to, or why it is no longer sent. A match e-mail carries a
    public employee's work address; the rest go to a saved search's address (`search`: its
    status, language, email and suppressed_at; None when it was erased)."""
    if work_email:
        return Addressee(work_email, context.get("language") or "sv")
    if search is None:
        return "the subscriber was erased"
    if kind != "confirmation":
        if search["status"] != "confirmed":
            return f"the subscription is {search['status']}"
        if search["suppressed_at"] is not None:
            return "the address is suppressed after a hard bounce"
        return Addressee(search["email"], search["language"])
    # A confirmation is written in the language of the form that asked for it.
    return Addressee(search["email"], context.get("language") or search["language"])
