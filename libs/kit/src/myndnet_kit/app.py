"""The service app factory: one FastAPI app and the Kafka consumers of a service.

Start-up runs in the background so `/health/live` answers at once: connect to PostgreSQL and
apply migrations (the kit's, then the service's), create the service's topics, start the outbox
relay, run the service's start-up hooks (catch-up, seeding), then start the consumers and report
ready. Shutdown goes the other way. A database or broker that is not there yet is waited for.
"""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import myndnet_schemas.docs as docs
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, FastAPI
from myndnet_schemas import topics as topic_names
from myndnet_schemas.events import EventData
from pydantic import ValidationError

from myndnet_kit import http
from myndnet_kit.auth import OperatorTokensError, parse_operator_tokens
from myndnet_kit.classify import Check, check_hr_source
from myndnet_kit.consumer import BatchHandler, BeforeBatch, EventConsumer
from myndnet_kit.db import KIT_MIGRATIONS, MigrationError, create_pool, migrate
from myndnet_kit.kafka import TopicSpec, ensure_topics, make_producer
from myndnet_kit.logging import get_logger
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.outbox import OutboxRelay
from myndnet_kit.retention import Expiry, apply_retention, kit_expiries
from myndnet_kit.retry import until_done
from myndnet_kit.routes import audit_router, dlq_router
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings
from myndnet_kit.subscription import Poller
from myndnet_kit.web import Refusal, refused, unstorable_input

log = get_logger(__name__)
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)

Hook = Callable[["ServiceApp"], Coroutine[Any, Any, None]]
GC_FIRST_GENERATION_THRESHOLD = 50_000
STOP_TIMEOUT = 10.0
UNPATTERNED_METADATA_MAX_AGE_MS = 300_000


