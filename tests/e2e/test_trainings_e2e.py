"""Joint trainings end to end: membership gives agencies their e-mail domains, trainings takes
registrations over HTTP, notify mails every step, and people confirm and cancel from the links
in their own mail. Separate processes, real Kafka, PostgreSQL and SMTP."""

import asyncio
import re
from datetime import datetime, timedelta

import httpx
import pytest
from myndnet_schemas import parse
from myndnet_schemas.clock import STOCKHOLM
from myndnet_testing import produce_raw, read_to_end, wait_until
from test_network_e2e import register

pytestmark = pytest.mark.integration


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def mails(network, address: str, subject: str) -> list:
    return [m for m in network.mailbox.to(address) if subject in str(m["Subject"])]


async def mailed(network, address: str, subject: str, count: int = 1) -> str:
    """The text of the latest such mail, once `count` of them have arrived."""
    await wait_until(
        lambda: _at_least(network, address, subject, count),
        timeout=30,
        what=f"{count} mail '{subject}' to {address}",
    )
    return text_of(mails(network, address, subject)[-1])


async def _at_least(network, address: str, subject: str, count: int) -> bool:
    return len(mails(network, address, subject)) >= count


def link(text: str, path: str) -> str:
    found = re.search(rf"/utbildningar/{path}\?token=(\S+)", text)
    assert found, text
    return found.group(1)


async def agency_with_domain(network, name: str) -> tuple[str, str]:
    code = await register(network, name)
    domain = f"{name}.e2e{network.run}.example.se"
    async with network.http("membership") as http:
        answer = await http.patch(f"/agencies/{code}", json={"email_domains": [domain]})
        assert answer.status_code == 200 and answer.json()["email_domains"] == [domain]
    return code, domain


async def new_session(
    trainings: httpx.AsyncClient,
    host: str,
    seats: dict[str, int],
    code: str,
    title: str = "Ledarskap i staten, grundkurs",
) -> dict:
    course = await trainings.post(
        "/courses",
        json={
            "code": code,
            "title": title,
            "description": "Två dagar om att leda i en statlig myndighet.",
            "kind": "leadership",
            "host_agency": host,
        },
    )
    assert course.status_code == 201, course.text
    start = datetime.now(STOCKHOLM).replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=20)
    session = await trainings.post(
        f"/courses/{code}/sessions",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=7)).isoformat(),
            "place": "Mittuniversitetet, Sundsvall",
            "total_seats": sum(seats.values()),
            "seats_per_agency": seats,
            "registration_deadline": (start.date() - timedelta(days=7)).isoformat(),
        },
    )
    assert session.status_code == 201, session.text
    return session.json()


async def test_more_staff_than_seats_waitlist_and_a_cancellation_promotes_once(network):
    csn, csn_domain = await agency_with_domain(network, "tcsn")
    skv, _ = await agency_with_domain(network, "tskv")
    async with network.http("trainings") as trainings:
        session = await new_session(trainings, csn, {csn: 2, skv: 1}, "ledarskap-waitlist")
        sid = session["session_id"]
        people = {who: f"{who}@{csn_domain}" for who in ("anna", "bo", "cecilia")}

        async def ask(who: str, email: str) -> httpx.Response:
            body = {"name": who.title(), "email": email, "agency": csn}
            return await trainings.post(f"/sessions/{sid}/registrations", json=body)

        # trainings learns the domains from membership's event: the first request may be early.
        async def taken() -> bool:
            return (await ask("anna", people["anna"])).status_code == 202

        await wait_until(taken, timeout=30, what="trainings to know CSN's domain")
        for who in ("bo", "cecilia"):
            assert (await ask(who, people[who])).status_code == 202

        private = await ask("eva", "eva@gmail.com")
        assert private.status_code == 422 and csn_domain in private.text

        for who in ("anna", "bo", "cecilia"):
            text = await mailed(network, people[who], "Bekräfta din anmälan")
            confirmed = await trainings.post(
                "/registrations/confirm", params={"token": link(text, "bekrafta")}
            )
            assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "waitlisted" and confirmed.json()["place"] == 1
        assert "nummer 1 på reservlistan" in await mailed(
            network, people["cecilia"], "reservlistan"
        )
        seats = (await trainings.get(f"/sessions/{sid}")).json()
        assert {a["agency"]: a["seats_left"] for a in seats["agencies"]} == {csn: 0, skv: 1}

        # Anna cancels from her mail, clicking three times at once: Cecilia moves up, once.
        anna = await mailed(network, people["anna"], "Du har en plats")
        cancel = {"token": link(anna, "avboka")}
        clicks = await asyncio.gather(
            *[trainings.post("/registrations/cancel", params=cancel) for _ in range(3)]
        )
        assert {c.status_code for c in clicks} == {200}
        assert "en plats har blivit ledig" in await mailed(
            network, people["cecilia"], "Du har fått en plats"
        )
        await mailed(network, people["anna"], "avbokad")

        # notify is given the promotion again (the same event, as a redelivery would): no mail.
        records = await read_to_end(network.kafka, network.trainings_topic)
        promoted = [
            r
            for r in records
            if r.key == sid.encode()
            and parse(r.headers, r.key, r.value).type.endswith("registration.promoted.v1")
        ]
        assert len(promoted) == 1
        again = promoted[0]
        await produce_raw(
            network.kafka, network.trainings_topic, [(again.key, again.value, list(again.headers))]
        )
        # Bo cancels after it, on the same partition: once his mail is out, the copy was read.
        bo = await mailed(network, people["bo"], "Du har en plats")
        await trainings.post("/registrations/cancel", params={"token": link(bo, "avboka")})
        await mailed(network, people["bo"], "avbokad")
        assert len(mails(network, people["cecilia"], "Du har fått en plats")) == 1
        assert len(mails(network, people["anna"], "avbokad")) == 1


