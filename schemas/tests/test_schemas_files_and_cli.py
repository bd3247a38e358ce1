"""Agencies' files: JSON Lines and CSV, good and bad lines, and the CLI's dry run."""

import json
from pathlib import Path

from myndnet_schemas import ManagerAppointed, VacancyPublished, VacancyWithdrawn
from myndnet_schemas.cli import publish_main
from myndnet_schemas.files import read_lines
from myndnet_testing import vacancy_data

EXAMPLES = Path(__file__).parents[1] / "examples"


def vacancy(**changes) -> dict:
    return vacancy_data(**changes)


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def mixed_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            vacancy(vacancy_id="A-1"),
            vacancy(vacancy_id="A-2", apply_url="http://insecure.example/jobb"),  # line 2
            "{this is not json",  # line 3
            vacancy(vacancy_id="A-4"),
            {"type": "vacancy.withdrawn", "vacancy_id": "A-1", "revision": 2, "reason": "filled"},
            {"type": "vacancy.exploded", "vacancy_id": "A-6"},  # line 6
            "",
            {
                "type": "manager.appointed",
                "person_id": "p-1",
                "name": "Anna Berg",
                "email": "anna.berg@csn.se",
                "title": "Enhetschef",
                "start_date": "2026-05-01",
                "municipality": "Sundsvall",
            },
        ],
    )


def test_a_jsonl_file_with_good_and_bad_lines_keeps_line_numbers(tmp_path):
    lines = list(read_lines(mixed_file(tmp_path)))
    good = {line.number: line.payload for line in lines if line.payload is not None}
    bad = {line.number: line.error for line in lines if line.payload is None}
    assert sorted(good) == [1, 4, 5, 8]
    assert isinstance(good[1], VacancyPublished) and isinstance(good[5], VacancyWithdrawn)
    assert isinstance(good[8], ManagerAppointed)
    assert "apply_url: must be an https:// address" in bad[2]
    assert bad[3].startswith("not valid JSON")
    assert "unknown event type 'vacancy.exploded'" in bad[6]


def test_csv_cells_become_numbers_booleans_and_lists(tmp_path):
    path = tmp_path / "vacancies.csv"
    path.write_text(
        "vacancy_id;revision;title;description;occupation_field;employment_type;extent;"
        "municipality;remote;target_groups;published_on;application_deadline;apply_url;"
        "languages;security_clearance\n"
        "T-1;1;Jurist;Beskrivning;law;permanent;full_time;Härnösand;on_site;students|graduates;"
        "2026-03-01;2026-03-31;https://example.se/t-1;sv;ja\n"
        "T-2;två;Jurist;Beskrivning;law;permanent;full_time;Härnösand;on_site;;"
        "2026-03-01;2026-03-31;https://example.se/t-2;sv;nej\n",
        encoding="utf-8",
    )
    first, second = read_lines(path)
    assert first.payload is not None
    assert first.payload.revision == 1
    assert first.payload.security_clearance is True
    assert [str(g) for g in first.payload.target_groups] == ["students", "graduates"]
    assert first.payload.municipality == "Härnösand"
    assert second.payload is None and second.number == 3
    assert "revision: 'två' is not a whole number" in second.error


def test_dry_run_validates_reports_every_bad_line_and_exits_non_zero(tmp_path, capsys):
    exit_code = publish_main(["--agency", "csn", "--dry-run", str(mixed_file(tmp_path))])
    out = capsys.readouterr().out
    assert exit_code == 1
    assert "valid: 4, rejected: 3" in out
    for number in (2, 3, 6):
        assert f"line {number}:" in out


def test_a_clean_dry_run_exits_zero(tmp_path, capsys):
    path = write_jsonl(tmp_path / "ok.jsonl", [vacancy(vacancy_id="B-1")])
    assert publish_main(["--agency", "csn", "--dry-run", str(path)]) == 0
    assert "valid: 1, rejected: 0" in capsys.readouterr().out


def test_an_invalid_agency_code_is_refused_before_anything_is_read(tmp_path, capsys):
    path = write_jsonl(tmp_path / "ok.jsonl", [vacancy()])
    assert publish_main(["--agency", "Skatteverket!", "--dry-run", str(path)]) == 2
    assert "agency code 'Skatteverket!' is not valid" in capsys.readouterr().err


def test_a_json_file_may_hold_one_event_or_an_array(tmp_path, capsys):
    example = EXAMPLES / "se.myndnet.vacancy.published.v1.json"
    assert publish_main(["--agency", "csn", "--dry-run", str(example)]) == 0
    array = tmp_path / "many.json"
    array.write_text(json.dumps([vacancy(vacancy_id="J-1"), vacancy(vacancy_id="J 2"), 7]))
    assert publish_main(["--agency", "csn", "--dry-run", str(array)]) == 1
    out = capsys.readouterr().out
    assert "valid: 1, rejected: 2" in out
    assert "line 2: vacancy_id" in out and "line 3: each item must be a JSON object" in out
