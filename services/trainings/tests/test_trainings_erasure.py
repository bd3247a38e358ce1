"""A participant erased on request and 24 months after their last session, on the real broker
and PostgreSQL: a coming seat goes to the first waiting, the name and address go, the figures
stay, and `registration.erased` tells notify."""

from datetime import date, datetime, timedelta

import asyncpg
import pytest
from myndnet_kit.links import TRAINING_CANCEL
from myndnet_testing import TestNetwork, running
from myndnet_trainings.domain.people import erasure_cutoff
from myndnet_trainings.main import build
from test_trainings_service import (
    client,
    link,
    new_session,
    registered,
    session_events,
    settings,
    steps,
)

pytestmark = pytest.mark.integration


async def personal_rows(database_url: str) -> list[tuple]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT name, email, status, erased_at IS NOT NULL AS erased FROM registrations "
            "ORDER BY requested_at"
        )
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


async def test_on_request_the_seat_goes_to_the_next_and_the_person_is_forgotten(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv", create_topics=False)
    app = build(settings(net, database_url))
    async with running(app), client(app) as http, client(app, None) as public:
        session = await new_session(http, net, seats_per_agency={net.code("csn"): 1})
        sid = session["session_id"]
        anna = await registered(public, net, sid, "anna", "csn")
        bo = await registered(public, net, sid, "bo", "csn")  # waitlisted behind her

        address = f"ANNA@{net.email_domain('csn').upper()}"  # as a request may write it
        erased = await http.delete("/people", params={"email": address})
        assert erased.status_code == 200 and erased.json() == {"erased": 1}
        again = await http.delete("/people", params={"email": address})
        assert again.status_code == 404
        assert (await http.delete("/people", params={"email": "no-at-sign"})).status_code == 422
        assert (await public.delete("/people", params={"email": address})).status_code == 401

        events = await session_events(net, sid, at_least=7)
        # scheduled, 2 requested, confirmed, waitlisted, then Bo promoted and Anna erased:
        # no cancellation is announced for her, so no mail goes to the erased address.
        assert len(events) == 7
        assert steps(events, "promoted") == [bo] and steps(events, "cancelled") == []
        assert steps(events, "erased") == [anna]
        rows = await personal_rows(database_url)
        assert rows == [
            (None, None, "cancelled", True),
            ("Bo", f"bo@{net.email_domain('csn')}", "registered", False),
        ]
        gone = await public.get(
            "/registrations/cancel", params={"token": link(TRAINING_CANCEL, anna)}
        )
        assert gone.status_code == 404


async def test_twenty_four_months_after_the_last_session_the_names_go_and_the_figures_stay(
    kafka_bootstrap, database_url, unique
):
    net = TestNetwork(kafka_bootstrap, unique)
    await net.register("csn", "skv", create_topics=False)
    app = build(settings(net, database_url))
    async with running(app), client(app) as http, client(app, None) as public:
        session = await new_session(http, net)
        sid = session["session_id"]
        carl = await registered(public, net, sid, "carl", "csn")
        ended = datetime.fromisoformat(session["ends_at"]).date()
        not_yet = ended.replace(year=ended.year + 2)  # the last session ended 24 months ago today
        figures_before = (await http.get("/figures")).json()

        ran = await http.post("/schedule/run", params={"as_of": not_yet.isoformat()})
        assert ran.json()["erased"] == 0
        due = not_yet + timedelta(days=1)
        ran = await http.post("/schedule/run", params={"as_of": due.isoformat()})
        assert ran.json()["erased"] == 1
        again = await http.post("/schedule/run", params={"as_of": due.isoformat()})
        assert again.json()["erased"] == 0

        assert await personal_rows(database_url) == [(None, None, "registered", True)]
        assert (await http.get("/figures")).json() == figures_before
        events = await session_events(net, sid, at_least=4)
        assert steps(events, "erased") == [carl]


def test_the_cutoff_is_the_same_day_24_months_before_or_that_month_s_last():
    assert erasure_cutoff(date(2029, 2, 11)) == date(2027, 2, 11)
    assert erasure_cutoff(date(2028, 2, 29)) == date(2026, 2, 28)
    assert erasure_cutoff(date(2029, 3, 31)) == date(2027, 3, 31)
    assert erasure_cutoff(date(2029, 1, 1)) == date(2027, 1, 1)
