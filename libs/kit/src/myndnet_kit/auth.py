"""Operator bearer tokens: 401 without one, 403 with one lacking the right.

`OPERATOR_TOKENS` holds entries separated by ';', each `TOKEN=RIGHT,RIGHT`, with `*` for every
right; the rights follow the last '=', so a token may itself hold '='. An entry that lists no
rights is an error, not every right: configuration fails closed. TOKEN may be written
`sha256:<hex>` so that the plain token is nowhere in the configuration. Only hashes are kept in
memory and they are compared in constant time. A token known to be a published default (such as
the old docker-compose one) is refused, and the service does not start.
"""

import hashlib
import hmac
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ALL_RIGHTS = "*"
_bearer = HTTPBearer(auto_error=False, description="An operator token")


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class OperatorToken:
    digest: bytes
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return ALL_RIGHTS in self.scopes or scope in self.scopes


# Tokens that have appeared in this project's files or are the usual placeholders.
KNOWN_DEFAULTS = frozenset(
    {
        "change-me-local-operator-token",
        "change-me",
        "changeme",
        "secret",
        "token",
        "operator",
        "admin",
        "password",
    }
)


class OperatorTokensError(ValueError):
    """OPERATOR_TOKENS cannot be used; the message says why without quoting a token."""


def parse_operator_tokens(spec: str) -> list[OperatorToken]:
    tokens = []
    for number, entry in enumerate(filter(None, (p.strip() for p in spec.split(";"))), start=1):
        secret, equals, scopes = entry.rpartition("=")
        secret = secret.strip()
        rights = frozenset(s.strip() for s in scopes.split(",") if s.strip())
        if not equals or not secret:
            raise OperatorTokensError(
                f"OPERATOR_TOKENS entry {number} lists no rights: write TOKEN=RIGHT,RIGHT, "
                "or TOKEN=* for every right"
            )
        if not rights:
            raise OperatorTokensError(
                f"OPERATOR_TOKENS entry {number} has an empty list of rights: name them, "
                "or write * for every right"
            )
        if secret.lower() in KNOWN_DEFAULTS:
            raise OperatorTokensError(
                f"OPERATOR_TOKENS entry {number} is a published default token; make your own, "
                "for example with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if secret.startswith("sha256:"):
            try:
                digest = bytes.fromhex(secret.removeprefix("sha256:"))
            except ValueError:
                digest = b""
            if len(digest) != hashlib.sha256().digest_size:
                raise OperatorTokensError(
                    f"OPERATOR_TOKENS entry {number}: sha256: must be followed by 64 hex digits"
                )
        else:
            digest = token_hash(secret)
        tokens.append(OperatorToken(digest, rights))
    return tokens


def _find(tokens: list[OperatorToken], presented: str) -> OperatorToken | None:
    digest = token_hash(presented)
    found = None
    for token in tokens:  # no early exit: the time taken does not say which entry matched
        if hmac.compare_digest(token.digest, digest):
            found = token
    return found


def require_operator(scope: str):
    """A FastAPI dependency: the request carries an operator token with `scope`."""

    def check(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> OperatorToken:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                401,
                "an operator token is required (Authorization: Bearer ...)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token = _find(request.app.state.operator_tokens, credentials.credentials)
        if token is None:
            raise HTTPException(
                401, "the operator token is not valid", headers={"WWW-Authenticate": "Bearer"}
            )
        if not token.allows(scope):
            raise HTTPException(403, f"the operator token lacks the right {scope!r}")
        return token

    return Depends(check)


def presented_token_allows(request: Request, scope: str) -> bool:
    """Whether the request carries an operator token with `scope` (never raises): for an
    endpoint open to everyone that trusts more of what a holder of the right says."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return False
    token = _find(request.app.state.operator_tokens, presented.strip())
    return token is not None and token.allows(scope)
