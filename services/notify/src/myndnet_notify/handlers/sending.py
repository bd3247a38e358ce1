"""Sending what was recorded, many deliveries a round: claimed together (locked in one
transaction), their link tokens stored and committed before any letter leaves (a link followed
at once works), the letters sent side by side over the pooled SMTP connections, and every
outcome marked, and announced in one outbox write, in the claiming transaction. A crash before
that commit leaves the round queued and its letters are sent once more with the same
Message-IDs, which receivers collapse; `dedupe_key` has already made sure there is only one
delivery per (saved search, vacancy). While the SMTP server is down, deliveries wait with
growing pauses; none is lost."""

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from myndnet_kit.db import keeps_session_state
from myndnet_kit.logging import get_logger
from myndnet_kit.outbox import OutgoingMessage, event_message
from myndnet_kit.tracing import child_span
from myndnet_schemas import Event
from myndnet_schemas.events import NotificationFailed, NotificationSent
from myndnet_schemas.events.notify import FailureReason
from myndnet_schemas.topics import NOTIFY_DELIVERIES, service_source
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge

from myndnet_notify.adapters.mail import Mail, SmtpPool, Templates, build_message, classify
from myndnet_notify.adapters.postgres import pooled
from myndnet_notify.adapters.store import NotifyStore
from myndnet_notify.domain.delivery import (
    PROBE_INTERVAL,
    Addressee,
    Delivery,
    Failed,
    Outcome,
    RelayPause,
    Retry,
    SearchAddress,
    SendFailure,
    Sent,
    addressee,
    is_mailbox_refusal,
)
from myndnet_notify.domain.letters import (
    CANDIDATE,
    LETTERS,
    LinkToken,
    candidate_links,
    news_links,
    site_of,
    work_links,
)
from myndnet_notify.domain.news import campaign_reason

log = get_logger(__name__)
SOURCE = service_source("notify")
SENT = Counter("myndnet_notify_emails_total", "E-mails by outcome", ["kind", "outcome"])
PAUSED = Gauge("myndnet_notify_sending_paused", "1 while sending is paused: the relay refuses mail")
PAUSES = Counter(
    "myndnet_notify_sending_pauses_total",
    "Times sending paused because the relay refused different recipients the same way",
)


