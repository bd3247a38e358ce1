"""E-mail: Jinja2 templates (autoescaped HTML, plain text beside it) and pooled SMTP."""

import asyncio
import base64
import contextlib
import functools
import ipaddress
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any, Literal

import aiosmtplib
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    select_autoescape,
)
from myndnet_kit.i18n import load_catalogues

from myndnet_notify.adapters.letters import TranslatingLoader
from myndnet_notify.domain.delivery import SendFailure, refused

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FROM_NAME, FROM_ADDRESS = "Myndighetsnätverket", "jobb@myndnet.se"

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("sv", "en")


class LetterEnvironment(Environment):
    """Jinja2 for letters whose values are plain dicts (events' payloads, decoded JSON).

    `v.title` on a dict is looked up as a key first: Jinja's own order tries the attribute
    first, and the `AttributeError` each dict raises cost a fifth of rendering an alert."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


class Templates:
    """Every letter, one template a kind (and `.txt.j2`, `.html.j2`), written in each language
    from notify's catalogues (`locales/<language>/LC_MESSAGES/letters.po`)."""

    def __init__(self) -> None:
        self.catalogues = load_catalogues(LOCALES, "letters", LANGUAGES)
        # Compiled now rather than by the first letter of each kind, which
        # waited for it and held up the letters behind it; and kept here, found by one dict
        # lookup a letter instead of through the environment's `get_template`.
        self.compiled = {language: self._compile(language) for language in LANGUAGES}

    def _compile(self, language: str) -> dict[str, Template]:
        catalogue = self.catalogues[language]
        environment = LetterEnvironment(
            # The catalogue's words are written into the sources as they load (letters.py).
            loader=TranslatingLoader(FileSystemLoader(TEMPLATES), catalogue),
            undefined=StrictUndefined,
            autoescape=select_autoescape(["html.j2"]),
            keep_trailing_newline=True,
            auto_reload=False,  # templates ship with the code; no stat() per e-mail
            # A plain dict, not Jinja's LRU cache (a lock and a reordered deque a lookup): each
            # alert's `{% extends %}` looks its layout up there.
            cache_size=-1,
        )
        # The letters use none of Jinja's default globals (range, dict, lipsum, cycler, joiner,
        # namespace): a template that wants one fails its tests (strict). Each template below
        # gets this one empty dict as its globals, not the ChainMap Jinja would give it: a
        # render walked it to copy and name the globals, a third of rendering an alert.
        environment.globals.clear()
        environment.filters["date"] = catalogue.date
        environment.filters["plural_form"] = catalogue.plural_index
        compiled = {name: environment.get_template(name) for name in environment.list_templates()}
        for template in compiled.values():
            template.globals = environment.globals
        return compiled

    def subject(self, kind: str, language: str, context: dict[str, Any]) -> str:
        catalogue = self.catalogues[language]
        vacancies = context.get("vacancies") or [{}]
        if kind == "digest":
            return catalogue.plural("subject.digest", len(vacancies))
        return catalogue.text(
            f"subject.{kind}",
            title=vacancies[0].get("title", ""),
            other=(context.get("other") or {}).get("name", ""),
            month=context.get("month", ""),
            course=(context.get("session") or {}).get("course_title", ""),
            event=(context.get("event") or {}).get("title", "")
            or (context.get("assignment") or {}).get("title", ""),
            campaign=context.get("campaign_subject", ""),
            starts=context.get("starts", ""),
        )

    def render(self, kind: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
        subject = self.subject(kind, language, context)
        values = {**context, "language": language, "subject": subject}
        values.setdefault("unsubscribe_url", None)
        values.setdefault("manage_url", None)
        values.setdefault("answer_url", None)  # mentoring's links, when a key signs them
        values.setdefault("checkin_url", None)
        values.setdefault("confirm_url", None)  # trainings' links, when a key signs them
        values.setdefault("cancel_url", None)
        values.setdefault("sign_in_url", None)  # staff's sign-in link, when a key signs it
        values.setdefault("calendar_url", None)  # an open event's calendar file
        compiled = self.compiled[language]
        text = self.template(compiled, f"{kind}.txt.j2").render(values)
        page = compiled.get(f"{kind}.html.j2")
        if page is None:  # a letter, not a layout: its HTML is its text
            page = self.template(compiled, "letter.html.j2")
            values["paragraphs"] = [p.strip() for p in text.split("\n\n") if p.strip()]
        return subject, text, page.render(values)

    @staticmethod
    def template(compiled: dict[str, Template], name: str) -> Template:
        try:
            return compiled[name]
        except KeyError:
            raise TemplateNotFound(name) from None


@dataclass(frozen=True)
class Mail:
    """A message ready for SMTP: its envelope and its bytes."""

    sender: str
    recipient: str
    data: bytes


class UnsendableHeader(ValueError):
    """A value that cannot go into its header as it is (an address with a line break)."""


def encoded_words(text: str) -> str:
    """A header value as RFC 2047 allows it: as it is when it is plain printable ASCII of a
    line's length, else UTF-8 in base64 encoded words of at most 75 characters each, on folded
    lines, never splitting a character. A line break in the text (a vacancy's title is an
    agency's free text) is encoded with the rest, so it cannot start a header of its own."""
    if text.isascii() and text.isprintable() and len(text) <= 900:
        return text
    data, words, start = text.encode(), [], 0
    while True:
        end = start + 45  # 45 bytes are 60 in base64: 72 with the markers
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: back off
            end -= 1
        words.append(data[start:end])
        if end >= len(data):
            break
        start = end
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


def _base64_lines(text: str) -> str:
    """The text in UTF-8, in base64 lines of 76 characters (RFC 2045), each ending CRLF."""
    data = base64.b64encode(text.encode()).decode()
    return "\r\n".join([data[i : i + 76] for i in range(0, len(data), 76)]) + "\r\n"


# RFC 2045 chose "=_" for boundaries because it cannot occur in base64 (nor quoted-printable):
# both parts are base64, so one fixed boundary never appears inside them and needs no random
# part of its own.
BOUNDARY = "=_myndnet_alternative"


@functools.lru_cache(maxsize=1)
def _date_header(second: int) -> str:
    """The Date header's text, written once a second rather than for every letter."""
    return formatdate(second, localtime=False)


SENDER_HEADER = f"{encoded_words(FROM_NAME)} <{FROM_ADDRESS}>"


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    unsubscribe_url: str | None,
    traceparent: str | None = None,
) -> Mail:
    """A multipart/alternative message, plain text and HTML, both UTF-8 in base64.

    Written out here rather than with the standard `email` package: the package's generator
    compiles a regular expression per message and folds every header through its `Header`
    class, which made building a message cost more than sending it through a pooled SMTP
    connection (bench/notify.py). The tests parse what this builds with the
    `email` package's strictest policy."""
    to.encode("ascii")  # a UnicodeError: an address SMTP cannot carry (see `classify`)
    headers = {
        "To": to,
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{unsubscribe_url}>" if unsubscribe_url else None,
        "Traceparent": traceparent,  # W3C Trace Context: the event that caused this e-mail
    }
    for name, value in headers.items():
        if value is not None and ("\r" in value or "\n" in value):
            raise UnsendableHeader(f"a line break in the {name} header")
    lines = [
        f"From: {SENDER_HEADER}",
        f"To: {to}",
        f"Subject: {encoded_words(subject)}",
        f"Date: {_date_header(int(time.time()))}",
        f"Message-ID: {message_id}",
    ]
    if traceparent:
        lines.append(f"Traceparent: {traceparent}")
    if unsubscribe_url:  # RFC 8058 one-click unsubscribe; not folded (SMTP allows 998)
        lines.append(f"List-Unsubscribe: <{unsubscribe_url}>")
        lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    lines += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{BOUNDARY}"',
        "",
    ]
    for subtype, body in (("plain", text), ("html", html)):
        lines += [
            f"--{BOUNDARY}",
            f'Content-Type: text/{subtype}; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            _base64_lines(body),
        ]
    lines.append(f"--{BOUNDARY}--\r\n")
    return Mail(FROM_ADDRESS, to, "\r\n".join(lines).encode("ascii"))


