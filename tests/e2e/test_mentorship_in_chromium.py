"""Mentoring answered by the people themselves, against the whole network as processes: leadership
events in, a round, each person's own link from their mail in real Chromium (JavaScript off),
reminders, expiry and check-ins as the schedule moves time, figures, and erasure."""

import re
from datetime import date, datetime, timedelta

import asyncpg
import httpx
import pytest
from myndnet_kit.links import MENTORING_ANSWER, sign_link
from myndnet_mentoring.domain.match import add_months
from myndnet_schemas import ManagerAppointed, MentorVolunteered, parse
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_schemas.publisher import AgencyPublisher
from myndnet_testing import read_to_end, wait_until
from playwright.async_api import Browser, Page
from test_network_e2e import publisher_for, register
from test_site_in_chromium import serious_violations

pytestmark = [
    pytest.mark.integration,
    # People's links go through the site and mentoring's HTTP; the profiles do not differ here.
    pytest.mark.parametrize("network", ["open"], indirect=True),
]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


async def appoint(network, code: str, person_id: str, name: str, **more) -> None:
    publisher: AgencyPublisher = await publisher_for(network, code)
    common = {
        "person_id": person_id,
        "name": name,
        "email": f"{person_id}@{code}.example.se",
        "title": "Enhetschef",
        "competence_areas": ["digitalisering"],
        "languages": more.pop("languages", ["sv"]),
        "municipality": "Sundsvall",
    }
    try:
        if more.pop("mentor", False):
            await publisher.publish(
                MentorVolunteered(**common, years_as_manager=10, capacity=1, **more)
            )
        else:
            await publisher.publish(
                ManagerAppointed(**common, start_date=stockholm_today().isoformat(), **more)
            )
    finally:
        await publisher.stop()


async def known(network, path: str, person_id: str) -> bool:
    async with network.http("mentoring") as http:
        return any(p["person_id"] == person_id for p in (await http.get(path)).json())


async def mails(network, address: str, count: int) -> list:
    await wait_until(
        lambda: _has(network, address, count), timeout=30, what=f"{count} mails to {address}"
    )
    return network.mailbox.to(address)


async def _has(network, address: str, count: int) -> bool:
    return len(network.mailbox.to(address)) >= count


def link_in(message, path: str) -> str:
    found = re.search(rf"http://\S+{re.escape(path)}\?token=\S+", text_of(message))
    assert found, text_of(message)
    return found.group(0)


async def run_round(network) -> dict:
    async with network.http("mentoring") as http:
        return (await http.post("/matching/run")).json()


async def schedule(network, day: date) -> dict:
    async with network.http("mentoring") as http:
        answer = await http.post("/schedule/run", params={"as_of": day.isoformat()})
        assert answer.status_code == 200, answer.text
        return answer.json()


async def match_events(network, match_id: str) -> list:
    return [
        parse(r.headers, r.key, r.value)
        for r in await read_to_end(network.kafka, network.matches_topic)
        if r.key and r.key.decode() == match_id
    ]


async def answer(page: Page, url: str, choice: str) -> str:
    await page.goto(url)
    await page.click(f"button[value={choice}]")
    return await page.inner_text("h1")