@dataclass
class Sender:
    pool: asyncpg.Pool | None  # its rounds' stores, and the LISTEN for new deliveries
    smtp: SmtpPool
    templates: Templates
    base_url: str  # notify's own address: the one-click unsubscribe link
    site_url: str  # the public site: confirmation and preference-centre links
    link_key: str = ""  # signs mentoring's answer and check-in links (LINK_SIGNING_KEY)
    relay_pause: RelayPause = field(default_factory=RelayPause)
    probe_interval: float = PROBE_INTERVAL.total_seconds()  # while paused, a letter this often
    # Where a round's store comes from: by default one on a connection of `pool`.
    stores: Callable[[], AbstractAsyncContextManager[NotifyStore]] | None = None

    def _store(self) -> AbstractAsyncContextManager[NotifyStore]:
        if self.stores is not None:
            return self.stores()
        assert self.pool is not None
        return pooled(self.pool)

    @cached_property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or "myndnet.se"

    async def send_round(
        self, limit: int = 200, claimed: Callable[[int], None] | None = None
    ) -> int:
        """Try every due delivery up to `limit`; how many were claimed (also told to `claimed`
        as soon as they are, before the letters go)."""
        async with self._store() as store, store.transaction():
            due = await store.claim_due(limit)
            if claimed is not None:
                claimed(len(due))
            if not due:
                return 0
            searches = await store.searches_for(
                {d.subscription_id for d in due if d.subscription_id}
            )
            work_suppressed = await store.suppressed_work_among(
                {d.work_email for d in due if d.work_email}
            )
            campaign_mail = [d for d in due if d.kind == "campaign"]
            news = await store.news_addresses({d.recipient_ref for d in campaign_mail})
            campaigns = await store.campaign_letters(
                {d.context["campaign_id"] for d in campaign_mail}
            )
            letters: list[Letter] = []
            tokens: list[LinkToken] = []
            outcomes: list[Outcome] = []
            now = datetime.now(UTC)
            for delivery in due:
                if delivery.kind == "campaign":
                    person = news.get(delivery.recipient_ref)
                    why = campaign_reason(
                        person is not None,
                        person is not None and person.reachable,
                        delivery.context.get("send_before"),
                        now,
                    )
                    if why is not None or person is None:
                        outcomes.append(Outcome(delivery.id, "cancelled", delivery.attempts, why))
                        continue
                    campaign = campaigns[delivery.context["campaign_id"]]
                    letters.append(
                        self._campaign_letter(
                            delivery, person.email, person.language, campaign, tokens
                        )
                    )
                    continue
                search = searches.get(delivery.subscription_id or "")
                to = addressee(
                    delivery.kind,
                    delivery.work_email,
                    delivery.context,
                    search,
                    bool(delivery.work_email)
                    and (delivery.work_email or "").lower() in work_suppressed,
                )
                if isinstance(to, str):
                    outcomes.append(Outcome(delivery.id, "cancelled", delivery.attempts, to))
                    continue
                letters.append(self._letter(delivery, to, search, tokens))
            if tokens:  # committed on a connection of their own before the letters leave
                async with self._store() as other:
                    await other.add_link_tokens(tokens)
            # Every letter is tried before the round can end, even when one fails in a way of
            # ours: a round rolled back with letters still on their way would leave them queued
            # for the next round to send again while they are being sent.
            results = await asyncio.gather(
                *(self._try(letter) for letter in letters), return_exceptions=True
            )
            tries = [r for r in results if not isinstance(r, BaseException)]
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            sent_by_kind: dict[str, int] = {}
            for letter, (outcome, _) in zip(letters, tries, strict=True):
                delivery = letter.delivery
                if isinstance(outcome, Sent):
                    outcomes.append(Outcome(delivery.id, "sent", outcome.attempts))
                    sent_by_kind[delivery.kind] = sent_by_kind.get(delivery.kind, 0) + 1
                elif isinstance(outcome, Failed):
                    await fail(store, delivery, outcome)
                else:
                    outcomes.append(
                        Outcome(
                            delivery.id, "queued", outcome.attempts, outcome.error, outcome.pause
                        )
                    )
                    SENT.labels(delivery.kind, "retry").inc()
                    log.info(
                        "delivery will be tried again",
                        delivery=delivery.id,
                        attempts=outcome.attempts,
                        pause_s=outcome.pause.total_seconds(),
                        error=outcome.error,
                    )
            await store.record_outcomes(outcomes)
            await store.enqueue([sent for _, sent in tries if sent is not None])
            for kind, count in sent_by_kind.items():  # per round, not per letter
                SENT.labels(kind, "sent").inc(count)
            return len(due)

    def _letter(
        self,
        delivery: Delivery,
        to: Addressee,
        search: SearchAddress | None,
        tokens: list[LinkToken],
    ) -> "Letter":
        """A claimed delivery with its links (see `domain.letters`); the tokens they carry are
        added to `tokens`."""
        context = dict(delivery.context)
        site = site_of(self.site_url, to.language)
        unsubscribe_url = None
        if LETTERS[delivery.kind].to != CANDIDATE:
            context.update(work_links(delivery.kind, context, site, self.link_key))
        elif search is not None or delivery.kind == "confirmation":
            links = candidate_links(
                delivery.kind,
                site,
                self.base_url,
                delivery.subscription_id or "",
                search.subscriber_id if search is not None else "",
                context.get("preferences"),
            )
            tokens += links.tokens
            context.update(links.urls)
            unsubscribe_url = links.unsubscribe_url
        return Letter(delivery, to, context, unsubscribe_url)

    def _campaign_letter(
        self,
        delivery: Delivery,
        email: str,
        language: str,
        campaign: Any,
        tokens: list[LinkToken],
    ) -> "Letter":
        """A campaign's mail in the person's language (Swedish when it has no English)."""
        links = news_links(
            site_of(self.site_url, language),
            self.base_url,
            campaign.campaign_id,
            delivery.recipient_ref,
        )
        tokens += links.tokens
        context = {
            **delivery.context,
            "campaign_subject": campaign.subject.get(language) or campaign.subject["sv"],
            "campaign_text": campaign.text.get(language) or campaign.text["sv"],
            **links.urls,
        }
        return Letter(delivery, Addressee(email, language), context, links.unsubscribe_url)

    async def _try(self, letter: "Letter") -> tuple[Sent | Retry | Failed, OutgoingMessage | None]:
        """One letter tried, and what becomes of its delivery; for a letter sent, its
        `notification.sent` is written here too, between the other letters' SMTP replies,
        rather than for the whole round at its end."""
        failure = await self._send(letter)
        delivery = letter.delivery
        outcome = delivery.after_try(failure, self.relay_pause.paused)
        self._tell_relay_pause(letter.to.email, failure)
        if isinstance(outcome, Sent):
            return outcome, event_message(
                NOTIFY_DELIVERIES, notice(delivery, NotificationSent, outcome.attempts)
            )
        return outcome, None

    async def _send(self, letter: "Letter") -> SendFailure | None:
        """One letter rendered and handed to the SMTP server: None when it took it."""
        context = letter.context

        def write() -> Mail:
            subject, text, html = self.templates.render(
                letter.delivery.kind, letter.to.language, context
            )
            return build_message(
                to=letter.to.email,
                subject=subject,
                text=text,
                html=html,
                message_id=f"<{letter.delivery.id}@{self.domain}>",
                unsubscribe_url=letter.unsubscribe_url,
                traceparent=context.get("traceparent"),
            )

        try:
            with child_span("smtp send", context.get("traceparent"), SpanKind.CLIENT):
                await self.smtp.send(write)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return classify(exc, letter.to.email)
        return None

    def _tell_relay_pause(self, recipient: str, failure: SendFailure | None) -> None:
        was_paused = self.relay_pause.paused
        self.relay_pause.after(recipient, failure)
        if self.relay_pause.paused == was_paused:
            return
        PAUSED.set(int(self.relay_pause.paused))
        if self.relay_pause.paused:
            PAUSES.inc()
            log.warning("sending paused", reason=self.relay_pause.reason)
        else:
            log.info("sending resumed: the mail relay took a letter again")

    async def run(self, poll_interval: float = 1.0, limit: int = 200, rounds: int = 2) -> None:
        """Send as deliveries arrive (NOTIFY) and as their pauses end (polling). Up to `rounds`
        run side by side on the same SMTP connections, one claiming while another sends or
        marks; they claim one after another, and only when there is news (a NOTIFY, a full
        claim, a poll), so no round is begun only to find its letters taken by another."""
        news = asyncio.Event()
        free = asyncio.Semaphore(rounds)
        in_flight: set[asyncio.Task[int]] = set()

        def on_delivery(*_: object) -> None:
            news.set()

        async def one_round(claimed: asyncio.Future[int]) -> int:
            def tell(count: int) -> None:
                if not claimed.done():
                    claimed.set_result(count)

            try:
                return await self.send_round(limit, tell)
            except asyncio.CancelledError:
                claimed.cancel()  # nothing to tell if it had not claimed yet
                raise
            except Exception as exc:
                if claimed.done():
                    raise  # after claiming: `ended` says so
                claimed.set_exception(exc)
                return 0
            finally:
                free.release()

        def ended(task: asyncio.Task[int]) -> None:
            in_flight.discard(task)
            if not task.cancelled() and task.exception() is not None:
                # Failed after claiming: its letters stay queued (the transaction rolled back).
                log.warning("sending interrupted; retrying", error=type(task.exception()).__name__)

        async def probe() -> None:
            """While paused: one letter now and then, until the relay takes one."""
            if in_flight:
                await asyncio.wait(set(in_flight))
            await asyncio.sleep(self.probe_interval)
            try:
                await self.send_round(1)
            except Exception as exc:
                log.warning("sending interrupted; retrying", error=type(exc).__name__)

        async def keep_claiming() -> None:
            while True:
                if self.relay_pause.paused:
                    await probe()
                    continue
                await free.acquire()
                # Cleared once a round may begin, just before it claims: a NOTIFY that arrives
                # from here on is not lost, and one that came while every round was busy is
                # for a delivery this claim sees.
                news.clear()
                claimed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
                task = asyncio.create_task(one_round(claimed))
                in_flight.add(task)
                task.add_done_callback(ended)
                try:
                    count = await claimed
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # The database, not the mail: nothing was claimed. Only the type is
                    # logged, since a message may quote what it was given.
                    log.warning("sending interrupted; retrying", error=type(exc).__name__)
                    await asyncio.sleep(poll_interval)
                    continue
                if count < limit:  # everything due is taken: wait for news
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(news.wait(), poll_interval)

        assert self.pool is not None
        listener = await self.pool.acquire()
        keeps_session_state(listener)
        claiming: asyncio.Task[None] | None = None
        try:
            await listener.add_listener("deliveries", on_delivery)
            claiming = asyncio.create_task(keep_claiming())
            await claiming
        finally:
            # Stopping: no new round begins; rounds in flight finish and mark what they sent,
            # so none is sent twice; one still stuck after 10 s is cancelled and its
            # transaction rolls back.
            if claiming is not None:
                claiming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await claiming
            if in_flight:
                _, stuck = await asyncio.wait(set(in_flight), timeout=10)
                for task in stuck:
                    task.cancel()
                await asyncio.gather(*stuck, return_exceptions=True)
            with contextlib.suppress(Exception):
                await listener.remove_listener("deliveries", on_delivery)
                await self.pool.release(listener)
            await self.smtp.close()


