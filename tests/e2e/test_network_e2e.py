"""The network end to end: separate processes, driven only through Kafka, HTTP and SMTP."""

import asyncio
import re
from datetime import date, timedelta

import pytest
from myndnet_kit.testing import wait_until
from myndnet_schemas import ManagerAppointed, MentorVolunteered, VacancyPublished
from myndnet_schemas.publisher import AgencyPublisher

pytestmark = pytest.mark.integration


def vacancy(vacancy_id: str, title: str) -> VacancyPublished:
    today = date.today()
    return VacancyPublished(
        vacancy_id=vacancy_id,
        revision=1,
        title=title,
        description="Du arbetar med utveckling av våra digitala tjänster.",
        occupation_field="it",
        employment_type="permanent",
        extent="full_time",
        municipality="Sundsvall",
        remote="hybrid",
        published_on=today,
        application_deadline=today + timedelta(days=30),
        apply_url=f"https://example.se/jobb/{vacancy_id}",
    )


async def register(network, name: str) -> str:
    code = network.code(name)
    async with network.http("membership") as http:
        response = await http.post(
            "/agencies",
            json={"code": code, "name": f"Myndigheten {name.upper()}", "kind": "agency"},
        )
        assert response.status_code == 201, response.text
    return code


async def publisher_for(network, code: str) -> AgencyPublisher:
    publisher = AgencyPublisher(network.kafka, code)
    await wait_until(lambda: _started(publisher), timeout=30, what=f"{code}'s topics")
    return publisher


async def _started(publisher: AgencyPublisher) -> bool:
    try:
        await publisher.start()
        return True
    except Exception:
        return False


async def subscribe(network, email: str, agency: str) -> None:
    async with network.http("notify") as http:
        response = await http.post(
            "/subscriptions", json={"email": email, "filters": {"agencies": [agency]}}
        )
        assert response.status_code == 202
        await wait_until(lambda: _mail(network, email, 1), what="the confirmation")
        text = network.mailbox.to(email)[0].get_body(("plain",)).get_content()
        link = re.search(r"http://127\.0\.0\.1:\d+/subscriptions/confirm\?token=\S+", text)
        assert (await http.get(link.group(0))).status_code == 200


async def _mail(network, address: str, count: int) -> bool:
    return len(network.mailbox.to(address)) >= count


async def searchable(network, params: dict, count: int) -> list:
    found: list = []

    async def enough() -> bool:
        async with network.http("vacancies") as http:
            found[:] = (await http.get("/vacancies", params=params)).json()["items"]
        return len(found) >= count

    try:
        await wait_until(enough, timeout=30, interval=0.3, what=f"search {params}")
    except AssertionError:
        async with network.http("vacancies") as http:
            everything = (await http.get("/vacancies", params={"status": "all"})).json()
            dead = (await http.get("/dlq")).json()
        raise AssertionError(f"not found; the register holds {everything}; DLQ {dead}") from None
    return found


async def test_a_published_vacancy_is_searchable_and_alerts_its_subscriber_once(network):
    code = await register(network, "a")
    await subscribe(network, "kandidat.a@example.org", code)
    publisher = await publisher_for(network, code)
    try:
        await publisher.publish(vacancy("A-1", "Utvecklare till skatteområdet"))
    finally:
        await publisher.stop()
    [found] = await searchable(network, {"q": "utvecklare", "agency": code}, 1)
    assert found["agency_name"] == "Myndigheten A"
    await wait_until(lambda: _mail(network, "kandidat.a@example.org", 2), what="the alert")
    await asyncio.sleep(2)
    alerts = network.mailbox.to("kandidat.a@example.org")[1:]
    assert [m["Subject"] for m in alerts] == ["Nytt jobb: Utvecklare till skatteområdet"]


async def test_a_new_manager_is_matched_with_a_mentor_from_another_agency_and_both_are_told(
    network,
):
    manager_agency, mentor_agency = await register(network, "b"), await register(network, "c")
    for code, payload in [
        (
            manager_agency,
            ManagerAppointed(
                person_id="chef-1",
                name="Erik Sjöberg",
                email=f"erik.{network.run}@myndighet.se",
                title="Enhetschef",
                start_date=date.today(),
                competence_areas=["digitalisering"],
                municipality="Sundsvall",
            ),
        ),
        (
            mentor_agency,
            MentorVolunteered(
                person_id="mentor-1",
                name="Maria Holm",
                email=f"maria.{network.run}@myndighet.se",
                title="Avdelningschef",
                competence_areas=["digitalisering"],
                municipality="Härnösand",
                years_as_manager=8,
            ),
        ),
    ]:
        publisher = await publisher_for(network, code)
        try:
            await publisher.publish(payload)
        finally:
            await publisher.stop()
    async with network.http("mentoring") as http:

        async def both_known() -> bool:
            managers = (await http.get("/managers")).json()
            mentors = (await http.get("/mentors")).json()
            return len(managers) == 1 and len(mentors) == 1

        await wait_until(both_known, what="the manager and the mentor")
        result = (await http.post("/matching/run")).json()
        [proposal] = result["proposed"]
        assert proposal["mentor"] == f"{mentor_agency}/mentor-1"
        accepted = await http.post(f"/matches/{proposal['match_id']}/accept")
        assert accepted.json()["status"] == "accepted"
    for address in (f"erik.{network.run}@myndighet.se", f"maria.{network.run}@myndighet.se"):
        await wait_until(
            lambda a=address: _mail(network, a, 2), timeout=30, what=f"both e-mails to {address}"
        )
    to_manager = network.mailbox.to(f"erik.{network.run}@myndighet.se")
    assert [m["Subject"] for m in to_manager] == [
        "Förslag på mentorskap: Maria Holm",
        "Ert mentorskap börjar: Maria Holm",
    ]
    assert "Myndigheten C" in to_manager[0].get_body(("plain",)).get_content()


async def test_when_an_agency_leaves_its_vacancies_close_and_no_alerts_follow(network):
    code = await register(network, "d")
    await subscribe(network, "kandidat.d@example.org", code)
    publisher = await publisher_for(network, code)
    try:
        await publisher.publish(vacancy("D-1", "IT-arkitekt"))
        await searchable(network, {"agency": code}, 1)
        await wait_until(lambda: _mail(network, "kandidat.d@example.org", 2), what="alert 1")
        async with network.http("membership") as http:
            assert (await http.post(f"/agencies/{code}/leave")).status_code == 200
        await searchable(network, {"agency": code, "status": "closed"}, 1)
        async with network.http("vacancies") as http:
            closed = (await http.get(f"/vacancies/{code}/D-1")).json()
            assert closed["status"] == "closed" and closed["closed_reason"] == "agency_left"
            assert (await http.get("/vacancies", params={"agency": code})).json()["items"] == []
        await publisher.publish(vacancy("D-2", "Testledare"))  # after leaving
    finally:
        await publisher.stop()
    await asyncio.sleep(5)
    async with network.http("vacancies") as http:
        assert (await http.get(f"/vacancies/{code}/D-2")).status_code == 404
        dead = (await http.get("/dlq")).json()["entries"]
        assert any(e["reason"] == "agency_left" and e["key"] == "D-2" for e in dead)
    assert len(network.mailbox.to("kandidat.d@example.org")) == 2  # no alert for D-2
