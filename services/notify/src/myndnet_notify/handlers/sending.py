"""Sending what was recorded: each delivery in its own transaction, so it is marked sent (or
failed) right after the server took it. A crash in between leaves it queued and it is sent
once more with the same Message-ID, which receivers collapse. While the SMTP server is down,
deliveries wait with growing pauses; none is lost."""

import asyncio
import contextlib
import re
import ssl
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib
import asyncpg
from myndnet_kit.links import MENTORING_ANSWER, MENTORING_CHECKIN, sign_link
from myndnet_kit.logging import get_logger
from myndnet_kit.outbox import publish_events
from myndnet_kit.tracing import child_span
from myndnet_schemas import Event
from myndnet_schemas.events import NotificationFailed, NotificationSent
from myndnet_schemas.events.notify import FailureReason
from myndnet_schemas.topics import NOTIFY_DELIVERIES, service_source
from opentelemetry.trace import SpanKind
from prometheus_client import Counter

from myndnet_notify.adapters import deliveries, store
from myndnet_notify.adapters.mail import SmtpPool, Templates, build_message
from myndnet_notify.domain.delivery import Delivery, Failed, SendFailure, Sent
from myndnet_notify.domain.subscriptions import (
    CONFIRM_TOKEN_LIFETIME,
    MANAGE_TOKEN_LIFETIME,
    UNSUBSCRIBE_TOKEN_LIFETIME,
    new_token,
)

log = get_logger(__name__)
SOURCE = service_source("notify")
SENT = Counter("myndnet_notify_emails_total", "E-mails by outcome", ["kind", "outcome"])


def without_address(error: str, address: str) -> str:
    """An SMTP error as logged, stored and announced: mail servers echo the recipient, and a
    candidate's address must not leave the subscriptions table."""
    return re.sub(re.escape(address), "<recipient>", error, flags=re.IGNORECASE)[:500]


