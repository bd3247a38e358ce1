"""What a hostile or careless agency sends cannot deceive candidates or break what others read:
vacancies on the real Kafka broker and PostgreSQL."""

import json
from xml.etree import ElementTree

import asyncpg
import pytest
from myndnet_schemas import Event, encode_binary, topics
from myndnet_testing import produce_raw, read_to_end, running, wait_until
from myndnet_vacancies.main import build
from test_vacancies_service import Network, api, applied, vacancy

pytestmark = pytest.mark.integration

DECEPTIVE_URLS = [
    "https://www.skatteverket.se@evil.example/jobb",
    "https://evil.example\\@www.csn.se/jobb",
    "https://www.csn.se/jobb\r\nLocation: https://evil.example",
    "https://www.csn.se/jo\x0cbb",
    "https://www.csn.se/\u202ejobb/lmth.exe",
    "http://www.csn.se/jobb",
]
BAD_TEXT = {
    "title": "Handläggare\x0b",
    "description": "Text\x00med NUL",
    "municipality": "Sundsvall\x85",
}


def raw_vacancy(agency: str, vacancy_id: str, **fields: str) -> tuple[bytes, bytes, list]:
    """A vacancy.published as an agency's own client could send it, past our models' checks."""
    event = Event.new(vacancy(vacancy_id), source=f"/agencies/{agency}")
    headers, value = encode_binary(event)
    data = {**json.loads(value), **fields}
    return vacancy_id.encode(), json.dumps(data).encode(), headers


async def test_deceptive_urls_and_control_characters_are_refused_with_their_reason(
    kafka_bootstrap, database_url, unique
):
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    agency = net.code("a")
    topic = topics.hr_vacancies(agency)
    bad = [raw_vacancy(agency, f"URL-{n}", apply_url=url) for n, url in enumerate(DECEPTIVE_URLS)]
    bad += [raw_vacancy(agency, f"TXT-{field}", **{field: v}) for field, v in BAD_TEXT.items()]
    good = raw_vacancy(agency, "GOOD")
    async with running(build(net.settings(database_url))):
        await produce_raw(kafka_bootstrap, topic, [*bad, good])
        await wait_until(
            lambda: applied(database_url, "count(*) = 1 FROM vacancies"), what="the good one"
        )
        dead: list = []

        async def all_dead() -> bool:
            # The shared DLQ topic may hold much else: read it to its end and keep ours.
            dead[:] = [
                r
                for r in await read_to_end(kafka_bootstrap, "dlq.vacancies")
                if dict(r.headers).get("x-dlq-topic") == topic.encode()
            ]
            return len(dead) >= len(bad)

        await wait_until(all_dead, 60, what="the bad ones in the DLQ")
    by_key = {r.key.decode(): dict(r.headers) for r in dead}
    assert sorted(by_key) == sorted(key.decode() for key, _, _ in bad)
    for key, headers in by_key.items():
        assert headers["x-dlq-reason"] == b"schema_violation", key
        field = "apply_url" if key.startswith("URL") else key.removeprefix("TXT-")
        assert field.encode() in headers["x-dlq-error"], key


async def test_the_feed_stays_well_formed_and_json_ld_cannot_close_a_script(
    kafka_bootstrap, database_url, unique
):
    net = Network(kafka_bootstrap, unique)
    await net.register("a")
    agency = net.code("a")
    sneaky = "Jurist </script><script>alert(1)</script> <!-- & mer"
    async with running(build(net.settings(database_url))) as app, api(app) as http:
        await net.publish("a", vacancy("JS", title=sneaky), vacancy("OLD"))
        await wait_until(lambda: applied(database_url, "count(*) = 2 FROM vacancies"), what="both")
        # A title stored before the text rule, with a character XML cannot hold.
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "UPDATE vacancies SET title = 'Gammal\x0btitel' WHERE vacancy_id = 'OLD'"
            )
        finally:
            await conn.close()

        feed = await http.get("/vacancies/feed.atom")
        root = ElementTree.fromstring(feed.content)  # raises if not well-formed XML
        atom = "{http://www.w3.org/2005/Atom}"
        titles = {e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")}
        assert titles == {sneaky, "Gammal\ufffdtitel"}

        ld = await http.get(f"/vacancies/{agency}/JS", headers={"Accept": "application/ld+json"})
        assert ld.headers["content-type"].startswith("application/ld+json")
        for dangerous in ("</script", "<!--", "<script", "&"):
            assert dangerous not in ld.text
        assert ld.json()["title"] == sneaky
        assert ld.headers["x-content-type-options"] == "nosniff"