SmtpSecurity = Literal["none", "starttls", "tls"]


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine, where nothing is sent over a network."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpRelay:
    """Where letters are handed over, and how: a relay wants a login, and the login wants TLS
    (`tls` from the first byte, as on port 465, or `starttls`, as on 587)."""

    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    security: SmtpSecurity = "none"
    ca_file: str = ""  # a CA bundle for the relay's certificate, where it is not a public one

    def client(self, timeout: float) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=timeout,
            username=self.username or None,
            password=self.password or None,
            use_tls=self.security == "tls",
            # False, not aiosmtplib's default None: "none" must not upgrade on its own either,
            # so that what is configured is what happens.
            start_tls=self.security == "starttls",
            cert_bundle=self.ca_file or None,
        )


class SmtpPool:
    """A few open SMTP connections, reused; a broken one is dropped and opened again."""

    def __init__(
        self,
        host: str | SmtpRelay,
        port: int = 25,
        size: int = 4,
        timeout: float = 10.0,
    ) -> None:
        self.relay = host if isinstance(host, SmtpRelay) else SmtpRelay(host, port)
        self.size, self.timeout = size, timeout
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._slots = asyncio.Semaphore(size)

    async def send(self, write: Callable[[], Mail]) -> Mail:
        """Send the letter `write` returns, and return it. It is written once a connection is
        free: a round's letters all written up front held the event loop, and the replies to
        the letters already on their way waited for it."""
        async with self._slots:
            mail = write()
            client = self._idle.get_nowait() if not self._idle.empty() else None
            try:
                if client is None or not client.is_connected:
                    client = self.relay.client(self.timeout)
                    await client.connect()
                await client.sendmail(mail.sender, [mail.recipient], mail.data)
            except BaseException:
                if client is not None:
                    with contextlib.suppress(Exception):
                        client.close()
                raise
            self._idle.put_nowait(client)
            return mail

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            with contextlib.suppress(Exception):
                await client.quit()


