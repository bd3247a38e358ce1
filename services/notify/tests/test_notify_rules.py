"""Notify's plain rules: filter keys, digest timing (no servers)."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from myndnet_notify.domain.subscriptions import (
    MAX_KEYS,
    STOCKHOLM,
    Preferences,
    TooManyCombinations,
    digest_due,
    subscription_keys,
    vacancy_keys,
)

AGENCIES, FIELDS = ["csn", "spv", "msb"], ["it", "law", "hr"]
TOWNS, TYPES = ["Sundsvall", "Härnösand"], ["permanent", "summer_job"]
GROUPS = ["students", "graduates", "experienced", "managers"]


def some(values):
    return st.lists(st.sampled_from(values), unique=True, max_size=len(values))


@settings(max_examples=300, deadline=None)
@given(
    some(AGENCIES),
    some(FIELDS),
    some(TOWNS),
    some(TYPES),
    some(GROUPS),
    st.sampled_from(AGENCIES),
    st.sampled_from(FIELDS),
    st.sampled_from(TOWNS),
    st.sampled_from(TYPES),
    some(GROUPS),
)
def test_a_vacancy_finds_a_subscription_by_key_exactly_when_the_filters_allow_it(
    agencies, fields, towns, types, groups, agency, field, town, kind, vacancy_groups
):
    preferences = Preferences(
        "sv", "immediate", tuple(agencies), tuple(fields), tuple(towns), tuple(types), tuple(groups)
    )
    found = bool(
        set(subscription_keys(preferences))
        & set(vacancy_keys(agency, field, town, kind, vacancy_groups))
    )
    allowed = bool(
        (not agencies or agency in agencies)
        and (not fields or field in fields)
        and (not towns or town in towns)
        and (not types or kind in types)
        and (not groups or not vacancy_groups or set(groups) & set(vacancy_groups))
    )
    assert found == allowed


def test_a_vacancy_looks_up_at_most_eighty_keys():
    assert len(vacancy_keys("csn", "it", "Sundsvall", "permanent", [])) == 80


def test_too_many_combinations_are_refused_with_a_reason():
    wide = Preferences(
        "sv",
        "daily",
        tuple(f"a{i}" for i in range(30)),
        tuple(f"f{i}" for i in range(14)),
        tuple(f"m{i}" for i in range(10)),
    )
    with pytest.raises(TooManyCombinations, match=f"at most {MAX_KEYS}"):
        subscription_keys(wide)


@pytest.mark.parametrize(
    ("frequency", "last", "now", "due"),
    [
        ("daily", None, "2026-11-26 06:59", True),
        ("daily", "2026-11-26 07:00", "2026-11-26 18:00", False),
        ("daily", "2026-11-25 07:05", "2026-11-26 06:59", False),
        ("daily", "2026-11-25 07:05", "2026-11-26 07:00", True),
        ("weekly", "2026-11-23 07:01", "2026-11-29 23:00", False),  # 23 Nov 2026 is a Monday
        ("weekly", "2026-11-23 07:01", "2026-11-30 07:00", True),
        ("immediate", None, "2026-11-26 07:00", False),
    ],
)
def test_digests_are_due_at_seven_in_stockholm(frequency, last, now, due):
    def at(text):
        return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM) if text else None

    assert digest_due(frequency, at(last), at(now)) is due


def test_a_relay_password_is_never_sent_in_the_clear_to_another_machine(monkeypatch):
    import pydantic
    from myndnet_notify.main import NotifySettings

    monkeypatch.setenv("SMTP_PASSWORD", "relay secret")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.org")
    with pytest.raises(pydantic.ValidationError) as refused:
        NotifySettings()
    assert "SMTP_SECURITY" in str(refused.value)
    for host, security in (("smtp.example.org", "starttls"), ("smtp.example.org", "tls")):
        monkeypatch.setenv("SMTP_HOST", host)
        monkeypatch.setenv("SMTP_SECURITY", security)
        assert NotifySettings().smtp_relay().security == security
    monkeypatch.setenv("SMTP_SECURITY", "none")
    for loopback in ("127.0.0.1", "localhost", "::1", "127.0.0.53"):
        monkeypatch.setenv("SMTP_HOST", loopback)
        relay = NotifySettings().smtp_relay()
        assert relay.password == "relay secret" and "relay secret" not in repr(relay)
