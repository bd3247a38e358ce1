"""Operator tokens: parsing, hashing and the 401/403 rules (no servers needed)."""

import hashlib

import httpx
import pytest
from fastapi import FastAPI
from myndnet_kit.auth import OperatorTokensError, parse_operator_tokens, require_operator


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
    app = app_with("alpha=dlq:replay; beta=membership:write; gamma=*")
    assert await call(app, None) == 401
    assert await call(app, "nope") == 401
    assert await call(app, "beta") == 403
    assert await call(app, "alpha") == 200
    assert await call(app, "gamma") == 200  # * is every right


async def test_a_token_may_be_configured_by_its_hash_only():
    digest = hashlib.sha256(b"s3cret").hexdigest()
    app = app_with(f"sha256:{digest}=dlq:replay")
    assert await call(app, "s3cret") == 200
    assert await call(app, f"sha256:{digest}") == 401


def test_only_hashes_are_kept():
    [token] = parse_operator_tokens("plain-text-token=*")
    assert b"plain-text-token" not in token.digest
    assert token.allows("anything")


async def test_a_token_may_hold_equals_signs_the_rights_follow_the_last_one():
    app = app_with("abc==def=dlq:replay")
    assert await call(app, "abc==def") == 200
    assert await call(app, "abc") == 401


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("lonely-token", "lists no rights"),
        ("alpha=dlq:replay;beta", "entry 2 lists no rights"),
        ("alpha=", "empty list of rights"),
        ("alpha= , ", "empty list of rights"),
        ("=dlq:replay", "lists no rights"),
        ("change-me-local-operator-token=*", "published default"),
        ("sha256:abcd=*", "64 hex digits"),
    ],
)
def test_configuration_fails_closed_and_says_why_without_quoting_the_token(spec, says):
    with pytest.raises(OperatorTokensError) as refused:
        parse_operator_tokens(spec)
    assert says in str(refused.value)
    assert "lonely-token" not in str(refused.value)


def test_a_service_does_not_start_with_a_default_token():
    from sample_service import SampleSettings, build

    settings = SampleSettings(  # type: ignore[call-arg]
        SAMPLE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
        SAMPLE_TOPIC="sample.auth",
        OPERATOR_TOKENS="change-me-local-operator-token=*",
    )
    with pytest.raises(OperatorTokensError):
        build(settings)
