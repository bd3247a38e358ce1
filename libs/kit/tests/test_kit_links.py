"""Signed links: what one holds, for whom, until when; a changed or foreign one is refused."""

from datetime import date

import pytest
from myndnet_kit.links import InvalidLink, read_link, sign_link

KEY = "a-key-of-the-network"
DAY = date(2026, 12, 10)


def test_a_link_reads_back_what_was_signed_until_its_day():
    token = sign_link(KEY, "mentoring-answer", ("m-1", "mentor"), DAY)
    link = read_link(KEY, token, "mentoring-answer", DAY)
    assert link.fields == ("m-1", "mentor") and link.expires_on == DAY


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda t: t, "expired"),  # read the day after
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "forged"),
        (lambda t: t.replace("bWVudG9y", "bWFuYWdl"), "forged"),
        (lambda t: "no-dot-here", "forged"),
    ],
)
def test_a_changed_expired_or_foreign_link_is_refused_with_its_reason(change, code):
    token = sign_link(KEY, "mentoring-answer", ("m-1", "mentor"), DAY)
    today = date(2026, 12, 11) if code == "expired" else DAY
    with pytest.raises(InvalidLink) as refused:
        read_link(KEY, change(token), "mentoring-answer", today)
    assert refused.value.code == code


def test_a_link_for_one_purpose_or_key_does_nothing_for_another():
    token = sign_link(KEY, "mentoring-checkin", ("m-1", "manager", "3"), DAY)
    with pytest.raises(InvalidLink) as refused:
        read_link(KEY, token, "mentoring-answer", DAY)
    assert refused.value.code == "purpose"
    with pytest.raises(InvalidLink) as other_key:
        read_link("another-key", token, "mentoring-checkin", DAY)
    assert other_key.value.code == "forged"
    with pytest.raises(InvalidLink) as unconfigured:
        read_link("", token, "mentoring-checkin", DAY)
    assert unconfigured.value.code == "unconfigured"
