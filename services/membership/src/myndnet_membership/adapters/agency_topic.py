"""What `membership.agencies` holds, read back at start so that a topic that lost its data is
given it again."""

from myndnet_kit.kafka import latest_records
from myndnet_schemas import parse
from myndnet_schemas.connection import KafkaConnection
from myndnet_schemas.envelope import EnvelopeError
from myndnet_schemas.events import AgencyState


async def announced_agencies(kafka: str | KafkaConnection, topic: str) -> set[str]:
    """The agencies the topic holds a state of (a record that is not an agency event is left
    out: it is no state of any agency)."""
    codes = set()
    for record in (await latest_records(kafka, topic)).values():
        try:
            event = parse(record.headers, record.key, record.value)
        except EnvelopeError:
            continue
        if isinstance(event.data, AgencyState):
            codes.add(event.data.code)
    return codes
