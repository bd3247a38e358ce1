"""Assignments between agencies end to end: the host's HR system posts one on
`hr.<code>.exchange`; a member of staff of another agency says they are interested; the host's
coordinator picks them, their own agency's coordinator approves and they confirm, each through
the signed link in the mail notify sent them; `assignment.agreed` is on `exchange.assignments`.
A decline at each step ends that interest with mail to the others; a forged posting is DLQ'd; a
link used once is refused. Separate processes, real Kafka, PostgreSQL and SMTP."""

import dataclasses
import re
from datetime import date, timedelta

import httpx
import pytest
from myndnet_kit.kafka import TopicSpec, ensure_topics
from myndnet_schemas import AssignmentPosted, parse
from myndnet_schemas.clock import stockholm_today
from myndnet_schemas.envelope import encode_binary
from myndnet_schemas.publisher import AgencyPublisher
from myndnet_testing import produce_raw, read_to_end, wait_until
from test_network_e2e import publisher_for, register

pytestmark = pytest.mark.integration
ANSWER = re.compile(r"http://[^/\s]+(/(?:en/)?uppdrag/svar\?token=(\S+))")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def answer_tokens(network, address: str) -> list[str]:
    return [
        match.group(2)
        for message in network.mailbox.to(address)
        for match in ANSWER.finditer(text_of(message))
    ]


async def mailed(network, address: str, count: int, what: str) -> list:
    async def arrived() -> bool:
        return len(network.mailbox.to(address)) >= count

    await wait_until(arrived, timeout=30, what=f"{what} to {address}")
    return network.mailbox.to(address)


async def agency(network, name: str) -> tuple[str, str, str]:
    """A member with a work e-mail domain and a coordinator: (code, domain, coordinator)."""
    code = await register(network, name)
    domain = f"{name}-{network.run}.se"
    coordinator = f"samordnare@{domain}"
    async with network.http("membership") as http:
        answer = await http.patch(
            f"/agencies/{code}", json={"email_domains": [domain], "coordinators": [coordinator]}
        )
        assert answer.status_code == 200, answer.text
    return code, domain, coordinator


def posted(assignment_id: str, title: str, revision: int = 1) -> AssignmentPosted:
    today = stockholm_today()
    return AssignmentPosted(
        assignment_id=assignment_id,
        revision=revision,
        title=title,
        description="Förstärkning i arbetet med informationssäkerhet inför en ny e-tjänst.",
        skills=["informationssäkerhet"],
        percent=50,
        first_day=today + timedelta(days=40),
        last_day=today + timedelta(days=130),
        municipality="Sundsvall",
        remote="hybrid",
        kind="loan",
        answer_by=today + timedelta(days=20),
    )


def staff_of(network, person: str) -> httpx.AsyncClient:
    """exchange as the site calls it for a signed-in member of staff."""
    client = network.http("exchange")
    client.headers["X-Acting-For"] = person
    return client


async def listed(network, person: str, code: str, count: int) -> list[dict]:
    found: list[dict] = []

    async def enough() -> bool:
        async with staff_of(network, person) as http:
            found[:] = (await http.get("/assignments", params={"agency": code})).json()
        return len(found) >= count

    await wait_until(enough, timeout=30, what=f"{count} assignments of {code}")
    return found


async def answer(network, token: str, yes: bool) -> httpx.Response:
    async with httpx.AsyncClient(base_url=network.url("exchange"), timeout=30) as http:
        return await http.post(
            "/links/assignment/answer", json={"token": token, "answer": "yes" if yes else "no"}
        )


async def agreed_events(network) -> list:
    events = []
    for record in await read_to_end(network.kafka, network.exchange_topic):
        event = parse(record.headers or (), record.key, record.value)
        events.append(event)
    return events


