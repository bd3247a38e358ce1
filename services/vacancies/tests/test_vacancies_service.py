"""Vacancies on the real Kafka broker and PostgreSQL."""

import json
from datetime import timedelta

import asyncpg
import feedparser
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from myndnet_kit.app import ServiceApp
from myndnet_schemas import (
    Event,
    VacancyPublished,
    VacancyUpdated,
    VacancyWithdrawn,
    parse,
    topics,
)
from myndnet_schemas.clock import stockholm_today
from myndnet_testing import TestNetwork, produce, read_to_end, running, wait_until
from myndnet_testing import vacancy as example_vacancy
from myndnet_vacancies.handlers.register import close_expired
from myndnet_vacancies.main import VacanciesSettings, build

pytestmark = pytest.mark.integration
TOKEN = "vacancies-test-token"


class Network(TestNetwork):
    """Agencies, topics and groups of the test's own. The lifecycle topic too: on the local
    broker `vacancies.vacancies` is what a running `make up` network mails candidates from."""

    @property
    def lifecycle_topic(self) -> str:
        return f"vacancies.vacancies.{self.unique}"

    async def publish(self, name: str, *payloads, source: str | None = None) -> list[Event]:
        return await super().publish(name, "vacancies", *payloads, source=source)

    def settings(self, database_url: str) -> VacanciesSettings:
        return VacanciesSettings(  # type: ignore[call-arg]
            VACANCIES_DATABASE_URL=database_url,
            KAFKA_BOOTSTRAP_SERVERS=self.kafka,
            MEMBERSHIP_TOPIC=self.membership_topic,
            VACANCIES_TOPIC=self.lifecycle_topic,
            OPERATOR_TOKENS=f"{TOKEN}=dlq:replay",
            VACANCIES_HR_TOPIC_PATTERN=self.hr_pattern("vacancies"),
            CONSUMER_GROUP_PREFIX=self.group_prefix,
            KAFKA_METADATA_MAX_AGE_MS=1000,
            CONSUMER_BATCH_TIMEOUT_MS=50,
            PUBLIC_BASE_URL="https://jobb.myndnet.se",
        )


# What these tests search and show: plain wording that matches nothing by chance.
PLAIN = {
    "title": "Handläggare",
    "description": "Arbete med ärenden.",
    "occupation_field": "administration",
    "ssyk": None,
    "remote": "on_site",
    "target_groups": [],
    "languages": ["sv"],
}


def vacancy(vacancy_id: str, revision: int = 1, model=VacancyPublished, today=None, **changes):
    """Published three days before `today` (the network's today unless given), open 20 more."""
    url = {"apply_url": f"https://example.se/jobb/{vacancy_id}"}
    today = today or stockholm_today()
    return example_vacancy(vacancy_id, revision, model, today=today, **{**PLAIN, **url, **changes})


async def row(database_url: str, agency: str, vacancy_id: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchrow(
            "SELECT * FROM vacancies WHERE agency = $1 AND vacancy_id = $2", agency, vacancy_id
        )
    finally:
        await conn.close()


async def lifecycle(net: Network, agency: str) -> list:
    records = await read_to_end(net.kafka, net.lifecycle_topic)
    events = [
        parse(r.headers, r.key, r.value)
        for r in records
        if r.key and r.key.decode().startswith(f"{agency}/")
    ]
    return events


async def wait_lifecycle(
    net: Network, database_url: str, agency: str, count: int, timeout: float = 30
) -> list:
    """The lifecycle events of `agency`, once `count` are there and the outbox is empty: one
    more would be on the topic by then."""
    found: list = []

    async def enough() -> bool:
        found[:] = await lifecycle(net, agency)
        return len(found) >= count

    await wait_until(enough, timeout, interval=0.5, what=f"{count} lifecycle events of {agency}")
    await wait_until(lambda: applied(database_url, "count(*) = 0 FROM outbox"), what="outbox")
    return await lifecycle(net, agency)


async def applied(database_url: str, condition: str, *args) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval(f"SELECT {condition}", *args))
    finally:
        await conn.close()


def api(app: ServiceApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app.api), base_url="http://v")


async def test_out_of_order_and_duplicate_events_converge_and_announce_once(
    kafka_bootstrap, database_url, unique
):
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    agency = net.code("a")
    async with running(build(net.settings(database_url))):
        newest = vacancy("V-1", 3, VacancyUpdated, title="Senior handläggare")
        sent = await net.publish("a", vacancy("V-1", 1), newest, vacancy("V-1", 2, VacancyUpdated))
        await produce(kafka_bootstrap, topics.hr_vacancies(agency), [sent[1], sent[1]])  # again
        await wait_until(lambda: applied(database_url, "count(*) = 3 FROM inbox"), what="inbox")
        stored = await row(database_url, agency, "V-1")
        assert stored["revision"] == 3 and stored["title"] == "Senior handläggare"
        events = await wait_lifecycle(net, database_url, agency, 2)
    assert [e.type.split(".")[3] for e in events] == ["opened", "changed"]
    assert events[1].data.changed_fields == ["title"] and events[1].data.revision == 3
    assert all(e.source == "/services/vacancies" and e.subject == f"{agency}/V-1" for e in events)


