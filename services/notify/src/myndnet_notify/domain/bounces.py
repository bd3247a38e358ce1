"""Delivery status notifications (RFC 3464) as a bounce mailbox receives them, read as plain
Python: which of notify's deliveries a report is about, and what happened to it.

A report is a `multipart/report; report-type=delivery-status` message: a part for people, a
`message/delivery-status` part (a block about the message, then a block per recipient with its
`Action` and `Status`), and the returned message or its headers, whose `Message-ID` is the one
notify gave the letter: `<delivery id@notify's domain>`.
"""

import re
from dataclasses import dataclass
from email import message_from_bytes, message_from_string
from email.message import EmailMessage, Message
from email.policy import default as default_policy

from myndnet_notify.domain.delivery import enhanced_status, is_mailbox_refusal

OUR_MESSAGE_ID = re.compile(r"^\s*<(d-[0-9a-f]{8,64})@[^<>\s]+>\s*$")


class NotADeliveryReport(ValueError):
    """Mail in the bounce mailbox that is no delivery status notification about our mail."""


@dataclass(frozen=True)
class Bounce:
    delivery_id: str
    action: str  # failed, delayed, delivered, relayed or expanded
    status: str  # the enhanced status code, e.g. "5.1.1"

    @property
    def suppresses(self) -> bool:
        """The mailbox itself refused it for good: the address is suppressed."""
        return self.action == "failed" and is_mailbox_refusal(self.status)


def read_report(raw: bytes) -> list[Bounce]:
    """What a report says of each recipient of one of our letters; NotADeliveryReport (with
    why) for anything else."""
    message = message_from_bytes(raw, policy=default_policy)
    if (
        message.get_content_type() != "multipart/report"
        or str(message.get_param("report-type") or "").lower() != "delivery-status"
    ):
        raise NotADeliveryReport(
            f"not a delivery status notification (it is {message.get_content_type()})"
        )
    statuses = _part(message, "message/delivery-status")
    if statuses is None:
        raise NotADeliveryReport("a report without its message/delivery-status part")
    delivery_id = _our_delivery(message)
    blocks = _blocks(statuses)[1:]  # the first block is about the message, the rest recipients
    bounces = []
    for block in blocks:
        status = enhanced_status(str(block.get("Status", "")))
        action = str(block.get("Action", "")).strip().lower()
        if status is not None and action:
            bounces.append(Bounce(delivery_id, action, status))
    if not bounces:
        raise NotADeliveryReport("a report that names no recipient with an Action and a Status")
    return bounces


def _part(message: Message, content_type: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part
    return None


def _blocks(statuses: Message) -> list[Message]:
    """The report's field blocks: the email package parses them into messages, or leaves the
    part's text when it could not."""
    payload = statuses.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    text = _bytes(statuses)
    return [
        message_from_string(block.strip() + "\n", policy=default_policy)
        for block in re.split(r"\r?\n\s*\r?\n", text.decode("utf-8", "replace"))
        if block.strip()
    ]


def _bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _our_delivery(message: EmailMessage) -> str:
    """The delivery whose letter came back, from the returned message or its headers."""
    returned = _part(message, "message/rfc822")
    headers: Message | None = None
    if returned is not None:
        inner = returned.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            headers = inner[0]
    else:
        only_headers = _part(message, "text/rfc822-headers")
        if only_headers is not None:
            headers = message_from_bytes(_bytes(only_headers), policy=default_policy)
    if headers is None:
        raise NotADeliveryReport("a report without the returned message or its headers")
    found = OUR_MESSAGE_ID.match(str(headers.get("Message-ID", "")))
    if found is None:
        raise NotADeliveryReport("a report about a message notify did not send")
    return found.group(1)
