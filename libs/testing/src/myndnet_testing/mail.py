"""Mail for tests and benchmarks: the one SMTP sink (`MailSink`), and mail as a relay sends it
back: delivery status notifications (RFC 3464) about a letter, written as Postfix writes them."""

import asyncio
import threading
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from typing import Any

from myndnet_testing.processes import free_port

BOUNDARY = "8C3E2A1F.1765065600/relay.example.se"


def delivery_report(
    message_id: str,
    recipient: str,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
    headers_only: bool = False,
) -> bytes:
    """A `multipart/report; report-type=delivery-status` about the letter `message_id` sent
    to `recipient`: with the returned message whole, or only its headers."""
    returned_headers = (
        "From: =?utf-8?b?TXluZGlnaGV0c27DpHR2ZXJrZXQ=?= <jobb@myndnet.se>\r\n"
        f"To: {recipient}\r\n"
        "Subject: Nytt jobb\r\n"
        f"Message-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
    )
    if headers_only:
        returned = f"Content-Type: text/rfc822-headers\r\n\r\n{returned_headers}"
    else:
        returned = (
            "Content-Description: Undelivered Message\r\n"
            "Content-Type: message/rfc822\r\n\r\n"
            f"{returned_headers}\r\nEtt nytt jobb.\r\n"
        )
    text = (
        "From: MAILER-DAEMON@relay.example.se (Mail Delivery System)\r\n"
        "To: bounces@myndnet.se\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon,  7 Dec 2026 01:00:00 +0100 (CET)\r\n"
        "Message-ID: <20261207000000.8C3E2A1F@relay.example.se>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{BOUNDARY}"\r\n'
        "\r\n"
        "This is a MIME-encapsulated message.\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is the mail system at host relay.example.se.\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n"
        "\r\n"
        f"<{recipient}>: host mx.example.org said: 550 the mailbox refused\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; relay.example.se\r\n"
        "X-Postfix-Queue-ID: 8C3E2A1F\r\n"
        "Arrival-Date: Mon,  7 Dec 2026 00:59:58 +0100 (CET)\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; mx.example.org\r\n"
        f"Diagnostic-Code: {diagnostic.format(recipient=recipient)}\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        f"{returned}"
        "\r\n"
        f"--{BOUNDARY}--\r\n"
    )
    return text.encode()


