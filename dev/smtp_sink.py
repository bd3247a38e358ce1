"""A local SMTP sink: every message it accepts becomes one file in a Maildir.

    python dev/smtp_sink.py --port 1025 --maildir .run/mail

The envelope is kept in two header lines before each message (`X-Sink-Mail-From`,
`X-Sink-Rcpt-To`) so tests can read who got what. The server is the tests' one SMTP sink,
`myndnet_testing.MailSink`.
"""

import argparse
import mailbox
import signal
import threading
from pathlib import Path

from myndnet_testing import MailSink


def serve(host: str, port: int, maildir: Path) -> None:
    box = mailbox.Maildir(maildir, create=True)
    lock = threading.Lock()  # aiosmtpd's thread writes; keep one writer at a time regardless

    def keep(message: bytes, at: float) -> None:
        with lock:
            box.add(message)

    sink = MailSink(host=host, port=port, note=keep)
    sink.start()
    print(f"SMTP sink on {host}:{port}, keeping messages in {maildir}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    sink.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args()
    serve(args.host, args.port, args.maildir)
