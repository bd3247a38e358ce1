"""Sending rounds and reported bounces on the in-memory store, with an SMTP server that is a
list: what a round sends, cancels, retries and fails, and what it announces, decided without
servers (`test_notify_sending_rounds.py` and `test_notify_relay.py` hold the rest to PostgreSQL
and real SMTP)."""

import contextlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import aiosmtplib
import pytest
from myndnet_notify.adapters.mail import Mail, Templates
from myndnet_notify.adapters.memory import MemoryNotify
from myndnet_notify.domain.delivery import NewDelivery
from myndnet_notify.domain.subscriptions import Preferences
from myndnet_notify.handlers import sending
from myndnet_notify.handlers import subscriptions as handlers
from myndnet_schemas import parse

NOW = datetime.now(UTC)
WISH = Preferences("sv", "immediate", agencies=("csn",))


class ListRelay:
    """An SMTP relay as a list: every letter written and kept, or refused as `refuse` says
    (an SMTP reply code and text for the address, or None to take it)."""

    def __init__(self, refuse: Callable[[str], tuple[int, str] | None] = lambda _: None) -> None:
        self.refuse = refuse
        self.sent: list[Mail] = []

    async def send(self, write: Callable[[], Mail]) -> Mail:
        mail = write()
        refusal = self.refuse(mail.recipient)
        if refusal is not None:
            code, text = refusal
            raise aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(code, text, mail.recipient)]
            )
        self.sent.append(mail)
        return mail

    async def close(self) -> None:
        pass

    def text_to(self, address: str) -> list[str]:
        letters = [message_from_bytes(m.data, policy=default_policy) for m in self.sent]
        return [
            letter.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            for letter, mail in zip(letters, self.sent, strict=True)
            if mail.recipient == address
        ]


@pytest.fixture
def store() -> MemoryNotify:
    return MemoryNotify()


def sender(store: MemoryNotify, relay: ListRelay) -> sending.Sender:
    return sending.Sender(
        None,
        relay,  # type: ignore[arg-type]
        Templates(),
        "https://notify.example.se",
        "https://jobb.example.se",
        stores=lambda: contextlib.nullcontext(store),  # type: ignore[arg-type,return-value]
    )


def announced(store: MemoryNotify) -> list[str]:
    """The types of the events the rounds wrote and those announced, in that order."""
    written = [parse(m.headers, m.key, m.value).type for m in store.state.enqueued]
    return written + store.announced_types()


async def signed_up(store: MemoryNotify, email: str) -> str:
    await handlers.subscribe(store, email, WISH, "client", NOW)
    person = await store.subscriber_by_email(email)
    assert person is not None
    [search] = await store.searches_of(person.id)
    return search.id


async def test_a_round_sends_the_confirmation_whose_link_then_confirms(store):
    relay = ListRelay()
    search_id = await signed_up(store, "anna@example.org")
    assert await sender(store, relay).send_round() == 1
    [text] = relay.text_to("anna@example.org")
    token = re.search(r"/bevakning/bekrafta\?token=([\w-]+)", text)
    assert token is not None
    confirmed = await handlers.confirm(store, token.group(1), NOW)
    assert confirmed.language == "sv"
    assert (await store.search(search_id)).status == "confirmed"
    [letter] = await store.deliveries_for(search_id)
    assert (letter.status, letter.attempts) == ("sent", 1)
    assert announced(store) == ["se.myndnet.notification.sent.v1"]
    assert await sender(store, relay).send_round() == 0  # sent once


async def test_an_alert_to_a_search_that_stopped_is_cancelled_not_sent(store):
    relay = ListRelay()
    search_id = await signed_up(store, "anna@example.org")
    await sender(store, relay).send_round()  # the confirmation goes whatever the search's state
    await store.mark_confirmed(search_id, NOW)
    alert = NewDelivery("alert:1", "vacancy_alert", search_id, {}, subscription_id=search_id)
    await store.queue(alert)
    await store.set_status(search_id, "paused")
    assert await sender(store, relay).send_round() == 1  # claimed, and settled
    assert len(relay.sent) == 1  # the confirmation only
    letter = (await store.deliveries_for(search_id))[-1]
    assert (letter.kind, letter.status) == ("vacancy_alert", "cancelled")
    assert letter.last_error == "the subscription is paused"
    assert announced(store) == ["se.myndnet.notification.sent.v1"]


async def test_a_mailbox_that_does_not_exist_fails_suppresses_and_stops_the_rest(store):
    relay = ListRelay(lambda address: (550, "5.1.1 no such user") if "borta" in address else None)
    first = await signed_up(store, "borta@example.org")
    other = await handlers.add_search(
        store, (await store.search(first)).subscriber_id, Preferences("sv", "daily"), NOW
    )
    await store.queue(NewDelivery("alert:x", "vacancy_alert", other, {}, subscription_id=other))
    await sender(store, relay).send_round(limit=1)  # the confirmation only
    [letter] = await store.deliveries_for(first)
    assert letter.status == "failed" and "5.1.1" in (letter.last_error or "")
    person = await store.subscriber_by_email("borta@example.org")
    assert person is not None and person.suppressed_reason == "hard_bounce"
    assert [d.status for d in await store.deliveries_for(other)] == ["cancelled"]
    assert announced(store) == ["se.myndnet.notification.failed.v1"]
    assert relay.sent == []


async def test_a_busy_relay_leaves_the_letter_queued_until_its_pause_ends(store):
    relay = ListRelay(lambda address: (451, "4.7.1 try again later"))
    search_id = await signed_up(store, "anna@example.org")
    assert await sender(store, relay).send_round() == 1
    [letter] = await store.deliveries_for(search_id)
    assert (letter.status, letter.attempts) == ("queued", 1)
    assert await sender(store, relay).send_round() == 0  # not due again yet
    assert store.state.due_at[letter.id] > datetime.now(UTC) + timedelta(seconds=1)
    assert announced(store) == []


async def test_a_reported_bounce_fails_a_sent_letter_once_and_other_reports_change_nothing(
    store,
):
    relay = ListRelay()
    search_id = await signed_up(store, "anna@example.org")
    await sender(store, relay).send_round()
    [letter] = await store.deliveries_for(search_id)
    assert not await sending.report_bounce(store, letter.id, "4.4.7")  # a delay
    assert not await sending.report_bounce(store, letter.id, "5.7.1")  # a policy refusal
    assert (await store.subscriber_by_email("anna@example.org")).suppressed_at is None
    assert await sending.report_bounce(store, letter.id, "5.1.1")
    assert await sending.report_bounce(store, letter.id, "5.1.1")  # reported again: the same
    [failed] = await store.deliveries_for(search_id)
    assert failed.status == "failed" and "DSN 5.1.1" in (failed.last_error or "")
    assert (await store.subscriber_by_email("anna@example.org")).suppressed_at is not None
    assert announced(store).count("se.myndnet.notification.failed.v1") == 1
    with pytest.raises(sending.UnknownDelivery):
        await sending.report_bounce(store, "d-unknown", "5.1.1")
