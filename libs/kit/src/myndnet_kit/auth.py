"""Operator bearer tokens: 401 without one, 403 with one lacking the right.

`OPERATOR_TOKENS` holds entries separated by ';', each `TOKEN=SCOPE,SCOPE` (or just `TOKEN` for
every right). TOKEN may be written `sha256:<hex>` so that the plain token is nowhere in the
configuration. Only hashes are kept in memory and they are compared in constant time.
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


def parse_operator_tokens(spec: str) -> list[OperatorToken]:
    tokens = []
    for entry in filter(None, (part.strip() for part in spec.split(";"))):
        secret, _, scopes = entry.partition("=")
        secret = secret.strip()
        digest = (
            bytes.fromhex(secret.removeprefix("sha256:"))
            if secret.startswith("sha256:")
            else token_hash(secret)
        )
        rights = frozenset(s.strip() for s in scopes.split(",") if s.strip()) or frozenset(
            {ALL_RIGHTS}
        )
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
