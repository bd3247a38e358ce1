"""Signed links: what a link in an e-mail may do, for whom and until when, signed with a key
the sending and the answering service share (`LINK_SIGNING_KEY`), so that notify can put a
mentoring answer link (or a training's confirm and cancel links) in its mail without asking
mentoring (or trainings) for one, and they can trust it without storing it. A link is
single-purpose (the purpose is signed), tied to what it names, and expires at the end of the day
it gives; using it once is the answering service's to record.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

SEPARATOR = "|"
# Purposes: a mentoring proposal's answer (match id, role) and a check-in (match id, role, month).
MENTORING_ANSWER = "mentoring-answer"
MENTORING_CHECKIN = "mentoring-checkin"
# A training registration's address confirmation, and its cancellation (registration id).
TRAINING_CONFIRM = "training-confirm"
TRAINING_CANCEL = "training-cancel"
# An open event's registration: the address's confirmation, and its cancellation (registration id).
OUTREACH_CONFIRM = "outreach-confirm"
OUTREACH_CANCEL = "outreach-cancel"
# An assignment's step, answered by the party whose step it is (interest id, host|home|person).
EXCHANGE_ANSWER = "exchange-answer"
# A member of staff's sign-in link (the id of their request, which membership accepts once).
STAFF_SIGN_IN = "staff-sign-in"
MAX_LENGTH = 400


class InvalidLink(ValueError):
    """The link cannot be used; the message says why, for the person who followed it, and
    `code` says it for a program: `forged`, `purpose`, `expired`, `unconfigured`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Link:
    purpose: str
    fields: tuple[str, ...]
    expires_on: date


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), payload, hashlib.sha256).digest()[:18]


def sign_link(key: str, purpose: str, fields: tuple[str, ...], expires_on: date) -> str:
    if not key:
        raise ValueError("no LINK_SIGNING_KEY: links cannot be signed")
    if any(SEPARATOR in f for f in (purpose, *fields)):
        raise ValueError(f"a link's fields cannot hold {SEPARATOR!r}")
    payload = SEPARATOR.join((purpose, expires_on.isoformat(), *fields)).encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def read_link(key: str, token: str, purpose: str, today: date) -> Link:
    """The link's contents, when it was signed with `key` for `purpose` and has not expired."""
    if not key:
        raise InvalidLink("unconfigured", "links cannot be checked here (no signing key)")
    try:
        encoded, signature = token.split(".")
        payload = _unb64(encoded)
        given = _unb64(signature)
    except ValueError:
        raise InvalidLink("forged", "this is not a link of ours") from None
    if len(token) > MAX_LENGTH or not hmac.compare_digest(_mac(key, payload), given):
        raise InvalidLink("forged", "this is not a link of ours (it may have been changed)")
    kind, expires, *fields = payload.decode().split(SEPARATOR)
    if kind != purpose:
        raise InvalidLink("purpose", "this link is for something else")
    expires_on = date.fromisoformat(expires)
    if today > expires_on:
        raise InvalidLink("expired", f"this link expired on {expires_on.isoformat()}")
    return Link(kind, tuple(fields), expires_on)


def link_digest(token: str) -> bytes:
    """What is kept of a used link: its hash."""
    return hashlib.sha256(token.encode()).digest()
