"""A training's participant erased in trainings is erased in notify too, on real PostgreSQL:
their mail still queued is not sent, and their address and name leave every delivery."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from myndnet_kit.classify import Incoming
from myndnet_notify.adapters.postgres import PostgresNotify
from myndnet_notify.handlers.events import on_training_events
from myndnet_schemas import Event, parse
from myndnet_schemas.events.trainings import RegistrationErased

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).parents[3] / "schemas" / "examples"


def incoming(event: Event) -> Incoming:
    return Incoming(event, None)  # type: ignore[arg-type]  # the handler does not read it


async def test_an_erased_registration_s_mail_is_not_sent_and_its_address_goes(notify_pool):
    document = json.loads(
        (EXAMPLES / "se.myndnet.training.registration.confirmed.v1.json").read_text()
    )
    confirmed = parse(
        [("content-type", b"application/cloudevents+json")], None, json.dumps(document).encode()
    )
    erased = Event.new(
        RegistrationErased(
            registration_id=confirmed.data.registration_id,
            session_id=confirmed.data.session.session_id,
            at=datetime.now(UTC),
        ),
        source="/services/trainings",
    )
    async with notify_pool.acquire() as conn:
        await on_training_events(PostgresNotify(conn), [incoming(confirmed)], lambda code: code)
        queued = await conn.fetchrow("SELECT status, work_email FROM deliveries")
        assert tuple(queued) == ("queued", "anna.andersson@csn.se")

        await on_training_events(PostgresNotify(conn), [incoming(erased)], lambda code: code)
        left = await conn.fetchrow("SELECT status, work_email, context FROM deliveries")
        assert (left["status"], left["work_email"], left["context"]) == ("cancelled", None, {})
        # The same event again (a redelivery) queues nothing new for the erased registration.
        await on_training_events(PostgresNotify(conn), [incoming(confirmed)], lambda code: code)
        assert await conn.fetchval("SELECT count(*) FROM deliveries") == 1
