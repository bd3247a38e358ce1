"""Generated payloads and random bytes never crash the parser."""

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from myndnet_schemas import REGISTRY, EnvelopeError, Event, parse
from myndnet_schemas.docs import json_schema

TYPES = sorted(REGISTRY)


def outcome(headers, key, value):
    try:
        return parse(headers, key, value)
    except EnvelopeError as error:
        assert error.reason and error.message
        return error


def schema_payloads():
    # One strategy per type, built once: from_schema canonicalises the whole schema each time.
    return st.one_of(*(st.tuples(st.just(t), from_schema(json_schema(REGISTRY[t]))) for t in TYPES))


# 100 in `make test`; `make fuzz` sets 1,000.
SCHEMA_EXAMPLES = int(os.environ.get("MYNDNET_FUZZ_SCHEMA_EXAMPLES", "100"))


@settings(max_examples=SCHEMA_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(schema_payloads())
def test_payloads_generated_from_the_json_schemas_validate_or_fail_precisely(generated):
    event_type, payload = generated
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"f-1"),
        ("ce_source", b"/agencies/csn"),
        ("ce_type", event_type.encode()),
    ]
    result = outcome(headers, None, json.dumps(payload).encode())
    if isinstance(result, Event):
        assert result.type == event_type
    else:
        # What the JSON Schema cannot say (deadline after publication, https, ISO 639-1)
        assert result.reason == "schema_violation"


header_names = st.sampled_from(
    [
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_time",
        "ce_subject",
        "content-type",
        "x-other",
    ]
)


@settings(max_examples=500, deadline=None)
@given(
    headers=st.lists(st.tuples(header_names, st.binary(max_size=40)), max_size=8),
    key=st.none() | st.binary(max_size=20),
    value=st.none() | st.binary(max_size=300),
)
def test_random_bytes_yield_an_event_or_a_precise_error(headers, key, value):
    outcome(headers, key, value)


@settings(max_examples=300, deadline=None)
@given(
    document=st.dictionaries(
        st.sampled_from(["specversion", "id", "source", "type", "time", "data", "subject"]),
        st.none()
        | st.integers()
        | st.text(max_size=30)
        | st.dictionaries(st.text(max_size=8), st.text(max_size=8)),
    )
)
def test_random_structured_events_yield_an_event_or_a_precise_error(document):
    outcome(
        [("content-type", b"application/cloudevents+json")], None, json.dumps(document).encode()
    )