@dataclass(frozen=True)
class Subscription:
    """A consumer of the service: what it reads and the handler that applies a batch."""

    name: str
    handler: BatchHandler
    accepts: Sequence[type[EventData]]
    topics: Sequence[str] = ()
    pattern: str | None = None
    checks: Sequence[Check] = (check_hr_source,)
    before_batch: BeforeBatch | None = None
    description: str = ""
    group_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ServiceApp:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        title: str,
        description: str = "",
        version: str = "1.0.0",
        migrations: Path | None = None,
        topics: Sequence[TopicSpec] = (),
        subscriptions: Sequence[Subscription] = (),
        routers: Sequence[APIRouter] = (),
        on_start: Sequence[Hook] = (),
        background: Sequence[Hook] = (),
        on_stop: Sequence[Hook] = (),
        retention: Sequence[Expiry] = (),
        membership: MembershipFollower | None = None,
        health: Mapping[str, Callable[[], str | None]] = {},
    ) -> None:
        self.settings = settings
        # The service's own conditions for being ready: each says why it is not, or None.
        self.health = dict(health)
        self.service = settings.service
        self.migrations = migrations
        self.topics = [
            TopicSpec(
                topic_names.dlq(self.service),
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            *topics,
        ]
        self.on_start = on_start
        self.background = [*background, self._retention]
        self.expiries = [
            *kit_expiries(
                timedelta(hours=settings.inbox_retention_hours),
                timedelta(days=settings.dlq_retention_days),
            ),
            *retention,
        ]
        self.on_stop = on_stop
        self.membership = membership
        self.pool: asyncpg.Pool | None = None
        self._pool_made: asyncpg.Pool | None = None  # made, maybe not yet migrated
        self.relay: OutboxRelay | None = None
        self.started = False
        self.failure: str | None = None
        self._starting: asyncio.Task[None] | None = None
        # Called when start-up fails for good; `run` sets it to stop the server.
        self.on_fatal: Callable[[], None] | None = None
        self._tasks: list[asyncio.Task[None]] = []

        self.subscriptions = subscriptions
        self.pollers = [self._subscribe(s) for s in subscriptions]
        self.consumers = [poller.consumer for poller in self.pollers]
        self.admin: AIOKafkaAdminClient | None = None
        self.description, self.version = description, version

        self.api = http.http_app(
            self.service,
            title=title,
            description=description,
            version=version,
            readiness=self.readiness,
            asyncapi=lambda _request: self.asyncapi_document(),
            lifespan=self._lifespan,
            routers=[dlq_router(), audit_router(), *routers],
        )
        self.api.state.service = self
        self.api.add_exception_handler(asyncpg.DataError, unstorable_input)
        self.api.add_exception_handler(Refusal, refused)
        self.api.state.operator_tokens = parse_operator_tokens(settings.operator_tokens)

    def asyncapi_document(self) -> dict[str, Any]:
        """This service's events, from the contract's models: the topics it consumes (its
        subscriptions, and membership's if it follows it) and those it publishes."""
        receives = [docs.channel_of(s.accepts) for s in self.subscriptions]
        if self.membership is not None:
            receives.append(topic_names.MEMBERSHIP_AGENCIES)
        sends = [
            address
            for address in topic_names.written_by(self.service)
            if address != topic_names.dlq(self.service)
        ]
        return docs.asyncapi_document(
            f"Myndnet {self.service}",
            self.description or f"The events of Myndnet's {self.service} service.",
            [(a, "receive") for a in dict.fromkeys(receives)] + [(a, "send") for a in sends],
            self.version,
        )

    # -- consumers ------------------------------------------------------------------------

    def _subscribe(self, sub: Subscription) -> Poller:
        consumer = EventConsumer(
            service=self.service,
            name=sub.name,
            pool=None,
            handler=sub.handler,
            accepts=sub.accepts,
            checks=sub.checks,
            before_batch=sub.before_batch,
        )
        return Poller(
            self.settings.kafka(),
            consumer,
            group_id=sub.group_id
            or f"{self.settings.consumer_group_prefix}{self.service}.{sub.name}",
            client_id=f"myndnet-{self.service}",
            topics=sub.topics,
            pattern=sub.pattern,
            max_records=self.settings.consumer_max_records,
            poll_timeout_ms=self.settings.consumer_batch_timeout_ms,
            metadata_max_age_ms=(
                self.settings.kafka_metadata_max_age_ms
                if sub.pattern
                # Without a pattern to match new topics against, aiokafka's default: each
                # refresh reads every topic of the cluster.
                else UNPATTERNED_METADATA_MAX_AGE_MS
            ),
        )

    # -- lifecycle ------------------------------------------------------------------------

    @asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        self._starting = asyncio.create_task(self._start(), name=f"start-{self.service}")
        try:
            yield
        finally:
            await self._stop()

    async def _start(self) -> None:
        try:
            pool = await until_done(
                "PostgreSQL",
                lambda: create_pool(
                    self.settings.database_url, max_size=self.settings.database_pool_size
                ),
            )
            self._pool_made = pool
            await until_done("PostgreSQL", lambda: self._migrate(pool))
            # Requests see the pool (and get their 503 no more) once the tables are there.
            self.pool = pool
            await until_done("Kafka", lambda: ensure_topics(self.settings.kafka(), self.topics))
            producer = make_producer(self.settings.kafka(), f"myndnet-{self.service}-outbox")
            await until_done("Kafka", producer.start)
            self.relay = OutboxRelay(self.pool, producer, self.service)
            self.relay.start()
            if self.membership is not None:
                membership, pool = self.membership, self.pool
                await until_done("Kafka", lambda: membership.start(pool))
            for hook in self.on_start:
                await hook(self)
            for consumer in self.consumers:
                consumer.pool = self.pool
            self.admin = await until_done("Kafka", self._start_admin)
            for poller in self.pollers:
                await until_done("Kafka", poller.start)
            for task in self.background:
                self._tasks.append(asyncio.create_task(task(self), name=task.__name__))
            self.started = True
            tune_garbage_collector()
            log.info("service ready", service=self.service, port=self.settings.port)
        except asyncio.CancelledError:
            raise
        except MigrationError as exc:
            self._give_up(f"migrations do not match: {exc}")
        except Exception as exc:
            log.error("start-up step failed", error=repr(exc), exc_info=True)
            self._give_up(repr(exc))

    def _give_up(self, reason: str) -> None:
        """A failure that waiting will not heal: stop the process (see `run`), never sit alive
        and not ready."""
        self.failure = reason
        log.critical("start-up failed; stopping", service=self.service, reason=reason)
        if self.on_fatal is not None:
            self.on_fatal()

    async def _migrate(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            await migrate(conn, "kit", KIT_MIGRATIONS)
            if self.migrations is not None:
                await migrate(conn, self.service, self.migrations)

    async def _stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        # Every step is bounded: a library that swallows a cancellation (aiokafka's clients can)
        # must not keep the service from stopping.
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in pending:
                log.warning("a background task did not stop; leaving it", task=task.get_name())
        for hook in self.on_stop:
            try:
                await asyncio.wait_for(hook(self), STOP_TIMEOUT)
            except Exception as exc:
                log.warning("a stop hook failed", hook=hook.__name__, error=repr(exc))
        for consumer in self.consumers:
            try:
                await asyncio.wait_for(consumer.drain(), STOP_TIMEOUT)
            except TimeoutError:
                log.warning("a batch was still in flight at stop", consumer=consumer.name)
        for poller in self.pollers:
            await poller.stop(STOP_TIMEOUT)
        if self.admin is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.admin.close(), STOP_TIMEOUT)
        if self.membership is not None:
            await self.membership.stop()
        if self.relay is not None:
            await self.relay.stop()
            with contextlib.suppress(Exception):
                await self.relay.producer.stop()
        pool = self.pool or self._pool_made
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), STOP_TIMEOUT)
            except TimeoutError:
                log.warning("database connections still in use at stop; closing them")
                pool.terminate()
        self.started = False

    async def _retention(self, _app: "ServiceApp") -> None:
        async def one_pass() -> None:
            assert self.pool is not None
            removed = await apply_retention(self.pool, self.expiries, datetime.now(UTC))
            if removed and any(removed.values()):
                log.info("retention: old rows removed", removed=removed)

        await every(self.settings.retention_interval_seconds, one_pass, "retention")

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {"startup": self.started}
        if self.failure:
            checks["failure"] = self.failure
        checks["postgres"] = await self._postgres_ok()
        checks["kafka"] = bool(self.started) and await self._kafka_ok()
        checks["consumers"] = all(c.healthy for c in self.consumers)
        checks["outbox_relay"] = self.relay is not None and self.relay.healthy
        if self.membership is not None:
            checks["membership"] = self.membership.caught_up and self.membership.healthy
        required = ("startup", "postgres", "kafka", "consumers", "outbox_relay", "membership")
        own = {name: why() for name, why in self.health.items()}
        for name, why in own.items():
            checks[name] = why is None
            if why is not None:
                checks[f"{name}_reason"] = why
        checks["ready"] = (
            all(checks.get(k, True) for k in required)
            and all(why is None for why in own.values())
            and not self.failure
        )
        return checks

    async def _start_admin(self) -> AIOKafkaAdminClient:
        admin = AIOKafkaAdminClient(
            **self.settings.kafka().options(), client_id=f"myndnet-{self.service}-health"
        )
        try:
            await admin.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await admin.close()
            raise
        return admin

    async def _kafka_ok(self) -> bool:
        if self.admin is None:
            return False
        try:
            async with asyncio.timeout(2):
                await self.admin.describe_cluster()
            return True
        except Exception:
            return False

    async def _postgres_ok(self) -> bool:
        if self.pool is None:
            return False
        try:
            async with asyncio.timeout(2):
                async with self.pool.acquire() as conn:
                    return await conn.fetchval("SELECT true")
        except Exception:
            return False