@pytest.mark.parametrize("network", ["open"], indirect=True)
async def test_the_public_pages_list_sessions_and_take_a_registration_in_chromium(network, browser):
    """Without JavaScript, as a person does: the list with seats left, a session's page, the
    form with its errors, the confirmation from the mail. No serious axe violation on any
    page, in either language."""
    from axe_playwright_python.async_playwright import Axe

    async def serious(page) -> list[str]:
        results = await Axe().run(page)
        return [
            f"{v['id']} ({v['impact']}): {v['help']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    csn, domain = await agency_with_domain(network, "wcsn")
    async with network.http("trainings") as trainings:
        session = await new_session(
            trainings, csn, {csn: 1}, "ledarskap-pages", "Ledarskap i praktiken"
        )
    sid, site = session["session_id"], network.url("web")
    found: dict[str, list[str]] = {}

    # axe is injected by the test (bypass_csp); the person's own browsing has JavaScript off.
    checker = await browser.new_context(bypass_csp=True)
    check = await checker.new_page()
    person = await browser.new_context(java_script_enabled=False)
    page = await person.new_page()

    async def shown_to_everyone(path: str) -> None:
        await check.goto(f"{site}{path}")
        found[path] = await serious(check)

    for home in ("", "/en"):
        await shown_to_everyone(f"{home}/utbildningar")
        await shown_to_everyone(f"{home}/utbildningar/{sid}")

    await page.goto(f"{site}/utbildningar")
    item = page.locator(".result", has_text="Ledarskap i praktiken")
    assert "1 av 1 platser kvar" in await item.inner_text()
    await item.locator("a").click()
    assert page.url == f"{site}/utbildningar/{sid}"
    assert await page.inner_text("h1") == "Ledarskap i praktiken"

    # A private address is refused, said at the field and in the summary.
    await page.fill("#name", "Dana Dahl")
    await page.select_option("#agency", csn)
    await page.fill("#email", "dana@gmail.com")
    await page.click("form button[type=submit]")
    assert await page.is_visible(".error-summary")
    assert "din myndighets domän" in await page.inner_text("#email-error")
    await check.goto(page.url)
    await check.set_content(await page.content())
    found["registration form with errors"] = await serious(check)

    address = f"dana@{domain}"
    await page.fill("#email", address)
    await page.click("form button[type=submit]")
    assert await page.inner_text("h1") == "Kolla din e-post"

    text = await mailed(network, address, "Bekräfta din anmälan")
    confirm_url = re.search(r"http://\S+/utbildningar/bekrafta\?token=\S+", text).group(0)
    assert confirm_url.startswith(site)
    await page.goto(confirm_url)  # a GET shows, it does not confirm
    assert "Inte bekräftad än" in await page.inner_text("main")
    await shown_to_everyone(confirm_url.removeprefix(site))
    await page.click("text=Bekräfta anmälan")
    assert "du har en plats" in await page.inner_text("[role=status]")
    await mailed(network, address, "Du har en plats")

    await page.goto(f"{site}/utbildningar")
    item = page.locator(".result", has_text="Ledarskap i praktiken")
    assert "0 av 1 platser kvar" in await item.inner_text()
    await checker.close()
    await person.close()
    assert {path: v for path, v in found.items() if v} == {}


async def test_staff_of_a_seed_agency_register_with_their_work_address_with_no_setup(network):
    """A plain start: the seed gives CSN its domain, so nobody has to PATCH it first."""
    async with network.http("trainings") as trainings:
        session = await new_session(trainings, "csn", {"csn": 1}, "seed-domains")
        sid = session["session_id"]
        body = {"name": "Anna", "email": f"anna.e2e{network.run}@csn.se", "agency": "csn"}

        async def taken() -> bool:
            answer = await trainings.post(f"/sessions/{sid}/registrations", json=body)
            return answer.status_code == 202

        await wait_until(taken, timeout=30, what="a registration with an address at csn.se")
        text = await mailed(network, body["email"], "Bekräfta din anmälan")
        confirmed = await trainings.post(
            "/registrations/confirm", params={"token": link(text, "bekrafta")}
        )
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "registered"