async def test_both_accept_by_their_own_links_and_a_decline_brings_a_new_proposal(
    network, browser: Browser
):
    manager_agency, mentor_agency = await register(network, "ma"), await register(network, "mb")
    run = network.run
    await appoint(network, manager_agency, f"chef-{run}", "Erik Sjöberg")
    await appoint(network, mentor_agency, f"mentor-{run}", "Maria Holm", mentor=True)
    await wait_until(lambda: known(network, "/mentors", f"mentor-{run}"), what="the mentor")
    await wait_until(lambda: known(network, "/managers", f"chef-{run}"), what="the manager")
    [proposed] = (await run_round(network))["proposed"]
    match_id = proposed["match_id"]
    manager_mail = f"chef-{run}@{manager_agency}.example.se"
    mentor_mail = f"mentor-{run}@{mentor_agency}.example.se"
    manager_link = link_in((await mails(network, manager_mail, 1))[0], "/mentorskap/svar")
    mentor_link = link_in((await mails(network, mentor_mail, 1))[0], "/mentorskap/svar")
    assert manager_link != mentor_link

    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    # A GET shows the proposal to the one person, and changes nothing.
    await page.goto(mentor_link)
    assert "Erik Sjöberg" in await page.inner_text("main")
    assert await page.is_visible("button[value=accept]")
    async with network.http("mentoring") as http:
        [still] = [m for m in (await http.get("/matches")).json() if m["match_id"] == match_id]
    assert still["status"] == "proposed" and not still["mentor"]["accepted"]

    # The page passes axe-core (in a context of its own: axe is a script the test injects).
    checked = await browser.new_context(bypass_csp=True)
    axe_page = await checked.new_page()
    await axe_page.goto(mentor_link)
    assert await serious_violations(axe_page) == []
    await checked.close()

    assert await answer(page, manager_link, "accept") == "Tack för ditt ja"
    assert "väntar på den andras svar" in await page.inner_text("main")
    # Twice: the first answer stands.
    await page.goto(manager_link)
    assert "Du har tackat ja" in await page.inner_text("main")
    async with httpx.AsyncClient(base_url=network.url("web")) as http:
        again = await http.post(
            "/mentorskap/svar",
            data={"token": manager_link.split("token=")[1], "answer": "decline"},
        )
        assert again.status_code == 400 and "redan svarat" in again.text
        # A link changed to answer for the other person is no link of ours.
        token = manager_link.split("token=")[1]
        forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        refused = await http.get("/mentorskap/svar", params={"token": forged})
        assert refused.status_code == 400 and "inte giltig" in refused.text
        # After its day a link does nothing, and says so.
        old = sign_link(
            network.link_key,
            MENTORING_ANSWER,
            (match_id, "mentor"),
            stockholm_today() - timedelta(days=1),
        )
        expired = await http.post("/mentorskap/svar", data={"token": old, "answer": "accept"})
        assert expired.status_code == 400 and "gått ut" in expired.text

    assert await answer(page, mentor_link, "accept") == "Tack för ditt ja"
    assert "båda tackat ja" in await page.inner_text("main")
    accepted = [
        e
        for e in await match_events(network, match_id)
        if e.type == "se.myndnet.mentoring.match.accepted.v1"
    ]
    assert len(accepted) == 1
    told = await mails(network, manager_mail, 2)
    assert told[1]["Subject"] == "Ert mentorskap börjar: Maria Holm"
    assert mentor_mail in text_of(told[1])  # each other's work e-mail

    # A second manager declines by link; the next round proposes another mentor.
    await appoint(network, manager_agency, f"chef2-{run}", "Anna Berg")
    await appoint(network, mentor_agency, f"mentor2-{run}", "Olle Ek", mentor=True)
    await appoint(network, mentor_agency, f"mentor3-{run}", "Lisa Sund", mentor=True)
    for person in (f"mentor2-{run}", f"mentor3-{run}"):
        await wait_until(lambda p=person: known(network, "/mentors", p), what=person)
    await wait_until(lambda: known(network, "/managers", f"chef2-{run}"), what="manager 2")
    [first] = (await run_round(network))["proposed"]
    second_manager = f"chef2-{run}@{manager_agency}.example.se"
    link = link_in((await mails(network, second_manager, 1))[0], "/mentorskap/svar")
    assert await answer(page, link, "decline") == "Du har tackat nej"
    declined_mentor = first["mentor"].split("/")[1]
    declined_mentor_mail = f"{declined_mentor}@{mentor_agency}.example.se"
    kindly = await mails(network, declined_mentor_mail, 2)
    assert "blir inte av" in kindly[1]["Subject"]
    [again] = (await run_round(network))["proposed"]
    assert again["manager"] == first["manager"] and again["mentor"] != first["mentor"]
    await context.close()