@dataclass(frozen=True)
class Letter:
    """A claimed delivery ready to render: to whom, with its links in `context`."""

    delivery: Delivery
    to: Addressee
    context: dict[str, Any]
    unsubscribe_url: str | None


async def fail(store: NotifyStore, delivery: Delivery, failed: Failed) -> None:
    """A delivery failed for good; a hard bounce also suppresses its address: a candidate's
    gets nothing more from any of its searches until it confirms again, a work address nothing
    more until the suppression is lifted."""
    await store.mark_failed(delivery.id, failed.attempts, failed.error)
    reason = FailureReason(failed.reason)
    if reason is FailureReason.HARD_BOUNCE and delivery.work_email:
        await store.suppress_work_address(
            delivery.work_email, delivery.recipient_ref, reason.value, datetime.now(UTC)
        )
    elif reason is FailureReason.HARD_BOUNCE and delivery.subscription_id:
        subscriber_id = await store.suppress(
            delivery.subscription_id, reason.value, datetime.now(UTC)
        )
        if subscriber_id is not None:
            await store.cancel_queued_for_subscriber(
                subscriber_id, "the address is suppressed after a hard bounce"
            )
    await store.announce(
        NOTIFY_DELIVERIES,
        [notice(delivery, NotificationFailed, failed.attempts, error=failed.error, reason=reason)],
    )
    SENT.labels(delivery.kind, "failed").inc()
    log.warning(
        "delivery failed",
        delivery=delivery.id,
        kind=delivery.kind,
        error=failed.error,
        reason=reason.value,
    )


