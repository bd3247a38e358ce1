"""Reading CloudEvents from HTTP and checking them, keys and rate limits, without servers."""

import json

import pytest
from myndnet_ingest.domain.events import (
    BATCH,
    MAX_BATCH,
    STRUCTURED,
    Accepted,
    Rejected,
    RequestUnreadable,
    answer,
    check,
    read_request,
)
from myndnet_ingest.domain.keys import RateLimit, digest, key_ring
from myndnet_schemas.events import AgencyRegistered
from myndnet_testing import vacancy_data


def structured(event_id: str, source: str = "/agencies/csn", **data) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": "se.myndnet.vacancy.published.v1",
        "time": "2026-11-27T08:00:00Z",
        "data": vacancy_data(event_id, **data),
    }


def test_binary_mode_reads_the_ce_headers_and_the_body_as_data():
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "V-1",
        "ce-source": "/agencies/csn",
        "ce-type": "se.myndnet.vacancy.published.v1",
    }
    [read] = read_request("application/json", headers, json.dumps(vacancy_data("V-1")).encode())
    assert isinstance(read, Accepted) and read.event.data.vacancy_id == "V-1"
    assert isinstance(check(read, "csn"), Accepted)


def test_structured_and_batched_modes_read_each_event_on_its_own():
    [one] = read_request(STRUCTURED, {}, json.dumps(structured("V-2")).encode())
    assert isinstance(one, Accepted)
    bad = structured("V-4")
    bad["data"]["occupation_field"] = "astrology"
    body = json.dumps([structured("V-3"), bad, "not an event"]).encode()
    reads = [check(r, "csn") for r in read_request(BATCH, {}, body)]
    assert [type(r) for r in reads] == [Accepted, Rejected, Rejected]
    assert reads[1].event_id == "V-4" and "occupation_field" in reads[1].message
    result = answer(reads, ["hr.csn.vacancies", None, None])
    assert (result["accepted"], result["rejected"]) == (1, 2)
    assert [e["status"] for e in result["events"]] == ["accepted", "rejected", "rejected"]


W3C = "00-" + "e" * 32 + "-" + "f" * 16 + "-01"


def test_an_opentelemetry_client_s_traceparent_header_continues_each_event_s_trace():
    headers = {"traceparent": W3C}
    [one] = read_request(STRUCTURED, headers, json.dumps(structured("V-6")).encode())
    batch = json.dumps(
        [
            structured("V-7"),
            {**structured("V-8"), "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"},
        ]
    )
    two, own = read_request(BATCH, headers, batch.encode())
    binary = {
        **headers,
        "ce-specversion": "1.0",
        "ce-id": "V-9",
        "ce-source": "/agencies/csn",
        "ce-type": "se.myndnet.vacancy.published.v1",
    }
    [three] = read_request("application/json", binary, json.dumps(vacancy_data("V-9")).encode())
    for read in (one, two, three):
        assert isinstance(read, Accepted) and read.event.traceparent == W3C
    assert isinstance(own, Accepted) and own.event.traceparent.startswith("00-1111")  # its own


def test_a_key_publishes_as_its_own_agency_only():
    [read] = read_request(STRUCTURED, {}, json.dumps(structured("V-5", "/agencies/skv")).encode())
    checked = check(read, "csn")
    assert isinstance(checked, Rejected) and checked.reason == "forged_source"


def test_only_agency_events_are_taken():
    event = structured("M-1")
    event["type"] = "se.myndnet.vacancy.opened.v1"  # the network's own, not an agency's
    [read] = read_request(STRUCTURED, {}, json.dumps(event).encode())
    assert isinstance(check(read, "csn"), Rejected)


def test_an_assignment_is_taken_and_goes_to_the_agency_s_exchange_topic():
    from myndnet_schemas.publisher import topic_for
    from myndnet_testing import example

    document = example("se.myndnet.assignment.posted.v1") | {"source": "/agencies/csn"}
    [read] = read_request(STRUCTURED, {}, json.dumps(document).encode())
    checked = check(read, "csn")
    assert isinstance(checked, Accepted)
    assert topic_for("csn", checked.event.data) == "hr.csn.exchange"
    opened = example("se.myndnet.exchange.assignment.agreed.v1") | {"source": "/agencies/csn"}
    [read] = read_request(STRUCTURED, {}, json.dumps(opened).encode())
    assert isinstance(check(read, "csn"), Rejected)  # exchange's own, not an agency's


@pytest.mark.parametrize(
    "content_type, body, status",
    [
        ("text/plain", b"hello", 415),
        (BATCH, b"{not json", 400),
        (BATCH, b'{"an": "object"}', 400),
        (BATCH, json.dumps([{}] * (MAX_BATCH + 1)).encode(), 413),
    ],
)
def test_a_request_that_holds_no_readable_event_is_refused_whole(content_type, body, status):
    with pytest.raises(RequestUnreadable) as refused:
        read_request(content_type, {}, body)
    assert refused.value.status == status


def agency(code: str, status: str = "active", keys: tuple[str, ...] = ()) -> AgencyRegistered:
    return AgencyRegistered(
        code=code,
        name=code.upper(),
        kind="agency",
        role="member",
        status=status,
        joined_on="2023-11-28",
        left_on="2026-11-01" if status == "left" else None,
        http_keys=[{"key_id": f"k{code}{i:06d}", "sha256": digest(k)} for i, k in enumerate(keys)],
    )


def test_the_key_ring_knows_live_keys_of_participating_agencies_only():
    ring = key_ring([agency("csn", keys=("a", "b")), agency("skv", "left", keys=("c",))])
    assert ring[digest("a")].agency == "csn" and ring[digest("b")].agency == "csn"
    assert digest("c") not in ring and digest("x") not in ring


def test_the_rate_limit_counts_events_per_key_over_a_minute():
    limit = RateLimit(per_minute=10)
    assert limit.take("k", 6, now=0.0) is None
    assert limit.take("k", 5, now=1.0) == pytest.approx(59.0)
    assert limit.take("other", 10, now=1.0) is None
    assert limit.take("k", 4, now=30.0) is None
    assert limit.take("k", 1, now=59.0) is not None
    assert limit.take("k", 6, now=60.0) is None  # the first six are a minute old
    assert limit.take("k", 11, now=500.0) == 60.0  # more than a minute's worth at once