async def test_one_assignment_is_agreed_in_three_steps_through_the_mailed_links(network):
    host, _, host_coordinator = await agency(network, "vard")
    home, home_domain, home_coordinator = await agency(network, "hem")
    person = f"ada.{network.run}@{home_domain}"
    publisher: AgencyPublisher = await publisher_for(network, host)
    try:
        await publisher.publish(posted("U-1", "Informationssäkerhetsspecialist"))
    finally:
        await publisher.stop()
    [assignment] = await listed(network, person, host, 1)
    assert assignment["title"] == "Informationssäkerhetsspecialist"
    assert assignment["host_name"] == "Myndigheten VARD"

    async with staff_of(network, person) as http:
        interest = await http.post(
            f"/assignments/{host}/U-1/interests", json={"note": "Jag kan ISO 27001."}
        )
        assert interest.status_code == 201, interest.text
        again = await http.post(f"/assignments/{host}/U-1/interests", json={"note": ""})
        assert again.status_code == 409 and again.json()["code"] == "already_interested"

    # 1. The host's coordinator picks the person.
    [pick] = await mailed(network, host_coordinator, 1, "the interest")
    assert person in text_of(pick) and "Jag kan ISO 27001." in text_of(pick)
    [token] = answer_tokens(network, host_coordinator)
    async with httpx.AsyncClient(base_url=network.url("exchange"), timeout=30) as http:
        shown = (await http.post("/links/assignment", json={"token": token})).json()
    assert shown["step"] == "host" and shown["answerable"] is True
    assert (await answer(network, token, yes=True)).status_code == 200
    replayed = await answer(network, token, yes=True)
    assert replayed.status_code == 410 and replayed.json()["code"] == "answered"

    # 2. The person's own agency approves.
    await mailed(network, home_coordinator, 1, "the request to approve")
    [approve] = answer_tokens(network, home_coordinator)
    assert (await answer(network, approve, yes=True)).status_code == 200

    # 3. The person confirms.
    await mailed(network, person, 1, "the request to confirm")
    [confirm] = answer_tokens(network, person)
    confirmed = await answer(network, confirm, yes=True)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["assignment"]["state"] == "agreed"
    assert (await answer(network, confirm, yes=True)).status_code == 410

    # Everyone is told; the agreement is on the topic, with the person's work address.
    await mailed(network, person, 2, "the agreement")
    await mailed(network, host_coordinator, 2, "the agreement")
    await mailed(network, home_coordinator, 2, "the agreement")
    events: list = []

    async def announced() -> bool:
        events[:] = [e for e in await agreed_events(network) if e.key == f"{host}/U-1"]
        return any(e.type.endswith("assignment.agreed.v1") for e in events)

    await wait_until(announced, timeout=30, what="assignment.agreed")
    assert [e.type.rsplit(".", 2)[-2] for e in events] == [
        "recorded",
        "approved",
        "approved",
        "agreed",
    ]
    agreed = events[-1].data
    assert (agreed.host, agreed.home, agreed.email, agreed.percent) == (host, home, person, 50)
    assert [e.data.step.value for e in events[1:3]] == ["host", "home"]
    # No step before the agreement names the person.
    for event in events[:-1]:
        assert person not in event.data.model_dump_json()

    async with network.http("exchange") as http:
        figures = (
            await http.get(
                "/figures",
                params={"from": stockholm_today().isoformat(), "to": stockholm_today().isoformat()},
            )
        ).json()
    mine = {row["agency"]: row for row in figures["agencies"]}
    assert (mine[host]["posted"], mine[host]["agreed"]) == (1, 1)
    moves = [(m["from"], m["to"], m["count"]) for m in figures["moves"]]
    assert (home, host, 1) in moves


@pytest.mark.parametrize("step", ["host", "home", "person"])
async def test_a_decline_at_each_step_ends_the_interest_with_mail_to_the_others(network, step):
    host, _, host_coordinator = await agency(network, f"v{step}")
    _home, home_domain, home_coordinator = await agency(network, f"h{step}")
    person = f"bo.{network.run}@{home_domain}"
    publisher = await publisher_for(network, host)
    try:
        await publisher.publish(posted("U-2", f"Jurist, nej av {step}"))
    finally:
        await publisher.stop()
    await listed(network, person, host, 1)
    async with staff_of(network, person) as http:
        made = await http.post(f"/assignments/{host}/U-2/interests", json={"note": "Gärna."})
        assert made.status_code == 201, made.text

    order = [("host", host_coordinator), ("home", home_coordinator), ("person", person)]
    for at, address in order:
        await mailed(network, address, 1, f"the {at} step's letter")
        [token] = answer_tokens(network, address)
        answered = await answer(network, token, yes=at != step)
        assert answered.status_code == 200, answered.text
        if at == step:
            assert answered.json()["interest"]["state"] == "declined"
            break

    # The others who know of it are told: the person always, the home agency once asked.
    decliner = dict(order)[step]
    for at, address in order:
        if address == decliner or (step == "host" and at == "home"):
            continue

        async def told(address: str = address) -> bool:
            subjects = [str(m["Subject"]) for m in network.mailbox.to(address)]
            return any("Nej till uppdraget" in s for s in subjects)

        await wait_until(told, timeout=30, what=f"the decline to {address}")
    if step == "host":
        assert len(network.mailbox.to(person)) == 1  # no request to confirm was ever sent
        assert answer_tokens(network, person) == []
        assert network.mailbox.to(home_coordinator) == []
    async with staff_of(network, person) as http:
        [mine] = (await http.get("/interests")).json()
    assert (mine["state"], mine["declined_by"]) == ("declined", step)


