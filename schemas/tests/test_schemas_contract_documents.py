"""Generated documents are current, and no released contract was broken."""

import json

import pytest
from myndnet_schemas import REGISTRY
from myndnet_schemas.compat import incompatibilities
from myndnet_schemas.docs import RELEASED_DIR, json_schema, main


def test_committed_json_schemas_and_asyncapi_are_up_to_date():
    assert main(["--check"]) == 0, "run: uv run python -m myndnet_schemas.docs"


def test_asyncapi_names_every_topic_of_the_contract():
    from myndnet_schemas.docs import ASYNCAPI_FILE

    document = json.loads(ASYNCAPI_FILE.read_text())
    assert document["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == {
        "hr.{agency}.vacancies",
        "hr.{agency}.leadership",
        "membership.agencies",
        "membership.sign_ins",
        "vacancies.vacancies",
        "mentoring.matches",
        "notify.deliveries",
        "trainings.registrations",
        "outreach.activities",
        "hr.{agency}.exchange",
        "exchange.assignments",
    }
    assert len(document["components"]["messages"]) == len(REGISTRY)


def test_every_released_type_is_still_in_the_contract():
    released = {p.stem for p in RELEASED_DIR.glob("*.json")}
    assert released - set(REGISTRY) == set(), "a released type may not be removed"


@pytest.mark.parametrize("event_type", sorted(REGISTRY))
def test_no_released_schema_changed_incompatibly(event_type):
    released = json.loads((RELEASED_DIR / f"{event_type}.json").read_text())
    problems = incompatibilities(released, json_schema(REGISTRY[event_type]))
    assert not problems, (
        f"{event_type} changed incompatibly: {problems}. Keep the field, or add a new major "
        "version of the type (…v2) beside it."
    )


def test_the_check_catches_what_the_contract_forbids():
    released = json.loads((RELEASED_DIR / "se.myndnet.vacancy.published.v1.json").read_text())
    changed = json.loads(json.dumps(released))
    del changed["properties"]["title"]
    changed["required"].append("salary")
    changed["properties"]["salary"] = {"type": "integer"}
    changed["properties"]["description"]["maxLength"] = 500
    changed["$defs"]["EmploymentType"]["enum"].remove("thesis")
    changed["properties"]["revision"] = {"type": "string"}
    found = incompatibilities(released, changed)
    assert any(p.startswith("title: removed") for p in found)
    assert any(p.startswith("salary: newly required") for p in found)
    assert any(p.startswith("description: maxLength") for p in found)
    assert any("thesis" in p for p in found)
    assert any(p.startswith("revision: type integer became string") for p in found)
    added_optional = json.loads(json.dumps(released))
    added_optional["properties"]["salary"] = {"type": "integer"}
    assert incompatibilities(released, added_optional) == []