def tune_garbage_collector() -> None:
    """A busy consumer allocates many short-lived objects per event, and with CPython's default
    first-generation threshold the cyclic collector ran thousands of times a second, a large
    share of the ingest's time (bench/vacancies.py). What start-up allocated is frozen out of
    the collections; reference counting still frees nearly everything at once."""
    gc.freeze()
    gc.set_threshold(GC_FIRST_GENERATION_THRESHOLD, 20, 20)


def run(service_app: ServiceApp) -> None:
    """Serve the app on the service's port; a start-up that fails for good ends the process
    with exit code 1 and one line on stderr."""

    def stop_on_fatal(server: Any) -> None:
        def stop() -> None:
            server.should_exit = True

        service_app.on_fatal = stop

    http.run(
        service_app.api,
        service_app.settings,
        service_app.service,
        failure=lambda: service_app.failure,
        on_server=stop_on_fatal,
    )


def serve(settings_type: type[SettingsT], build: Callable[[SettingsT], ServiceApp]) -> None:
    """A service's main: read its settings, build it and run it. Configuration that cannot be
    used ends the process with exit code 2 and one line naming what is wrong."""
    settings = http.settings_or_exit(settings_type, settings_type.service)
    try:
        service_app = build(settings)
    except ValidationError as exc:
        http.refuse(settings_type.service, "; ".join(http.problem(e) for e in exc.errors()))
    except OperatorTokensError as exc:
        http.refuse(settings_type.service, str(exc))
    run(service_app)
