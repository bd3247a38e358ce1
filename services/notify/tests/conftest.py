"""An SMTP sink of the test's own, which can be stopped and started again."""

import pytest
from myndnet_testing import MailSink


@pytest.fixture
def sink():
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()
