"""How the kit's poller fetches: an empty poll is followed by the next at once, a batch is the
records of every partition the poll returned, a broker error is retried after a pause."""

import asyncio

import myndnet_kit.subscription as subscription
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import ConsumerStoppedError, TopicAuthorizationFailedError
from myndnet_kit.subscription import Poller
from myndnet_schemas.connection import KafkaConnection


class Client:
    """Answers polls from a list: a dict is what the poll found, an exception is raised; when
    the list is used up the client has been stopped."""

    def __init__(self, answers: list) -> None:
        self.answers = answers
        self.polls: list[tuple[int, int]] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict:
        self.polls.append((timeout_ms, max_records))
        if not self.answers:
            raise ConsumerStoppedError()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Consumer:
    name = "sample.withdrawals"

    def __init__(self) -> None:
        self.batches: list[tuple] = []

    async def consume(self, records, client) -> None:
        self.batches.append(tuple(records))


def record(partition: int, offset: int) -> ConsumerRecord:
    return ConsumerRecord("t", partition, offset, 0, 0, b"k", b"v", None, 1, 1, [])


def poller(consumer: Consumer) -> Poller:
    return Poller(
        KafkaConnection("127.0.0.1:1"),
        consumer,  # type: ignore[arg-type]
        group_id="g",
        client_id="c",
        topics=["t"],
        max_records=500,
        poll_timeout_ms=100,
    )


async def test_an_empty_poll_is_followed_by_the_next_at_once_and_a_batch_spans_partitions(
    monkeypatch,
):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(subscription.asyncio, "sleep", sleep)
    first, second, third = record(0, 7), record(0, 8), record(2, 3)
    client = Client(
        [{}, {TopicPartition("t", 0): [first, second], TopicPartition("t", 2): [third]}]
    )
    consumer = Consumer()
    loop = poller(consumer)
    loop._running = True
    await loop._poll(client)  # type: ignore[arg-type]
    assert consumer.batches == [(first, second, third)]
    assert slept == []
    assert client.polls == [(100, 500)] * 3  # the empty poll, the batch, the stopped client


async def test_a_broker_error_is_retried_after_a_pause_and_polling_goes_on(monkeypatch):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(subscription.asyncio, "sleep", sleep)
    one = record(1, 0)
    client = Client([TopicAuthorizationFailedError(), {TopicPartition("t", 1): [one]}])
    consumer = Consumer()
    loop = poller(consumer)
    loop._running = True
    await loop._poll(client)  # type: ignore[arg-type]
    assert consumer.batches == [(one,)]
    assert len(slept) == 1 and 0.3 <= slept[0] <= 0.7


async def test_stopping_ends_the_loop_after_the_poll_in_flight():
    consumer = Consumer()
    loop = poller(consumer)

    class Endless(Client):
        async def getmany(self, *, timeout_ms: int, max_records: int) -> dict:
            await asyncio.sleep(0.01)
            return {}

    loop._running = True
    loop._task = asyncio.create_task(loop._poll(Endless([])))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    await loop.stop(timeout=5)
    assert loop._task.done() and not loop._task.cancelled()


def test_a_subscription_names_topics_or_a_pattern_not_both():
    for topics, pattern in [((), None), (("t",), "hr\\..*")]:
        try:
            Poller(
                KafkaConnection("127.0.0.1:1"),
                Consumer(),  # type: ignore[arg-type]
                group_id="g",
                client_id="c",
                topics=topics,
                pattern=pattern,
            )
        except ValueError:
            continue
        raise AssertionError(f"accepted topics={topics} pattern={pattern}")