# -- what a failed try means ------------------------------------------------------------


def without_address(error: str, address: str) -> str:
    """An SMTP error as logged, stored and announced: mail servers echo the recipient, and a
    candidate's address must not leave the subscriptions table."""
    return re.sub(re.escape(address), "<recipient>", error, flags=re.IGNORECASE)[:500]


def classify(exc: Exception, address: str) -> SendFailure:
    """What a failed try means for the delivery (see `domain.delivery`)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # One recipient a letter: the refusal is of that one.
        first = exc.recipients[0]
        error = f"the address was refused: {without_address(repr(exc), address)}"
        return refused(first.code, first.message, error)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return refused(exc.code, exc.message, without_address(repr(exc), address))
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        # The relay lacks what it is configured for (STARTTLS, AUTH): a setting, not the mail.
        error = without_address(repr(exc), address)
        return SendFailure(error, permanent=False, relay_refusal="not supported")
    if isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError | ssl.SSLError):
        return SendFailure(without_address(repr(exc), address), permanent=False)
    if isinstance(exc, UnsendableHeader):
        return SendFailure(f"the message cannot be written: {exc}", permanent=True)
    if isinstance(exc, UnicodeError):
        # An address (or header) the SMTP path cannot carry; sign-up refuses such addresses,
        # so this is one stored before that rule.
        return SendFailure("the message cannot be encoded for SMTP (non-ASCII address)", True)
    # A fault of ours (a template, a bug): tried again with growing pauses, a bounded number of
    # times, so a fix can still deliver it. Only the type: the message may quote the address.
    return SendFailure(f"could not build or send the message: {type(exc).__name__}", False)