def notice(
    delivery: Delivery,
    model: type[NotificationSent] | type[NotificationFailed],
    attempts: int,
    **extra: Any,
) -> Event[Any]:
    """What notify says of a delivery, on the vacancy's or match's trace."""
    payload = model(
        delivery_id=delivery.id,
        kind=delivery.kind,
        subscription_id=delivery.subscription_id,
        recipient_ref=delivery.recipient_ref,
        match_id=delivery.match_id,
        vacancies=list(delivery.vacancy_keys),
        attempts=max(1, attempts),
        at=datetime.now(UTC),
        **extra,
    )
    traceparent = delivery.context.get("traceparent")
    return Event.new(payload, source=SOURCE, traceparent=traceparent)


class UnknownDelivery(LookupError):
    pass


async def report_bounce(store: NotifyStore, delivery_id: str, status: str) -> bool:
    """A delivery status notification about one of our messages (found by its Message-ID,
    `<delivery id@domain>`): the mailbox refused for good (5.1.x, 5.2.1) is a hard bounce, after
    the fact; any other status (a delay, a policy or content refusal) suppresses nobody. True
    when it was recorded as a bounce."""
    if not is_mailbox_refusal(status):
        return False
    async with store.transaction():
        delivery = await store.lock_delivery(delivery_id)
        if delivery is None:
            raise UnknownDelivery(f"no delivery {delivery_id!r}")
        if delivery.status == "failed":
            return True  # reported before
        error = f"the receiving server reported a permanent failure (DSN {status})"
        await fail(store, delivery, Failed(max(1, delivery.attempts), error, "hard_bounce"))
        return True
