"""Nightly exports become a correct event stream."""

from datetime import date
from pathlib import Path

from myndnet_schemas import VacancyPublished, VacancyUpdated, VacancyWithdrawn
from myndnet_schemas.cli import sync_export_main
from myndnet_schemas.events.inbound import VacancyFields
from myndnet_schemas.export_sync import SyncState, plan
from myndnet_testing import vacancy as example_vacancy

EXAMPLES = Path(__file__).parents[1] / "examples"
TODAY = date(2026, 3, 10)


def vacancy(vacancy_id: str, **changes) -> VacancyFields:
    return example_vacancy(vacancy_id, **changes)


def kinds(events) -> list[tuple[str, str, int]]:
    return [(type(e.data).__name__, e.subject, e.data.revision) for e in events]


def test_two_consecutive_exports_become_exactly_the_expected_events():
    monday = [vacancy("A"), vacancy("B"), vacancy("C", application_deadline=date(2026, 3, 5))]
    first = plan(SyncState("csn"), monday, today=TODAY)
    assert kinds(first.events) == [
        ("VacancyPublished", "A", 1),
        ("VacancyPublished", "B", 1),
        ("VacancyPublished", "C", 1),
    ]

    tuesday = [vacancy("A"), vacancy("B", title="Systemutvecklare, senior"), vacancy("D")]
    second = plan(first.state, tuesday, today=TODAY)
    assert kinds(second.events) == [
        ("VacancyUpdated", "B", 2),
        ("VacancyPublished", "D", 1),
        ("VacancyWithdrawn", "C", 2),
    ]
    assert second.unchanged == 1
    withdrawn = second.events[-1].data
    assert isinstance(withdrawn, VacancyWithdrawn) and withdrawn.reason == "expired"
    assert all(e.source == "/agencies/csn" for e in second.events)

    again = plan(second.state, tuesday, today=TODAY)
    assert again.events == [] and again.unchanged == 3


def test_a_removed_vacancy_before_its_deadline_is_cancelled_and_a_returning_one_republished():
    first = plan(SyncState("csn"), [vacancy("A")], today=TODAY)
    gone = plan(first.state, [], today=TODAY)
    assert kinds(gone.events) == [("VacancyWithdrawn", "A", 2)]
    assert gone.events[0].data.reason == "cancelled"
    back = plan(gone.state, [vacancy("A")], today=TODAY)
    assert kinds(back.events) == [("VacancyPublished", "A", 3)]
    assert isinstance(back.events[0].data, VacancyPublished)


def test_a_repeated_run_sends_the_same_event_ids():
    export = [vacancy("A"), vacancy("B")]
    assert [e.id for e in plan(SyncState("csn"), export, today=TODAY).events] == [
        e.id for e in plan(SyncState("csn"), export, today=TODAY).events
    ]


def test_an_unreadable_row_does_not_withdraw_its_vacancy():
    first = plan(SyncState("csn"), [vacancy("A"), vacancy("B")], today=TODAY)
    second = plan(first.state, [vacancy("A")], today=TODAY, unreadable_ids={"B"})
    assert second.events == []


def test_the_cli_dry_run_lists_events_and_a_real_run_twice_emits_nothing_new(tmp_path, capsys):
    export = tmp_path / "export.jsonl"
    export.write_text(
        "\n".join(vacancy(v).model_dump_json(exclude={"revision"}) for v in ("A", "B")) + "\n"
    )
    state = tmp_path / "state.json"
    assert (
        sync_export_main(
            [
                "--agency",
                "csn",
                "--state",
                str(state),
                "--dry-run",
                "--today",
                "2026-03-10",
                str(export),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "se.myndnet.vacancy.published.v1 A revision 1" in out
    assert not state.exists()  # a dry run remembers nothing
    VacancyUpdated  # noqa: B018  (the type a changed row would produce)