async def test_revisions_counted_in_milliseconds_apply(kafka_bootstrap, database_url, unique):
    """Many HR systems count revisions with a timestamp (JobStream's connector does, in ms)."""
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    agency = net.code("a")
    stamp = 1_795_806_026_252
    async with running(build(net.settings(database_url))):
        await net.publish(
            "a",
            vacancy("T-1", stamp),
            vacancy("T-1", stamp + 1, VacancyUpdated, title="Handläggare, ny"),
            VacancyWithdrawn(vacancy_id="T-2", revision=stamp, reason="cancelled"),
            vacancy("T-2", stamp - 1),
        )
        await wait_until(lambda: applied(database_url, "count(*) = 4 FROM inbox"), what="inbox")
        stored = await row(database_url, agency, "T-1")
        assert stored["revision"] == stamp + 1 and stored["title"] == "Handläggare, ny"
        assert await row(database_url, agency, "T-2") is None  # withdrawn before it came
        assert await applied(database_url, "count(*) = 0 FROM dlq_entries")


async def test_withdrawn_expired_and_agency_left_each_close_once(
    kafka_bootstrap, database_url, unique
):
    net = Network(kafka_bootstrap, unique)
    await net.register("a", "b")
    a, b = net.code("a"), net.code("b")
    app = build(net.settings(database_url))
    async with running(app):
        today = stockholm_today()  # the service's day, as it judges deadlines on arrival
        await net.publish(
            "a",
            vacancy("W", 1),
            vacancy("E", 1, application_deadline=today.isoformat()),
            VacancyWithdrawn(vacancy_id="W", revision=2, reason="filled"),
        )
        await net.publish("b", vacancy("L1", 1), vacancy("L2", 1))
        await wait_until(lambda: applied(database_url, "count(*) = 5 FROM inbox"), what="ingest")

        topic = net.lifecycle_topic  # as the service's deadline job is given it
        assert await close_expired(app.pool, today, topic=topic) == 0  # the deadline day: open
        assert await close_expired(app.pool, today + timedelta(days=1), topic=topic) == 1
        assert await close_expired(app.pool, today + timedelta(days=1), topic=topic) == 0

        await net.leave("b")
        await wait_until(
            lambda: applied(
                database_url, "count(*) = 2 FROM vacancies WHERE closed_reason = 'agency_left'"
            ),
            what="the departed agency's vacancies closed",
        )
        await net.leave("b")  # the same news twice changes nothing
        a_events = await wait_lifecycle(net, database_url, a, 4)
        b_events = await wait_lifecycle(net, database_url, b, 4)
        # An event from the departed agency is refused from now on.
        await net.publish("b", vacancy("L3", 1))
        await wait_until(
            lambda: applied(
                database_url, "count(*) = 1 FROM dlq_entries WHERE reason = 'agency_left'"
            ),
            what="the departed agency's event in the DLQ",
        )

    closed = {
        e.subject: e.data.reason for e in [*a_events, *b_events] if e.type.endswith("closed.v1")
    }
    assert closed == {
        f"{a}/W": "filled",
        f"{a}/E": "deadline_passed",
        f"{b}/L1": "agency_left",
        f"{b}/L2": "agency_left",
    }
    assert len([e for e in [*a_events, *b_events] if e.type.endswith("closed.v1")]) == 4


