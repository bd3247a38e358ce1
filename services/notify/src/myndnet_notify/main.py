"""Wiring: settings, the three consumers, the sender, the bounce mailbox, the digest and
clean-up jobs."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar, Self

import asyncpg
from myndnet_kit.app import ServiceApp, Subscription, serve
from myndnet_kit.classify import Incoming, published_by
from myndnet_kit.kafka import TopicSpec
from myndnet_kit.logging import get_logger
from myndnet_kit.membership import MembershipFollower
from myndnet_kit.schedule import every
from myndnet_kit.settings import ServiceSettings, link_signing_key, local_database_url
from myndnet_schemas import topics
from myndnet_schemas.events.membership import SIGN_IN_EVENTS
from myndnet_schemas.events.mentoring import MENTORING_EVENTS
from myndnet_schemas.events.outreach import OUTREACH_EVENTS
from myndnet_schemas.events.trainings import TRAINING_EVENTS
from myndnet_schemas.events.vacancies import VACANCY_LIFECYCLE_EVENTS
from pydantic import Field, SecretStr, model_validator

from myndnet_notify import api
from myndnet_notify.adapters.bounce_mailbox import (
    BounceMailbox,
    ImapAddress,
    ImapBounces,
    MaildirBounces,
)
from myndnet_notify.adapters.mail import SmtpPool, SmtpRelay, SmtpSecurity, Templates, is_loopback
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.adapters.retention import expiries
from myndnet_notify.domain.delivery import RelayPause
from myndnet_notify.domain.news import DEFAULT_CAP
from myndnet_notify.handlers.bounces import read_bounces
from myndnet_notify.handlers.campaigns import on_outreach_events
from myndnet_notify.handlers.campaigns import run as run_campaigns
from myndnet_notify.handlers.digests import digests_every
from myndnet_notify.handlers.events import (
    on_match_events,
    on_sign_in_events,
    on_training_events,
    on_vacancy_events,
)
from myndnet_notify.handlers.matching import CHANGES_KEPT_HOURS, SavedSearches
from myndnet_notify.handlers.sending import Sender
from myndnet_notify.handlers.subscriptions import SIGNUP_ATTEMPTS_KEPT, purge_unconfirmed

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = get_logger(__name__)


class NotifySettings(ServiceSettings):
    service: ClassVar[str] = "notify"
    database_url: str = Field(
        local_database_url("notify"), alias="NOTIFY_DATABASE_URL", description="notify's database"
    )
    port: int = Field(8004, alias="NOTIFY_PORT", description="notify's HTTP port")
    # The public site (the web service): where confirmation and preference-centre links lead.
    site_url: str = Field(
        "http://127.0.0.1:8000",
        alias="WEB_BASE_URL",
        description="the public site notify's links lead to",
    )
    # Shared with mentoring, which trusts the answer and check-in links notify signs.
    link_signing_key: SecretStr = link_signing_key()
    smtp_connections: int = Field(
        4, ge=1, le=50, alias="SMTP_CONNECTIONS", description="pooled SMTP connections"
    )
    smtp_username: str = Field(
        "", alias="SMTP_USERNAME", description="notify's login at the relay (AUTH; empty: no login)"
    )
    smtp_password: SecretStr = Field(
        SecretStr(""),
        alias="SMTP_PASSWORD",
        description=(
            "that login's password: never logged, and notify refuses to start (exit 2, one line) "
            "when it would go unencrypted to a host other than this machine"
        ),
    )
    smtp_security: SmtpSecurity = Field(
        "none",
        alias="SMTP_SECURITY",
        description=(
            "`none`, `starttls` (upgrade on connect, as on port 587) or `tls` (TLS from the first "
            "byte, as on 465); `none` never upgrades on its own"
        ),
    )
    smtp_ca_file: str = Field(
        "",
        alias="SMTP_CA_FILE",
        description=(
            "a CA bundle for a relay whose certificate is not from a public CA (empty: the "
            "system's)"
        ),
    )
    # While sending is paused (the relay refuses every letter), one letter is tried this often.
    pause_probe_seconds: float = Field(
        30.0,
        gt=0,
        alias="NOTIFY_PAUSE_PROBE_SECONDS",
        description=(
            "while sending is paused ([site and mail](site-and-mail.md)), one letter is tried this"
            " often"
        ),
    )
    # The bounce mailbox: delivery status notifications read from a Maildir and/or over IMAP.
    bounce_maildir: str = Field(
        "",
        alias="BOUNCE_MAILDIR",
        description="a Maildir where the relay delivers bounces: notify reads its `new/`",
    )
    bounce_imap_url: SecretStr = Field(
        SecretStr(""),
        alias="BOUNCE_IMAP_URL",
        description=(
            "`imaps://user:password@host[:port]/MAILBOX` (percent-encoded; `imap://` only to this "
            "machine): the bounce mailbox over IMAP"
        ),
    )
    bounce_imap_ca_file: str = Field(
        "",
        alias="BOUNCE_IMAP_CA_FILE",
        description="a CA bundle for the IMAP server's certificate (empty: the system's)",
    )
    bounce_poll_seconds: float = Field(
        30.0,
        gt=0,
        alias="NOTIFY_BOUNCE_POLL_SECONDS",
        description="how often the bounce mailbox is read",
    )
    digest_check_seconds: float = Field(
        60.0,
        alias="NOTIFY_DIGEST_CHECK_SECONDS",
        description="how often notify looks for daily and weekly digests that are due",
    )
    run_digests: bool = Field(
        True,
        alias="NOTIFY_RUN_DIGESTS",
        description="whether this replica queues digests (tests turn it off)",
    )
    vacancies_topic: str = Field(
        topics.VACANCIES,
        alias="NOTIFY_VACANCIES_TOPIC",
        description=(
            "the vacancies' lifecycle topic notify follows (tests and benchmarks on a shared "
            "broker give their own)"
        ),
    )
    matches_topic: str = Field(
        topics.MENTORING_MATCHES,
        alias="NOTIFY_MATCHES_TOPIC",
        description="mentoring's matches topic notify follows (as above)",
    )
    trainings_topic: str = Field(
        topics.TRAININGS_REGISTRATIONS,
        alias="NOTIFY_TRAININGS_TOPIC",
        description="trainings' registrations topic notify follows (as above)",
    )
    sign_in_topic: str = Field(
        topics.MEMBERSHIP_SIGN_INS,
        alias="NOTIFY_SIGN_IN_TOPIC",
        description="membership's sign-in links topic notify follows (as above)",
    )
    outreach_topic: str = Field(
        topics.OUTREACH_ACTIVITIES,
        alias="NOTIFY_OUTREACH_TOPIC",
        description="outreach's topic notify takes campaigns from (as above)",
    )
    campaign_cap: int = Field(
        DEFAULT_CAP,
        ge=0,
        alias="CAMPAIGN_CAP",
        description=(
            "campaign mails a person gets at most in 30 days, whichever agencies asked; one "
            "skipped by it is counted, not mailed later"
        ),
    )
    campaign_check_seconds: float = Field(
        60.0,
        alias="NOTIFY_CAMPAIGN_SECONDS",
        description="how often notify sends what campaigns have due (also `POST /campaigns/run`)",
    )

    @model_validator(mode="after")
    def _no_password_in_the_clear(self) -> Self:
        if (
            self.smtp_password.get_secret_value()
            and self.smtp_security == "none"
            and not is_loopback(self.smtp_host)
        ):
            raise ValueError(
                "SMTP_PASSWORD would be sent unencrypted to SMTP_HOST, which is not this machine:"
                " set SMTP_SECURITY to starttls or tls"
            )
        if self.bounce_imap_url.get_secret_value():
            imap = ImapAddress.parse(self.bounce_imap_url.get_secret_value())
            if not imap.secure and not is_loopback(imap.host):
                raise ValueError(
                    "BOUNCE_IMAP_URL would send its password unencrypted to a host that is not"
                    " this machine: use imaps://"
                )
        return self

    def bounce_mailboxes(self) -> list[BounceMailbox]:
        mailboxes: list[BounceMailbox] = []
        if self.bounce_maildir:
            mailboxes.append(MaildirBounces(Path(self.bounce_maildir)))
        if self.bounce_imap_url.get_secret_value():
            address = ImapAddress.parse(self.bounce_imap_url.get_secret_value())
            mailboxes.append(ImapBounces(address, self.bounce_imap_ca_file))
        return mailboxes

    def smtp_relay(self) -> SmtpRelay:
        return SmtpRelay(
            self.smtp_host,
            self.smtp_port,
            self.smtp_username,
            self.smtp_password.get_secret_value(),
            self.smtp_security,
            self.smtp_ca_file,
        )


def build(settings: NotifySettings) -> ServiceApp:
    membership = MembershipFollower.from_settings(settings)  # agencies' names in e-mail

    searches = SavedSearches()  # this replica's index of them, for matching
    relay_pause = RelayPause()  # sending stops while the relay refuses every letter

    async def vacancies(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await on_vacancy_events(conn, events, searches, membership.name_of)

    async def matches(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await on_match_events(PostgresNotify(conn), events, membership.name_of)

    async def trainings(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await on_training_events(PostgresNotify(conn), events, membership.name_of)

    async def sign_ins(conn: asyncpg.Connection, events: list[Incoming]) -> None:
        await on_sign_in_events(PostgresNotify(conn), events)

    async def campaigns(app: ServiceApp) -> None:
        pool = app.pool
        assert pool is not None

        async def due_now() -> None:
            await run_campaigns(pool, datetime.now(UTC), settings.campaign_cap)

        await every(settings.campaign_check_seconds, due_now, "sending campaigns")

    async def sender(app: ServiceApp) -> None:
        assert app.pool is not None
        await Sender(
            app.pool,
            SmtpPool(settings.smtp_relay(), size=settings.smtp_connections),
            Templates(),
            settings.base_url(),
            settings.site_url.rstrip("/"),
            settings.link_signing_key.get_secret_value(),
            relay_pause,
            settings.pause_probe_seconds,
        ).run()

    async def bounces(app: ServiceApp) -> None:
        pool = app.pool
        assert pool is not None

        async def watch(mailbox: BounceMailbox) -> None:
            async def one_pass() -> None:
                await read_bounces(pool, mailbox)

            await every(
                settings.bounce_poll_seconds, one_pass, f"reading the {mailbox.name} bounce mailbox"
            )

        mailboxes = settings.bounce_mailboxes()
        if mailboxes:
            await asyncio.gather(*(watch(m) for m in mailboxes))

    async def digests(app: ServiceApp) -> None:
        assert app.pool is not None
        if settings.run_digests:
            await digests_every(app.pool, settings.digest_check_seconds)

    async def clean_up(app: ServiceApp) -> None:
        pool = app.pool
        assert pool is not None

        async def purge() -> None:
            async with pool.acquire() as conn:
                removed = await purge_unconfirmed(PostgresNotify(conn), datetime.now(UTC))
            if removed:
                log.info("unconfirmed subscriptions removed", count=removed)

        await every(3600, purge, "removing unconfirmed subscriptions")

    service = ServiceApp(
        settings,
        title="Myndnet notify",
        description="Vacancy alerts for candidates (double opt-in, one-click unsubscribe, "
        "digests), match e-mail for mentors and new managers, and training registrations' "
        "e-mail.",
        migrations=MIGRATIONS,
        topics=[
            TopicSpec(
                topics.NOTIFY_DELIVERIES,
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            # What it reads, under the names it is configured with (it may start first).
            TopicSpec(
                settings.vacancies_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            TopicSpec(
                settings.matches_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            TopicSpec(
                settings.trainings_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            TopicSpec(
                settings.outreach_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
            ),
            TopicSpec(
                settings.sign_in_topic,
                settings.topic_partitions,
                settings.topic_replication_factor,
                {"retention.ms": str(24 * 3600 * 1000)},  # as membership creates it
            ),
        ],
        subscriptions=[
            Subscription(
                "vacancies",
                vacancies,
                accepts=VACANCY_LIFECYCLE_EVENTS,
                topics=[settings.vacancies_topic],
                checks=(published_by(topics.writer_of(topics.VACANCIES)),),
                description="Alerts and digest entries as vacancies open; none after they close.",
            ),
            Subscription(
                "matches",
                matches,
                accepts=MENTORING_EVENTS,
                topics=[settings.matches_topic],
                checks=(published_by(topics.writer_of(topics.MENTORING_MATCHES)),),
                description="Tell both people of a match what happens next.",
            ),
            Subscription(
                "trainings",
                trainings,
                accepts=TRAINING_EVENTS,
                topics=[settings.trainings_topic],
                checks=(published_by(topics.writer_of(topics.TRAININGS_REGISTRATIONS)),),
                description="Tell a person at each step of their training registration.",
            ),
            Subscription(
                "sign_ins",
                sign_ins,
                accepts=SIGN_IN_EVENTS,
                topics=[settings.sign_in_topic],
                checks=(published_by(topics.writer_of(topics.MEMBERSHIP_SIGN_INS)),),
                description="Mail a member of staff the sign-in link they asked for.",
            ),
            Subscription(
                "outreach",
                on_outreach_events,
                accepts=OUTREACH_EVENTS,
                topics=[settings.outreach_topic],
                checks=(published_by(topics.writer_of(topics.OUTREACH_ACTIVITIES)),),
                description="Campaigns with their audience, to send in their window.",
            ),
        ],
        routers=[api.router, api.preferences, api.operators, api.letters, api.staff],
        background=[sender, digests, clean_up, bounces, campaigns],
        retention=expiries(SIGNUP_ATTEMPTS_KEPT, timedelta(hours=CHANGES_KEPT_HOURS)),
        membership=membership,
        health={"sending": lambda: relay_pause.reason},
    )
    service.api.state.site_url = settings.site_url.rstrip("/")  # where people's pages are
    service.api.state.campaign_cap = settings.campaign_cap
    return service


def main() -> None:
    serve(NotifySettings, build)
