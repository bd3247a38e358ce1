"""The membership follower: every service's view of which agencies belong to the network.

At start-up it reads the compacted topic `membership.agencies` from the beginning to its current
end, before the service reports ready and before its HR consumers start; then it follows the
topic in the background, keeping the table `network_agencies` and an in-memory copy current.
`check` refuses events from agencies that are unknown or have left. An unknown agency may just
have registered, so before such a batch is judged the follower first catches up with the topic.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from myndnet_schemas import EnvelopeError, parse, topics
from myndnet_schemas.connection import KafkaConnection, connection
from myndnet_schemas.events import AgencyState

from myndnet_kit.classify import Incoming, Rejected
from myndnet_kit.kafka import compacted, ensure_topics, stop_consumer, topic_partitions
from myndnet_kit.logging import get_logger
from myndnet_kit.retry import NotYet, forever, until_done
from myndnet_kit.settings import ServiceSettings

log = get_logger(__name__)

OnChange = Callable[[asyncpg.Connection, AgencyState | None, AgencyState], Awaitable[None]]


class MembershipFollower:
    def __init__(
        self,
        *,
        kafka: str | KafkaConnection,
        topic: str,
        pool: asyncpg.Pool | None = None,
        on_change: OnChange | None = None,
        partitions: int = 3,
        replication_factor: int = 1,
        catch_up_wait: float = 5.0,
    ) -> None:
        self.kafka = connection(kafka)
        self.topic = topic
        self.pool = pool
        self.on_change = on_change
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.catch_up_wait = catch_up_wait
        self.agencies: dict[str, AgencyState] = {}
        self.caught_up = False
        self.healthy = True
        self._consumer: AIOKafkaConsumer | None = None
        self._assigned: list[TopicPartition] = []
        self._applied: dict[TopicPartition, int] = {}  # every offset below these is applied
        self._task: asyncio.Task[None] | None = None
        self._progress = asyncio.Condition()

    @classmethod
    def from_settings(
        cls, settings: "ServiceSettings", on_change: OnChange | None = None
    ) -> "MembershipFollower":
        return cls(
            kafka=settings.kafka(),
            topic=settings.membership_topic,
            on_change=on_change,
            partitions=settings.topic_partitions,
            replication_factor=settings.topic_replication_factor,
        )

    # -- start-up ---------------------------------------------------------------------------

    async def start(self, pool: asyncpg.Pool) -> None:
        """Load the table, read the topic to its current end, then follow it.

        Right after the topic is created the broker may not list its partitions yet; each step
        that can heal is waited out (`until_done`), and a half-opened consumer is closed first."""
        self.pool = pool
        async with pool.acquire() as conn:
            rows = await conn.fetch("SELECT state FROM network_agencies")
        self.agencies = {r["state"]["code"]: AgencyState.model_validate(r["state"]) for r in rows}
        await until_done("Kafka", self._open)
        await until_done(f"the topic {self.topic} to be readable", self._catch_up)
        self.caught_up = True
        log.info(
            "membership caught up",
            agencies=len(self.agencies),
            participating=sum(a.participates for a in self.agencies.values()),
        )
        self._task = asyncio.create_task(self._follow(), name="membership-follower")

    async def _open(self) -> None:
        await ensure_topics(
            self.kafka,
            [compacted(self.topic, self.partitions, self.replication_factor)],
        )
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                **self.kafka.options(),
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                client_id="myndnet-membership-follower",
            )
            await consumer.start()
            self._consumer = consumer

    async def _catch_up(self) -> None:
        assert self._consumer is not None
        partitions = await topic_partitions(self.kafka, self.topic)
        if not partitions:
            raise NotYet(f"the broker lists no partitions of {self.topic} yet")
        self._assigned = [TopicPartition(self.topic, p) for p in partitions]
        self._applied = {}
        self._consumer.assign(self._assigned)
        await self._consumer.seek_to_beginning(*self._assigned)
        ends = await self._consumer.end_offsets(self._assigned)
        while not self._reached(ends):
            await self._read_once()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await stop_consumer(self._consumer)

    def _reached(self, ends: dict[TopicPartition, int]) -> bool:
        return all(self._applied.get(tp, -1) >= end for tp, end in ends.items())

    # -- following ----------------------------------------------------------------------------

    async def _follow(self) -> None:
        def health(ok: bool) -> None:
            self.healthy = ok

        await forever("the membership follower", self._read_once, healthy=health)

    async def _read_once(self) -> None:
        assert self._consumer is not None
        batches = await self._consumer.getmany(timeout_ms=500, max_records=1000)
        # The consumer's position moves when records are handed out, before they are applied;
        # what waiters compare with is the position once they are.
        positions = {tp: await self._consumer.position(tp) for tp in self._assigned}
        records = [r for part in batches.values() for r in part]
        if records:
            try:
                await self._apply(records)
            except BaseException:
                # Handed out but not applied: read them again on the next attempt.
                for tp, part in batches.items():
                    self._consumer.seek(tp, part[0].offset)
                raise
        self._applied = positions
        async with self._progress:
            self._progress.notify_all()

    async def _apply(self, records: Sequence[ConsumerRecord]) -> None:
        changes: list[tuple[AgencyState | None, AgencyState]] = []
        removed: list[str] = []
        for record in records:
            if record.value is None:  # a tombstone: the agency is forgotten
                if record.key:
                    removed.append(record.key.decode())
                continue
            try:
                event = parse(record.headers or (), record.key, record.value)
            except EnvelopeError as exc:
                log.warning(
                    "ignoring an unreadable membership message",
                    reason=exc.reason,
                    error=exc.message,
                    offset=record.offset,
                    partition=record.partition,
                )
                continue
            if isinstance(event.data, AgencyState):
                state = AgencyState.model_validate(event.data.model_dump())
                changes.append((self.agencies.get(state.code), state))
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            for old, new in changes:
                if old == new:
                    continue
                await conn.execute(
                    "INSERT INTO network_agencies (code, state, participates) VALUES ($1, $2, $3) "
                    "ON CONFLICT (code) DO UPDATE SET state = EXCLUDED.state, "
                    "participates = EXCLUDED.participates, updated_at = now()",
                    new.code,
                    new.model_dump(mode="json"),
                    new.participates,
                )
                if self.on_change is not None:
                    await self.on_change(conn, old, new)
            if removed:
                await conn.execute(
                    "DELETE FROM network_agencies WHERE code = ANY($1::text[])", removed
                )
        for _old, new in changes:
            self.agencies[new.code] = new
        for code in removed:
            self.agencies.pop(code, None)

    # -- what consumers ask -------------------------------------------------------------------

    def name_of(self, code: str) -> str:
        """An agency's name, as its latest state gives it (its code when there is none)."""
        state = self.agencies.get(code)
        return state.name if state is not None else code

    def participates(self, code: str) -> bool:
        state = self.agencies.get(code)
        return state is not None and state.participates

    def check(self, incoming: Incoming) -> None:
        """A consumer check: HR events only from current members and associated parties."""
        agency = incoming.agency
        if agency is None:
            return
        state = self.agencies.get(agency)
        if state is None:
            raise Rejected("unknown_agency", f"{agency!r} is not an agency of the network")
        if not state.participates:
            raise Rejected("agency_left", f"{agency!r} left the network on {state.left_on}")

    async def before_batch(self, records: Sequence[ConsumerRecord]) -> None:
        """Catch up first when a batch names an agency this follower does not count as member."""
        strangers = {topics.agency_of_hr_topic(r.topic) for r in records} - {None}
        if any(not self.participates(code) for code in strangers if code):
            await self.wait_until_current(self.catch_up_wait)

    async def wait_until_current(self, timeout: float) -> bool:
        """Wait until everything on the topic right now has been applied."""
        if self._consumer is None or not self._assigned:
            return False
        try:
            async with asyncio.timeout(timeout):
                ends = await self._consumer.end_offsets(self._assigned)
                async with self._progress:
                    while not self._reached(ends):
                        await self._progress.wait()
            return True
        except TimeoutError:
            return False