async def test_swedish_search_stems_ranks_titles_first_and_pages_stably(
    kafka_bootstrap, database_url, unique
):
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    agency = net.code("a")
    app = build(net.settings(database_url))
    async with running(app), api(app) as http:
        today = stockholm_today()
        await net.publish(
            "a",
            vacancy("TITLE", title="Vi söker utvecklarna i vårt nya team"),
            vacancy("DESC", title="Handläggare", description="Du arbetar nära våra utvecklare."),
            vacancy("NONE", title="Jurist", description="Förvaltningsrätt och processer."),
            vacancy(
                "STUD",
                title="Sommarjobb",
                employment_type="summer_job",
                target_groups=["students"],
                municipality="Härnösand",
            ),
            *[
                vacancy(f"P{i:02d}", published_on=(today - timedelta(days=i)).isoformat())
                for i in range(25)
            ],
        )
        await wait_until(
            lambda: applied(database_url, "count(*) = 29 FROM vacancies"), what="ingest"
        )
        found = (await http.get("/vacancies", params={"q": "utvecklare"})).json()["items"]
        assert [v["vacancy_id"] for v in found] == ["TITLE", "DESC"]
        assert found[0]["agency_name"] == "Myndigheten A"

        students = await http.get(
            "/vacancies", params={"target_group": "students", "municipality": "härnösand"}
        )
        assert [v["vacancy_id"] for v in students.json()["items"]] == ["STUD"]
        assert "total" not in students.json()  # only when asked for

        counted = (await http.get("/vacancies", params={"facets": "true", "limit": 1})).json()
        assert counted["total"] == 29 and len(counted["items"]) == 1
        facets = counted["facets"]
        assert facets["agency"] == {agency: 29}
        assert facets["municipality"] == {"Sundsvall": 28, "Härnösand": 1}
        assert facets["employment_type"]["summer_job"] == 1
        assert facets["remote"] == {"on_site": 29}
        # A vacancy for no group in particular suits every group, as the filter has it.
        assert facets["target_group"] == {
            "students": 29,
            "graduates": 28,
            "experienced": 28,
            "managers": 28,
        }
        narrowed = await http.get(
            "/vacancies", params={"facets": "true", "q": "utvecklare", "remote": "on_site"}
        )
        assert narrowed.json()["total"] == 2
        assert narrowed.json()["facets"]["occupation_field"] == {"administration": 2}
        remote = await http.get("/vacancies", params={"facets": "true", "remote": "remote"})
        assert remote.json()["total"] == 0 and remote.json()["items"] == []

        seen, cursor = [], None
        while True:
            params = {"limit": 10, "agency": agency, **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/vacancies", params=params)).json()
            seen += [v["vacancy_id"] for v in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 29 and len(set(seen)) == 29
        assert seen.index("P00") < seen.index("P01") < seen.index("P24")  # newest first

        for params, words in [
            ({"limit": 101}, "less than or equal to 100"),
            ({"occupation_field": "plumbing"}, "occupation_field"),
            ({"cursor": "bm9wZQ"}, "cursor is not valid"),
            ({"status": "pending"}, "status"),
        ]:
            response = await http.get("/vacancies", params=params)
            assert response.status_code == 422 and words in response.text, params
        other = (await http.get("/vacancies", params={"q": "jurist"})).json()
        assert [v["vacancy_id"] for v in other["items"]] == ["NONE"]
        stats = (await http.get("/stats")).json()
        assert stats["open_by_agency"][agency] == 29
        assert stats["open_by_target_group"]["students"] == 1
        # the four published three days ago and P00..P09 in the last ten days
        first = (today - timedelta(days=9)).isoformat()
        answer = (await http.get("/figures", params={"from": first})).json()
        mine = next(a for a in answer["agencies"] if a["agency"] == agency)
        assert (mine["published"], mine["open_now"]) == (14, 29)
        assert mine["median_days_open"] == 3.0  # of 0..9 and four 3s (all open today)
        assert answer["network"]["published"] >= 14 and answer["to"] == today.isoformat()
        assert mine["last_change_at"] is not None
        backwards = await http.get("/figures", params={"from": "2026-05-02", "to": "2026-05-01"})
        assert backwards.status_code == 422
        ever = await http.get("/figures", params={"from": "0001-01-01", "to": "9999-12-31"})
        assert ever.status_code == 200 and ever.json()["network"]["published"] >= 29
        assert (await http.get("/figures", params={"to": "0001-01-01"})).status_code == 422


async def test_a_word_finds_the_compound_titles_that_hold_it_ranked_as_title_matches(
    kafka_bootstrap, database_url, unique
):
    """Swedish titles are compounds the stemmer does not split: "utvecklare" must find
    "Systemutvecklare" and "IT-utvecklare", "jurist" "Bolagsjurist"."""
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    app = build(net.settings(database_url))
    async with running(app), api(app) as http:
        await net.publish(
            "a",
            vacancy("SYS", title="Systemutvecklare till Skatteverket"),
            vacancy("IT", title="IT-utvecklare inom tull"),
            vacancy("PLAIN", title="Utvecklare av e-tjänster"),
            vacancy("DESC", title="Handläggare", description="Du stöttar våra utvecklare."),
            vacancy("JUR", title="Bolagsjurist"),
            vacancy("NONE", title="Controller"),
        )
        await wait_until(lambda: applied(database_url, "count(*) = 6 FROM vacancies"), what="all")

        async def ids(q: str) -> list[str]:
            found = await http.get("/vacancies", params={"q": q, "facets": "true"})
            assert found.json()["total"] == len(found.json()["items"])
            return [v["vacancy_id"] for v in found.json()["items"]]

        developers = await ids("utvecklare")
        assert set(developers) == {"SYS", "IT", "PLAIN", "DESC"}
        assert developers[-1] == "DESC"  # the description-only match after every title
        assert await ids("jurist") == ["JUR"]
        assert set(await ids("utvecklare -tull")) == {"SYS", "PLAIN", "DESC"}
        assert await ids("systemutvecklare skatteverket") == ["SYS"]


async def test_forged_and_non_member_events_land_in_the_dlq_and_a_new_agency_is_picked_up(
    kafka_bootstrap, database_url, unique
):
    net = Network(kafka_bootstrap, unique)
    await net.register("a", "b")
    app = build(net.settings(database_url))
    async with running(app), api(app) as http:
        await net.publish("a", vacancy("FORGED"), source=f"/agencies/{net.code('b')}")
        # A topic that matches but whose agency is not a member.
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic(topics.hr_vacancies(net.code("stranger")), 1, 1)])
        await admin.close()
        await net.publish("stranger", vacancy("STRANGE"))
        await wait_until(
            lambda: applied(database_url, "count(*) = 2 FROM dlq_entries"),
            timeout=40,
            what="two DLQ entries",
        )
        entries = (await http.get("/dlq", headers={"Authorization": f"Bearer {TOKEN}"})).json()
        reasons = sorted(e["reason"] for e in entries["entries"])
        assert reasons == ["source_mismatch", "unknown_agency"]

        # An agency registered while the service runs: its topic is found without a restart.
        await net.register("c")
        await net.publish("c", vacancy("NEW"))
        await wait_until(
            lambda: applied(database_url, "count(*) = 1 FROM vacancies WHERE vacancy_id = 'NEW'"),
            timeout=40,
            what="the new agency's vacancy",
        )
    assert await row(database_url, net.code("a"), "FORGED") is None


