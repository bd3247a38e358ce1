"""The bounce mailbox, where a relay returns delivery status notifications: a Maildir on this
machine (`BOUNCE_MAILDIR`) or an IMAP mailbox (`BOUNCE_IMAP_URL`). Each pass opens it, reads
what is new, and puts each message aside: a report it handled goes to the folder `Handled`; a
message it could not use is kept where a person sees it (still unread) and not read again."""

import asyncio
import contextlib
import os
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from aioimaplib import IMAP4, IMAP4_SSL

HANDLED = "Handled"
KEPT_KEYWORD = "MyndnetKept"  # IMAP: kept for a person, not to be read again


@dataclass(frozen=True)
class Letter:
    key: str  # the file's name (Maildir) or the UID (IMAP): what a log line may name
    raw: bytes


class OpenMailbox(Protocol):
    async def unread(self) -> list[Letter]: ...
    async def handled(self, letter: Letter) -> None: ...
    async def keep(self, letter: Letter) -> None: ...


class BounceMailbox(Protocol):
    name: str

    def opened(self) -> contextlib.AbstractAsyncContextManager[OpenMailbox]: ...


@dataclass
class MaildirBounces:
    """A Maildir: new mail in `new/`; handled reports move to the Maildir++ folder
    `.Handled`, kept messages to `cur/` unseen (so a mail client shows them unread)."""

    path: Path
    name: str = "Maildir"

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[OpenMailbox]:
        for sub in ("tmp", "new", "cur", f".{HANDLED}/tmp", f".{HANDLED}/new", f".{HANDLED}/cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        yield _OpenMaildir(self.path)


@dataclass
class _OpenMaildir:
    path: Path

    async def unread(self) -> list[Letter]:
        return await asyncio.to_thread(self._new)

    def _new(self) -> list[Letter]:
        letters = []
        for entry in sorted(os.scandir(self.path / "new"), key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith("."):
                letters.append(Letter(entry.name, Path(entry.path).read_bytes()))
        return letters

    async def handled(self, letter: Letter) -> None:
        target = self.path / f".{HANDLED}" / "cur" / f"{letter.key}:2,S"
        os.replace(self.path / "new" / letter.key, target)

    async def keep(self, letter: Letter) -> None:
        os.replace(self.path / "new" / letter.key, self.path / "cur" / f"{letter.key}:2,")


@dataclass(frozen=True)
class ImapAddress:
    """`imaps://user:password@host[:port]/MAILBOX` (or `imap://` to this machine only)."""

    secure: bool
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    mailbox: str

    @classmethod
    def parse(cls, url: str) -> "ImapAddress":
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError(
                "BOUNCE_IMAP_URL must start with imaps:// (or imap:// on this machine)"
            )
        if not parts.hostname or not parts.username or parts.password is None:
            raise ValueError("BOUNCE_IMAP_URL must name a user, a password and a host")
        secure = parts.scheme == "imaps"
        return cls(
            secure,
            parts.hostname,
            parts.port or (993 if secure else 143),
            unquote(parts.username),
            unquote(parts.password),
            unquote(parts.path.lstrip("/")) or "INBOX",
        )


@dataclass
class ImapBounces:
    address: ImapAddress
    ca_file: str = ""
    timeout: float = 30.0
    name: str = "IMAP"

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[OpenMailbox]:
        a = self.address
        if a.secure:
            context = ssl.create_default_context(cafile=self.ca_file or None)
            client: IMAP4 = IMAP4_SSL(a.host, a.port, timeout=self.timeout, ssl_context=context)
        else:
            client = IMAP4(a.host, a.port, timeout=self.timeout)
        await client.wait_hello_from_server()
        try:
            _ok(await client.login(a.user, a.password), "log in")
            _ok(await client.select(_quoted(a.mailbox)), f"open the mailbox {a.mailbox!r}")
            # Where handled reports go; "already exists" is fine.
            await client.create(HANDLED)
            yield _OpenImap(client)
        finally:
            with contextlib.suppress(Exception):
                await client.logout()


@dataclass
class _OpenImap:
    client: IMAP4

    async def unread(self) -> list[Letter]:
        found = await self.client.uid_search(f"UNKEYWORD {KEPT_KEYWORD}")
        _ok(found, "search the mailbox")
        uids = found.lines[0].decode().split() if found.lines else []
        letters = []
        for uid in uids:
            if not uid.isdigit():
                continue
            fetched = await self.client.uid("fetch", uid, "(BODY.PEEK[])")
            _ok(fetched, f"fetch message {uid}")
            body = next(
                (bytes(line) for line in fetched.lines if isinstance(line, bytearray)), None
            )
            if body is not None:
                letters.append(Letter(uid, body))
        return letters

    async def handled(self, letter: Letter) -> None:
        _ok(await self.client.uid("move", letter.key, HANDLED), f"move message {letter.key}")

    async def keep(self, letter: Letter) -> None:
        # Only the keyword: the message stays unread for a person.
        stored = await self.client.uid("store", letter.key, "+FLAGS", f"({KEPT_KEYWORD})")
        _ok(stored, f"mark message {letter.key}")


class MailboxError(RuntimeError):
    pass


def _ok(response: object, what: str) -> None:
    result = getattr(response, "result", None)
    if result != "OK":
        lines = getattr(response, "lines", [])
        said = lines[-1].decode(errors="replace")[:200] if lines else ""
        raise MailboxError(f"could not {what}: {result} {said}".strip())


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
