"""Campaigns end to end: outreach plans and schedules them, notify sends them in their window to
the people who said yes to news, at most CAMPAIGN_CAP (2) campaign mails a person in 30 days
across campaigns of different agencies; the site's redirect counts a visit without a cookie.
Separate processes, real Kafka, PostgreSQL and SMTP; time moved with POST /schedule/run?as_of=."""

import re
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from myndnet_schemas.clock import STOCKHOLM, stockholm_today
from myndnet_testing import wait_until
from test_network_e2e import register

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("network", ["open"], indirect=True),
]
NEWS_SUBJECT = "Nyheter från Myndighetsnätverket"


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def campaign_mails(network, address: str) -> list:
    return [m for m in network.mailbox.to(address) if NEWS_SUBJECT in str(m["Subject"])]


async def student(network, address: str, news: bool) -> None:
    """A saved search for students, confirmed from its mail; `news`: a yes to news too."""
    async with network.http("notify") as http:
        answer = await http.post(
            "/subscriptions",
            json={"email": address, "filters": {"target_groups": ["students"]}, "news": news},
        )
        assert answer.status_code == 202, answer.text

        async def confirmation() -> bool:
            return len(network.mailbox.to(address)) >= 1

        await wait_until(confirmation, 30, what=f"the confirmation to {address}")
        token = re.search(r"bekrafta\?token=(\S+)", text_of(network.mailbox.to(address)[0]))
        confirmed = await http.post("/subscriptions/confirm", json={"token": token.group(1)})
        assert confirmed.status_code == 200, confirmed.text


def next_weekday(after: date) -> date:
    day = after
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), STOCKHOLM).isoformat()


async def test_the_cap_holds_across_agencies_campaigns_and_nothing_goes_outside_the_window(
    network,
):
    first, second = await register(network, "kampanj-a"), await register(network, "kampanj-b")
    people = [f"{name}.{network.run}@example.org" for name in ("ada", "bo", "cy")]
    dana = f"dana.{network.run}@example.org"  # a saved search for students, but no yes to news
    for address in people:
        await student(network, address, news=True)
    await student(network, dana, news=False)
    day = next_weekday(stockholm_today() + timedelta(days=3))
    window = {
        "first_day": day.isoformat(),
        "last_day": day.isoformat(),
        "from_hour": 9,
        "to_hour": 17,
    }

    async with network.http("outreach") as http:

        async def plan(n: int, agency: str) -> str:
            body = {
                "agencies": [agency],
                "audience": {"target_groups": ["students"]},
                "subject": {"sv": f"Kampanj {n}", "en": f"Campaign {n}"},
                "text": {"sv": f"Nyhet nummer {n}.", "en": f"News number {n}."},
                "link": f"https://example.org/kampanj-{n}",
                "window": window,
            }
            answer = await http.post("/campaigns", json=body)
            assert answer.status_code == 201, answer.text
            return answer.json()["id"]

        campaigns = [await plan(n, agency) for n, agency in enumerate((first, second) * 2, 1)]
        for campaign in campaigns:
            counted = await http.get(f"/campaigns/{campaign}/audience")
            assert counted.json() == {"count": 3}, counted.text
            scheduled = await http.post(f"/campaigns/{campaign}/schedule")
            assert scheduled.json()["state"] == "scheduled", scheduled.text

        async def figures(campaign: str) -> dict:
            return (await http.get(f"/campaigns/{campaign}")).json()

        async def all_received() -> bool:
            return all([(await figures(c))["audience"] == 3 for c in campaigns])

        await wait_until(all_received, 30, what="notify to take the four campaigns")

        # 21:00 on the window's day: outside its hours, nothing goes.
        evening = await http.post("/schedule/run", params={"as_of": at(day, 21)})
        assert evening.status_code == 200, evening.text
        assert evening.json()["campaign_mails"] == 0
        await network.mail_settled()
        assert [campaign_mails(network, a) for a in (*people, dana)] == [[], [], [], []]

        # The morning: each person gets two of the four (the cap), whichever agency asked.
        morning = await http.post("/schedule/run", params={"as_of": at(day, 9, 30)})
        assert morning.json()["campaign_mails"] == 6, morning.text

        async def all_mailed() -> bool:
            return all(len(campaign_mails(network, a)) >= 2 for a in people)

        await wait_until(all_mailed, 60, what="two campaign mails to each")
        again = await http.post("/schedule/run", params={"as_of": at(day, 10, 30)})
        assert again.json()["campaign_mails"] == 0
        await network.mail_settled()
        assert [len(campaign_mails(network, a)) for a in people] == [2, 2, 2]
        assert campaign_mails(network, dana) == []
        counted = [await figures(c) for c in campaigns]
        assert sum(f["sent"] for f in counted) == 6
        assert sum(f["skipped_by_cap"] for f in counted) == 6
        assert all(f["audience"] == 3 for f in counted)

        # The mail's link goes through the site's redirect: one visit counted, no cookie.
        mail = campaign_mails(network, people[0])[0]
        visit = re.search(r"(http\S+/kampanj/(cmp-[0-9a-f]+))", text_of(mail))
        assert visit, text_of(mail)
        async with httpx.AsyncClient(timeout=30) as site:
            redirected = await site.get(visit.group(1), follow_redirects=False)
        assert redirected.status_code == 303
        assert redirected.headers["location"].startswith("https://example.org/kampanj-")
        assert "set-cookie" not in redirected.headers
        assert (await figures(visit.group(2)))["link_visits"] == 1

        # The one-click link (RFC 8058) withdraws the yes to news, counted for its campaign.
        one_click = mail["List-Unsubscribe"].strip("<>")
        assert "/unsubscribe/news?token=" in one_click
        async with httpx.AsyncClient(timeout=30) as client:
            stopped = await client.post(one_click)
        assert stopped.status_code == 200, stopped.text
        assert (await figures(visit.group(2)))["news_withdrawn"] == 1

        # The day after the window: every campaign completed with its counts.
        after = await http.post("/schedule/run", params={"as_of": at(day + timedelta(days=1), 9)})
        assert after.json()["campaigns_completed"] == 4, after.text
        assert {(await figures(c))["state"] for c in campaigns} == {"completed"}