async def test_json_ld_and_atom_parse_with_real_parsers(kafka_bootstrap, database_url, unique):
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    agency = net.code("a")
    app = build(net.settings(database_url))
    async with running(app), api(app) as http:
        today = stockholm_today()
        await net.publish(
            "a",
            vacancy(
                "JL",
                today=today,
                title="Säkerhetsskyddschef",
                extent="part_time",
                employment_type="fixed_term",
                security_clearance=True,
                ssyk="1219",
                remote="remote",
            ),
            vacancy("OTHER", title="Controller"),
        )
        await wait_until(
            lambda: applied(database_url, "count(*) = 2 FROM vacancies"), what="ingest"
        )
        plain = await http.get(f"/vacancies/{agency}/JL")
        assert plain.json()["title"] == "Säkerhetsskyddschef"
        # The JSON carries the JobPosting too, so the public site's page needs one call.
        assert plain.json()["job_posting"]["@type"] == "JobPosting"
        response = await http.get(
            f"/vacancies/{agency}/JL", headers={"Accept": "application/ld+json"}
        )
        assert response.headers["content-type"].startswith("application/ld+json")
        posting = json.loads(response.content)
        assert posting["@type"] == "JobPosting" and posting["@context"] == "https://schema.org/"
        assert posting["hiringOrganization"]["name"] == "Myndigheten A"
        assert posting["datePosted"] == (today - timedelta(days=3)).isoformat()
        assert posting["validThrough"].startswith(
            (today + timedelta(days=20)).isoformat() + "T23:59:59"
        )
        assert posting["employmentType"] == ["PART_TIME", "TEMPORARY"]
        assert posting["jobLocation"]["address"]["addressLocality"] == "Sundsvall"
        assert posting["jobLocationType"] == "TELECOMMUTE"
        assert posting["applicantLocationRequirements"] == {"@type": "Country", "name": "SE"}
        assert plain.json()["job_posting"] == posting
        assert "säkerhetsprövning" in posting["securityClearanceRequirement"]
        assert posting["directApply"] is False and posting["url"] == "https://example.se/jobb/JL"
        assert (await http.get(f"/vacancies/{agency}/MISSING")).status_code == 404

        atom = await http.get("/vacancies/feed.atom")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(atom.content)
        assert feed.bozo == 0, feed.get("bozo_exception")
        assert feed.version == "atom10"
        ours = [e for e in feed.entries if f"/vacancies/{agency}/" in e.id]
        assert {e.title for e in ours} == {"Säkerhetsskyddschef", "Controller"}
        entry = next(e for e in ours if e.title == "Controller")
        assert entry.author == "Myndigheten A"
        assert any(link.href == "https://example.se/jobb/OTHER" for link in entry.links)
