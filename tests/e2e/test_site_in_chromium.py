"""The public site in real Chromium (Debian's package, driven by Playwright), against the whole
network as processes: a candidate with JavaScript off searches, opens a vacancy, subscribes,
confirms from the mail, and manages the alerts; every page passes axe-core in both languages."""

import asyncio
import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

import asyncpg
import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from icalendar import Calendar
from myndnet_schemas import VacancyWithdrawn
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_testing import produce_raw, wait_until
from myndnet_testing import vacancy as example_vacancy
from playwright.async_api import Browser, Page
from test_network_e2e import publisher_for, register, searchable, sign_in_link, sign_in_links

pytestmark = [
    pytest.mark.integration,
    # The site reads the services over HTTP; the secure profile changes nothing it does.
    pytest.mark.parametrize("network", ["open"], indirect=True),
]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Google's JobPosting properties (developers.google.com/search/docs/appearance/structured-data/
# job-posting). `baseSalary` is recommended too, but the contract's vacancies carry no salary.
GOOGLE_REQUIRED = ("datePosted", "description", "hiringOrganization", "title")
GOOGLE_RECOMMENDED = ("validThrough", "employmentType", "identifier", "directApply")


def job_posting_problems(posting: dict) -> list[str]:
    """What a JobPosting lacks of Google's required and recommended properties."""
    problems = [
        f"no {name}"
        for name in (*GOOGLE_REQUIRED, *GOOGLE_RECOMMENDED)
        if posting.get(name) in (None, "", [], {})
    ]
    if posting.get("@type") != "JobPosting" or "schema.org" not in posting.get("@context", ""):
        problems.append("not a schema.org JobPosting")
    if not posting.get("hiringOrganization", {}).get("name"):
        problems.append("hiringOrganization has no name")
    address = posting.get("jobLocation", {}).get("address", {})
    remote = posting.get("jobLocationType") == "TELECOMMUTE"
    if not remote and not (address.get("addressLocality") and address.get("addressCountry")):
        problems.append("an on-site job without jobLocation.address")
    if remote and not posting.get("applicantLocationRequirements"):
        problems.append("a remote job without applicantLocationRequirements")
    identifier = posting.get("identifier", {})
    if not (identifier.get("name") and identifier.get("value")):
        problems.append("identifier without name and value")
    if posting.get("validThrough") and "T" not in posting["validThrough"]:
        problems.append("validThrough is not a date-time")
    return problems


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


async def mail_count(network, address: str, count: int) -> bool:
    return len(network.mailbox.to(address)) >= count


async def vacancies_of(network, code: str, *vacancies) -> None:
    publisher = await publisher_for(network, code)
    try:
        for v in vacancies:
            await publisher.publish(v)
    finally:
        await publisher.stop()


def job(vacancy_id: str, title: str, **changes):
    return example_vacancy(vacancy_id, today=stockholm_today(), title=title, **changes)


async def manage_token_for(network, address: str) -> str:
    """Sign up through notify's API and confirm: the preference centre's token."""
    async with network.http("notify") as http:
        before = len(network.mailbox.to(address))
        await http.post("/subscriptions", json={"email": address, "filters": {}})
        await wait_until(lambda: mail_count(network, address, before + 1), what="confirmation")
        token = re.search(r"bekrafta\?token=(\S+)", text_of(network.mailbox.to(address)[-1]))
        confirmed = await http.post("/subscriptions/confirm", json={"token": token.group(1)})
        return confirmed.json()["manage_token"]


