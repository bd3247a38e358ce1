"""How the kit's consumers poll: an empty poll is followed by the next at once."""

import faststream.kafka.subscriber.usecase as faststream_subscribers
from aiokafka import ConsumerRecord, TopicPartition
from myndnet_kit.app import PollingBatchSubscriber
from sample_service import SampleSettings, build


class Consumer:
    """Answers polls from a list; an empty answer is a poll that timed out."""

    def __init__(self, answers: list[dict[TopicPartition, list[ConsumerRecord]]]) -> None:
        self.answers = answers
        self.polls: list[tuple[int, int]] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict:
        self.polls.append((timeout_ms, max_records))
        return self.answers.pop(0)


def record(partition: int, offset: int) -> ConsumerRecord:
    return ConsumerRecord("t", partition, offset, 0, 0, b"k", b"v", None, 1, 1, [])


async def test_a_poll_that_found_nothing_is_not_followed_by_a_sleep(monkeypatch):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(faststream_subscribers.anyio, "sleep", sleep)
    settings = SampleSettings(SAMPLE_DATABASE_URL="postgresql://unused", SAMPLE_TOPIC="t")
    app = build(settings)
    (subscriber,) = app.broker.subscribers
    assert isinstance(subscriber, PollingBatchSubscriber)

    first, second, third = record(0, 7), record(0, 8), record(2, 3)
    consumer = Consumer(
        [{}, {TopicPartition("t", 0): [first, second], TopicPartition("t", 2): [third]}]
    )
    assert await subscriber.get_msg(consumer) == ()
    assert await subscriber.get_msg(consumer) == (first, second, third)
    assert slept == []
    limits = (settings.consumer_batch_timeout_ms, settings.consumer_max_records)
    assert consumer.polls == [limits, limits]
