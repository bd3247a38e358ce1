"""A local SMTP sink: every message it accepts becomes one file in a Maildir.

    python dev/smtp_sink.py --port 1025 --maildir .run/mail

The envelope recipients are kept in an `X-Sink-Rcpt-To` header so tests can read who got what.
"""

import argparse
import asyncio
import mailbox
import signal
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirHandler:
    def __init__(self, maildir: Path) -> None:
        self.box = mailbox.Maildir(maildir, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        # The message exactly as received, with the envelope in two header lines before it.
        envelope_lines = (
            f"X-Sink-Mail-From: {envelope.mail_from or ''}\r\n"
            f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        self.box.add(envelope_lines + raw)
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, maildir: Path) -> None:
    controller = Controller(MaildirHandler(maildir), hostname=host, port=port)
    controller.start()
    print(f"SMTP sink on {host}:{port}, keeping messages in {maildir}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    controller.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.maildir))
