"""Delivery status notifications read as the bounce mailbox receives them (no servers)."""

import pytest
from myndnet_notify.domain.bounces import Bounce, NotADeliveryReport, read_report
from myndnet_testing.mail import delivery_report

OURS = "<d-0123456789abcdef0123@notify.example.se>"


@pytest.mark.parametrize("headers_only", [False, True])
def test_a_mailbox_refused_for_good_suppresses_with_the_message_whole_or_its_headers(
    headers_only,
):
    bounces = read_report(delivery_report(OURS, "gone@example.org", headers_only=headers_only))
    assert bounces == [Bounce("d-0123456789abcdef0123", "failed", "5.1.1")]
    assert bounces[0].suppresses


@pytest.mark.parametrize(
    ("action", "status", "suppresses"),
    [
        ("failed", "5.2.1", True),  # mailbox disabled
        ("failed", "5.7.1", False),  # refused as spam or by policy: not the address
        ("failed", "5.2.2", False),  # mailbox full
        ("delayed", "4.4.7", False),  # still trying
        ("delivered", "2.0.0", False),
    ],
)
def test_only_a_failure_of_the_mailbox_itself_suppresses(action, status, suppresses):
    report = delivery_report(OURS, "x@example.org", status=status, action=action)
    [bounce] = read_report(report)
    assert (bounce.action, bounce.status, bounce.suppresses) == (action, status, suppresses)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"From: someone@example.org\r\nSubject: Re: Nytt jobb\r\n\r\nTack!\r\n", "text/plain"),
        (delivery_report("<1234@elsewhere.example>", "x@example.org"), "did not send"),
        (b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\nno parts", "part"),
        (b"\xff\xfe\x00garbage", "not a delivery status notification"),
        (
            delivery_report(OURS, "x@example.org").replace(b"Action: failed\r\n", b""),
            "names no recipient",
        ),
    ],
)
def test_anything_else_is_refused_with_a_reason(raw, why):
    with pytest.raises(NotADeliveryReport, match=why):
        read_report(raw)
