"""The CLI and the export sync against the real local Kafka broker."""

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from myndnet_schemas import parse, topics
from myndnet_schemas.cli import publish_main, sync_export_main
from myndnet_testing import read_topic
from myndnet_testing import vacancy_data as vacancy

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).parents[1] / "examples"


async def create_agency_topics(bootstrap: str, agency: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(topics.hr_vacancies(agency), 3, 1),
                NewTopic(topics.hr_leadership(agency), 3, 1),
            ]
        )
    finally:
        await admin.close()


async def test_the_cli_publishes_good_lines_with_key_and_headers_and_reports_bad_ones(
    kafka_bootstrap, unique, tmp_path
):
    agency = f"a{unique}"
    await create_agency_topics(kafka_bootstrap, agency)
    path = tmp_path / "mixed.jsonl"
    lines = [
        vacancy("V-1"),
        vacancy("V-2", title=""),
        vacancy("V-3"),
        {"type": "mentor.withdrawn", "person_id": "p-9"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")

    process = await asyncio.create_subprocess_exec(
        shutil.which("myndnet-publish") or "myndnet-publish",
        "--agency",
        agency,
        "--bootstrap-servers",
        kafka_bootstrap,
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    out = stdout.decode()
    assert process.returncode == 1, stderr.decode()
    assert "100%" in stderr.decode()  # the progress bar
    assert "sent: 3, rejected: 1" in out and "line 2: title:" in out

    records = await read_topic(kafka_bootstrap, topics.hr_vacancies(agency), at_least=2)
    assert sorted(r.key for r in records) == [b"V-1", b"V-3"]
    for record in records:
        headers = dict(record.headers)
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_source"] == f"/agencies/{agency}".encode()
        assert headers["ce_type"] == b"se.myndnet.vacancy.published.v1"
        assert headers["content-type"] == b"application/json"
        assert json.loads(record.value)["vacancy_id"] == record.key.decode()
        assert parse(record.headers, record.key, record.value).subject == record.key.decode()
    [withdrawn] = await read_topic(kafka_bootstrap, topics.hr_leadership(agency), at_least=1)
    assert withdrawn.key == b"p-9"


async def test_publishing_for_an_agency_without_topics_fails_at_once_and_clearly(
    kafka_bootstrap, unique, tmp_path, capsys
):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(vacancy("V-1")) + "\n")
    code = await asyncio.to_thread(
        publish_main,
        ["--agency", f"none{unique}", "--bootstrap-servers", kafka_bootstrap, str(path)],
    )
    assert code == 2
    assert "is it registered as a member?" in capsys.readouterr().err


async def test_the_export_sync_run_twice_publishes_once(kafka_bootstrap, unique, tmp_path, capsys):
    agency = f"a{unique}"
    await create_agency_topics(kafka_bootstrap, agency)
    export = tmp_path / "export.jsonl"
    export.write_text(
        "\n".join(
            json.dumps({k: v for k, v in vacancy(i).items() if k != "revision"})
            for i in ("E-1", "E-2")
        )
        + "\n"
    )
    state = tmp_path / "state.json"
    args = [
        "--agency",
        agency,
        "--state",
        str(state),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--today",
        "2026-03-10",
        str(export),
    ]
    assert await asyncio.to_thread(sync_export_main, args) == 0
    assert await asyncio.to_thread(sync_export_main, args) == 0
    out = capsys.readouterr().out
    assert "events: published: 2; unchanged: 0" in out
    assert "events: none; unchanged: 2" in out
    records = await read_topic(kafka_bootstrap, topics.hr_vacancies(agency), at_least=2)
    assert sorted(r.key for r in records) == [b"E-1", b"E-2"]
