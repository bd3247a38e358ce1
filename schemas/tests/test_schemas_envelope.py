"""Examples, both CloudEvents modes, and precise errors."""

import asyncio
import json
from pathlib import Path

import pytest
from myndnet_schemas import (
    REGISTRY,
    EnvelopeError,
    Event,
    VacancyPublished,
    encode_binary,
    encode_structured,
    parse,
)
from myndnet_testing import vacancy_data

EXAMPLES = Path(__file__).parents[1] / "examples"
STRUCTURED = [("content-type", b"application/cloudevents+json")]


def example(event_type: str) -> dict:
    return json.loads((EXAMPLES / f"{event_type}.json").read_text())


def test_every_event_type_has_an_example():
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(REGISTRY)


@pytest.mark.parametrize("event_type", sorted(REGISTRY))
def test_every_example_round_trips_through_both_modes_unchanged(event_type):
    document = example(event_type)
    event = parse(STRUCTURED, None, json.dumps(document).encode())
    assert event.type == event_type and isinstance(event.data, REGISTRY[event_type])

    headers, value = encode_binary(event)
    assert parse(headers, event.key.encode(), value) == event
    assert dict(headers)["ce_id"] == document["id"].encode()

    headers, value = encode_structured(event)
    assert parse(headers, None, value) == event
    assert json.loads(value) == document
    assert binary_attributes(event) == structured_attributes(event)


def binary_attributes(event) -> list[tuple[str, str]]:
    headers, _ = encode_binary(event)
    assert headers[-1] == ("content-type", b"application/json")
    return [(name.removeprefix("ce_"), value.decode()) for name, value in headers[:-1]]


def structured_attributes(event) -> list[tuple[str, str]]:
    _, value = encode_structured(event)
    document = json.loads(value)
    return [(k, v) for k, v in document.items() if k not in ("data", "datacontenttype")]


def test_both_modes_carry_the_same_attributes_with_a_trace_and_without_time_or_subject():
    data = VacancyPublished.model_validate(vacancy_data())
    traced = Event.new(
        data, source="/agencies/csn", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    )
    assert ("traceparent", traced.traceparent) in binary_attributes(traced)
    bare = Event(id="e-1", source="/agencies/csn", type=data.event_type, data=data)
    for event in (traced, bare):
        assert binary_attributes(event) == structured_attributes(event)
        headers, value = encode_binary(event)
        assert parse(headers, event.key.encode(), value) == event


W3C = "00-" + "c" * 32 + "-" + "d" * 16 + "-01"


def test_the_w3c_traceparent_header_continues_a_trace_in_both_modes():
    """As OpenTelemetry's Kafka instrumentation writes it, beside or instead of the extension."""
    data = VacancyPublished.model_validate(vacancy_data())
    bare = Event(id="e-1", source="/agencies/csn", type=data.event_type, data=data)
    headers, value = encode_binary(bare)
    assert parse([*headers, ("traceparent", W3C.encode())], None, value).traceparent == W3C
    headers, value = encode_structured(bare)
    assert parse([*headers, ("traceparent", W3C.encode())], None, value).traceparent == W3C
    # The CloudEvents extension, where there is one, is the event's own word.
    traced = Event.new(
        data, source="/agencies/csn", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    )
    headers, value = encode_binary(traced)
    assert parse([*headers, ("traceparent", W3C.encode())], None, value) == traced
    # A malformed one is ignored, not a reason to refuse the event.
    headers, value = encode_binary(bare)
    assert parse([*headers, ("traceparent", b"not-a-trace")], None, value) == bare


def vacancy_document(**changes) -> dict:
    return vacancy_data(**changes)


def binary(data: dict | bytes, **attributes: str) -> tuple[list, bytes]:
    base = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/agencies/csn",
        "type": "se.myndnet.vacancy.published.v1",
    }
    base.update(attributes)
    headers = [(f"ce_{k}", v.encode()) for k, v in base.items()]
    return headers, data if isinstance(data, bytes) else json.dumps(data).encode()


def error_of(headers, value) -> EnvelopeError:
    with pytest.raises(EnvelopeError) as caught:
        parse(headers, None, value)
    return caught.value


def test_a_binary_event_without_content_type_is_json():
    headers, value = binary(vacancy_document())
    event = parse(headers, None, value)
    assert isinstance(event.data, VacancyPublished)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"application_deadline": "2026-03-01"},
            "(payload)",
            "application_deadline (2026-03-01) must be on or after published_on (2026-03-02)",
        ),
        ({"apply_url": "http://www.csn.se/jobb"}, "apply_url", "must be an https:// address"),
        ({"languages": ["sv", "svenska"]}, "languages[1]", "not an ISO 639-1 language code"),
        ({"vacancy_id": "CSN 2026/1"}, "vacancy_id", "1–64 characters of A–Z"),
        ({"municipality_code": "22810"}, "municipality_code", "4-digit municipality code"),
        ({"occupation_field": "plumbing"}, "occupation_field", "Input should be 'it'"),
        ({"revision": "2"}, "revision", "valid integer"),
        ({"revision": 0}, "revision", "greater than or equal to 1"),
        ({"security_clearance": 1}, "security_clearance", "valid boolean"),
        ({"title": ""}, "title", "at least 1 character"),
        (
            {"target_groups": ["students", "students"]},
            "target_groups",
            "must not list the same value twice",
        ),
    ],
)
def test_schema_violations_name_the_field_and_the_rule(changes, field, words):
    error = error_of(*binary(vacancy_document(**changes)))  # headers, value
    assert error.reason == "schema_violation"
    assert f"{field}: " in error.message and words in error.message, error.message
    assert error.event_id == "e-1" and error.source == "/agencies/csn"