def classify(exc: Exception, address: str) -> SendFailure:
    """What a failed try means for the delivery (see `domain.delivery`)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        permanent = all(r.code >= 500 for r in exc.recipients)
        return SendFailure(
            f"the address was refused: {without_address(repr(exc), address)}",
            permanent=permanent,
            hard_bounce=permanent,
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        permanent = exc.code >= 500
        return SendFailure(
            without_address(repr(exc), address), permanent=permanent, hard_bounce=permanent
        )
    if isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError | ssl.SSLError):
        return SendFailure(without_address(repr(exc), address), permanent=False)
    if isinstance(exc, UnicodeError):
        # An address (or header) the SMTP path cannot carry; sign-up refuses such addresses,
        # so this is one stored before that rule.
        return SendFailure("the message cannot be encoded for SMTP (non-ASCII address)", True)
    # A fault of ours (a template, a bug): tried again with growing pauses, a bounded number of
    # times, so a fix can still deliver it. Only the type: the message may quote the address.
    return SendFailure(f"could not build or send the message: {type(exc).__name__}", False)


@dataclass
class Sender:
    pool: asyncpg.Pool
    smtp: SmtpPool
    templates: Templates
    base_url: str  # notify's own address: the one-click unsubscribe link
    site_url: str  # the public site: confirmation and preference-centre links
    link_key: str = ""  # signs mentoring's answer and check-in links (LINK_SIGNING_KEY)

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or "myndnet.se"

    async def _due(self, limit: int, skip: Collection[str] = ()) -> list[str]:
        async with self.pool.acquire() as conn:
            return await deliveries.due(conn, limit, skip)

    async def send_one(self, delivery_id: str) -> int:
        # A link's token is committed before the e-mail leaves (so a link followed at once
        # works), in one statement on its own short connection and before the delivery's row
        # is locked: a send never holds two connections, so many at once cannot starve the pool.
        fresh, digest = new_token()
        manage, manage_digest = new_token()
        async with self.pool.acquire() as conn:
            peek = await deliveries.mint_link_tokens(
                conn,
                delivery_id,
                digest,
                manage_digest,
                CONFIRM_TOKEN_LIFETIME,
                UNSUBSCRIBE_TOKEN_LIFETIME,
                MANAGE_TOKEN_LIFETIME,
            )
        if peek is None:
            return 0
        # No token without a subscription (a match e-mail), or when it was erased meanwhile.
        token = fresh if peek["minted"] else None
        async with self.pool.acquire() as conn, conn.transaction():
            row = await deliveries.lock_queued(conn, delivery_id)
            if row is None:
                return 0
            address, language, why_not = await self._recipient(conn, row)
            if address is None:
                await deliveries.cancel(conn, delivery_id, why_not)
                return 0
            context = dict(row["context"])
            unsubscribe_url = None
            site = self.site_url + ("/en" if language == "en" else "")
            if row["work_email"]:
                context.update(self._mentoring_links(row["kind"], context, site))
            elif row["kind"] == "confirmation":
                context["confirm_url"] = f"{site}/bevakning/bekrafta?token={token}"
            elif row["subscription_id"]:
                unsubscribe_url = f"{self.base_url}/unsubscribe?token={token}"
                context["unsubscribe_url"] = unsubscribe_url
                context["manage_url"] = f"{site}/bevakning/hantera?token={manage}"
            failure = None
            try:
                subject, text, html = self.templates.render(row["kind"], language, context)
                message = build_message(
                    to=address,
                    subject=subject,
                    text=text,
                    html=html,
                    message_id=f"<{delivery_id}@{self.domain}>",
                    unsubscribe_url=unsubscribe_url,
                    traceparent=context.get("traceparent"),
                )
                with child_span("smtp send", context.get("traceparent"), SpanKind.CLIENT):
                    await self.smtp.send(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = classify(exc, address)
            outcome = Delivery(row["id"], row["kind"], row["attempts"]).after_try(failure)
            if isinstance(outcome, Sent):
                await deliveries.mark_sent(conn, delivery_id, outcome.attempts)
                await announce(conn, row, NotificationSent, outcome.attempts)
                SENT.labels(row["kind"], "sent").inc()
            elif isinstance(outcome, Failed):
                await fail(conn, row, outcome)
            else:
                await deliveries.retry_later(
                    conn, delivery_id, outcome.attempts, outcome.error, outcome.pause
                )
                SENT.labels(row["kind"], "retry").inc()
                log.info(
                    "delivery will be tried again",
                    delivery=delivery_id,
                    attempts=outcome.attempts,
                    pause_s=outcome.pause.total_seconds(),
                    error=outcome.error,
                )
            return 1

    def _mentoring_links(self, kind: str, context: dict[str, Any], site: str) -> dict[str, str]:
        """A person's own answer or check-in link, signed for mentoring to trust (none when
        no key is configured: the mail then says to answer the coordinator)."""
        if not self.link_key:
            return {}
        fields = (context["match_id"], context["role"])
        if kind in ("match_proposed", "match_reminder"):
            token = sign_link(
                self.link_key, MENTORING_ANSWER, fields, date.fromisoformat(context["respond_by"])
            )
            return {"answer_url": f"{site}/mentorskap/svar?token={token}"}
        if kind == "checkin":
            token = sign_link(
                self.link_key,
                MENTORING_CHECKIN,
                (*fields, str(context["month"])),
                date.fromisoformat(context["answer_by"]),
            )
            return {"checkin_url": f"{site}/mentorskap/uppfoljning?token={token}"}
        return {}

    async def _recipient(
        self, conn: asyncpg.Connection, row: asyncpg.Record
    ) -> tuple[str | None, str, str]:
        if row["work_email"]:
            return row["work_email"], (row["context"] or {}).get("language") or "sv", ""
        subscription = await store.subscription(conn, row["subscription_id"])
        if subscription is None:
            return None, "sv", "the subscriber was erased"
        if row["kind"] != "confirmation" and subscription["status"] != "confirmed":
            return None, "sv", f"the subscription is {subscription['status']}"
        if row["kind"] != "confirmation" and subscription["suppressed_at"] is not None:
            return None, "sv", "the address is suppressed after a hard bounce"
        language = (row["context"] or {}).get("language") if row["kind"] == "confirmation" else None
        return subscription["email"], language or subscription["language"], ""

    async def run(self, poll_interval: float = 1.0, limit: int = 200) -> None:
        """Send as deliveries arrive (NOTIFY) and as their pauses end (polling). Sends run side
        by side, one per SMTP connection, and a delivery starts as soon as a connection is
        free: it does not wait for a whole round of earlier ones to finish."""
        wake = asyncio.Event()
        slots = asyncio.Semaphore(self.smtp.size)
        in_flight: dict[str, asyncio.Task[None]] = {}

        def on_delivery(*_: object) -> None:
            wake.set()

        async def send_in_slot(delivery_id: str) -> None:
            try:
                await self.send_one(delivery_id)
            except Exception as exc:
                # The database, not the mail: the delivery stays queued. Only the type is
                # logged, since a message may quote what it was given.
                log.warning("sending interrupted; retrying", error=type(exc).__name__)
            finally:
                slots.release()
                in_flight.pop(delivery_id, None)

        listener = await self.pool.acquire()
        try:
            await listener.add_listener("deliveries", on_delivery)
            while True:
                # Cleared before looking, so a NOTIFY that arrives while sending is not lost.
                wake.clear()
                due: list[str] = []
                try:
                    due = await self._due(limit, skip=in_flight)
                    for delivery_id in due:
                        await slots.acquire()
                        in_flight[delivery_id] = asyncio.create_task(send_in_slot(delivery_id))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("sending interrupted; retrying", error=repr(exc))
                if len(due) < limit:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), poll_interval)
        finally:
            if in_flight:  # stopping: let the sends in flight be marked, so none is sent twice
                await asyncio.wait(list(in_flight.values()), timeout=10)
            with contextlib.suppress(Exception):
                await listener.remove_listener("deliveries", on_delivery)
                await self.pool.release(listener)
            await self.smtp.close()


async def fail(conn: asyncpg.Connection, row: asyncpg.Record, failed: Failed) -> None:
    """A delivery failed for good; a hard bounce also suppresses its address: nothing more to
    it, from any of its searches, until it confirms again."""
    await deliveries.mark_failed(conn, row["id"], failed.attempts, failed.error)
    reason = FailureReason(failed.reason)
    if reason is FailureReason.HARD_BOUNCE and row["subscription_id"]:
        subscriber_id = await store.suppress(
            conn, row["subscription_id"], reason.value, datetime.now(UTC)
        )
        if subscriber_id is not None:
            await deliveries.cancel_queued_for_subscriber(
                conn, subscriber_id, "the address is suppressed after a hard bounce"
            )
    await announce(
        conn, row, NotificationFailed, failed.attempts, error=failed.error, reason=reason
    )
    SENT.labels(row["kind"], "failed").inc()
    log.warning(
        "delivery failed",
        delivery=row["id"],
        kind=row["kind"],
        error=failed.error,
        reason=reason.value,
    )


async def announce(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    model: type[NotificationSent] | type[NotificationFailed],
    attempts: int,
    **extra: Any,
) -> None:
    payload = model(
        delivery_id=row["id"],
        kind=row["kind"],
        subscription_id=row["subscription_id"],
        recipient_ref=row["recipient_ref"],
        match_id=row["match_id"],
        vacancies=list(row["vacancy_keys"]),
        attempts=max(1, attempts),
        at=datetime.now(UTC),
        **extra,
    )
    traceparent = (row["context"] or {}).get("traceparent")
    await publish_events(
        conn, NOTIFY_DELIVERIES, [Event.new(payload, source=SOURCE, traceparent=traceparent)]
    )


class UnknownDelivery(LookupError):
    pass


async def report_bounce(pool: asyncpg.Pool, delivery_id: str, status: str) -> bool:
    """A delivery status notification about one of our messages (found by its Message-ID,
    `<delivery id@domain>`): a permanent one (5.x.x) is a hard bounce, after the fact; a
    delayed one (4.x.x) changes nothing. True when it was recorded as a bounce."""
    if not status.startswith("5"):
        return False
    async with pool.acquire() as conn, conn.transaction():
        row = await deliveries.lock(conn, delivery_id)
        if row is None:
            raise UnknownDelivery(f"no delivery {delivery_id!r}")
        if row["status"] == "failed":
            return True  # reported before
        error = f"the receiving server reported a permanent failure (DSN {status})"
        await fail(conn, row, Failed(max(1, row["attempts"]), error, "hard_bounce"))
        return True
