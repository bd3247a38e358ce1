"""Staff signed in on the site: the form that asks for a link, the session cookie and the CSRF
tokens of signed-in forms. Plain Python.

The cookie holds membership's session token, signed with the site's `SESSION_SIGNING_KEY`, so
a cookie the site did not set is refused before membership is asked. A form's CSRF token is an
HMAC of the session token: it changes with every sign-in and is worthless without the cookie.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from myndnet_web.domain.alerts import EMAIL

COOKIE = "myndnet_session"
SESSION_SECONDS = 12 * 3600
SESSION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
CSRF_FIELD = "csrf_token"


@dataclass
class SignInForm:
    email: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "SignInForm":
        asked = cls(email=form.get("email", "").strip()[:254])
        if not asked.email:
            asked.errors["email"] = "email_missing"
        elif not EMAIL.fullmatch(asked.email) or not asked.email.isprintable():
            asked.errors["email"] = "email_invalid"
        return asked


@dataclass(frozen=True)
class Staff:
    """Who is signed in, with the roles membership gives them now."""

    session: str
    email: str
    staff_of: str | None
    coordinates: tuple[str, ...]
    network_coordinator: bool

    @classmethod
    def from_membership(cls, session: str, answer: dict[str, Any]) -> "Staff":
        return cls(
            session,
            answer["email"],
            answer.get("staff_of"),
            tuple(answer.get("coordinates") or ()),
            bool(answer.get("network_coordinator")),
        )

    @property
    def coordinator(self) -> bool:
        return self.network_coordinator or bool(self.coordinates)


def _mac(key: str, purpose: str, text: str) -> str:
    digest = hmac.new(key.encode(), f"{purpose}|{text}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def cookie_value(key: str, session: str) -> str:
    return f"{session}.{_mac(key, 'session', session)}"


def session_of(key: str, cookie: str | None) -> str | None:
    """The session token a cookie of ours carries; None for any other cookie."""
    if not key or not cookie:
        return None
    session, _, signature = cookie.rpartition(".")
    if not SESSION_TOKEN.fullmatch(session):
        return None
    if not hmac.compare_digest(signature.encode(), _mac(key, "session", session).encode()):
        return None
    return session


def csrf_token(key: str, session: str) -> str:
    return _mac(key, "csrf", session)


def csrf_valid(key: str, session: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), csrf_token(key, session).encode())