async def test_a_forged_or_foreign_posting_is_dead_lettered_and_never_listed(network):
    host, _, _ = await agency(network, "akta")
    other, other_domain, _ = await agency(network, "annan")
    stranger = network.code("ickemedlem")  # never registered
    person = f"cy.{network.run}@{other_domain}"
    publisher = await publisher_for(network, host)
    try:
        await publisher.publish(posted("U-OK", "Äkta uppdrag"))
        # The publisher refuses another source; a hostile HR system would not.
        forged = publisher.event(posted("U-F", "Förfalskad"))
    finally:
        await publisher.stop()
    forged = dataclasses.replace(forged, source=f"/agencies/{other}")
    headers, value = encode_binary(forged)
    await produce_raw(network.login(host), f"hr.{host}.exchange", [(b"U-F", value, headers)])
    expected = {"U-F": "source_mismatch"}
    if network.profile == "open":  # on the secure broker a stranger cannot write at all
        foreign = AgencyPublisher(network.kafka, stranger).event(posted("U-X", "Icke-medlem"))
        await ensure_topics(network.kafka, [TopicSpec(f"hr.{stranger}.exchange", 1, 1)])
        headers, value = encode_binary(foreign)
        await produce_raw(network.kafka, f"hr.{stranger}.exchange", [(b"U-X", value, headers)])
        expected["U-X"] = "unknown_agency"

    [only] = await listed(network, person, host, 1)
    assert only["id"] == "U-OK"
    dead: list = []

    async def dead_lettered() -> bool:
        async with network.http("exchange") as http:
            dead[:] = (await http.get("/dlq")).json()["entries"]
        return set(expected) <= {e["key"] for e in dead}

    await wait_until(dead_lettered, timeout=60, what="the postings in exchange's DLQ")
    assert {e["key"]: e["reason"] for e in dead if e["key"] in expected} == expected
    async with staff_of(network, person) as http:
        assert (await http.get(f"/assignments/{stranger}/U-X")).status_code == 404


async def test_an_agency_that_leaves_has_its_open_assignments_withdrawn(network):
    host, _, host_coordinator = await agency(network, "lamnar")
    _home, home_domain, _ = await agency(network, "stannar")
    person = f"di.{network.run}@{home_domain}"
    publisher = await publisher_for(network, host)
    try:
        await publisher.publish(posted("U-L", "Arkivarie, två månader"))
    finally:
        await publisher.stop()
    await listed(network, person, host, 1)
    async with staff_of(network, person) as http:
        made = await http.post(f"/assignments/{host}/U-L/interests", json={"note": ""})
        assert made.status_code == 201, made.text
    await mailed(network, host_coordinator, 1, "the interest")
    async with network.http("membership") as http:
        assert (await http.post(f"/agencies/{host}/leave")).status_code == 200
    [closed] = await mailed(network, person, 1, "the withdrawal")
    assert "Uppdraget är stängt" in str(closed["Subject"])
    async with staff_of(network, person) as http:
        assert (await http.get("/assignments", params={"agency": host})).json() == []
        found = (await http.get(f"/assignments/{host}/U-L")).json()
    assert found["state"] == "withdrawn" and found["interest"]["state"] == "closed"
    # The token the host's coordinator was mailed no longer answers anything.
    [token] = answer_tokens(network, host_coordinator)
    assert (await answer(network, token, yes=True)).status_code == 409


async def test_a_waiting_step_is_reminded_once_and_the_answer_date_closes_the_assignment(network):
    """Time moved with `POST /schedule/run?as_of=`: the host's coordinator is reminded once
    after five working days; past the answer date the assignment closes and the person still
    waiting is told."""
    host, _, host_coordinator = await agency(network, "paminn")
    _home, home_domain, _ = await agency(network, "vantar")
    person = f"ella.{network.run}@{home_domain}"
    publisher = await publisher_for(network, host)
    try:
        await publisher.publish(posted("U-R", "Dataanalytiker, en månad"))
    finally:
        await publisher.stop()
    [assignment] = await listed(network, person, host, 1)
    async with staff_of(network, person) as http:
        made = await http.post(f"/assignments/{host}/U-R/interests", json={"note": "Gärna."})
        assert made.status_code == 201, made.text
    await mailed(network, host_coordinator, 1, "the interest")
    today = stockholm_today()
    async with network.http("exchange") as http:
        early = await http.post("/schedule/run", params={"as_of": today.isoformat()})
        assert early.json() == {"closed": 0, "reminded": 0}
        # The module's other tests share the network: the run counts theirs too, so what is
        # asserted is this assignment's mail and state.
        later = (today + timedelta(days=10)).isoformat()  # at least five working days on
        assert (await http.post("/schedule/run", params={"as_of": later})).json()["reminded"] >= 1
        again = await http.post("/schedule/run", params={"as_of": later})
        assert again.json()["reminded"] == 0
        messages = await mailed(network, host_coordinator, 2, "the reminder")
        assert "Påminnelse" in str(messages[-1]["Subject"])
        # The reminder carries the same step's link, which still answers.
        assert len(set(answer_tokens(network, host_coordinator))) >= 1
        past = date.fromisoformat(assignment["answer_by"]) + timedelta(days=1)
        closing = await http.post("/schedule/run", params={"as_of": past.isoformat()})
        assert closing.json()["closed"] >= 1
    [closed] = await mailed(network, person, 1, "the closing")
    await network.mail_settled()
    assert len(network.mailbox.to(host_coordinator)) == 2  # the interest and one reminder
    assert "Uppdraget är stängt" in str(closed["Subject"])
    async with staff_of(network, person) as http:
        found = (await http.get(f"/assignments/{host}/U-R")).json()
    assert found["state"] == "closed" and found["interest"]["state"] == "closed"