async def serious_violations(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def test_every_page_has_no_serious_accessibility_violation_in_both_languages(
    network, browser: Browser
):
    code = await register(network, "w")
    async with network.http("membership") as http:
        await http.patch(f"/agencies/{code}", json={"website": "https://www.example.se"})
    await vacancies_of(
        network,
        code,
        job("W-1", "Utredare inom skatteområdet", occupation_field="investigation"),
        job("W-2", "Systemutvecklare på distans", remote="remote"),
    )
    await searchable(network, {"agency": code}, 2)
    token = await manage_token_for(network, "tillganglig@example.org")
    site = network.url("web")
    context = await browser.new_context(bypass_csp=True)  # axe is injected by the test
    page = await context.new_page()
    found: dict[str, list[str]] = {}
    for home in ("", "/en"):
        for path in (
            "/",
            "/jobb",
            f"/jobb?occupation_field=investigation&agency={code}",
            f"/jobb/{code}/W-1",
            f"/jobb/{code}/W-2",
            f"/myndigheter/{code}",
            "/bevakning",
            f"/bevakning/hantera?token={token}",
            f"/bevakning/avsluta?token={token}",
            f"/bevakning/bekraftad?token={token}",
        ):
            response = await page.goto(f"{site}{home}{path}")
            assert response is not None and response.status == 200, f"{home}{path}"
            assert await page.get_attribute("html", "lang") == ("en" if home else "sv")
            found[f"{home}{path}"] = await serious_violations(page)
        # The sign-up form with its errors shown (the error summary and the fields' messages).
        await page.goto(f"{site}{home}/bevakning")
        await page.fill("#email", "inte-en-adress")
        await page.click("form[action$='/bevakning'] button[type=submit]")
        assert await page.is_visible(".error-summary")
        found[f"{home}/bevakning (errors)"] = await serious_violations(page)
    await context.close()
    assert {path: v for path, v in found.items() if v} == {}


async def test_the_network_as_one_employer_and_the_students_page_in_both_languages(
    network, browser: Browser
):
    """/jobba-hos-oss shows an agency's employer profile and open vacancies beside the state's
    terms with their sources; /student lists a thesis topic from the register and leads to a
    saved search for students; both pages, in Swedish and English (/en/work-with-us,
    /en/students), pass axe, and each language's link leads to the other's address."""
    code = await register(network, "arbetsgivare")
    profile = {
        "sv": {"tagline": "Vi gör skatter begripliga", "benefits": ["Friskvård"]},
        "en": {"tagline": "We make taxes make sense"},
    }
    async with network.http("membership") as http:
        answer = await http.patch(f"/agencies/{code}", json={"profile": profile})
        assert answer.status_code == 200, answer.text
    await vacancies_of(
        network,
        code,
        job(
            "S-1",
            "Examensarbete om e-tjänster",
            employment_type="thesis",
            target_groups=["students"],
        ),
    )
    await searchable(network, {"agency": code}, 1)
    site = network.url("web")
    context = await browser.new_context(bypass_csp=True)  # axe is injected by the test
    page = await context.new_page()
    found: dict[str, list[str]] = {}
    for work, students, other_work, tagline in (
        ("/jobba-hos-oss", "/student", "/en/work-with-us", "Vi gör skatter begripliga"),
        ("/en/work-with-us", "/en/students", "/jobba-hos-oss", "We make taxes make sense"),
    ):
        response = await page.goto(f"{site}{work}")
        assert response is not None and response.status == 200
        main = await page.inner_text("main")
        assert tagline in main and "PA 16" in main and "Arbetsgivarverket" in main
        other = page.locator("nav a[hreflang]")
        assert await other.get_attribute("href") == other_work
        found[work] = await serious_violations(page)
        response = await page.goto(f"{site}{students}")
        assert response is not None and response.status == 200
        assert "Examensarbete om e-tjänster" in await page.inner_text("main")
        found[students] = await serious_violations(page)
        await page.click("main .panel a.button")
        assert "/bevakning" in page.url and "target_group=students" in page.url
        assert await page.locator("#target_group").input_value() == "students"
    moved = await page.goto(f"{site}/en/jobba-hos-oss")
    assert moved is not None and page.url == f"{site}/en/work-with-us"
    await context.close()
    assert {path: v for path, v in found.items() if v} == {}


async def test_open_events_are_listed_and_shown_in_both_languages_with_a_calendar_file(
    network, browser: Browser
):
    """An open event planned through outreach's API is on /evenemang and has its page, both
    axe-clean in Swedish and English (the English page shows the Swedish title marked as
    Swedish when there is no English one), and its .ics parses with the icalendar library."""
    code = await register(network, "evenemang")
    day = stockholm_today() + timedelta(days=20)
    async with network.http("outreach") as http:
        created = await http.post(
            "/open-events",
            json={
                "title": {"sv": "Campusbesök på Mittuniversitetet"},
                "text": {"sv": "Vi berättar om jobben.\n\nVälkommen!", "en": "Meet us."},
                "kind": "campus_visit",
                "starts_at": f"{day.isoformat()}T12:00:00+01:00",
                "ends_at": f"{day.isoformat()}T13:30:00+01:00",
                "place": "Mittuniversitetet, Sundsvall",
                "hosts": [code],
                "target_groups": ["students"],
                "registration_deadline": (day - timedelta(days=1)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    site = network.url("web")
    context = await browser.new_context(bypass_csp=True, accept_downloads=True)
    page = await context.new_page()
    found: dict[str, list[str]] = {}
    for home in ("", "/en"):
        response = await page.goto(f"{site}{home}/evenemang")
        assert response is not None and response.status == 200
        await page.click(f"a[href='{home}/evenemang/{event_id}']")
        main = await page.inner_text("main")
        assert "Campusbesök på Mittuniversitetet" in main and "Myndigheten EVENEMANG" in main
        assert "12:00" in main
        if home:
            assert await page.get_attribute("h1", "lang") == "sv" and "Meet us." in main
        found[f"{home}/evenemang/{event_id}"] = await serious_violations(page)
        await page.goto(f"{site}{home}/evenemang")
        found[f"{home}/evenemang"] = await serious_violations(page)
        await page.goto(f"{site}{home}/{'students' if home else 'student'}")
        assert "Campusbesök på Mittuniversitetet" in await page.inner_text("#events + ul")
    async with httpx.AsyncClient(base_url=site, timeout=30) as http:
        answer = await http.get(f"/evenemang/{event_id}.ics")
    assert answer.headers["content-type"].startswith("text/calendar")
    [entry] = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(entry["summary"]) == "Campusbesök på Mittuniversitetet"
    assert entry.decoded("dtstart").astimezone(STOCKHOLM).strftime("%H:%M") == "12:00"
    await context.close()
    assert {path: v for path, v in found.items() if v} == {}


async def test_a_candidate_without_javascript_finds_subscribes_confirms_and_manages(
    network, browser: Browser
):
    code = await register(network, "s")
    await vacancies_of(
        network,
        code,
        job("S-1", "Utredare av skattebrott", occupation_field="investigation"),
        job("S-2", "Utredare inom tull", occupation_field="investigation", remote="remote"),
        job("S-3", "Nätverkstekniker", occupation_field="it"),
    )
    await searchable(network, {"agency": code}, 3)
    site, address = network.url("web"), "jobbsokare@example.org"
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()

    # Search with the form, as a person does.
    await page.goto(f"{site}/jobb")
    await page.fill("#q", "utredare")
    await page.select_option("#agency", code)
    await page.click("form.filters button[type=submit]")
    assert "2 lediga jobb" in await page.inner_text("#found-title")
    titles = await page.locator(".result-title a").all_inner_texts()
    assert sorted(titles) == ["Utredare av skattebrott", "Utredare inom tull"]
    # Counts per filter value are shown beside the values.
    assert "(2)" in await page.inner_text("#occupation_field")

    # A vacancy's page: its canonical address and its JobPosting.
    await page.click("text=Utredare inom tull")
    assert page.url == f"{site}/jobb/{code}/S-2"
    canonical = await page.get_attribute("link[rel=canonical]", "href")
    assert canonical == f"{site}/jobb/{code}/S-2"
    posting = json.loads(await page.inner_text("script[type='application/ld+json']"))
    assert job_posting_problems(posting) == []
    assert posting["jobLocationType"] == "TELECOMMUTE"
    await page.go_back()

    # Subscribe from the search: its filters come along.
    await page.click("text=Bevaka den här sökningen")
    assert await page.input_value("#agency") == code
    assert await page.input_value("#keywords") == "utredare"
    await page.fill("#email", address)
    await page.check("#frequency-immediate")
    await page.click("form[action='/bevakning'] button[type=submit]")
    assert await page.inner_text("h1") == "Kolla din e-post"

    await wait_until(lambda: mail_count(network, address, 1), what="the confirmation")
    link = re.search(
        r"http://\S+/bevakning/bekrafta\?token=\S+", text_of(network.mailbox.to(address)[0])
    )
    assert link and link.group(0).startswith(site)
    await page.goto(link.group(0))
    assert await page.inner_text("h1") == "Din bevakning är bekräftad"

    # An alert carries the preference centre's link.
    await vacancies_of(network, code, job("S-4", "Utredare, ekonomisk brottslighet"))
    await wait_until(lambda: mail_count(network, address, 2), what="the alert")
    alert = network.mailbox.to(address)[1]
    assert alert["Subject"] == "Nytt jobb: Utredare, ekonomisk brottslighet"
    manage = re.search(r"http://\S+/bevakning/hantera\?token=\S+", text_of(alert)).group(0)
    await page.goto(manage)
    assert await page.inner_text("h1") == "Dina jobbevakningar"

    # A second saved search, for IT jobs at once; then the first one goes weekly.
    await page.select_option("#occupation_field", "it")
    await page.select_option("#agency", code)
    await page.check("#frequency-immediate")
    await page.click("button[value=add]")
    assert "Bevakningen är tillagd" in await page.inner_text("[role=status]")
    assert await page.locator("section.saved form button[value=change]").count() == 2
    await page.check("#s1-frequency-weekly")
    await page.click("section.saved:first-of-type button[value=change]")
    assert "Bevakningen är ändrad" in await page.inner_text("[role=status]")
    assert await page.is_checked("#s1-frequency-weekly")
    assert await page.is_checked("#s2-frequency-immediate")

    # News from the network is a consent of its own: not given at sign-up, given here.
    assert "Du får inga nyheter" in await page.inner_text("#news-title + p")
    await page.click("button[value=news_yes]")
    assert "Du får nyheter från nätverket från och med nu" in await page.inner_text("[role=status]")
    async with network.http("notify") as http:
        token = manage.split("token=")[1]
        shown = await http.get("/preferences", headers={"X-Manage-Token": token})
    assert shown.json()["news"] is True

    await vacancies_of(
        network,
        code,
        job("S-5", "Utredare till gränsskyddet", occupation_field="investigation"),
        job("S-6", "Driftstekniker", occupation_field="it"),
    )
    await wait_until(lambda: mail_count(network, address, 3), what="the IT alert")
    await network.mail_settled()  # an alert that should not come would be sent by now
    subjects = [m["Subject"] for m in network.mailbox.to(address)[2:]]
    assert subjects == ["Nytt jobb: Driftstekniker"]  # S-5 waits for the weekly digest

    # The IT alert's unsubscribe link (notify's, as mail clients show it) leads to the site's
    # page in the search's language; its button ends that search only.
    async def active_searches() -> int:
        await page.goto(manage)
        texts = await page.locator("section.saved").all_inner_texts()
        return sum("Aktiv" in text for text in texts)

    assert await active_searches() == 2
    it_alert = network.mailbox.to(address)[2]
    await page.goto(it_alert["List-Unsubscribe"].strip("<>"))
    assert page.url.startswith(f"{site}/bevakning/avsluta?token=")
    assert await page.inner_text("h1") == "Avsluta bevakningen?"
    await page.click("main form button[type=submit]")
    assert await page.inner_text("h1") == "Bevakningen är avslutad"
    assert await active_searches() == 1  # the other one goes on
    await context.close()


async def test_the_sitemap_lists_exactly_the_open_vacancies_and_a_withdrawn_one_is_gone(
    network, browser: Browser
):
    code = await register(network, "k")
    more = [job(f"K-{n}", f"Handläggare {n}") for n in range(3, 24)]
    await vacancies_of(network, code, job("K-1", "Jurist"), job("K-2", "Controller"), *more)
    await searchable(network, {"agency": code, "limit": 100}, 23)
    await vacancies_of(
        network, code, VacancyWithdrawn(vacancy_id="K-2", revision=2, reason="filled")
    )
    await searchable(network, {"agency": code, "status": "closed"}, 1)
    site = network.url("web")
    async with httpx.AsyncClient(base_url=site) as http:
        sitemap = ET.fromstring((await http.get("/sitemap.xml")).content)
        pages = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
        ours = {p for p in pages if f"/jobb/{code}/" in p}
        assert ours == {f"{site}/jobb/{code}/K-{n}" for n in range(1, 24) if n != 2}
        async with network.http("vacancies") as api:
            listed = (await api.get("/vacancies", params={"limit": 100})).json()["items"]
        every_open = {f"{site}/jobb/{v['agency']}/{v['vacancy_id']}" for v in listed}
        assert {p for p in pages if "/jobb/" in p} == every_open
        gone = await http.get(f"/jobb/{code}/K-2")
        assert gone.status_code == 410 and "inte längre ledigt" in gone.text
        assert (await http.get(f"/en/jobb/{code}/K-2")).status_code == 410
        assert (await http.get(f"/jobb/{code}/NOPE")).status_code == 404
        robots = (await http.get("/robots.txt")).text
        assert f"Sitemap: {site}/sitemap.xml" in robots and "Disallow: /bevakning/hantera" in robots
    page = await browser.new_page(java_script_enabled=False)
    await page.goto(f"{site}/jobb?agency={code}")
    assert "Visar 1–20 av 22" in await page.inner_text(".found")
    first = await page.locator(".result-title a").all_inner_texts()
    await page.click("text=Nästa sida")
    assert "Visar 21–22 av 22" in await page.inner_text(".found")
    rest = await page.locator(".result-title a").all_inner_texts()
    assert len(first) == 20 and len(set(first) | set(rest)) == 22
    await page.click("text=Första sidan")
    assert "Visar 1–20 av 22" in await page.inner_text(".found")
    response = await page.goto(f"{site}/jobb/{code}/K-2")
    assert response is not None and response.status == 410
    assert await page.inner_text("h1") == "Jobbet är inte längre ledigt"
    await page.close()


async def test_hostile_input_in_every_field_and_address_never_gives_a_server_error(network):
    from hostile_strings import IN_QUERIES

    code = await register(network, "h")
    await vacancies_of(network, code, job("H-1", "Registrator"))
    await searchable(network, {"agency": code}, 1)
    fields = ("q", "agency", "occupation_field", "municipality", "employment_type")
    fields += ("target_group", "remote", "cursor", "start", "token", "klart")
    answers: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=network.url("web"), timeout=30) as http:
        for text in [*IN_QUERIES, "x" * 5000, "%", "../../etc/passwd"]:
            for home in ("", "/en"):
                for path in ("/jobb", "/bevakning", "/bevakning/hantera", "/bevakning/bekrafta"):
                    params = dict.fromkeys(fields, text)
                    response = await http.get(f"{home}{path}", params=params)
                    answers[f"GET {home}{path} {text!r}"] = response.status_code
                segment = quote(text, safe="")
                for path in (f"/jobb/{code}/{segment}", f"/myndigheter/{segment}"):
                    response = await http.get(f"{home}{path}")
                    answers[f"GET {home}{path}"] = response.status_code
                form = {name: text for name in ("email", "frequency", "keywords", *fields)}
                for path, extra in (("/bevakning", {}), ("/bevakning/hantera", {"action": "add"})):
                    response = await http.post(f"{home}{path}", data={**form, **extra})
                    answers[f"POST {home}{path} {text!r}"] = response.status_code
                # Staff's pages, signed out (and a cookie that is not ours).
                staff_form = {"email": text, "token": text, "csrf_token": text}
                for path in (
                    "/logga-in",
                    "/logga-ut",
                    f"/samordning/myndigheter/{code}",
                ):
                    response = await http.post(
                        f"{home}{path}",
                        data=staff_form,
                        headers={"Cookie": f"myndnet_session={segment}"},
                    )
                    answers[f"POST {home}{path} {text!r}"] = response.status_code
                response = await http.get(f"{home}/logga-in/lank", params={"token": text})
                answers[f"GET {home}/logga-in/lank {text!r}"] = response.status_code
        # A well-formed link that notify does not know (expired, erased): every action of the
        # preference centre says the link does not work.
        for action in ("change", "pause", "resume", "remove", "add", "stop_all", "erase"):
            form = {
                "token": "x" * 43,
                "action": action,
                "search_id": "s-00ab",
                "frequency": "daily",
            }
            response = await http.post("/bevakning/hantera", data=form)
            answers[f"POST /bevakning/hantera {action} unknown token"] = response.status_code
            assert response.status_code == 400 and "Länken fungerar inte" in response.text
    assert {where: status for where, status in answers.items() if status >= 500} == {}
    # 303: a signed-out visitor sent to the sign-in page; 429: the sign-in links' limit.
    assert set(answers.values()) <= {200, 303, 400, 404, 429}


async def violations_shown(check: Page, page: Page) -> list[str]:
    """axe's serious violations in what `page` (JavaScript off) shows, checked in `check`, at
    the site's origin so that its style sheet applies."""
    await check.goto(page.url)
    await check.set_content(await page.content())
    return await serious_violations(check)


async def test_staff_sign_in_and_out_without_javascript_and_every_page_passes_axe(
    network, browser: Browser
):
    """Ask for a link (with an error first), open it from the mail, see the account, sign out:
    in both languages, with JavaScript off, each page checked by axe."""
    staff = f"axe.{network.run}@csn.se"
    site = network.url("web")
    checker = await browser.new_context(bypass_csp=True)  # axe is injected by the test
    check = await checker.new_page()
    person = await browser.new_context(java_script_enabled=False)
    page = await person.new_page()
    found: dict[str, list[str]] = {}

    async def checked(name: str) -> None:
        found[name] = await violations_shown(check, page)

    for number, home in enumerate(("", "/en"), start=1):
        await page.goto(f"{site}{home}/logga-in")
        await checked(f"{home}/logga-in")
        await page.fill("#email", "inte-en-adress")
        await page.click("main form button[type=submit]")
        assert await page.is_visible(".error-summary")
        assert await page.get_attribute("#email", "aria-invalid") == "true"
        await checked(f"{home}/logga-in (errors)")
        await page.fill("#email", staff)
        await page.click("main form button[type=submit]")
        assert page.url == f"{site}{home}/logga-in/skickat"
        await checked(f"{home}/logga-in/skickat")
        path = await sign_in_link(network, staff, count=number)
        await page.goto(f"{site}{path}")  # the link signs in and leads to the account
        assert page.url == f"{site}{home}/konto"
        assert staff in await page.inner_text("main")
        await checked(f"{home}/konto")
        await page.click("main form button[type=submit]")
        assert page.url == f"{site}{home}/logga-in/utloggad"
        await checked(f"{home}/logga-in/utloggad")
    await checker.close()
    await person.close()
    assert {path: v for path, v in found.items() if v} == {}


async def test_the_console_works_without_javascript_and_every_page_passes_axe(
    network, browser: Browser
):
    """The network's coordinator signs in from the mail and, with JavaScript off, in both
    languages: sees the report (with a wrong period first), downloads rapport.csv (a row per
    agency and one for the network, with vacancies' own figures), sets an agency's e-mail
    domains and website (with an error first), issues an HTTP key, replays a dead letter and
    runs a matching round, and reads the log; each page checked by axe. Staff who coordinate
    nothing get 403."""
    coordinator = "samordnare@myndnet.test"
    code = await register(network, "axekonsol")
    domain = f"axekonsol.e2e{network.run}.example.se"
    publisher = await publisher_for(network, code)
    try:
        await publisher.publish(example_vacancy("K-1", today=stockholm_today(), title="Jurist"))
    finally:
        await publisher.stop()
    await searchable(network, {"agency": code}, 1)
    await produce_raw(network.login(code), f"hr.{code}.vacancies", [(b"x", b"{not json", [])])
    site = network.url("web")
    checker = await browser.new_context(bypass_csp=True)
    check = await checker.new_page()
    person = await browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = await person.new_page()
    found: dict[str, list[str]] = {}

    async def checked(name: str) -> None:
        found[name] = await violations_shown(check, page)

    async def dead_letter_listed() -> bool:
        async with network.http("vacancies") as http:
            entries = (await http.get("/dlq")).json()["entries"]
        return any(e["topic"] == f"hr.{code}.vacancies" for e in entries)

    await wait_until(dead_letter_listed, timeout=30, what="the dead letter")
    await page.goto(f"{site}/logga-in")
    await page.fill("#email", coordinator)
    await page.click("main form button[type=submit]")
    await page.goto(f"{site}{await sign_in_link(network, coordinator)}")
    for home in ("", "/en"):  # every action in Swedish; English shows the same pages
        swedish = home == ""
        await page.goto(f"{site}{home}/samordning?from=31/12&to=")
        assert await page.is_visible(".error-summary")
        await checked(f"{home}/samordning (a wrong period)")
        await page.goto(f"{site}{home}/samordning")
        assert await page.locator("svg.bars").count() >= 1
        await checked(f"{home}/samordning")
        if not swedish:
            await page.goto(f"{site}{home}/samordning/myndigheter/{code}")
            await checked(f"{home}/samordning/myndigheter/{code}")
            await page.goto(f"{site}{home}/samordning/dlq")
            await checked(f"{home}/samordning/dlq")
            await page.goto(f"{site}{home}/samordning/logg")
            assert coordinator in await page.inner_text("main")
            await checked(f"{home}/samordning/logg")
            continue
        async with page.expect_download() as downloading:
            await page.click("a[href*='/samordning/rapport.csv']")
        download = await downloading.value
        text = await asyncio.to_thread(Path(await download.path()).read_text, "utf-8")
        rows = {r["agency"]: r for r in csv.DictReader(io.StringIO(text))}
        async with network.http("vacancies") as http:
            own = (await http.get("/figures")).json()
        assert code in rows and "network" in rows
        assert rows["network"]["vacancies_open"] == str(own["network"]["open_now"])

        await page.click(f"a[href='{home}/samordning/myndigheter/{code}']")
        await checked(f"{home}/samordning/myndigheter/{code}")
        await page.fill("#website", "http://inte-https.example.se")
        await page.click("main form button[type=submit]")
        assert await page.is_visible(".error-summary")
        assert await page.get_attribute("#website", "aria-invalid") == "true"
        await checked(f"{home}/samordning/myndigheter/{code} (errors)")
        await page.fill("#website", "https://www.example.se/sv")
        await page.fill("#email_domains", domain)
        await page.fill("#profile_sv_tagline", "Tagline sv")
        await page.fill("#profile_sv_benefits", "Flextid\nFriskvård")
        await page.click("main form button[type=submit]")
        assert await page.is_visible("[role=status]")
        await checked(f"{home}/samordning/myndigheter/{code} (saved)")
        async with network.http("membership") as http:
            agency = (await http.get(f"/agencies/{code}")).json()
        assert agency["email_domains"] == [domain]
        assert agency["profile"]["sv"]["benefits"] == ["Flextid", "Friskvård"]
        await page.goto(f"{site}{home}/myndigheter/{code}")
        assert "Tagline sv" in await page.inner_text("main")
        await checked(f"{home}/myndigheter/{code} (the employer profile)")
        await page.goto(f"{site}{home}/samordning/myndigheter/{code}")
        await page.click("form[action$='/nycklar'] button[type=submit]")
        assert (await page.inner_text("#key")).startswith("mnk_")
        await checked(f"{home}/samordning/myndigheter/{code}/nycklar (the key, once)")

        await page.goto(f"{site}{home}/samordning/dlq")
        await checked(f"{home}/samordning/dlq")
        await page.check("input[name=entry] >> nth=0")
        await page.click("main form button[type=submit]")
        assert await page.is_visible("[role=status]")
        await checked(f"{home}/samordning/dlq (replayed)")
        await page.goto(f"{site}{home}/samordning")
        await page.click("form[action$='/samordning/matchning'] button[type=submit]")
        assert await page.is_visible(".panel")
        await checked(f"{home}/samordning/matchning")

        await page.goto(f"{site}{home}/samordning/logg")
        log = await page.inner_text("main")
        assert coordinator in log
        await checked(f"{home}/samordning/logg")
    assert "Körde en matchningsomgång" in log and "Skickade händelser igen" in log
    assert "e-postdomäner" in log
    await checker.close()
    await person.close()
    assert {path: v for path, v in found.items() if v} == {}

    staff = await browser.new_context(java_script_enabled=False)
    tab = await staff.new_page()
    address = f"staff@{domain}"
    await tab.goto(f"{site}/logga-in")
    await tab.fill("#email", address)
    await tab.click("main form button[type=submit]")
    await tab.goto(f"{site}{await sign_in_link(network, address)}")
    answer = await tab.goto(f"{site}/samordning")
    assert answer is not None and answer.status == 403
    await staff.close()


async def test_a_student_registers_without_javascript_and_a_waiting_one_is_promoted(
    network, browser: Browser
):
    """A student registers for the last seat of an open event with JavaScript off, confirms
    from the mail and downloads the event's calendar file; a second one (in English) confirms
    onto the waiting list and is promoted, once, when the first cancels from her mail. Every
    page passes axe in both languages."""
    code = await register(network, "anmalan")
    day = stockholm_today() + timedelta(days=10)
    async with network.http("outreach") as http:
        created = await http.post(
            "/open-events",
            json={
                "title": {"sv": "Karriärdag för studenter", "en": "Career day for students"},
                "text": {"sv": "Träffa myndigheterna.", "en": "Meet the agencies."},
                "kind": "career_fair",
                "starts_at": f"{day.isoformat()}T10:00:00+01:00",
                "ends_at": f"{day.isoformat()}T15:00:00+01:00",
                "place": "Mittuniversitetet, Sundsvall",
                "hosts": [code],
                "target_groups": ["students"],
                "seats": 1,
                "registration_deadline": (day - timedelta(days=1)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    site = network.url("web")
    ada, bo = f"ada.{network.run}@example.org", f"bo.{network.run}@example.org"
    context = await browser.new_context(java_script_enabled=False, accept_downloads=True)
    page, check = await context.new_page(), await browser.new_page(bypass_csp=True)
    found: dict[str, list[str]] = {}

    async def mailed(address: str, subject: str, count: int = 1) -> str:
        def matching() -> list:
            return [m for m in network.mailbox.to(address) if subject in str(m["Subject"])]

        async def arrived() -> bool:
            return len(matching()) >= count

        await wait_until(arrived, timeout=30, what=f"mail '{subject}' to {address}")
        return text_of(matching()[-1])

    def link(text: str, path: str) -> str:
        found_link = re.search(rf"(http\S+{path}\?token=\S+)", text)
        assert found_link, text
        return found_link.group(1)

    async def register_as(home: str, name: str, address: str) -> None:
        await page.goto(f"{site}{home}/evenemang/{event_id}")
        await page.fill("#name", name)
        await page.fill("#email", address)
        await page.click(f"form[action='{home}/evenemang/{event_id}'] button[type=submit]")
        assert page.url == f"{site}{home}/evenemang/{event_id}/skickat"

    # The form's errors, tied to the fields.
    await page.goto(f"{site}/evenemang/{event_id}")
    found["event page"] = await violations_shown(check, page)
    await page.click(f"form[action='/evenemang/{event_id}'] button[type=submit]")
    assert "Ange ditt namn" in await page.inner_text("#name-error")
    found["event page with errors"] = await violations_shown(check, page)

    # Ada registers, says yes to news, and confirms from her mail: the last seat is hers.
    await page.fill("#name", "Ada Student")
    await page.fill("#email", ada)
    await page.check("#news")
    await page.click(f"form[action='/evenemang/{event_id}'] button[type=submit]")
    assert await page.inner_text("h1") == "Kolla din e-post"
    confirm = link(await mailed(ada, "Bekräfta din anmälan: Karriärdag"), "/evenemang/bekrafta")
    await page.goto(confirm)
    assert "Inte bekräftad än" in await page.inner_text("main")
    found["confirm link"] = await violations_shown(check, page)
    await page.click("form[action='/evenemang/bekrafta'] button")
    assert "du har en plats" in await page.inner_text("main")
    found["confirmed"] = await violations_shown(check, page)
    async with page.expect_download() as download:
        await page.click(f"a[href='/evenemang/{event_id}.ics']")
    saved = Path(await (await download.value).path())
    calendar = Calendar.from_ical(await asyncio.to_thread(saved.read_bytes))
    [entry] = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Karriärdag för studenter"
    assert entry.decoded("dtstart").astimezone(STOCKHOLM).strftime("%H:%M") == "10:00"
    seat = await mailed(ada, "Du har en plats: Karriärdag")
    assert f"/evenemang/{event_id}.ics" in seat

    # Bo registers in English: the seat is taken, so he waits, first in line.
    await register_as("/en", "Bo Student", bo)
    confirm = link(await mailed(bo, "Confirm your registration"), "/en/evenemang/bekrafta")
    await page.goto(confirm)
    found["en confirm link"] = await violations_shown(check, page)
    await page.click("form[action='/en/evenemang/bekrafta'] button")
    assert "number 1 on the waiting list" in await page.inner_text("main")
    found["en waiting"] = await violations_shown(check, page)
    assert "number 1 on the waiting list" in await mailed(bo, "You are on the waiting list")

    # Registering again sends nothing new.
    await register_as("", "Ada Student", ada.upper())

    # Ada cancels from her mail (twice: the second changes nothing); Bo gets the seat, once.
    cancel = link(seat, "/evenemang/avboka")
    await page.goto(cancel)
    found["cancel link"] = await violations_shown(check, page)
    await page.click("form[action='/evenemang/avboka'] button")
    assert "avbokad" in await page.inner_text("main")
    found["cancelled"] = await violations_shown(check, page)
    async with httpx.AsyncClient(base_url=site, timeout=30) as http:
        again = await http.post("/evenemang/avboka", data={"token": cancel.split("token=")[1]})
    assert again.status_code == 200 and "avbokad" in again.text
    assert "a seat has become free" in await mailed(bo, "You now have a seat")
    await mailed(ada, "Din anmälan är avbokad")
    await network.mail_settled()
    assert len([m for m in network.mailbox.to(bo) if "You now have a seat" in m["Subject"]]) == 1
    assert len([m for m in network.mailbox.to(ada) if "Bekräfta" in m["Subject"]]) == 1
    await page.goto(f"{site}/en/evenemang/{event_id}")
    found["en event page"] = await violations_shown(check, page)
    await context.close()
    await check.close()
    assert {where: v for where, v in found.items() if v} == {}

    # The registration no longer holds Ada's name or address; her link shows it cancelled.
    async with network.http("outreach") as http:
        shown = await http.get("/registrations/cancel", params={"token": cancel.split("token=")[1]})
    assert shown.json()["status"] == "cancelled" and shown.json()["name"] is None
    assert ada not in network.log_text()


async def test_the_console_plans_and_cancels_open_events_and_campaigns_without_javascript(
    network, browser: Browser
):
    """The network's coordinator plans an open event and a campaign in the console with
    JavaScript off (each form's errors first), sees the campaign's audience before scheduling
    it, schedules and cancels it, and cancels the event; every page passes axe in both
    languages, and the log has words for each step."""
    coordinator = "samordnare@myndnet.test"
    code = await register(network, "konsolevenemang")
    site = network.url("web")
    checker = await browser.new_context(bypass_csp=True)
    check = await checker.new_page()
    person = await browser.new_context(java_script_enabled=False)
    page = await person.new_page()
    found: dict[str, list[str]] = {}

    async def checked(name: str) -> None:
        found[name] = await violations_shown(check, page)

    earlier = len(sign_in_links(network, coordinator))  # another test may have signed in
    await page.goto(f"{site}/logga-in")
    await page.fill("#email", coordinator)
    await page.click("main form button[type=submit]")
    await page.goto(f"{site}{await sign_in_link(network, coordinator, earlier + 1)}")
    assert "/konto" in page.url
    for home in ("/en", ""):
        await page.goto(f"{site}{home}/samordning/evenemang")
        await checked(f"{home}/samordning/evenemang")
        await page.goto(f"{site}{home}/samordning/kampanjer")
        await checked(f"{home}/samordning/kampanjer")

    # An open event: the errors first, then the plan; it is on the public list.
    day = stockholm_today() + timedelta(days=14)
    await page.goto(f"{site}/samordning/evenemang")
    await page.click("form[action='/samordning/evenemang'] button[type=submit]")
    assert await page.is_visible(".error-summary")
    assert await page.get_attribute("#title_sv", "aria-invalid") == "true"
    await checked("/samordning/evenemang (errors)")
    await page.fill("#title_sv", "Öppet hus i konsolen")
    await page.fill("#text_sv", "Välkommen till oss.")
    await page.fill("#day", day.isoformat())
    await page.fill("#from_time", "13:00")
    await page.fill("#to_time", "15:30")
    await page.fill("#place", "Storgatan 1, Sundsvall")
    await page.check(f"input[name=hosts][value='{code}']")
    await page.check("input[name=target_groups][value=students]")
    await page.fill("#seats", "40")
    await page.fill("#deadline", (day - timedelta(days=2)).isoformat())
    await page.click("form[action='/samordning/evenemang'] button[type=submit]")
    assert await page.is_visible("[role=status]")
    await checked("/samordning/evenemang (planned)")
    async with network.http("outreach") as http:
        listed = (await http.get("/open-events")).json()
    [event] = [e for e in listed if e["title"]["sv"] == "Öppet hus i konsolen"]
    assert event["hosts"] == [code] and event["seats"] == 40
    starts = datetime.fromisoformat(event["starts_at"]).astimezone(STOCKHOLM)
    assert (starts.date(), starts.strftime("%H:%M")) == (day, "13:00")  # Swedish time

    # A campaign: the errors, the draft with its audience, scheduled, then cancelled.
    await page.goto(f"{site}/samordning/kampanjer")
    await page.click("form[action='/samordning/kampanjer'] button[type=submit]")
    assert await page.is_visible(".error-summary")
    await checked("/samordning/kampanjer (errors)")
    await page.fill("#subject_sv", "Öppet hus för studenter")
    await page.fill("#text_sv", "Kom och träffa oss.")
    await page.fill("#link", f"https://example.org/evenemang/{event['id']}")
    await page.check(f"input[name=agencies][value='{code}']")
    await page.check("input[name=target_groups][value=students]")
    await page.fill("#first_day", (day - timedelta(days=7)).isoformat())
    await page.fill("#last_day", (day - timedelta(days=3)).isoformat())
    await page.click("form[action='/samordning/kampanjer'] button[type=submit]")
    assert "/samordning/kampanjer/cmp-" in page.url
    assert "Utkast" in await page.inner_text("main")
    assert "personer om den skickas nu" in await page.inner_text("main")
    await checked("/samordning/kampanjer/{id} (a draft)")
    await page.click("form[action$='/schedule'] button")
    assert "Schemalagd" in await page.inner_text("main")
    await checked("/samordning/kampanjer/{id} (scheduled)")
    await page.goto(f"{site}/en{page.url.removeprefix(site)}")
    await checked("/en/samordning/kampanjer/{id}")
    await page.goto(page.url.replace("/en/", "/"))
    await page.click("form[action$='/cancel'] button")
    assert "Inställd" in await page.inner_text("main")

    await page.goto(f"{site}/samordning/evenemang")
    await page.click(f"form[action='/samordning/evenemang/{event['id']}/stall-in'] button")
    async with network.http("outreach") as http:
        assert (await http.get(f"/open-events/{event['id']}")).json()["status"] == "cancelled"
    await page.goto(f"{site}/samordning/logg")
    log = await page.inner_text("main")
    for words in ("Planerade ett evenemang", "Planerade en kampanj", "Schemalade en kampanj"):
        assert words in log, words
    await checker.close()
    await person.close()
    assert {path: v for path, v in found.items() if v} == {}


async def test_a_vacancy_for_the_network_s_staff_is_on_no_public_surface(network):
    """Two vacancies of the same words, one for the network's staff only: the public one is in
    the API's search, its counts and facets, its own page and JobPosting, the Atom feed, the
    sitemap, the site's search and a candidate's alert; the other is on none of them."""
    code = await register(network, "internt")
    address = f"bevakare.{network.run}@example.org"
    async with network.http("notify") as http:
        asked = await http.post(
            "/subscriptions", json={"email": address, "filters": {"agencies": [code]}}
        )
        assert asked.status_code == 202
        await wait_until(lambda: mail_count(network, address, 1), what="the confirmation")
        token = re.search(r"bekrafta\?token=(\S+)", text_of(network.mailbox.to(address)[0]))
        await http.post("/subscriptions/confirm", json={"token": token.group(1)})
    words = "Informationssäkerhetsspecialist"
    await vacancies_of(
        network,
        code,
        job("N-1", words, visibility="network"),
        job("P-1", words),
    )
    await network.consumed("vacancies", "hr-vacancies", f"hr.{code}.vacancies")
    await searchable(network, {"agency": code}, 1)
    conn = await asyncpg.connect(network.database_url("vacancies"))
    try:  # the register holds it (it was taken, not refused): only the public reads leave it out
        kept = await conn.fetchval(
            "SELECT visibility FROM vacancies WHERE agency = $1 AND vacancy_id = 'N-1'", code
        )
    finally:
        await conn.close()
    assert kept == "network"
    site = network.url("web")
    async with (
        network.http("vacancies") as api,
        httpx.AsyncClient(base_url=site, timeout=30) as web,
    ):
        found = (
            await api.get("/vacancies", params={"agency": code, "q": "informationssäkerhet"})
        ).json()
        assert [v["vacancy_id"] for v in found["items"]] == ["P-1"]
        everything = (await api.get("/vacancies", params={"agency": code, "facets": "true"})).json()
        assert everything["total"] == 1 and everything["facets"]["agency"] == {code: 1}
        assert (await api.get(f"/vacancies/{code}/N-1")).status_code == 404
        ld = {"Accept": "application/ld+json"}
        assert (await api.get(f"/vacancies/{code}/N-1", headers=ld)).status_code == 404
        assert (await api.get(f"/vacancies/{code}/P-1", headers=ld)).status_code == 200
        feed = (await api.get("/vacancies/feed.atom")).text
        assert f"{code}/P-1" in feed and f"{code}/N-1" not in feed
        stats = (await api.get("/stats")).json()
        assert stats["open_by_agency"][code] == 1
        figures = (await api.get("/figures")).json()
        [ours] = [a for a in figures["agencies"] if a["agency"] == code]
        assert (ours["published"], ours["open_now"]) == (1, 1)
        sitemap = (await web.get("/sitemap.xml")).text
        assert f"/jobb/{code}/P-1" in sitemap and f"/jobb/{code}/N-1" not in sitemap
        assert (await web.get(f"/jobb/{code}/N-1")).status_code == 404
        page = await web.get(f"/jobb/{code}/P-1")
        assert page.status_code == 200 and "application/ld+json" in page.text
        listed = (await web.get("/jobb", params={"agency": code})).text
        assert f"/jobb/{code}/P-1" in listed and f"/jobb/{code}/N-1" not in listed
    await wait_until(lambda: mail_count(network, address, 2), what="the public vacancy's alert")
    await network.mail_settled()
    alerts = [m["Subject"] for m in network.mailbox.to(address)[1:]]
    assert alerts == [f"Nytt jobb: {words}"]


async def test_signed_in_staff_find_the_network_s_own_vacancies_under_internt(
    network, browser: Browser
):
    """/internt lists the vacancies for staff only to a signed-in member of staff, each with a
    page of its own (JavaScript off, axe-clean in both languages), and sends a visitor to the
    sign-in page."""
    code = await register(network, "internsida")
    await vacancies_of(
        network,
        code,
        job("N-2", "Säkerhetsskyddschef", visibility="network"),
        job("N-3", "Säkerhetsskyddssamordnare"),
        job("N-4", "Redovisningsekonom", visibility="network"),
    )
    await network.consumed("vacancies", "hr-vacancies", f"hr.{code}.vacancies")
    site = network.url("web")
    async with httpx.AsyncClient(base_url=site, timeout=30) as visitor:
        answer = await visitor.get("/internt")
    assert answer.status_code == 303 and answer.headers["location"] == "/logga-in"
    coordinator = "samordnare@myndnet.test"
    checker = await browser.new_context(bypass_csp=True)
    check = await checker.new_page()
    person = await browser.new_context(java_script_enabled=False)
    page = await person.new_page()
    earlier = len(sign_in_links(network, coordinator))
    await page.goto(f"{site}/logga-in")
    await page.fill("#email", coordinator)
    await page.click("main form button[type=submit]")
    await page.goto(f"{site}{await sign_in_link(network, coordinator, earlier + 1)}")
    found: dict[str, list[str]] = {}
    for home in ("", "/en"):
        await page.goto(f"{site}{home}/internt")
        assert "Säkerhetsskyddschef" in await page.inner_text("main")
        found[f"{home}/internt"] = await violations_shown(check, page)
        await page.click(f"a[href='{home}/internt/jobb/{code}/N-2']")
        assert await page.inner_text("h1") == "Säkerhetsskyddschef"
        found[f"{home}/internt/jobb/{code}/N-2"] = await violations_shown(check, page)
    # One search finds the staff-only ones and, beside them, the public ones.
    await page.goto(f"{site}/internt")
    await page.fill("#q", "säkerhetsskydd")
    await page.click("form[role=search] button[type=submit]")
    shown = await page.inner_text("main")
    assert "Säkerhetsskyddschef" in shown and "Säkerhetsskyddssamordnare" in shown
    assert "Redovisningsekonom" not in shown
    assert await page.locator(f"a[href='/jobb/{code}/N-3']").count() == 1
    assert await page.locator(f"a[href='/internt/jobb/{code}/N-2']").count() == 1
    found["/internt?q="] = await violations_shown(check, page)
    # An internal alert: a staff-only vacancy of its field is mailed to the work address.
    await page.click("a[href='/internt/bevakning']")
    await page.check("#field-security")
    await page.click("main form[action='/internt/bevakning'] button[type=submit]")
    assert "Bevakningen är sparad" in await page.inner_text("main")
    found["/internt/bevakning"] = await violations_shown(check, page)
    await page.goto(f"{site}/en/internt/bevakning")
    found["/en/internt/bevakning"] = await violations_shown(check, page)
    await vacancies_of(
        network,
        code,
        job("N-5", "Säkerhetsskyddsutredare", visibility="network", occupation_field="security"),
        job("N-6", "Ekonom internt", visibility="network", occupation_field="finance"),
    )

    def internal_alerts() -> list[str]:
        return [
            str(m["Subject"])
            for m in network.mailbox.to(coordinator)
            if "Internt jobb" in str(m["Subject"])
        ]

    async def alerted() -> bool:
        return bool(internal_alerts())

    await wait_until(alerted, timeout=30, what="the internal alert")
    await network.consumed("notify", "vacancies", network.vacancies_topic)
    assert internal_alerts() == ["Internt jobb: Säkerhetsskyddsutredare"]
    await page.goto(f"{site}/internt/bevakning")
    await page.click("main form[action$='/ta-bort'] button")
    assert await page.locator("form[action$='/ta-bort']").count() == 0
    async with httpx.AsyncClient(base_url=site, timeout=30) as visitor:
        answer = await visitor.get(f"/internt/jobb/{code}/N-2")
    assert answer.status_code == 303  # not without signing in
    await checker.close()
    await person.close()
    assert {where: v for where, v in found.items() if v} == {}


async def test_staff_find_an_assignment_say_they_are_interested_and_keep_a_skills_profile(
    network, browser: Browser
):
    """Without JavaScript, in both languages and axe-clean: a member of staff signs in, finds
    an assignment of another agency under /internt/uppdrag, says they are interested with a
    note; the host's coordinator opens the mailed link (no sign-in) and picks them; the person
    publishes a skills profile that coordinators find, and removes it."""
    from test_exchange_e2e import ANSWER, agency, mailed, posted

    host, _, host_coordinator = await agency(network, "uppdragsvard")
    _home, home_domain, home_coordinator = await agency(network, "uppdragshem")
    person = f"eva.{network.run}@{home_domain}"
    publisher = await publisher_for(network, host)
    try:
        await publisher.publish(posted("U-B", "Säkerhetsskyddsspecialist"))
    finally:
        await publisher.stop()
    await network.consumed("exchange", "hr-exchange", f"hr.{host}.exchange")
    site = network.url("web")
    async with httpx.AsyncClient(base_url=site, timeout=30) as visitor:
        for path in ("/internt/uppdrag", f"/internt/uppdrag/{host}/U-B", "/internt/profil"):
            answer = await visitor.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/logga-in"
    checker = await browser.new_context(bypass_csp=True)
    check = await checker.new_page()
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{site}/logga-in")
    await page.fill("#email", person)
    await page.click("main form button[type=submit]")
    await page.goto(f"{site}{await sign_in_link(network, person, 1)}")
    found: dict[str, list[str]] = {}

    await page.goto(f"{site}/internt")
    await page.click("a[href='/internt/uppdrag']")
    assert "Säkerhetsskyddsspecialist" in await page.inner_text("main")
    found["/internt/uppdrag"] = await violations_shown(check, page)
    await page.click(f"a[href='/internt/uppdrag/{host}/U-B']")
    assert await page.inner_text("h1") == "Säkerhetsskyddsspecialist"
    found["/internt/uppdrag/…"] = await violations_shown(check, page)
    await page.fill("#note", "x" * 1001)
    await page.click("main form button[type=submit]")
    assert "Skriv högst 1 000 tecken" in await page.inner_text(".error-summary")
    found["/internt/uppdrag/… (error)"] = await violations_shown(check, page)
    await page.fill("#note", "Jag har arbetat med säkerhetsskydd i fem år.")
    await page.click("main form button[type=submit]")
    assert "Du har anmält intresse" in await page.inner_text("main")
    found["/internt/uppdrag/… (interested)"] = await violations_shown(check, page)
    await page.goto(f"{site}/en/internt/uppdrag")
    found["/en/internt/uppdrag"] = await violations_shown(check, page)
    await page.goto(f"{site}/en/internt/uppdrag/{host}/U-B")
    assert "You have said you are interested" in await page.inner_text("main")
    found["/en/internt/uppdrag/…"] = await violations_shown(check, page)

    # The host's coordinator, not signed in, answers from the mail.
    [letter] = await mailed(network, host_coordinator, 1, "the interest")
    path = ANSWER.search(letter.get_body(("plain",)).get_content()).group(1)
    coordinator = await (await browser.new_context(java_script_enabled=False)).new_page()
    await coordinator.goto(f"{site}/en{path}")
    found["/en/uppdrag/svar"] = await violations_shown(check, coordinator)
    await coordinator.goto(f"{site}{path}")
    assert person in await coordinator.inner_text("main")
    assert "säkerhetsskydd i fem år" in await coordinator.inner_text("main")
    found["/uppdrag/svar"] = await violations_shown(check, coordinator)
    await coordinator.click("button[value=yes]")
    assert "Nu frågar vi personens egen myndighet" in await coordinator.inner_text("main")
    found["/uppdrag/svar (answered)"] = await violations_shown(check, coordinator)
    await coordinator.goto(f"{site}{path}")  # the link once more: answered, nothing to press
    assert await coordinator.locator("button[value=yes]").count() == 0
    await mailed(network, home_coordinator, 1, "the request to approve")

    # The skills profile.
    await page.goto(f"{site}/internt/profil")
    found["/internt/profil"] = await violations_shown(check, page)
    await page.click("main form button[value=save]")  # no skill ticked
    assert "Välj minst en kompetens" in await page.inner_text(".error-summary")
    found["/internt/profil (error)"] = await violations_shown(check, page)
    await page.check("input[name=skills][value='informationssäkerhet']")
    await page.check("input[name=skills][value='säkerhetsskydd']")
    await page.check("#language-en")
    await page.check("#open-loan")
    await page.fill("#summary", "Säkerhetsskydd och informationssäkerhet.")
    await page.click("main form button[value=save]")
    assert "Profilen är sparad" in await page.inner_text("main")
    found["/internt/profil (saved)"] = await violations_shown(check, page)
    await page.goto(f"{site}/en/internt/profil")
    assert await page.is_checked("#open-loan")
    found["/en/internt/profil"] = await violations_shown(check, page)
    async with network.http("exchange") as http:
        wanted = {"skill": ["Säkerhetsskydd"], "language": "en", "open_to": "loan"}
        [profile] = (await http.get("/profiles", params=wanted)).json()
        assert profile["email"] == person and profile["skills"] == [
            "informationssäkerhet",
            "säkerhetsskydd",
        ]
        assert (await http.get("/profiles", params={"open_to": "new_post"})).json() == []
    # A coordinator finds it in the console.
    network_coordinator = "samordnare@myndnet.test"
    console = await (await browser.new_context(java_script_enabled=False)).new_page()
    earlier = len(sign_in_links(network, network_coordinator))
    await console.goto(f"{site}/logga-in")
    await console.fill("#email", network_coordinator)
    await console.click("main form button[type=submit]")
    await console.goto(f"{site}{await sign_in_link(network, network_coordinator, earlier + 1)}")
    await console.goto(f"{site}/samordning")
    await console.click("a[href='/samordning/profiler']")
    await console.select_option("#skill", "säkerhetsskydd")
    await console.select_option("#open_to", "loan")
    await console.click("main form button[type=submit]")
    assert person in await console.inner_text("main")
    found["/samordning/profiler"] = await violations_shown(check, console)
    await console.goto(f"{site}/en/samordning/profiler?open_to=new_post")
    assert person not in await console.inner_text("main")
    found["/en/samordning/profiler"] = await violations_shown(check, console)

    # The coordinator posts an assignment in the console, and withdraws the first one.
    await console.goto(f"{site}/samordning")
    await console.click("a[href='/samordning/uppdrag']")
    await console.select_option("#agency", host)
    await console.click("main form[action='/samordning/uppdrag'] button[type=submit]")
    assert "Skriv en rubrik" in await console.inner_text(".error-summary")
    found["/samordning/uppdrag (error)"] = await violations_shown(check, console)
    day = stockholm_today()
    await console.fill("#title", "Upphandlare, två månader")
    await console.fill("#description", "Stöd i en upphandling av arkivsystem.")
    await console.check("input[name=skills][value='upphandling']")
    await console.fill("#percent", "60")
    await console.fill("#first_day", (day + timedelta(days=30)).isoformat())
    await console.fill("#last_day", (day + timedelta(days=90)).isoformat())
    await console.fill("#answer_by", (day + timedelta(days=14)).isoformat())
    await console.click("main form[action='/samordning/uppdrag'] button[type=submit]")
    assert "Uppdraget är utlagt" in await console.inner_text("main")
    assert "Upphandlare, två månader" in await console.inner_text("main table")
    found["/samordning/uppdrag"] = await violations_shown(check, console)
    await console.goto(f"{site}/en/samordning/uppdrag")
    found["/en/samordning/uppdrag"] = await violations_shown(check, console)
    before = len(network.mailbox.to(person))
    await console.click(f"form[action='/en/samordning/uppdrag/{host}/U-B/dra-tillbaka'] button")
    assert "Säkerhetsskyddsspecialist" not in await console.inner_text("main")
    withdrawn = await mailed(network, person, before + 1, "the withdrawal")
    assert "Uppdraget är stängt" in str(withdrawn[-1]["Subject"])
    async with network.http("exchange") as http:
        http.headers["X-Acting-For"] = person
        listed = (await http.get("/assignments", params={"agency": host})).json()
    assert [a["title"] for a in listed] == ["Upphandlare, två månader"]

    await page.goto(f"{site}/internt/profil")
    await page.click("button[value=remove]")
    assert "Profilen är borttagen" in await page.inner_text("main")
    async with network.http("exchange") as http:
        assert (await http.get("/profiles", params={"skill": ["säkerhetsskydd"]})).json() == []
    await checker.close()
    await context.close()
    assert {where: v for where, v in found.items() if v} == {}