async def test_reminder_expiry_check_ins_figures_and_erasure_as_the_schedule_moves(
    network, browser: Browser
):
    manager_agency, mentor_agency = await register(network, "sa"), await register(network, "sb")
    run = network.run
    name = f"Karin Lund {run}"  # the broker's mentoring topic is shared with earlier runs
    await appoint(network, manager_agency, f"tyst-{run}", name, languages=["en"])
    for n in (1, 2):
        await appoint(
            network,
            mentor_agency,
            f"m{n}-{run}",
            f"Per Nord {n} {run}",
            mentor=True,
            languages=["sv", "en"],
        )
        await wait_until(lambda n=n: known(network, "/mentors", f"m{n}-{run}"), what="mentor")
    await wait_until(lambda: known(network, "/managers", f"tyst-{run}"), what="the manager")
    [proposed] = ours(await run_round(network), f"tyst-{run}")
    respond_by = date.fromisoformat(await _respond_by(network, proposed))
    manager_mail = f"tyst-{run}@{manager_agency}.example.se"
    mentor_mail = mail_of(proposed["mentor"])
    mentor_name = f"Per Nord {proposed['mentor'].split('/')[1][1]} {run}"  # m1-… or m2-…
    first = (await mails(network, manager_mail, 1))[0]
    assert first["Subject"] == f"Proposed mentorship: {mentor_name}"  # she gave only English
    assert "/en/mentorskap/svar?token=" in text_of(first)

    assert (await schedule(network, respond_by - timedelta(days=2)))["reminded"] >= 1
    reminded = await mails(network, mentor_mail, 2)
    assert reminded[1]["Subject"].startswith("Påminnelse")
    assert (await schedule(network, respond_by - timedelta(days=1)))["reminded"] == 0  # once
    assert (await schedule(network, respond_by + timedelta(days=1)))["expired"] >= 1
    expired = await mails(network, manager_mail, 3)
    assert expired[2]["Subject"] == f"The proposed mentorship with {mentor_name} has expired"

    # Matched again, accepted by an operator for both; a month on, both are asked.
    [again] = ours(await run_round(network), f"tyst-{run}")
    async with network.http("mentoring") as http:
        accepted = await http.post(f"/matches/{again['match_id']}/accept", json={"by": "operator"})
        assert accepted.status_code == 200
    # A month from the day the service counts from: its acceptance, in Stockholm (a run can
    # cross midnight there while it is still yesterday on this machine's clock).
    accepted_on = datetime.fromisoformat(accepted.json()["accepted_at"]).astimezone(STOCKHOLM)
    month_on = add_months(accepted_on.date(), 1)
    assert (await schedule(network, month_on))["checkins"] >= 1
    second_mentor = mail_of(again["mentor"])
    await mails(network, second_mentor, 3)  # the proposal, accepted, the check-in (any order)
    [checkin_mail] = [
        m for m in network.mailbox.to(second_mentor) if m["Subject"].startswith("Hur går")
    ]
    assert checkin_mail["Subject"] == "Hur går mentorskapet? (1 mån)"
    checkin_link = link_in(checkin_mail, "/mentorskap/uppfoljning")

    checked = await browser.new_context(bypass_csp=True)
    axe_page = await checked.new_page()
    found = {}
    await axe_page.goto(link_in(first, "/mentorskap/svar"))  # English; the proposal expired
    assert await axe_page.get_attribute("html", "lang") == "en"
    found["proposal (en)"] = await serious_violations(axe_page)
    await axe_page.goto(checkin_link)
    found["check-in"] = await serious_violations(axe_page)
    await axe_page.click("button[type=submit]")
    found["check-in with errors"] = await serious_violations(axe_page)
    await checked.close()
    assert {where: v for where, v in found.items() if v} == {}

    page = await browser.new_page(java_script_enabled=False)
    await page.goto(checkin_link)
    await page.click("button[type=submit]")  # nothing filled in
    assert await page.is_visible(".error-summary")
    await page.check("#met-yes")
    await page.fill("#meetings", "2")
    await page.check("#satisfaction-4")
    await page.fill("#comment", "Mycket givande, hemligt för andra")
    await page.click("button[type=submit]")
    assert await page.inner_text("h1") == "Tack för dina svar"
    await page.goto(checkin_link)
    assert "redan svarat" in await page.inner_text("main")
    await page.close()

    recorded = [
        e
        for e in await match_events(network, again["match_id"])
        if e.type == "se.myndnet.mentoring.checkin.recorded.v1"
    ]
    assert [(e.data.role, e.data.month, e.data.met, e.data.satisfaction) for e in recorded] == [
        ("mentor", 1, True, 4)
    ]
    on_topic = await read_to_end(network.kafka, network.matches_topic)
    assert all(b"hemligt" not in (r.value or b"") for r in on_topic)  # never the comment
    async with network.http("mentoring") as http:
        figures = (await http.get("/programme/figures")).json()
        assert figures["checkin_answers"] >= 1 and figures["share_met"] is not None
        csv_text = (await http.get("/programme/figures", params={"format": "csv"})).text
        assert csv_text.startswith("measure,agency,value")

        # Erasure on request: the names and addresses are then in no table of either service.
        assert (await http.delete(f"/people/tyst-{run}")).json() == {"erased": 1}
        assert (await http.delete(f"/people/tyst-{run}")).status_code == 404
    await wait_until(lambda: _erased_everywhere(network, name, manager_mail), 30, what="erasure")

    # The mentor's mentorship ended with that erasure; 24 months on, their data goes by itself,
    # and the figures still count what they answered.
    mentor_name = f"Per Nord {again['mentor'].split('/')[1][1]} {run}"
    await schedule(network, add_months(stockholm_today(), 23))
    assert not await _erased_everywhere(network, mentor_name, second_mentor)  # not yet
    assert (await schedule(network, add_months(stockholm_today(), 24) + timedelta(days=1)))[
        "erased"
    ]
    await wait_until(
        lambda: _erased_everywhere(network, mentor_name, second_mentor), 30, what="erasure"
    )
    async with network.http("mentoring") as http:
        after = (await http.get("/programme/figures")).json()
    assert after["checkin_answers"] == figures["checkin_answers"]
    assert after["pairs"] == figures["pairs"]


def ours(round_result: dict, manager_id: str) -> list[dict]:
    """The round's proposals for this test's manager (the network's other tests have theirs)."""
    return [p for p in round_result["proposed"] if p["manager"].endswith(f"/{manager_id}")]


def mail_of(person: str) -> str:
    """A proposal names people `agency/person_id`; their work address is made from both."""
    agency, person_id = person.split("/")
    return f"{person_id}@{agency}.example.se"


async def _respond_by(network, proposed: dict) -> str:
    async with network.http("mentoring") as http:
        for match in (await http.get("/matches")).json():
            if match["match_id"] == proposed["match_id"]:
                return match["respond_by"]
    raise AssertionError("the proposal is not listed")


async def _erased_everywhere(network, name: str, address: str) -> bool:
    for service in ("mentoring", "notify"):
        conn = await asyncpg.connect(network.database_url(service))
        try:
            tables = [
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ]
            for table in tables:
                dump = await conn.fetchval(
                    f"SELECT coalesce(string_agg(t::text, ''), '') FROM {table} t"
                )
                if name in dump or address in dump:
                    return False
        finally:
            await conn.close()
    return True
