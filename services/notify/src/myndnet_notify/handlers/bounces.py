"""Reading the bounce mailbox: each delivery status notification about one of notify's letters
is matched to its delivery by Message-ID; a mailbox that refused for good suppresses the
address (as a refusal during SMTP does), and the report is put aside. Anything else in the
mailbox (a reply, spam, a report about a letter notify does not know) is kept for a person to
read, with one log line that names the message but not what it says, and reading goes on."""

import asyncpg
from myndnet_kit.logging import get_logger
from prometheus_client import Counter

from myndnet_notify.adapters.bounce_mailbox import BounceMailbox, Letter, OpenMailbox
from myndnet_notify.adapters.postgres import pooled
from myndnet_notify.domain.bounces import NotADeliveryReport, read_report
from myndnet_notify.handlers.sending import UnknownDelivery, report_bounce

log = get_logger(__name__)
READ = Counter(
    "myndnet_notify_bounce_messages_total",
    "Messages read from the bounce mailbox, by what became of them",
    ["outcome"],  # suppressed, handled (a report that suppresses nobody), kept
)


async def read_bounces(pool: asyncpg.Pool, mailbox: BounceMailbox) -> dict[str, int]:
    """One pass over what is new in the mailbox."""
    done = {"suppressed": 0, "handled": 0, "kept": 0}
    async with mailbox.opened() as opened:
        for letter in await opened.unread():
            outcome = await _one(pool, opened, letter, mailbox.name)
            done[outcome] += 1
            READ.labels(outcome).inc()
    if any(done.values()):
        log.info("bounce mailbox read", mailbox=mailbox.name, **done)
    return done


async def _one(pool: asyncpg.Pool, opened: OpenMailbox, letter: Letter, name: str) -> str:
    """What became of one message. A fault of the database propagates: the message stays new
    and the next pass reads it again."""
    try:
        bounces = read_report(letter.raw)
    except NotADeliveryReport as exc:
        return await _keep(opened, letter, name, str(exc))
    except Exception as exc:  # a message the email package cannot even take apart
        return await _keep(opened, letter, name, f"it cannot be parsed ({type(exc).__name__})")
    suppressed = False
    try:
        for bounce in bounces:
            if bounce.suppresses:
                async with pooled(pool) as store:
                    suppressed |= await report_bounce(store, bounce.delivery_id, bounce.status)
    except UnknownDelivery:
        return await _keep(opened, letter, name, "a report about a delivery notify does not know")
    await opened.handled(letter)
    return "suppressed" if suppressed else "handled"


async def _keep(opened: OpenMailbox, letter: Letter, name: str, why: str) -> str:
    log.warning(
        "a message in the bounce mailbox was kept for a person to read",
        mailbox=name,
        message=letter.key,
        why=why,
    )
    await opened.keep(letter)
    return "kept"