class MailSink:
    """An SMTP server for tests that keeps every message it accepts, parsed, with its envelope
    recipients in `X-Sink-Rcpt-To`. Addresses `refuse` picks get 550 with the address echoed,
    as real mail servers answer, or the reply `refuse` returns for them. With `login` it is a
    relay that wants AUTH with that user name and password before it takes any mail. With
    `delay` it waits that many seconds before each reply to DATA: a slower mail server. It may
    be stopped and started again on the same port (a mail server that goes away).

    For benchmarks and `make up`'s mail server (dev/smtp_sink.py): with `note`, nothing is
    kept; each message's bytes, with its envelope in the two `X-Sink-` header lines before it,
    and its arrival time (the wall clock, as Kafka's timestamps) go to `note`. `lean` serves
    with `LeanSmtp` instead of aiosmtpd: every message accepted, no extensions, no envelope,
    about a third of aiosmtpd's CPU a letter, which leaves more of the host's cores to what is
    measured."""

    def __init__(
        self,
        refuse: Callable[[str], bool | str] = lambda address: False,
        login: tuple[str, str] | None = None,
        starttls: Any = None,
        delay: float = 0.0,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        note: Callable[[bytes, float], None] | None = None,
        lean: bool = False,
    ) -> None:
        assert not lean or (note is not None and login is None and starttls is None), (
            "the lean sink only notes what it accepts"
        )
        self.host = host
        self.port = port or free_port()
        self.delay = delay
        self.refuse = refuse
        self.login = login
        self.starttls = starttls  # an ssl.SSLContext: STARTTLS offered, and wanted before AUTH
        self.note = note
        self.lean = lean
        self.messages: list[Message] = []
        self.logins = 0  # successful AUTH commands
        self.refused = 0  # recipients refused
        self._controller: Any = None
        self._lean_loop: asyncio.AbstractEventLoop | None = None
        self._lean_thread: threading.Thread | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        refusal = self.refuse(address)
        if refusal:
            self.refused += 1
            return (
                refusal
                if isinstance(refusal, str)
                else (f"550 5.1.1 <{address}>: Recipient address rejected")
            )
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        assert self.login is not None
        given = (
            (auth_data.login.decode(), auth_data.password.decode())
            if isinstance(auth_data, LoginPassword)
            else None
        )
        if given == self.login:
            self.logins += 1
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.note is not None:
            envelope_lines = (
                f"X-Sink-Mail-From: {envelope.mail_from or ''}\r\n"
                f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
            ).encode()
            self.note(envelope_lines + (envelope.original_content or envelope.content), time.time())
            return "250 Message accepted for delivery"
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=default_policy
        )
        message["X-Sink-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        message["X-Sink-Mail-From"] = envelope.mail_from
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Sink-Rcpt-To"]]

    @property
    def received(self) -> list[tuple[str, str, str]]:
        """(first recipient, Message-ID, envelope sender) of every message, in order."""
        return [
            (m["X-Sink-Rcpt-To"].split(", ")[0], str(m["Message-ID"]), m["X-Sink-Mail-From"])
            for m in self.messages
        ]

    def start(self) -> None:
        if self.lean:
            self._start_lean()
            return
        from aiosmtpd.controller import Controller

        relay: dict[str, Any] = (
            {
                "authenticator": self._authenticate,
                "auth_required": True,
                # Without TLS, loopback only: the test relay takes the login in the clear, as
                # notify sends it to a relay on this machine with SMTP_SECURITY=none.
                "auth_require_tls": self.starttls is not None,
            }
            if self.login
            else {}
        )
        if self.starttls is not None:
            relay |= {"tls_context": self.starttls, "require_starttls": True}
        self._controller = Controller(self, hostname=self.host, port=self.port, **relay)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._lean_loop is not None and self._lean_thread is not None:
            self._lean_loop.call_soon_threadsafe(self._lean_loop.stop)
            self._lean_thread.join(10)
            self._lean_loop = self._lean_thread = None

    def _start_lean(self) -> None:
        assert self.note is not None
        note, ready = self.note, threading.Event()
        loop = asyncio.new_event_loop()

        def serve() -> None:
            server = loop.run_until_complete(
                loop.create_server(lambda: LeanSmtp(note), self.host, self.port)
            )
            ready.set()
            loop.run_forever()
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._lean_loop = loop
        self._lean_thread = threading.Thread(target=serve, name="lean-smtp-sink", daemon=True)
        self._lean_thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SMTP sink did not start")


class LeanSmtp(asyncio.Protocol):
    """A minimal SMTP server (`MailSink(lean=True)`): one message at a time, no extensions,
    every message accepted and handed to `note` with its arrival time."""

    def __init__(self, note: Callable[[bytes, float], None]) -> None:
        self.note = note
        self.buffer = b""
        self.in_data = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while True:
            if self.in_data:  # the buffer begins with the CRLF that ended the DATA line
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                message = self.buffer[2 : end + 2].replace(b"\r\n..", b"\r\n.")
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                self.note(message, time.time())
                self.transport.write(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            verb = self.buffer[:4].upper()
            self.buffer = self.buffer[end + 2 :]
            if verb == b"DATA":
                self.in_data = True
                self.buffer = b"\r\n" + self.buffer
                self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 Bye\r\n")
                self.transport.close()
                return
            elif verb in (b"EHLO", b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.transport.write(b"250 OK\r\n")
            else:
                self.transport.write(b"502 Command not implemented\r\n")
