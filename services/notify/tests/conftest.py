"""An SMTP sink of the test's own, which can be stopped and started again."""

from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from myndnet_kit.testing import free_port


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=default_policy
        )
        message["X-Sink-Rcpt-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Sink-Rcpt-To"]]


@pytest.fixture
def sink():
    sink = Sink()
    sink.start()
    yield sink
    sink.stop()
