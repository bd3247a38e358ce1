"""Operator tokens: parsing, hashing and the 401/403 rules (no servers needed)."""

import hashlib

import httpx
from fastapi import FastAPI
from myndnet_kit.auth import parse_operator_tokens, require_operator


def app_with(spec: str) -> FastAPI:
    app = FastAPI()
    app.state.operator_tokens = parse_operator_tokens(spec)

    @app.get("/replay", dependencies=[require_operator("dlq:replay")])
    async def replay() -> dict[str, bool]:
        return {"ok": True}

    return app


async def call(app: FastAPI, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return (await c.get("/replay", headers=headers)).status_code


async def test_no_token_is_401_a_wrong_one_401_and_one_without_the_right_403():
    app = app_with("alpha=dlq:replay; beta=membership:write; gamma")
    assert await call(app, None) == 401
    assert await call(app, "nope") == 401
    assert await call(app, "beta") == 403
    assert await call(app, "alpha") == 200
    assert await call(app, "gamma") == 200  # no scopes listed: every right


async def test_a_token_may_be_configured_by_its_hash_only():
    digest = hashlib.sha256(b"s3cret").hexdigest()
    app = app_with(f"sha256:{digest}=dlq:replay")
    assert await call(app, "s3cret") == 200
    assert await call(app, f"sha256:{digest}") == 401


def test_only_hashes_are_kept():
    [token] = parse_operator_tokens("plain-text-token=*")
    assert b"plain-text-token" not in token.digest
    assert token.allows("anything")
