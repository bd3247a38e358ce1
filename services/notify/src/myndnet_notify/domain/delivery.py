"""An e-mail notify has recorded, and what happens to it after a try: sent, tried again later,
or failed for good. Plain Python: the sender classifies what went wrong (`SendFailure`), the
`Delivery` decides.

Every try is counted, so a delivery can never loop: a failure that will not change by waiting
(the server refused the address, an address SMTP cannot carry) fails at once; anything else is
tried again after a growing pause, and fails once it has been tried `MAX_ATTEMPTS` times.
While sending is paused (`RelayPause`), a try the relay refuses is not counted: the fault is the
relay's or its configuration's, and the letter waits for it however long that takes.
"""

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

MAX_ATTEMPTS = 12
LONGEST_PAUSE = timedelta(minutes=5)


# How many different recipients refused the same way, one after another, pause sending.
PAUSE_AFTER = 3
# While paused, one letter is tried this often to see whether the relay takes mail again.
PROBE_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True)
class SendFailure:
    error: str  # what went wrong, without the recipient's address
    permanent: bool  # waiting will not change it
    hard_bounce: bool = False  # the mail server refused the address itself, for good
    # A refusal by the relay (of the sender, the login, the policy, the content): how it
    # answered, e.g. "550 5.7.1", so that refusals of the same kind can be told apart.
    relay_refusal: str | None = None


ENHANCED_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")


def enhanced_status(text: str) -> str | None:
    """The RFC 3463 enhanced status code at the start of an SMTP reply's text (or in a DSN's
    Status field), e.g. "5.1.1"; None when it has none."""
    found = ENHANCED_STATUS.search(text[:40])
    return ".".join(found.groups()) if found else None


def is_mailbox_refusal(status: str) -> bool:
    """Whether an enhanced status says the recipient's mailbox itself is refused for good:
    5.1.x (bad or unknown destination address; not 5.1.7 and 5.1.8, which are about the
    sender's address) or 5.2.1 (mailbox disabled). Everything else (5.7.x policy, relay and
    authentication, 5.3.x system, 5.5.x protocol, 5.6.x content, 5.2.2 mailbox full) says
    nothing about whether the address exists."""
    klass, subject, detail = status.split(".")
    if klass != "5":
        return False
    return (subject == "1" and detail not in ("7", "8")) or (subject, detail) == ("2", "1")


def refused(code: int, text: str, error: str) -> SendFailure:
    """What an SMTP server's refusal means for a delivery (`code` its reply code, `text` its
    reply's text, `error` what may be stored of it). Only the mailbox's own refusal is a hard
    bounce. A reply without an enhanced status says too little to suppress anyone by: it waits
    and is tried again like the relay's other refusals."""
    status = enhanced_status(text)
    if status is not None and is_mailbox_refusal(status):
        return SendFailure(error, permanent=True, hard_bounce=True)
    if code >= 500:
        signature = f"{code} {status}" if status else str(code)
        return SendFailure(error, permanent=False, relay_refusal=signature)
    return SendFailure(error, permanent=False)


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


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


@dataclass(frozen=True)
class Delivery:
    """An e-mail notify has recorded: to whom (a saved search, or a public employee's work
    address with `recipient_ref` naming the person opaquely), what it says (`context`), and
    where it stands."""

    id: str
    kind: str
    attempts: int  # tries so far
    status: str = "queued"  # queued, sent, failed, cancelled
    recipient_ref: str = ""
    subscription_id: str | None = None
    work_email: str | None = None
    match_id: str | None = None
    vacancy_keys: tuple[str, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)
    last_error: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None

    def after_try(self, failure: SendFailure | None, paused: bool = False) -> Sent | Retry | Failed:
        """What this try did: `failure` is None when the server took the message; `paused`,
        whether sending is paused because the relay refuses mail."""
        attempts = self.attempts + 1
        if failure is None:
            return Sent(attempts)
        if paused and failure.relay_refusal is not None:
            # Due again at once: while paused only the probe sends, one letter at a time, and
            # the queue's order takes the others in turn.
            return Retry(self.attempts, timedelta(0), failure.error)
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
class NewDelivery:
    """An e-mail to record; one `dedupe_key` is one e-mail, however often it is asked for."""

    dedupe_key: str
    kind: str
    recipient_ref: str
    context: Mapping[str, Any]
    subscription_id: str | None = None
    work_email: str | None = None
    match_id: str | None = None
    vacancy_keys: Sequence[str] = ()


@dataclass(frozen=True)
class VacancyAlert:
    """A vacancy's alert, for each of these saved searches."""

    key: str
    context: dict[str, Any]
    subscription_ids: Sequence[str]


@dataclass(frozen=True)
class Outcome:
    """What one try did to a delivery, as stored: `status` sent, queued (tried again after
    `pause`) or cancelled."""

    delivery_id: str
    status: str
    attempts: int
    error: str | None = None
    pause: timedelta = timedelta(0)


@dataclass(frozen=True)
class SearchAddress:
    """A saved search as sending sees it: whether it still wants mail, and where it goes."""

    id: str
    subscriber_id: str
    status: str
    language: str
    email: str
    suppressed_at: datetime | None = None


@dataclass(frozen=True)
class Addressee:
    email: str
    language: str


def addressee(
    kind: str,
    work_email: str | None,
    context: Mapping[str, Any],
    search: SearchAddress | None,
    work_suppressed: bool = False,
) -> Addressee | str:
    """Who a queued e-mail goes to, or why it is no longer sent. A match or training e-mail
    carries a public employee's work address (`work_suppressed`: it bounced for good); the rest
    go to a saved search's address (`search`; None when it was erased)."""
    if work_email:
        if work_suppressed:
            return "the address is suppressed after a hard bounce"
        return Addressee(work_email, context.get("language") or "sv")
    if search is None:
        return "the subscriber was erased"
    if kind != "confirmation":
        if search.status != "confirmed":
            return f"the subscription is {search.status}"
        if search.suppressed_at is not None:
            return "the address is suppressed after a hard bounce"
        return Addressee(search.email, search.language)
    # A confirmation is written in the language of the form that asked for it.
    return Addressee(search.email, context.get("language") or search.language)


@dataclass
class RelayPause:
    """Whether sending is paused, and why. When the relay refuses `PAUSE_AFTER` different
    recipients the same way in a row (a login, a sender or a policy refused, not an address),
    every further letter would be refused too: sending pauses, so that one bad setting cannot
    use up the queue's tries, and resumes at the first letter the relay takes."""

    reason: str | None = None
    pauses: int = 0  # how many times sending has paused since start
    _signature: str | None = None
    _recipients: set[str] = field(default_factory=set)

    @property
    def paused(self) -> bool:
        return self.reason is not None

    def after(self, recipient: str, failure: SendFailure | None) -> None:
        """Take one try's outcome into account, in the order they ended."""
        if failure is None:
            self.reason, self._signature = None, None
            self._recipients.clear()
            return
        signature = failure.relay_refusal
        if signature is None:
            return  # an address refused, a connection lost: says nothing of the relay's will
        if signature != self._signature:
            self._signature, self._recipients = signature, set()
        self._recipients.add(recipient)
        if not self.paused and len(self._recipients) >= PAUSE_AFTER:
            self.reason = (
                f"the mail relay refused {len(self._recipients)} different recipients in a row"
                f" with {signature}: sending is paused until it takes a letter again"
                f" ({failure.error[:200]})"
            )
            self.pauses += 1