def test_a_missing_required_field_is_named():
    data = vacancy_document()
    del data["title"]
    assert "title: is required" in error_of(*binary(data)).message


@pytest.mark.parametrize(
    ("headers", "value", "reason"),
    [
        (binary(vacancy_document())[0], b"{oops", "invalid_json"),
        ([], b'{"vacancy_id": "x"}', "not_cloudevent"),
        (
            binary(vacancy_document(), type="se.myndnet.vacancy.vanished.v1")[0],
            json.dumps(vacancy_document()).encode(),
            "unknown_type",
        ),
        (binary(vacancy_document(), specversion="0.3")[0], b"{}", "unsupported_specversion"),
        (
            binary(vacancy_document(), time="yesterday")[0],
            json.dumps(vacancy_document()).encode(),
            "invalid_attribute",
        ),
        (
            [*binary(vacancy_document())[0], ("content-type", b"text/xml")],
            b"<x/>",
            "unsupported_content_type",
        ),
        ([("ce_specversion", b"1.0"), ("ce_id", b"\xff")], b"{}", "not_cloudevent"),
        (STRUCTURED, b"[1, 2]", "not_cloudevent"),
        (
            STRUCTURED,
            b'{"specversion": "1.0", "id": "x", "source": "/a", '
            b'"type": "se.myndnet.mentor.withdrawn.v1"}',
            "not_cloudevent",
        ),
        (
            STRUCTURED,
            b'{"specversion": "1.0", "id": 7, "source": "/agencies/x", '
            b'"type": "se.myndnet.mentor.withdrawn.v1", "data": {"person_id": "p"}}',
            "invalid_attribute",
        ),
    ],
)
def test_malformed_messages_get_a_short_reason(headers, value, reason):
    assert error_of(headers, value).reason == reason


def test_a_tombstone_is_not_an_event():
    assert error_of(binary({})[0], None).reason == "not_cloudevent"


def test_unknown_fields_are_ignored_so_newer_minor_versions_stay_readable():
    headers, value = binary(vacancy_document(salary_band="B"))
    event = parse(headers, None, value)
    assert not hasattr(event.data, "salary_band")


def _three_withdrawals() -> list:
    from myndnet_schemas import VacancyWithdrawn
    from myndnet_schemas.publisher import AgencyPublisher

    publisher = AgencyPublisher("127.0.0.1:1", "csn")
    return [
        publisher.event(VacancyWithdrawn(vacancy_id=f"V{i}", revision=2, reason="filled"))
        for i in range(3)
    ]


class _SilentProducer:
    """A producer whose brokers never answer: each send is queued, none acknowledged."""

    def __init__(self) -> None:
        self.futures: list[asyncio.Future[None]] = []

    async def send(self, topic, value, key, headers) -> "asyncio.Future[None]":
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        return future


async def test_events_not_acknowledged_in_time_are_reported_and_left_to_the_producer():
    from myndnet_schemas.publisher import NotAcknowledged, send_agency_events

    producer = _SilentProducer()
    events = _three_withdrawals()
    with pytest.raises(NotAcknowledged, match=r"3 of 3 events not acknowledged within 0\.2 s"):
        await send_agency_events(producer, "csn", events, timeout=0.2)  # type: ignore[arg-type]
    # The producer keeps them (it may still deliver them): nothing of it was cancelled.
    assert len(producer.futures) == 3 and not any(f.cancelled() for f in producer.futures)
    for future in producer.futures:
        future.set_result(None)


class _FullProducer(_SilentProducer):
    """A producer whose buffer stays full: the second send waits for room that never comes."""

    async def send(self, topic, value, key, headers) -> "asyncio.Future[None]":
        if self.futures:
            await asyncio.Event().wait()
        return await super().send(topic, value, key, headers)


async def test_a_send_that_cannot_even_be_queued_is_reported_in_time():
    from myndnet_schemas.publisher import NotAcknowledged, send_agency_events

    producer = _FullProducer()
    events = _three_withdrawals()
    with pytest.raises(NotAcknowledged, match=r"3 of 3 events not acknowledged within 0\.2 s"):
        await asyncio.wait_for(
            send_agency_events(producer, "csn", events, timeout=0.2),  # type: ignore[arg-type]
            5,
        )
    assert len(producer.futures) == 1  # the first queued; the rest never were
    producer.futures[0].set_result(None)


def test_a_send_timeout_that_is_not_positive_is_refused_at_once():
    from myndnet_schemas.publisher import AgencyPublisher

    for timeout in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="send_timeout is seconds to wait"):
            AgencyPublisher("127.0.0.1:1", "csn", send_timeout=timeout)


async def test_a_batch_with_an_event_of_another_source_is_refused_before_any_is_queued():
    from myndnet_schemas import VacancyWithdrawn
    from myndnet_schemas.publisher import AgencyPublisher, send_agency_events

    producer = _SilentProducer()
    foreign = AgencyPublisher("127.0.0.1:1", "skv").event(
        VacancyWithdrawn(vacancy_id="S1", revision=2, reason="filled")
    )
    with pytest.raises(ValueError, match="csn may only publish as /agencies/csn"):
        await send_agency_events(producer, "csn", [*_three_withdrawals(), foreign])  # type: ignore[arg-type]
    assert producer.futures == []  # not the three before it either
