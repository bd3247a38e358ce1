"""The log of what people did, kept in the service that owns the change (so an action through
the API is logged like one in the console): who, when, what, on what, for 2 years.

Who: the signed-in coordinator the site acts for (it names their work address in
`X-Acting-For`, with its operator token), or `operator` for a token used directly. The
retention job removes actions two years old (`retention.AUDIT_LOG_KEPT`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import Request

ACTING_FOR = "X-Acting-For"
OPERATOR = "operator"
_MAX_ACTOR = 254


@dataclass(frozen=True)
class Action:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
        }


def actor_of(request: Request) -> str:
    """Who acts in an operator's request: the address the site names, or the operator."""
    named = request.headers.get(ACTING_FOR, "").strip().lower()
    if named and len(named) <= _MAX_ACTOR and "@" in named and named.isprintable():
        return named
    return OPERATOR


async def record(
    conn: asyncpg.Connection,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> None:
    """In the transaction of the change itself, so that an action and its record go together."""
    await conn.execute(
        "INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4)",
        actor,
        action,
        subject,
        details or {},
    )


async def actions(
    conn: asyncpg.Connection,
    *,
    subjects: list[str] | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[Action]:
    """The latest first; only those on `subjects` when given."""
    rows = await conn.fetch(
        "SELECT id, at, actor, action, subject, details FROM audit_log "
        "WHERE ($1::text[] IS NULL OR subject = ANY($1)) AND ($2::bigint IS NULL OR id < $2) "
        "ORDER BY id DESC LIMIT $3",
        subjects,
        before_id,
        limit,
    )
    return [
        Action(r["id"], r["at"], r["actor"], r["action"], r["subject"], r["details"]) for r in rows
    ]
